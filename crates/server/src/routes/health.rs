//! `GET /health`: 200 `{"status": "ok"}` when the database answers within 2 s, else 503.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use super::bodies::Health;
use crate::{ApiError, AppState};

pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let probe = sqlx::query_scalar!(r#"SELECT 1 AS "one!""#).fetch_one(&state.pool);
    match tokio::time::timeout(Duration::from_secs(2), probe).await {
        Ok(Ok(1)) => Ok(Json(Health {
            status: "ok",
            database: "ok",
        })),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: database error");
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Database unavailable",
            ))
        }
        _ => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Database unavailable",
        )),
    }
}
