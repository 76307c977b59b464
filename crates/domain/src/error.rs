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
    /// The same rule for people, in the field's own words, to show beside the field:
    /// "Age must be between 18 and 100", "Pain points needs 1 to 8 items (has 9)".
    pub message: String,
}

/// `text` with its first letter in upper case: a rule that leads a sentence.
pub(crate) fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
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

/// The small set of codes an error crosses a boundary with, one list for every crate: what
/// the UI branches on (`{code, message, fields}` over IPC), what the CLI's exit status and the
/// server's HTTP status are chosen by. The domain gives the first four
/// ([`DomainError::kind`]), the store `storage`, and sync the last four.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The user's input broke a rule; the message names the field and the limit.
    InvalidInput,
    /// The thing asked for does not exist (or is in the trash).
    NotFound,
    /// The action does not fit the current state (a step transition, another account).
    Conflict,
    /// The caller's role on the workshop does not allow the action.
    Forbidden,
    /// The database or a file failed; the user's earlier data is intact.
    Storage,
    /// The server refused the token, or there is none: sign in (again).
    SignIn,
    /// The server could not be reached, or answered with an error.
    Unreachable,
    /// There is no OS keyring to keep the token (no Secret Service), or it failed.
    Keyring,
    /// The OS keyring is locked (or its unlock prompt was dismissed): unlock it and retry.
    KeyringLocked,
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
    /// What kind of error this is, the one classification every side uses: a broken rule
    /// of the input, something missing, a state the action does not fit, or a role that
    /// does not allow it.
    pub fn kind(&self) -> ErrorCode {
        match self {
            DomainError::InvalidTitle { .. }
            | DomainError::NoteTooLong { .. }
            | DomainError::InvalidOutput { .. }
            | DomainError::InvalidArgument { .. } => ErrorCode::InvalidInput,
            DomainError::UnknownStep(_) | DomainError::WorkshopNotFound(_) => ErrorCode::NotFound,
            DomainError::StepTransition { .. }
            | DomainError::StepsIncomplete { .. }
            | DomainError::InTrash(_) => ErrorCode::Conflict,
            DomainError::Forbidden { .. } => ErrorCode::Forbidden,
        }
    }

    /// The field of the change this error is about, as the change names it: `title`,
    /// `content` (a note's text), `output` (a step output) or an argument's name (`count`,
    /// `session.scheduledAt`...). `None` for errors about no one field.
    pub fn field(&self) -> Option<&str> {
        match self {
            DomainError::InvalidTitle { .. } => Some("title"),
            DomainError::NoteTooLong { .. } => Some("content"),
            DomainError::InvalidOutput { .. } => Some("output"),
            DomainError::InvalidArgument { field, .. } => Some(field),
            _ => None,
        }
    }

    /// Each broken rule with its field, for a form to show beside the field: a step
    /// output's [`FieldError`]s (paths inside the output), or the one field this error
    /// names with the rule it breaks. Empty for errors about no one field.
    pub fn field_errors(&self) -> Vec<FieldError> {
        match self {
            DomainError::InvalidOutput { errors, .. } => errors.clone(),
            DomainError::InvalidArgument { field, message } => vec![FieldError {
                path: field.clone(),
                rule: message.clone(),
                message: sentence(message),
            }],
            other => match other.field() {
                Some(field) => vec![FieldError {
                    path: field.to_string(),
                    rule: other.to_string(),
                    message: sentence(&other.to_string()),
                }],
                None => Vec::new(),
            },
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_error_carries_its_field_as_data_not_in_its_text() {
        let e = DomainError::argument("count", "Maximum 52 instances allowed");
        assert_eq!(e.kind(), ErrorCode::InvalidInput);
        assert_eq!(e.field(), Some("count"));
        assert_eq!(
            e.field_errors(),
            [FieldError {
                path: "count".into(),
                rule: "Maximum 52 instances allowed".into(),
                message: "Maximum 52 instances allowed".into()
            }]
        );
        let e = DomainError::InvalidTitle { len: 0, max: 100 };
        assert_eq!(e.field_errors()[0].path, "title");
        let e = DomainError::StepsIncomplete {
            missing: vec!["persona".into()],
        };
        assert_eq!((e.kind(), e.field()), (ErrorCode::Conflict, None));
        assert!(e.field_errors().is_empty());
        let e = DomainError::Forbidden {
            action: "renameWorkshop",
            needed: crate::Role::Owner,
        };
        assert_eq!(e.kind(), ErrorCode::Forbidden);
    }
}
