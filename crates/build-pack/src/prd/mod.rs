//! The product requirements document (build-pack.md, "the original's PRD", 14 sections).
//!
//! [`Prd::from_source`] gathers the content from the step outputs into one structure; its
//! JSON form uses the original's keys (plus a few more that the Markdown shows), and
//! [`Prd::markdown`] writes the document from the same structure, leaving out every
//! section whose source steps have no output.

mod markdown;

use serde::Serialize;

use crate::views::{
    self, Challenge, ConceptSheets, Ideation, Journey, Persona, Reframe, SenseMaking,
    StakeholderMap, UserResearch, Validate,
};
use crate::Source;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Prd {
    pub title: String,
    pub executive_summary: Option<String>,
    pub problem_statement: Option<String>,
    pub key_pains: Vec<String>,
    pub target_users: Option<TargetUsers>,
    pub stakeholders: Vec<StakeholderRow>,
    pub research_insights: Vec<ResearchTheme>,
    pub findings: Vec<Finding>,
    pub user_journey: Option<UserJourney>,
    pub hmw_statement: Option<String>,
    pub hmw_context: Option<HmwContext>,
    pub solution: Option<Solution>,
    pub alternative_concepts: Vec<Solution>,
    pub features: Vec<Feature>,
    pub success_metrics: Vec<String>,
    pub assumptions: Vec<String>,
    pub risks: Vec<String>,
    pub implementation_roadmap: Vec<RoadmapPhase>,
    pub next_steps: Vec<String>,
    /// The sections drawn from steps not confirmed yet, with those steps' names; absent when
    /// every step the document draws on is confirmed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub drafts: Vec<DraftSection>,
}

/// A section drawn from unconfirmed steps: what may still change.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DraftSection {
    pub section: &'static str,
    pub steps: Vec<String>,
}

/// Each section of the PRD and the steps it is drawn from (what `from_source` reads for it).
pub(crate) const SECTION_STEPS: &[(&str, &[&str])] = &[
    ("Executive Summary", &["challenge", "concept"]),
    (
        "Problem Statement",
        &["challenge", "sense-making", "reframe"],
    ),
    ("Target Users", &["persona"]),
    ("Stakeholder Analysis", &["stakeholder-mapping"]),
    ("User Research Insights", &["user-research", "sense-making"]),
    ("User Journey", &["journey-mapping"]),
    ("Core Problem (How Might We)", &["reframe", "challenge"]),
    ("Solution Overview", &["concept"]),
    (
        "Feature Requirements by Release Phase",
        &["ideation", "concept"],
    ),
    ("Success Metrics", &["validate", "challenge"]),
    ("Assumptions & Risks", &["challenge", "validate", "concept"]),
    ("Implementation Roadmap", &["validate"]),
    ("Recommended Next Steps", &["validate"]),
];

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TargetUsers {
    pub name: String,
    pub role: String,
    pub age: Option<i64>,
    pub location: Option<String>,
    pub bio: String,
    pub quote: String,
    pub goals: Vec<String>,
    pub pains: Vec<String>,
    pub gains: Vec<String>,
    pub behaviors: Vec<String>,
    pub motivations: Vec<String>,
    pub frustrations: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StakeholderRow {
    pub name: String,
    pub category: String,
    /// The stakeholder's power, under the original's JSON key.
    pub influence: String,
    pub interest: String,
    pub notes: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ResearchTheme {
    pub theme: String,
    pub evidence: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Finding {
    pub finding: String,
    pub source: Option<String>,
    pub quote: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserJourney {
    pub persona_name: String,
    pub stages: Vec<JourneyStage>,
    pub dip_stage: Option<String>,
    pub dip_summary: String,
    pub dip_rationale: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JourneyStage {
    pub name: String,
    pub actions: String,
    pub emotions: String,
    pub pain_points: String,
    pub opportunities: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HmwContext {
    pub original_hmw: String,
    pub insights_applied: Vec<String>,
    pub evolution: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Solution {
    pub name: String,
    pub idea_source: String,
    pub usp: String,
    pub elevator_pitch: String,
    pub swot: views::Swot,
    pub feasibility: views::Feasibility,
}

#[derive(Debug, Serialize)]
pub(crate) struct Feature {
    pub phase: String,
    pub title: String,
    pub description: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct RoadmapPhase {
    pub phase: String,
    pub focus: String,
}

fn non_empty(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

impl Prd {
    pub(crate) fn from_source(source: &Source) -> Prd {
        let challenge: Option<Challenge> = views::read(source.output("challenge"));
        let stakeholders: Option<StakeholderMap> =
            views::read(source.output("stakeholder-mapping"));
        let research: Option<UserResearch> = views::read(source.output("user-research"));
        let sense: Option<SenseMaking> = views::read(source.output("sense-making"));
        let persona: Option<Persona> = views::read(source.output("persona"));
        let journey: Option<Journey> = views::read(source.output("journey-mapping"));
        let reframe: Option<Reframe> = views::read(source.output("reframe"));
        let ideation: Option<Ideation> = views::read(source.output("ideation"));
        let concepts: Option<ConceptSheets> = views::read(source.output("concept"));
        let validate: Option<Validate> = views::read(source.output("validate"));

        let concept_list = concepts.map(|c| c.concepts).unwrap_or_default();
        let solutions: Vec<Solution> = concept_list
            .iter()
            .map(|c| Solution {
                name: c.name.clone(),
                idea_source: c.idea_source.clone(),
                usp: c.usp.clone(),
                elevator_pitch: c.elevator_pitch.clone(),
                swot: c.swot.clone(),
                feasibility: c.feasibility.clone(),
            })
            .collect();
        let lead = solutions.first();
        // The concept name is concepts[0].name (the original read a missing field and fell
        // back to "Product"); without a concept the workshop's title stands in.
        let name = lead
            .and_then(|s| non_empty(&s.name))
            .unwrap_or_else(|| source.workshop_title.clone());

        let executive_summary = {
            let mut parts = Vec::new();
            if let Some(c) = &challenge {
                parts.extend(non_empty(&c.problem_statement));
                parts.extend(non_empty(&c.target_user).map(|t| format!("Target user: {t}.")));
                parts
                    .extend(non_empty(&c.desired_outcome).map(|t| format!("Desired outcome: {t}")));
            }
            parts.extend(lead.and_then(|s| non_empty(&s.elevator_pitch)));
            (!parts.is_empty()).then(|| parts.join("\n\n"))
        };

        let selected_hmw: Vec<String> = reframe
            .as_ref()
            .map(|r| {
                r.selected()
                    .iter()
                    .filter_map(|h| non_empty(&h.full_statement))
                    .collect()
            })
            .unwrap_or_default();
        let hmw_statement = selected_hmw
            .first()
            .cloned()
            .or_else(|| challenge.as_ref().and_then(|c| non_empty(&c.hmw_statement)));

        let mut features = Vec::new();
        if let Some(ideation) = &ideation {
            let lead_source = lead.map(|s| s.idea_source.as_str()).unwrap_or_default();
            let lead_index = ideation
                .clusters
                .iter()
                .position(|c| c.ideas.iter().any(|i| i.title == lead_source));
            let lead_cluster = lead_index.map(|i| &ideation.clusters[i]);
            let lead_name = lead
                .map(|s| s.name.clone())
                .unwrap_or_else(|| "Core".into());
            if let Some(cluster) = lead_cluster {
                for idea in cluster.ideas.iter().filter(|i| !i.is_wild_card) {
                    features.push(Feature {
                        phase: format!("Phase 1 — MVP: {lead_name}"),
                        title: idea.title.clone(),
                        description: idea.description.clone(),
                    });
                }
            }
            for other in solutions.iter().skip(1) {
                features.push(Feature {
                    phase: "Phase 2 — Expansion".into(),
                    title: other.name.clone(),
                    description: other.usp.clone(),
                });
            }
            let explored = ideation
                .clusters
                .iter()
                .enumerate()
                .filter(|(i, _)| Some(*i) != lead_index);
            for (_, cluster) in explored {
                for idea in cluster.ideas.iter().filter(|i| !i.is_wild_card) {
                    if solutions
                        .iter()
                        .skip(1)
                        .any(|s| s.idea_source == idea.title)
                    {
                        continue;
                    }
                    features.push(Feature {
                        phase: format!("Phase 3 — Later: {}", cluster.theme),
                        title: idea.title.clone(),
                        description: idea.description.clone(),
                    });
                }
            }
            for idea in ideation
                .clusters
                .iter()
                .flat_map(|c| &c.ideas)
                .filter(|i| i.is_wild_card)
            {
                features.push(Feature {
                    phase: "Wild cards to explore".into(),
                    title: idea.title.clone(),
                    description: idea.description.clone(),
                });
            }
            for sketch in ideation.selected_sketches() {
                features.push(Feature {
                    phase: "Selected Crazy 8s sketches".into(),
                    title: sketch.title.clone(),
                    description: sketch.description.clone(),
                });
            }
        } else if let Some(lead) = lead {
            features.push(Feature {
                phase: "Phase 1 — MVP".into(),
                title: lead.name.clone(),
                description: lead.usp.clone(),
            });
        }

        let mut success_metrics = Vec::new();
        if let Some(v) = &validate {
            if let Some(c) = challenge
                .as_ref()
                .and_then(|c| non_empty(&c.desired_outcome))
            {
                success_metrics.push(format!("Desired outcome: {c}"));
            }
            for plan in &v.validation_plans {
                if let Some(signal) = &plan.signal {
                    success_metrics.push(format!(
                        "{}: {}",
                        plan.concept_name,
                        crate::validation_plan::signal_text(signal)
                    ));
                }
            }
            if let Some(conf) = &v.confidence_assessment {
                success_metrics.push(format!(
                    "Confidence in the concept: {}/10 ({} research)",
                    conf.score, conf.research_quality
                ));
            }
        }

        let mut assumptions = Vec::new();
        if let Some(c) = &challenge {
            assumptions
                .extend(non_empty(&c.target_user).map(|t| format!("The target user is: {t}")));
            assumptions.extend(
                non_empty(&c.problem_statement)
                    .map(|p| format!("The problem is real and pressing: {p}")),
            );
            assumptions
                .extend(non_empty(&c.desired_outcome).map(|o| format!("Solving it achieves: {o}")));
        }
        if let Some(v) = &validate {
            assumptions.extend(
                v.validation_plans
                    .iter()
                    .filter_map(|p| non_empty(&p.assumption)),
            );
        }
        let mut risks = Vec::new();
        if let Some(lead) = lead {
            risks.extend(lead.swot.threats.iter().map(|t| format!("Threat: {t}")));
            risks.extend(
                lead.swot
                    .weaknesses
                    .iter()
                    .map(|w| format!("Weakness: {w}")),
            );
        }

        let next_steps = validate
            .as_ref()
            .map(|v| v.recommended_next_steps.clone())
            .unwrap_or_default();
        let implementation_roadmap = next_steps
            .iter()
            .enumerate()
            .map(|(i, step)| RoadmapPhase {
                phase: match i {
                    0 => "Now".to_string(),
                    i if i + 1 == next_steps.len() => "Later".to_string(),
                    _ => "Next".to_string(),
                },
                focus: step.clone(),
            })
            .collect();

        Prd {
            title: format!("{name} — Product Requirements Document"),
            executive_summary,
            problem_statement: challenge
                .as_ref()
                .and_then(|c| non_empty(&c.problem_statement)),
            key_pains: sense.as_ref().map(|s| s.pains.clone()).unwrap_or_default(),
            target_users: persona.map(|p| TargetUsers {
                name: p.name,
                role: p.role,
                age: p.age,
                location: p.location,
                bio: p.bio,
                quote: p.quote,
                goals: p.goals,
                pains: p.pains,
                gains: p.gains,
                behaviors: p.behaviors,
                motivations: p.motivations,
                frustrations: p.frustrations,
            }),
            stakeholders: stakeholders
                .map(|s| s.stakeholders)
                .unwrap_or_default()
                .into_iter()
                .map(|s| StakeholderRow {
                    name: s.name,
                    category: s.category,
                    influence: s.power,
                    interest: s.interest,
                    notes: s.notes,
                })
                .collect(),
            research_insights: sense
                .map(|s| {
                    s.themes
                        .into_iter()
                        .map(|t| ResearchTheme {
                            theme: t.name,
                            evidence: t.evidence,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            findings: research
                .map(|r| {
                    r.insights
                        .into_iter()
                        .map(|i| Finding {
                            finding: i.finding,
                            source: i.source,
                            quote: i.quote,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            user_journey: journey.map(|j| UserJourney {
                dip_stage: j.stages.iter().find(|s| s.is_dip).map(|s| s.name.clone()),
                persona_name: j.persona_name,
                stages: j
                    .stages
                    .into_iter()
                    .map(|s| JourneyStage {
                        name: s.name,
                        actions: s.action,
                        emotions: s.emotions,
                        pain_points: s.barriers,
                        opportunities: s.opportunities,
                    })
                    .collect(),
                dip_summary: j.dip_summary,
                dip_rationale: j.dip_rationale,
            }),
            hmw_statement,
            hmw_context: reframe.map(|r| HmwContext {
                original_hmw: r.original_hmw,
                insights_applied: r.insights_applied,
                evolution: r.evolution,
            }),
            alternative_concepts: solutions.iter().skip(1).cloned().collect(),
            solution: solutions.into_iter().next(),
            features,
            success_metrics,
            assumptions,
            risks,
            implementation_roadmap,
            next_steps,
            drafts: SECTION_STEPS
                .iter()
                .map(|(section, steps)| DraftSection {
                    section,
                    steps: source.drafts(steps),
                })
                .filter(|d| !d.steps.is_empty())
                .collect(),
        }
    }
}
