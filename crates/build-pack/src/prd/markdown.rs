//! The PRD's Markdown, written from the gathered [`Prd`] content.

use super::{Prd, Solution};
use crate::text::{bullets, capitalize, inline, paragraphs, table, MarkdownDoc};

impl Prd {
    /// The document in Markdown: `# {concept} — Product Requirements Document`, then the
    /// numbered sections that have a source.
    pub(crate) fn markdown(&self) -> String {
        let mut doc = MarkdownDoc::new(&self.title).drafts(
            self.drafts
                .iter()
                .map(|d| (d.section, d.steps.clone()))
                .collect(),
        );
        if let Some(summary) = &self.executive_summary {
            doc.section("Executive Summary", paragraphs(summary));
        }
        if self.problem_statement.is_some()
            || !self.key_pains.is_empty()
            || self.hmw_statement.is_some()
        {
            let mut body = Vec::new();
            body.extend(self.problem_statement.as_deref().map(paragraphs));
            body.extend(bullets(&self.key_pains).map(|b| format!("**Key pains**\n\n{b}")));
            body.extend(
                self.hmw_statement
                    .as_deref()
                    .map(|h| format!("**How might we…**\n\n> {}", inline(h))),
            );
            doc.section("Problem Statement", body.join("\n\n"));
        }
        if let Some(p) = &self.target_users {
            let mut body = vec![format!("### {} — {}", inline(&p.name), inline(&p.role))];
            let facts: Vec<String> = [
                p.age.map(|a| format!("**Age:** {a}")),
                p.location
                    .as_deref()
                    .map(|l| format!("**Location:** {}", inline(l))),
            ]
            .into_iter()
            .flatten()
            .collect();
            if !facts.is_empty() {
                body.push(facts.join(" · "));
            }
            body.push(paragraphs(&p.bio));
            if !p.quote.trim().is_empty() {
                body.push(format!("> “{}”", inline(&p.quote)));
            }
            for (label, items) in [
                ("Goals", &p.goals),
                ("Pains", &p.pains),
                ("Gains", &p.gains),
                ("Behaviors", &p.behaviors),
                ("Motivations", &p.motivations),
                ("Frustrations", &p.frustrations),
            ] {
                body.extend(bullets(items).map(|b| format!("**{label}**\n\n{b}")));
            }
            doc.section("Target Users", body.join("\n\n"));
        }
        if !self.stakeholders.is_empty() {
            let rows: Vec<Vec<String>> = self
                .stakeholders
                .iter()
                .map(|s| {
                    vec![
                        s.name.clone(),
                        capitalize(&s.category),
                        capitalize(&s.influence),
                        capitalize(&s.interest),
                        s.notes.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            doc.section(
                "Stakeholder Analysis",
                table(
                    &["Stakeholder", "Category", "Power", "Interest", "Notes"],
                    &rows,
                ),
            );
        }
        if !self.findings.is_empty() || !self.research_insights.is_empty() {
            let mut body = Vec::new();
            let findings: Vec<String> = self
                .findings
                .iter()
                .map(|f| {
                    let mut item = format!("- {}", inline(&f.finding));
                    if let Some(q) = f.quote.as_deref().filter(|q| !q.trim().is_empty()) {
                        item.push_str(&format!(" — “{}”", inline(q)));
                    }
                    if let Some(s) = f.source.as_deref().filter(|s| !s.trim().is_empty()) {
                        item.push_str(&format!(" _({})_", inline(s)));
                    }
                    item
                })
                .collect();
            if !findings.is_empty() {
                body.push(format!("**Key findings**\n\n{}", findings.join("\n")));
            }
            for theme in &self.research_insights {
                body.push(format!(
                    "### {}\n\n{}",
                    inline(&theme.theme),
                    bullets(&theme.evidence).unwrap_or_default()
                ));
            }
            doc.section("User Research Insights", body.join("\n\n"));
        }
        if let Some(j) = &self.user_journey {
            let rows: Vec<Vec<String>> = j
                .stages
                .iter()
                .map(|s| {
                    let name = if j.dip_stage.as_deref() == Some(s.name.as_str()) {
                        format!("{} (the dip)", s.name)
                    } else {
                        s.name.clone()
                    };
                    vec![
                        name,
                        s.actions.clone(),
                        capitalize(&s.emotions),
                        s.pain_points.clone(),
                        s.opportunities.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            let mut body = vec![
                format!("Journey of {}.", inline(&j.persona_name)),
                table(
                    &["Stage", "Actions", "Emotion", "Barriers", "Opportunities"],
                    &rows,
                ),
            ];
            let dip = j
                .dip_stage
                .as_deref()
                .map(|d| format!("**The critical dip: {}.** ", inline(d)))
                .unwrap_or_else(|| "**The critical dip.** ".into());
            body.push(format!("{dip}{}", inline(&j.dip_summary)));
            body.extend(j.dip_rationale.as_deref().map(paragraphs));
            doc.section("User Journey", body.join("\n\n"));
        }
        if let (Some(hmw), Some(ctx)) = (&self.hmw_statement, &self.hmw_context) {
            let mut body = vec![
                format!("> {}", inline(hmw)),
                format!("**Where it started:** {}", inline(&ctx.original_hmw)),
            ];
            body.extend(
                bullets(&ctx.insights_applied).map(|b| format!("**Insights applied**\n\n{b}")),
            );
            body.extend(
                ctx.evolution
                    .as_deref()
                    .map(|e| format!("**How it evolved:** {}", inline(e))),
            );
            doc.section("Core Problem (How Might We)", body.join("\n\n"));
        }
        if let Some(lead) = &self.solution {
            let mut body = vec![concept_markdown(lead, true)];
            body.extend(
                self.alternative_concepts
                    .iter()
                    .map(|c| concept_markdown(c, false)),
            );
            doc.section("Solution Overview", body.join("\n\n"));
        }
        if !self.features.is_empty() {
            let mut body = Vec::new();
            let mut phase = "";
            for feature in &self.features {
                if feature.phase != phase {
                    phase = &feature.phase;
                    body.push(format!("\n### {}\n", inline(phase)));
                }
                body.push(format!(
                    "- **{}** — {}",
                    inline(&feature.title),
                    inline(&feature.description)
                ));
            }
            doc.section(
                "Feature Requirements by Release Phase",
                body.join("\n").trim().to_string(),
            );
        }
        if !self.success_metrics.is_empty() {
            doc.section(
                "Success Metrics",
                bullets(&self.success_metrics).unwrap_or_default(),
            );
        }
        if !self.assumptions.is_empty() || !self.risks.is_empty() {
            let mut body = Vec::new();
            body.extend(bullets(&self.assumptions).map(|b| format!("**Assumptions**\n\n{b}")));
            body.extend(bullets(&self.risks).map(|b| format!("**Risks**\n\n{b}")));
            doc.section("Assumptions & Risks", body.join("\n\n"));
        }
        if !self.implementation_roadmap.is_empty() {
            let rows: Vec<Vec<String>> = self
                .implementation_roadmap
                .iter()
                .map(|p| vec![p.phase.clone(), p.focus.clone()])
                .collect();
            doc.section("Implementation Roadmap", table(&["Phase", "Focus"], &rows));
        }
        if !self.next_steps.is_empty() {
            let list: Vec<String> = self
                .next_steps
                .iter()
                .map(|s| format!("- [ ] {}", inline(s)))
                .collect();
            doc.section("Recommended Next Steps", list.join("\n"));
        }
        doc.finish()
    }
}

fn concept_markdown(c: &Solution, lead: bool) -> String {
    let label = if lead {
        "Lead concept"
    } else {
        "Alternative concept"
    };
    let f = &c.feasibility;
    let mut out = vec![
        format!("### {} _({label})_", inline(&c.name)),
        paragraphs(&c.elevator_pitch),
        format!("**Unique selling point:** {}", inline(&c.usp)),
        format!("**From the idea:** {}", inline(&c.idea_source)),
        format!("#### SWOT — {}", inline(&c.name)),
    ];
    for (label, items) in [
        ("Strengths", &c.swot.strengths),
        ("Weaknesses", &c.swot.weaknesses),
        ("Opportunities", &c.swot.opportunities),
        ("Threats", &c.swot.threats),
    ] {
        out.extend(bullets(items).map(|b| format!("**{label}**\n\n{b}")));
    }
    out.push(format!("#### Feasibility — {}", inline(&c.name)));
    out.push(table(
        &["Dimension", "Score", "Rationale"],
        &[
            vec![
                "Technical".into(),
                format!("{}/5", f.technical),
                f.technical_rationale.clone(),
            ],
            vec![
                "Business".into(),
                format!("{}/5", f.business),
                f.business_rationale.clone(),
            ],
            vec![
                "User desirability".into(),
                format!("{}/5", f.user_desirability),
                f.user_desirability_rationale.clone(),
            ],
        ],
    ));
    out.join("\n\n")
}
