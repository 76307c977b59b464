//! Errors as the UI receives them: `{code, message, fields}`.

use serde::Serialize;
use ts_rs::TS;
use wp_domain::{DomainError, FieldError};
use wp_store::{ErrorCode, StoreError};

/// A failed command. `code` is one of a small set the UI branches on; `message` is for
/// people and names the field and the limit; `fields` lists each broken field rule of a
/// step output, so the form can show it beside the field.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    pub fields: Vec<FieldError>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError {
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        let fields = match &e {
            StoreError::Domain(DomainError::InvalidOutput { errors, .. }) => errors.clone(),
            _ => Vec::new(),
        };
        AppError {
            code: e.code(),
            message: e.to_string(),
            fields,
        }
    }
}

impl From<wp_store::BuildPackError> for AppError {
    fn from(e: wp_store::BuildPackError) -> Self {
        StoreError::from(e).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_outputs_carry_their_field_errors() {
        let err: AppError = StoreError::Domain(
            wp_domain::schema::validate("persona", &serde_json::json!({"name": "Sarah"}))
                .unwrap_err(),
        )
        .into();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        assert!(
            err.fields
                .iter()
                .any(|f| f.path == "role" && f.rule == "is required"),
            "{err:?}"
        );
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(json["code"], "invalid_input");
        assert!(json["message"]
            .as_str()
            .unwrap()
            .starts_with("invalid output for step \"persona\""));
    }
}
