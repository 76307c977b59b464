//! API errors: a status and `{"error": message, "field"?: name}`. Internal errors are
//! logged with their detail and answered with a bare 500.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use wp_domain::protocol::ErrorBody;
use wp_domain::{DomainError, ErrorCode, FieldError};

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// The request field to blame, when there is one (`title`, `content`, `output.age`).
    pub field: Option<String>,
    /// One of `wp_domain::protocol::codes` where a client must act on it.
    pub code: Option<&'static str>,
    /// The keys a route adds beside the fixed ones; boxed, as errors are rare and
    /// `Result<_, ApiError>` is returned everywhere.
    pub detail: Option<Box<Detail>>,
}

/// What an error body may carry besides `{"error", "field"?, "code"?}`.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Detail {
    /// Every rule a step output broke (`{"path", "rule"}`), in schema order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// The completion gate: the ids of the steps not complete yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_steps: Option<Vec<String>>,
}

/// The body as sent: the fixed part and the detail, side by side.
#[derive(Serialize)]
struct Body {
    #[serde(flatten)]
    fixed: ErrorBody,
    #[serde(flatten)]
    detail: Option<Detail>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            field: None,
            code: None,
            detail: None,
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
        let body = Body {
            fixed: ErrorBody {
                error: self.message,
                field: self.field,
                code: self.code.map(str::to_string),
            },
            detail: self.detail.map(|d| *d),
        };
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
            DomainError::InvalidOutput { errors, .. } => {
                let field = errors.first().map(|f| {
                    if f.path.is_empty() {
                        "output".to_string()
                    } else {
                        format!("output.{}", f.path)
                    }
                });
                ApiError {
                    field,
                    detail: Some(Box::new(Detail {
                        errors: Some(errors),
                        ..Detail::default()
                    })),
                    ..ApiError::new(status, message)
                }
            }
            DomainError::StepsIncomplete { missing } => ApiError {
                detail: Some(Box::new(Detail {
                    missing_steps: Some(missing),
                    ..Detail::default()
                })),
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
