//! The JSON request body extractor: 415 without a JSON content type, 400 naming the field
//! (by its path, e.g. `title`) for malformed JSON or a value of the wrong type.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

use crate::ApiError;

/// A JSON body of type `T`, parsed with the failing field's path in the error.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Content-Type must be application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "Request body is larger than {} bytes",
                        crate::BODY_LIMIT_BYTES
                    ),
                )
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, "Could not read the request body")
            }
        })?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let detail = without_position(&inner.to_string());
            if inner.is_syntax() || inner.is_eof() {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("Request body is not valid JSON: {inner}"),
                )
            } else if path == "." {
                ApiError::field(
                    missing_field(&detail).unwrap_or_else(|| "body".into()),
                    format!("Invalid request body: {detail}"),
                )
            } else {
                ApiError::field(path.clone(), format!("{path}: {detail}"))
            }
        })?;
        de.end().map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("Request body is not valid JSON: {e}"),
            )
        })?;
        Ok(JsonBody(value))
    }
}

/// serde_json's message without its " at line L column C" suffix.
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// The field name in serde's "missing field `x`" / "unknown field `x`" messages.
fn missing_field(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(message[start..end].to_string())
}
