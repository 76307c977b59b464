//! The domain's error type: every rule a user can break, with the field and the limit.

use std::fmt;

/// One broken rule inside a step output: a JSON path such as `stakeholders[2].category`
/// and the rule it breaks, such as `must be one of core, direct, indirect`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// Path of the offending field from the output's root, `""` for the root itself.
    pub path: String,
    /// The rule, phrased to follow the path: "is required", "must have 1 to 8 items (has 9)".
    pub rule: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "the output {}", self.rule)
        } else {
            write!(f, "{} {}", self.path, self.rule)
        }
    }
}

/// Every way a change can break a domain rule. Messages name the field and the limit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DomainError {
    /// A workshop title outside 1 to 100 characters after trimming (steps.md).
    #[error("title must be 1 to {max} characters after trimming (got {len})")]
    InvalidTitle { len: usize, max: usize },
    /// A note longer than 50,000 characters (the notes cap of the original server API).
    #[error("note is {len} characters; notes are limited to {max} characters")]
    NoteTooLong { len: usize, max: usize },
    /// A step id that is not one of the ten step definitions.
    #[error("unknown step \"{0}\"; steps are: challenge, stakeholder-mapping, user-research, sense-making, persona, journey-mapping, reframe, ideation, concept, validate")]
    UnknownStep(String),
    /// A step output that does not match its step's schema; lists every broken rule.
    #[error("invalid output for step \"{step}\": {}", join(errors))]
    InvalidOutput {
        step: String,
        errors: Vec<FieldError>,
    },
    /// A step transition the progress rules do not allow.
    #[error("step \"{step}\" {reason}")]
    StepTransition { step: String, reason: String },
    /// Completing a workshop whose steps are not all complete (steps.md completion gate).
    #[error("All steps must be completed before finishing the workshop; not complete: {}", missing.join(", "))]
    StepsIncomplete { missing: Vec<String> },
    /// The workshop a change names does not exist (or the caller may not see it).
    #[error("workshop \"{0}\" not found")]
    WorkshopNotFound(String),
    /// The workshop is in the trash; it must be restored before it can change.
    #[error("workshop \"{0}\" is in the trash; restore it first")]
    InTrash(String),
    /// The caller's role on the workshop does not allow the change.
    #[error("{action} needs the {needed} role on this workshop")]
    Forbidden {
        action: &'static str,
        needed: crate::Role,
    },
    /// An argument of a change that breaks a rule other than the ones above; names the field.
    #[error("{field}: {message}")]
    InvalidArgument { field: String, message: String },
}

impl DomainError {
    /// An [`DomainError::InvalidArgument`] naming `field`.
    pub fn argument(field: impl Into<String>, message: impl Into<String>) -> DomainError {
        DomainError::InvalidArgument {
            field: field.into(),
            message: message.into(),
        }
    }
}

fn join(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
