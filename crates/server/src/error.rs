//! API errors: a status and `{"error": message, "field"?: name}`. Internal errors are
//! logged with their detail and answered with a bare 500.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use wp_domain::protocol::ErrorBody;
use wp_domain::{DomainError, ErrorCode};

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// The request field to blame, when there is one (`title`, `content`, `output.age`).
    pub field: Option<String>,
    /// Extra keys for the body (e.g. `missingSteps`); boxed, as errors are rare and
    /// `Result<_, ApiError>` is returned everywhere.
    pub extra: Option<Box<Value>>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            field: None,
            extra: None,
        }
    }

    /// 400 naming a field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError {
            field: Some(field.into()),
            ..ApiError::new(StatusCode::BAD_REQUEST, message)
        }
    }

    pub fn not_found(message: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    /// 500; the detail goes to the log only.
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %detail, "internal error");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let fixed = ErrorBody {
            error: self.message,
            field: self.field,
            code: None,
        };
        let mut body = serde_json::to_value(fixed).unwrap_or(Value::Null);
        if let Some(Value::Object(extra)) = self.extra.map(|e| *e) {
            for (k, v) in extra {
                body[k] = v;
            }
        }
        (self.status, Json(body)).into_response()
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::internal(e)
    }
}

impl From<DomainError> for ApiError {
    /// The status from the domain's one classification ([`DomainError::kind`]), the field
    /// from [`DomainError::field`]. The bodies keep the original server API's wording where
    /// it had its own: the notes cap, "Workshop step not found", "Workshop not found" (a
    /// workshop in the trash is not found to REST, as in the original), and the completion
    /// gate's `missingSteps`.
    fn from(e: DomainError) -> Self {
        let message = e.to_string();
        let status = match e.kind() {
            ErrorCode::InvalidInput => StatusCode::BAD_REQUEST,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            _ => StatusCode::CONFLICT,
        };
        match e {
            DomainError::NoteTooLong { .. } => {
                ApiError::field("content", "Notes cannot exceed 50,000 characters")
            }
            DomainError::UnknownStep(_) => ApiError::not_found("Workshop step not found"),
            DomainError::WorkshopNotFound(_) | DomainError::InTrash(_) => {
                ApiError::not_found("Workshop not found")
            }
            DomainError::InvalidOutput { ref errors, .. } => {
                let field = errors.first().map(|f| {
                    if f.path.is_empty() {
                        "output".to_string()
                    } else {
                        format!("output.{}", f.path)
                    }
                });
                ApiError {
                    field,
                    extra: Some(Box::new(json!({ "errors": errors }))),
                    ..ApiError::new(status, message)
                }
            }
            DomainError::StepsIncomplete { missing } => ApiError {
                extra: Some(Box::new(json!({ "missingSteps": missing }))),
                ..ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "All steps must be completed before finishing the workshop",
                )
            },
            other => match other.field() {
                Some(field) => ApiError {
                    field: Some(field.to_string()),
                    ..ApiError::new(status, message)
                },
                None => ApiError::new(status, message),
            },
        }
    }
}
