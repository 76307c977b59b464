//! Errors as the UI receives them: `{code, message, fields}`.

use serde::Serialize;
use ts_rs::TS;
use wp_domain::FieldError;
use wp_store::StoreError;
use wp_sync::SyncError;

pub use wp_domain::ErrorCode;

/// A failed command. `code` is one of a small set the UI branches on; `message` is for
/// people and names the field and the limit; `fields` lists each broken rule with its field
/// (a step output's paths, or the one argument an error names), so the form can show it
/// beside the field without reading the message.
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
        AppError {
            code: e.code(),
            message: e.to_string(),
            fields: e.field_errors(),
        }
    }
}

impl From<wp_store::BuildPackError> for AppError {
    fn from(e: wp_store::BuildPackError) -> Self {
        StoreError::from(e).into()
    }
}

impl From<SyncError> for AppError {
    fn from(e: SyncError) -> Self {
        let code = match e {
            // A store error inside keeps its own code (another account is a conflict).
            SyncError::Store(store) => return store.into(),
            SyncError::NotSignedIn | SyncError::Unauthorized => ErrorCode::SignIn,
            // A request the server refused as asked (a search too short, or too many).
            SyncError::BadUrl { .. }
            | SyncError::Server {
                status: 400 | 429, ..
            } => ErrorCode::InvalidInput,
            SyncError::Unreachable(_) | SyncError::Server { .. } | SyncError::Protocol(_) => {
                ErrorCode::Unreachable
            }
            SyncError::Keyring(_) => ErrorCode::Keyring,
            SyncError::KeyringLocked(_) => ErrorCode::KeyringLocked,
        };
        AppError::new(code, e.to_string())
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

    #[test]
    fn an_argument_error_names_its_field_in_fields() {
        let err: AppError =
            StoreError::Domain(wp_domain::DomainError::argument("count", "Maximum 52")).into();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        assert_eq!(err.fields.len(), 1);
        assert_eq!(
            (err.fields[0].path.as_str(), err.fields[0].rule.as_str()),
            ("count", "Maximum 52")
        );
    }
}
