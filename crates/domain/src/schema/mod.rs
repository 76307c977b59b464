//! The output schema of each step (steps.md, "Step outputs") and its validation.
//!
//! A schema is plain data: a list of [`Field`]s per step. The same data validates outputs
//! here and, serialized, drives the desktop app's output form. Field names are the original
//! app's camelCase names. Fields not in a schema are allowed and kept untouched (the real
//! PawPal concepts carry a `billboardHero` object no schema lists).

use serde::Serialize;
use serde_json::{Map, Value};

use crate::{DomainError, FieldError};

mod fields;

pub use fields::{all, fields, StepSchema, OUTPUT_TYPES};

/// One field of a step output.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Field {
    /// The JSON key, e.g. `hmwStatement`.
    pub name: &'static str,
    /// A human label for forms and errors, e.g. "How Might We statement".
    pub label: &'static str,
    /// Whether the field must be present (and, for text, not blank).
    pub required: bool,
    #[serde(flatten)]
    pub kind: Kind,
}

/// What a field holds. Bounds are inclusive; `max: None` means unbounded.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Kind {
    /// A one-line string.
    Text,
    /// A multi-line string.
    LongText,
    /// One of a fixed set of strings.
    Choice {
        options: &'static [&'static str],
    },
    /// A whole number in `min..=max` (scores, ages, step numbers).
    Integer {
        min: i64,
        max: i64,
    },
    /// Any number in `min..=max` (measured results, targets).
    Number {
        min: f64,
        max: f64,
    },
    Boolean,
    /// A list of non-blank strings with `min..=max` items.
    TextList {
        min: usize,
        max: Option<usize>,
    },
    /// A list of whole numbers in `item_min..=item_max`.
    IntegerList {
        item_min: i64,
        item_max: i64,
    },
    /// A nested object.
    Object {
        fields: &'static [Field],
    },
    /// A list of objects with `min..=max` items.
    ObjectList {
        min: usize,
        max: Option<usize>,
        fields: &'static [Field],
    },
}

/// Validates a step's output against its schema.
///
/// Errors with [`DomainError::UnknownStep`] for an unknown step id, or with
/// [`DomainError::InvalidOutput`] listing every broken rule with its path
/// (`concepts[0].feasibility.technical must be a whole number from 1 to 5, got 7`).
/// Unknown fields are allowed at every level.
pub fn validate(step_id: &str, output: &Value) -> Result<(), DomainError> {
    let fields = fields(step_id).ok_or_else(|| DomainError::UnknownStep(step_id.to_string()))?;
    let mut errors = Vec::new();
    match output.as_object() {
        Some(object) => check_object(fields, object, "", &mut errors),
        None => errors.push(FieldError {
            path: String::new(),
            rule: format!("must be a JSON object, got {}", type_name(output)),
            message: "The output must be a set of fields (a JSON object)".into(),
        }),
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::InvalidOutput {
            step: step_id.to_string(),
            errors,
        })
    }
}

fn check_object(
    fields: &[Field],
    object: &Map<String, Value>,
    prefix: &str,
    errors: &mut Vec<FieldError>,
) {
    for field in fields {
        let path = if prefix.is_empty() {
            field.name.to_string()
        } else {
            format!("{prefix}.{}", field.name)
        };
        match object.get(field.name) {
            None | Some(Value::Null) if field.required => errors.push(FieldError {
                path,
                rule: "is required".into(),
                message: format!("{} is required", field.label),
            }),
            None | Some(Value::Null) => {}
            Some(value) => check_value(
                field.kind,
                field.required,
                value,
                (&path, field.label),
                errors,
            ),
        }
    }
}

fn range_text(min: usize, max: Option<usize>) -> String {
    match max {
        Some(max) if max == min => format!("exactly {min}"),
        Some(max) => format!("{min} to {max}"),
        None => format!("at least {min}"),
    }
}

fn check_count(
    len: usize,
    (min, max): (usize, Option<usize>),
    (path, label): (&str, &str),
    errors: &mut Vec<FieldError>,
) {
    if len < min || max.is_some_and(|max| len > max) {
        let range = range_text(min, max);
        errors.push(FieldError {
            path: path.to_string(),
            rule: format!("must have {range} items, has {len}"),
            message: format!("{label} needs {range} items (has {len})"),
        });
    }
}

/// `label`'s item `i` (0-based), as people count: "Pain points, item 2".
fn item_label(label: &str, i: usize) -> String {
    format!("{label}, item {}", i + 1)
}

/// Checks one value against its kind. `at` is its path and its label, for the rule (which
/// follows the path) and the message (which leads with the label).
fn check_value(
    kind: Kind,
    required: bool,
    value: &Value,
    at: (&str, &str),
    errors: &mut Vec<FieldError>,
) {
    let (path, label) = at;
    let mut fail = |rule: String, message: String| {
        errors.push(FieldError {
            path: path.to_string(),
            rule,
            message: format!("{label} {message}"),
        })
    };
    match kind {
        Kind::Text | Kind::LongText => match value.as_str() {
            None => fail(
                format!("must be text, got {}", type_name(value)),
                "must be text".into(),
            ),
            Some(text) if required && text.trim().is_empty() => {
                fail("must not be blank".into(), "cannot be blank".into())
            }
            Some(_) => {}
        },
        Kind::Choice { options } => match value.as_str() {
            Some(text) if options.contains(&text) => {}
            _ => fail(
                format!("must be one of {}, got {value}", options.join(", ")),
                format!("must be one of {}", options.join(", ")),
            ),
        },
        Kind::Integer { min, max } => match value.as_i64() {
            Some(n) if (min..=max).contains(&n) => {}
            _ => fail(
                format!("must be a whole number from {min} to {max}, got {value}"),
                format!("must be a whole number between {min} and {max}"),
            ),
        },
        Kind::Number { min, max } => match value.as_f64() {
            Some(n) if n >= min && n <= max => {}
            _ => fail(
                format!("must be a number from {min} to {max}, got {value}"),
                format!("must be between {min} and {max}"),
            ),
        },
        Kind::Boolean => {
            if !value.is_boolean() {
                fail(
                    format!("must be true or false, got {value}"),
                    "must be yes or no".into(),
                );
            }
        }
        Kind::TextList { min, max } => match value.as_array() {
            None => fail(
                format!("must be a list of text, got {}", type_name(value)),
                "must be a list".into(),
            ),
            Some(items) => {
                check_count(items.len(), (min, max), at, errors);
                for (i, item) in items.iter().enumerate() {
                    let (item_path, item_name) = (format!("{path}[{i}]"), item_label(label, i));
                    check_value(Kind::Text, true, item, (&item_path, &item_name), errors);
                }
            }
        },
        Kind::IntegerList { item_min, item_max } => match value.as_array() {
            None => fail(
                format!("must be a list of whole numbers, got {}", type_name(value)),
                "must be a list of whole numbers".into(),
            ),
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    let kind = Kind::Integer {
                        min: item_min,
                        max: item_max,
                    };
                    let (item_path, item_name) = (format!("{path}[{i}]"), item_label(label, i));
                    check_value(kind, true, item, (&item_path, &item_name), errors);
                }
            }
        },
        Kind::Object { fields } => match value.as_object() {
            None => fail(
                format!("must be an object, got {}", type_name(value)),
                "must be a set of fields".into(),
            ),
            Some(object) => check_object(fields, object, path, errors),
        },
        Kind::ObjectList { min, max, fields } => match value.as_array() {
            None => fail(
                format!("must be a list, got {}", type_name(value)),
                "must be a list".into(),
            ),
            Some(items) => {
                check_count(items.len(), (min, max), at, errors);
                for (i, item) in items.iter().enumerate() {
                    let item_path = format!("{path}[{i}]");
                    match item.as_object() {
                        Some(object) => check_object(fields, object, &item_path, errors),
                        None => errors.push(FieldError {
                            path: item_path,
                            rule: format!("must be an object, got {}", type_name(item)),
                            message: format!("{} must be a set of fields", item_label(label, i)),
                        }),
                    }
                }
            }
        },
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
