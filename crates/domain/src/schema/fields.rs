//! The ten steps' output fields (steps.md, "Step outputs"), as data.

use serde::Serialize;

use super::{Field, Kind};

const fn f(name: &'static str, label: &'static str, kind: Kind) -> Field {
    Field {
        name,
        label,
        required: true,
        kind,
    }
}

const fn opt(name: &'static str, label: &'static str, kind: Kind) -> Field {
    Field {
        name,
        label,
        required: false,
        kind,
    }
}

const TEXT: Kind = Kind::Text;
const LONG: Kind = Kind::LongText;
const LEVEL: Kind = Kind::Choice {
    options: &["high", "medium", "low"],
};

const fn texts(min: usize, max: usize) -> Kind {
    Kind::TextList {
        min,
        max: Some(max),
    }
}
const fn texts_from(min: usize) -> Kind {
    Kind::TextList { min, max: None }
}
const fn score(min: i64, max: i64) -> Kind {
    Kind::Integer { min, max }
}

const CHALLENGE: &[Field] = &[
    f("problemStatement", "Problem statement", LONG),
    f("targetUser", "Target user", TEXT),
    f("desiredOutcome", "Desired outcome", LONG),
    f("hmwStatement", "How Might We statement", LONG),
    opt(
        "altitude",
        "Altitude",
        Kind::Choice {
            options: &["specific", "balanced", "broad"],
        },
    ),
];

const STAKEHOLDER: &[Field] = &[
    f("name", "Name", TEXT),
    f(
        "category",
        "Category",
        Kind::Choice {
            options: &["core", "direct", "indirect"],
        },
    ),
    f("power", "Power", LEVEL),
    f("interest", "Interest", LEVEL),
    opt("notes", "Notes", LONG),
];
const STAKEHOLDER_MAPPING: &[Field] = &[f(
    "stakeholders",
    "Stakeholders",
    Kind::ObjectList {
        min: 1,
        max: None,
        fields: STAKEHOLDER,
    },
)];

const INSIGHT: &[Field] = &[
    f("finding", "Finding", LONG),
    opt("source", "Source", TEXT),
    opt("quote", "Quote", LONG),
];
const USER_RESEARCH: &[Field] = &[
    f("interviewQuestions", "Interview questions", texts(1, 8)),
    f(
        "insights",
        "Insights",
        Kind::ObjectList {
            min: 1,
            max: None,
            fields: INSIGHT,
        },
    ),
];

const THEME: &[Field] = &[
    f("name", "Name", TEXT),
    f("evidence", "Evidence", texts_from(1)),
];
const SENSE_MAKING: &[Field] = &[
    f(
        "themes",
        "Themes",
        Kind::ObjectList {
            min: 2,
            max: Some(5),
            fields: THEME,
        },
    ),
    f("pains", "Pains", texts(1, 5)),
    f("gains", "Gains", texts(1, 5)),
];

const PERSONA: &[Field] = &[
    f("name", "Name", TEXT),
    opt("age", "Age", score(18, 100)),
    f("role", "Role", TEXT),
    opt("location", "Location", TEXT),
    f("bio", "Bio", LONG),
    f("quote", "Quote", LONG),
    f("goals", "Goals", texts(1, 5)),
    f("pains", "Pains", texts(1, 5)),
    f("gains", "Gains", texts(1, 5)),
    opt("motivations", "Motivations", texts_from(0)),
    opt("frustrations", "Frustrations", texts_from(0)),
    opt("dayInTheLife", "A day in the life", LONG),
    opt("behaviors", "Behaviors", texts_from(0)),
];

const STAGE: &[Field] = &[
    f("name", "Stage", TEXT),
    f("action", "Action", LONG),
    f("goals", "Goals", LONG),
    f("barriers", "Barriers", LONG),
    f("touchpoints", "Touchpoints", LONG),
    f(
        "emotions",
        "Emotion",
        Kind::Choice {
            options: &["positive", "neutral", "negative"],
        },
    ),
    opt("momentsOfTruth", "Moments of truth", LONG),
    opt("opportunities", "Opportunities", LONG),
    opt("isDip", "The critical dip", Kind::Boolean),
];
const JOURNEY_MAPPING: &[Field] = &[
    f("personaName", "Persona", TEXT),
    f(
        "stages",
        "Stages",
        Kind::ObjectList {
            min: 4,
            max: Some(8),
            fields: STAGE,
        },
    ),
    f("dipSummary", "Dip summary", LONG),
    opt("dipRationale", "Dip rationale", LONG),
];

const HMW: &[Field] = &[
    f("givenThat", "Given that", LONG),
    f("persona", "Persona", TEXT),
    f("immediateGoal", "Immediate goal", LONG),
    f("deeperGoal", "Deeper goal", LONG),
    f("fullStatement", "Full statement", LONG),
];
const REFRAME: &[Field] = &[
    f("originalHmw", "Original HMW", LONG),
    f(
        "hmwStatements",
        "HMW statements",
        Kind::ObjectList {
            min: 1,
            max: None,
            fields: HMW,
        },
    ),
    opt(
        "selectedForIdeation",
        "Selected for ideation",
        Kind::IntegerList {
            item_min: 0,
            item_max: 99,
        },
    ),
    f("insightsApplied", "Insights applied", texts_from(1)),
    opt("evolution", "Evolution", LONG),
];

const IDEA: &[Field] = &[
    f("title", "Title", TEXT),
    f("description", "Description", LONG),
    opt("isWildCard", "Wild card", Kind::Boolean),
];
const CLUSTER: &[Field] = &[
    f("theme", "Theme", TEXT),
    f(
        "ideas",
        "Ideas",
        Kind::ObjectList {
            min: 2,
            max: None,
            fields: IDEA,
        },
    ),
];
const MIND_MAP_THEME: &[Field] = &[f("theme", "Theme", TEXT), f("color", "Color", TEXT)];
const SKETCH: &[Field] = &[
    f("title", "Title", TEXT),
    f("description", "Description", LONG),
];
const IDEATION: &[Field] = &[
    f("reframedHmw", "Reframed HMW", LONG),
    f(
        "clusters",
        "Idea clusters",
        Kind::ObjectList {
            min: 2,
            max: None,
            fields: CLUSTER,
        },
    ),
    opt(
        "mindMapThemes",
        "Mind map themes",
        Kind::ObjectList {
            min: 0,
            max: None,
            fields: MIND_MAP_THEME,
        },
    ),
    opt(
        "crazyEightsIdeas",
        "Crazy 8s ideas",
        Kind::ObjectList {
            min: 0,
            max: None,
            fields: SKETCH,
        },
    ),
    f(
        "selectedSketchSlotIds",
        "Selected sketch slots",
        texts(1, 8),
    ),
];

const SWOT: &[Field] = &[
    f("strengths", "Strengths", texts(3, 3)),
    f("weaknesses", "Weaknesses", texts(3, 3)),
    f("opportunities", "Opportunities", texts(3, 3)),
    f("threats", "Threats", texts(3, 3)),
];
const FEASIBILITY: &[Field] = &[
    f("technical", "Technical feasibility (1-5)", score(1, 5)),
    f("technicalRationale", "Technical rationale", LONG),
    f("business", "Business viability (1-5)", score(1, 5)),
    f("businessRationale", "Business rationale", LONG),
    f("userDesirability", "User desirability (1-5)", score(1, 5)),
    f("userDesirabilityRationale", "Desirability rationale", LONG),
];
const CONCEPT_SHEET: &[Field] = &[
    f("ideaSource", "Idea source", TEXT),
    f("name", "Name", TEXT),
    f("elevatorPitch", "Elevator pitch", LONG),
    f("usp", "Unique selling point", LONG),
    f("swot", "SWOT", Kind::Object { fields: SWOT }),
    f(
        "feasibility",
        "Feasibility",
        Kind::Object {
            fields: FEASIBILITY,
        },
    ),
];
const CONCEPT: &[Field] = &[f(
    "concepts",
    "Concepts",
    Kind::ObjectList {
        min: 1,
        max: Some(8),
        fields: CONCEPT_SHEET,
    },
)];

const STEP_SUMMARY: &[Field] = &[
    f("stepNumber", "Step number", score(1, 10)),
    f("stepName", "Step", TEXT),
    f("keyOutputs", "Key outputs", texts(1, 3)),
];
const CONFIDENCE: &[Field] = &[
    f("score", "Score (1-10)", score(1, 10)),
    f("rationale", "Rationale", LONG),
    f(
        "researchQuality",
        "Research quality",
        Kind::Choice {
            options: &["thin", "moderate", "strong"],
        },
    ),
];
/// A validation plan's pre-committed success signal (build-pack.md; the original's `signal`):
/// a metric with a target of `sampleSize` and an optional pivot threshold, or a
/// qualitative judgement with `sampleSize` people.
const SIGNAL: &[Field] = &[
    f("metric", "Metric", TEXT),
    f(
        "metricType",
        "Metric type",
        Kind::Choice {
            options: &["count", "percent", "ratio", "binary", "qualitative"],
        },
    ),
    opt(
        "target",
        "Target (T of N)",
        Kind::Number { min: 0.0, max: 1e9 },
    ),
    f("sampleSize", "People (N)", score(1, 1_000_000)),
    opt(
        "killThreshold",
        "Pivot at or below (K)",
        Kind::Number { min: 0.0, max: 1e9 },
    ),
    opt(
        "allowQualitative",
        "Plus qualitative observations",
        Kind::Boolean,
    ),
];
const PLAN_RESULT: &[Field] = &[
    opt(
        "actual",
        "Measured result",
        Kind::Number { min: 0.0, max: 1e9 },
    ),
    opt("score", "Score (0-100)", score(0, 100)),
    f(
        "verdict",
        "Verdict",
        Kind::Choice {
            options: &["validated", "promising", "inconclusive", "invalidated"],
        },
    ),
    opt("notes", "Notes", LONG),
];
/// Output types of a validation plan, as the original app names them.
pub const OUTPUT_TYPES: &[&str] = &[
    "app_digital",
    "physical_product",
    "service",
    "process_change",
    "offering",
    "experience_design",
    "brand_comms",
    "campaign",
];
const VALIDATION_PLAN: &[Field] = &[
    f("conceptName", "Concept", TEXT),
    f(
        "outputType",
        "Output type",
        Kind::Choice {
            options: OUTPUT_TYPES,
        },
    ),
    f("assumption", "Riskiest assumption", LONG),
    f(
        "lens",
        "Lens",
        Kind::Choice {
            options: &["desirability", "feasibility", "viability"],
        },
    ),
    f("artifactLabel", "Test", TEXT),
    opt("signal", "Success signal", Kind::Object { fields: SIGNAL }),
    opt(
        "result",
        "Result",
        Kind::Object {
            fields: PLAN_RESULT,
        },
    ),
];
const VALIDATE: &[Field] = &[
    opt("narrativeIntro", "Narrative intro", LONG),
    opt(
        "stepSummaries",
        "Step summaries",
        Kind::ObjectList {
            min: 3,
            max: Some(10),
            fields: STEP_SUMMARY,
        },
    ),
    opt(
        "confidenceAssessment",
        "Confidence assessment",
        Kind::Object { fields: CONFIDENCE },
    ),
    opt(
        "recommendedNextSteps",
        "Recommended next steps",
        texts(3, 5),
    ),
    opt(
        "validationPlans",
        "Validation plans",
        Kind::ObjectList {
            min: 0,
            max: None,
            fields: VALIDATION_PLAN,
        },
    ),
];

/// A step's definition with its output fields: what a form for the step is built from.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepSchema {
    pub definition: crate::StepDefinition,
    pub fields: &'static [Field],
}

/// The ten steps with their output fields, in step order.
pub fn all() -> Vec<StepSchema> {
    crate::STEPS
        .iter()
        .map(|definition| StepSchema {
            definition: *definition,
            fields: fields(definition.id).unwrap_or_default(),
        })
        .collect()
}

/// The output fields of a step, by step id; `None` for an unknown id.
pub fn fields(step_id: &str) -> Option<&'static [Field]> {
    Some(match step_id {
        "challenge" => CHALLENGE,
        "stakeholder-mapping" => STAKEHOLDER_MAPPING,
        "user-research" => USER_RESEARCH,
        "sense-making" => SENSE_MAKING,
        "persona" => PERSONA,
        "journey-mapping" => JOURNEY_MAPPING,
        "reframe" => REFRAME,
        "ideation" => IDEATION,
        "concept" => CONCEPT,
        "validate" => VALIDATE,
        _ => return None,
    })
}
