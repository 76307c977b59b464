//! The ten step definitions of steps.md, in display order.
//!
//! The same rows are seeded into the local database by `migrations/0002_step_definitions.sql`;
//! a store test checks that the two agree.

use serde::Serialize;

use crate::DomainError;

/// One of the ten design-thinking steps. `id` is a stable slug; `order` (1 to 10) is display order.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepDefinition {
    pub id: &'static str,
    pub order: u8,
    pub name: &'static str,
    pub description: &'static str,
    /// The original app's label for the button that completes this step, where it had one.
    pub confirm_label: Option<&'static str>,
}

const fn step(
    order: u8,
    id: &'static str,
    name: &'static str,
    description: &'static str,
    confirm_label: Option<&'static str>,
) -> StepDefinition {
    StepDefinition {
        id,
        order,
        name,
        description,
        confirm_label,
    }
}

/// The ten steps, ordered from Challenge (1) to Validate (10).
pub const STEPS: [StepDefinition; 10] = [
    step(
        1,
        "challenge",
        "Challenge",
        "Extract the core problem and draft a How Might We statement",
        Some("Accept Challenge Statement"),
    ),
    step(
        2,
        "stakeholder-mapping",
        "Stakeholder Mapping",
        "Identify and prioritize the people and groups involved",
        Some("Confirm Stakeholder Map"),
    ),
    step(
        3,
        "user-research",
        "User Research",
        "Gather insights through interviews and research",
        Some("Confirm Research Insights"),
    ),
    step(
        4,
        "sense-making",
        "Research Sense Making",
        "Synthesize research into themes, pains and gains",
        Some("Confirm Sense Making"),
    ),
    step(
        5,
        "persona",
        "Persona Development",
        "Create a research-grounded user persona",
        Some("Confirm Persona"),
    ),
    step(
        6,
        "journey-mapping",
        "Journey Mapping",
        "Map the current user experience and find the critical dip",
        Some("Confirm Journey Map"),
    ),
    step(
        7,
        "reframe",
        "Reframing Challenge",
        "Craft a focused How Might We statement based on insights",
        Some("Confirm HMW Statement"),
    ),
    step(
        8,
        "ideation",
        "Ideation",
        "Generate ideas (mind mapping, Crazy 8s, brain writing) and select the top ones",
        None,
    ),
    step(
        9,
        "concept",
        "Concept Development",
        "Develop concept sheets with SWOT, feasibility and an elevator pitch",
        Some("Complete Concept Development"),
    ),
    step(
        10,
        "validate",
        "Validate",
        "Plan how to validate the concept; summarize the workshop and next steps",
        None,
    ),
];

/// Looks a step up by its id; errors with [`DomainError::UnknownStep`].
pub fn find(id: &str) -> Result<&'static StepDefinition, DomainError> {
    STEPS
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| DomainError::UnknownStep(id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_in_order_and_unique() {
        for (i, s) in STEPS.iter().enumerate() {
            assert_eq!(usize::from(s.order), i + 1);
            assert_eq!(STEPS.iter().filter(|o| o.id == s.id).count(), 1);
        }
        assert_eq!(find("persona").unwrap().name, "Persona Development");
        assert_eq!(find("nope"), Err(DomainError::UnknownStep("nope".into())));
    }
}
