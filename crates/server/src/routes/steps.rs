//! Steps: complete one, save one's output. Both check the caller's rights in the query.

use axum::extract::{Path, State};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};
use wp_domain::{progress, schema, steps as definitions, DomainError, StepStatus};

use super::model::{steps, write_states};
use sqlx::AssertSqlSafe;

use crate::access::CAN_EDIT;
use crate::auth::User;
use crate::body::JsonBody;
use crate::{ApiError, AppState};

fn step_not_found() -> ApiError {
    ApiError::not_found("Workshop step not found")
}

/// Locks the workshop row if the caller may edit it; 404 otherwise.
async fn lock_editable(
    tx: &mut sqlx::PgConnection,
    id: &str,
    user_id: &str,
) -> Result<(), ApiError> {
    let sql = format!("SELECT w.id FROM workshops w WHERE {CAN_EDIT} FOR UPDATE");
    sqlx::query_scalar::<_, String>(AssertSqlSafe(sql))
        .bind(id)
        .bind(user_id)
        .fetch_optional(tx)
        .await?
        .map(|_| ())
        .ok_or_else(step_not_found)
}

/// `POST /api/workshops/{id}/steps/{stepId}/complete` → 200
/// `{"success": true, "stepId", "status": "complete"}`; 404 "Workshop step not found" for an
/// unknown step or a workshop the caller may not edit (the ownership check the original
/// lacked); 409 when the step has no output yet (the app's rule).
pub async fn complete(
    State(state): State<AppState>,
    user: User,
    Path((id, step_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    definitions::find(&step_id).map_err(|_| step_not_found())?;
    let mut tx = state.pool.begin().await?;
    lock_editable(&mut tx, &id, &user.id).await?;
    let rows = steps(&mut tx, &id, true).await?;
    let mut states = rows
        .iter()
        .map(|r| r.state())
        .collect::<Result<Vec<_>, _>>()?;
    let changed = match progress::complete(&mut states, &step_id, Utc::now()) {
        Err(DomainError::UnknownStep(_)) => return Err(step_not_found()),
        other => other?,
    };
    write_states(&mut tx, &rows, &states, &changed).await?;
    tx.commit().await?;
    Ok(Json(
        json!({ "success": true, "stepId": step_id, "status": "complete" }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaveOutput {
    output: Value,
}

/// `PUT /api/workshops/{id}/steps/{stepId}/output` `{output}` → 200 `{"step"}`, validated
/// against the step's schema (400 naming `output.<path>`); 409 for a complete step.
pub async fn save_output(
    State(state): State<AppState>,
    user: User,
    Path((id, step_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<SaveOutput>,
) -> Result<Json<Value>, ApiError> {
    definitions::find(&step_id).map_err(|_| step_not_found())?;
    schema::validate(&step_id, &body.output)?;
    let mut tx = state.pool.begin().await?;
    lock_editable(&mut tx, &id, &user.id).await?;
    let status: Option<String> = sqlx::query_scalar(
        "SELECT status FROM workshop_steps WHERE workshop_id = $1 AND step_id = $2 FOR UPDATE",
    )
    .bind(&id)
    .bind(&step_id)
    .fetch_optional(&mut *tx)
    .await?;
    match status.as_deref().and_then(StepStatus::parse) {
        None => return Err(step_not_found()),
        Some(StepStatus::Complete) => {
            return Err(DomainError::StepTransition {
                step: step_id,
                reason: "is complete; revise it before changing its output".into(),
            }
            .into())
        }
        Some(_) => {}
    }
    sqlx::query("UPDATE workshop_steps SET output = $3, updated_at = now(), rev = rev + 1 WHERE workshop_id = $1 AND step_id = $2")
        .bind(&id)
        .bind(&step_id)
        .bind(sqlx::types::Json(&body.output))
        .execute(&mut *tx)
        .await?;
    let step = steps(&mut tx, &id, false)
        .await?
        .into_iter()
        .find(|s| s.step_id == step_id)
        .ok_or_else(step_not_found)?;
    tx.commit().await?;
    Ok(Json(json!({ "step": step })))
}
