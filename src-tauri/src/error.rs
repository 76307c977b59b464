//! Errors as the UI receives them: `{code, message, fields}`.

use serde::Serialize;
use ts_rs::TS;
use wp_domain::{DomainError, FieldError};
use wp_store::StoreError;
use wp_sync::SyncError;

/// What the UI branches on: the store's four codes, and four for sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The user's input broke a rule; the message names the field and the limit.
    InvalidInput,
    /// The thing asked for does not exist (or is in the trash).
    NotFound,
    /// The action does not fit the current state (a step transition, another account).
    Conflict,
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

impl From<wp_store::ErrorCode> for ErrorCode {
    fn from(code: wp_store::ErrorCode) -> Self {
        match code {
            wp_store::ErrorCode::InvalidInput => ErrorCode::InvalidInput,
            wp_store::ErrorCode::NotFound => ErrorCode::NotFound,
            wp_store::ErrorCode::Conflict => ErrorCode::Conflict,
            wp_store::ErrorCode::Storage => ErrorCode::Storage,
        }
    }
}

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
            code: e.code().into(),
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

impl From<SyncError> for AppError {
    fn from(e: SyncError) -> Self {
        let code = match e {
            // A store error inside keeps its own code (another account is a conflict).
            SyncError::Store(store) => return store.into(),
            SyncError::NotSignedIn | SyncError::Unauthorized => ErrorCode::SignIn,
            SyncError::BadUrl { .. } => ErrorCode::InvalidInput,
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
}
