//! Typed, read-only views of the step outputs a build pack uses.
//!
//! Outputs were validated against `wp_domain::schema` when saved; these views read them
//! leniently (every field defaults), so a field a view does not know never stops a build
//! pack, and an output that cannot be read at all is treated as missing.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

/// Reads an output into a view; `None` when there is no output or it has another shape.
pub(crate) fn read<T: DeserializeOwned>(output: Option<&Value>) -> Option<T> {
    output.and_then(|v| serde_json::from_value(v.clone()).ok())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Challenge {
    pub problem_statement: String,
    pub target_user: String,
    pub desired_outcome: String,
    pub hmw_statement: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct StakeholderMap {
    pub stakeholders: Vec<Stakeholder>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Stakeholder {
    pub name: String,
    pub category: String,
    pub power: String,
    pub interest: String,
    pub notes: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct UserResearch {
    pub interview_questions: Vec<String>,
    pub insights: Vec<Insight>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Insight {
    pub finding: String,
    pub source: Option<String>,
    pub quote: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SenseMaking {
    pub themes: Vec<Theme>,
    pub pains: Vec<String>,
    pub gains: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Theme {
    pub name: String,
    pub evidence: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Persona {
    pub name: String,
    pub age: Option<i64>,
    pub role: String,
    pub location: Option<String>,
    pub bio: String,
    pub quote: String,
    pub goals: Vec<String>,
    pub pains: Vec<String>,
    pub gains: Vec<String>,
    pub motivations: Vec<String>,
    pub frustrations: Vec<String>,
    pub behaviors: Vec<String>,
    pub day_in_the_life: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Journey {
    pub persona_name: String,
    pub stages: Vec<Stage>,
    pub dip_summary: String,
    pub dip_rationale: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Stage {
    pub name: String,
    pub action: String,
    pub goals: String,
    pub barriers: String,
    pub emotions: String,
    pub opportunities: Option<String>,
    pub is_dip: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Reframe {
    pub original_hmw: String,
    pub hmw_statements: Vec<Hmw>,
    pub selected_for_ideation: Vec<usize>,
    pub insights_applied: Vec<String>,
    pub evolution: Option<String>,
}

impl Reframe {
    /// The statements chosen for ideation, or all of them when none was chosen.
    pub fn selected(&self) -> Vec<&Hmw> {
        let chosen: Vec<&Hmw> = self
            .selected_for_ideation
            .iter()
            .filter_map(|&i| self.hmw_statements.get(i))
            .collect();
        if chosen.is_empty() {
            self.hmw_statements.iter().collect()
        } else {
            chosen
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Hmw {
    pub full_statement: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Ideation {
    pub clusters: Vec<Cluster>,
    pub crazy_eights_ideas: Vec<Idea>,
    pub selected_sketch_slot_ids: Vec<String>,
}

impl Ideation {
    /// The Crazy 8s sketches picked for concept development (`slot-N` is the N-th sketch).
    pub fn selected_sketches(&self) -> Vec<&Idea> {
        self.selected_sketch_slot_ids
            .iter()
            .filter_map(|slot| slot.strip_prefix("slot-")?.parse::<usize>().ok())
            .filter_map(|n| self.crazy_eights_ideas.get(n.checked_sub(1)?))
            .collect()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Cluster {
    pub theme: String,
    pub ideas: Vec<Idea>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Idea {
    pub title: String,
    pub description: String,
    pub is_wild_card: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ConceptSheets {
    pub concepts: Vec<Concept>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Concept {
    pub idea_source: String,
    pub name: String,
    pub elevator_pitch: String,
    pub usp: String,
    pub swot: Swot,
    pub feasibility: Feasibility,
}

#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
#[serde(default)]
pub(crate) struct Swot {
    pub strengths: Vec<String>,
    pub weaknesses: Vec<String>,
    pub opportunities: Vec<String>,
    pub threats: Vec<String>,
}

#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Feasibility {
    pub technical: i64,
    pub technical_rationale: String,
    pub business: i64,
    pub business_rationale: String,
    pub user_desirability: i64,
    pub user_desirability_rationale: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Validate {
    pub narrative_intro: Option<String>,
    pub step_summaries: Vec<StepSummary>,
    pub confidence_assessment: Option<Confidence>,
    pub recommended_next_steps: Vec<String>,
    pub validation_plans: Vec<ValidationPlan>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct StepSummary {
    pub step_number: i64,
    pub step_name: String,
    pub key_outputs: Vec<String>,
}

#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Confidence {
    pub score: i64,
    pub rationale: String,
    pub research_quality: String,
}

#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ValidationPlan {
    pub concept_name: String,
    pub output_type: String,
    pub output_types: Vec<String>,
    pub assumption: String,
    pub lens: String,
    pub artifact_label: String,
    pub signal: Option<Signal>,
    pub result: Option<PlanResult>,
}

#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Signal {
    pub metric: String,
    pub metric_type: String,
    pub target: Option<f64>,
    pub sample_size: i64,
    pub kill_threshold: Option<f64>,
    pub allow_qualitative: bool,
}

#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct PlanResult {
    pub actual: Option<f64>,
    pub score: Option<i64>,
    pub verdict: String,
    pub notes: Option<String>,
}
