//! Workshops: list, create, get, update, delete (soft) and complete.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};
use wp_domain::ids::{new_id, IdKind};
use wp_domain::{limits, progress, Visibility, WorkshopStatus};

use super::model::{steps, WorkshopRow, WORKSHOP_COLUMNS};
use sqlx::AssertSqlSafe;

use crate::access::{CAN_READ, IS_OWNER};
use crate::auth::User;
use crate::body::JsonBody;
use crate::{ApiError, AppState};

fn not_found() -> ApiError {
    ApiError::not_found("Workshop not found")
}

/// `GET /api/workshops` → 200 `{"workshops": [workshop + stepsComplete]}`, newest activity first.
pub async fn list(State(state): State<AppState>, user: User) -> Result<Json<Value>, ApiError> {
    #[derive(serde::Serialize, sqlx::FromRow)]
    #[serde(rename_all = "camelCase")]
    struct Listed {
        #[sqlx(flatten)]
        #[serde(flatten)]
        workshop: WorkshopRow,
        steps_complete: i64,
    }
    let sql = format!(
        "SELECT {WORKSHOP_COLUMNS},
            (SELECT count(*) FROM workshop_steps s WHERE s.workshop_id = w.id AND s.status = 'complete') AS steps_complete
         FROM workshops w
         WHERE w.deleted_at IS NULL AND (w.owner_id = $1 OR EXISTS
            (SELECT 1 FROM workshop_members m WHERE m.workshop_id = w.id AND m.user_id = $1))
         ORDER BY w.updated_at DESC, w.id"
    );
    let rows: Vec<Listed> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(&user.id)
        .fetch_all(&state.pool)
        .await?;
    Ok(Json(json!({ "workshops": rows })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateWorkshop {
    /// The client's id (`ws_...`); the server makes one when absent.
    id: Option<String>,
    title: Option<String>,
    #[serde(default)]
    original_idea: String,
    visibility: Option<String>,
}

fn check_id(id: &str) -> Result<(), ApiError> {
    let valid = id.starts_with("ws_")
        && (4..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(ApiError::field(
            "id",
            "id must be \"ws_\" followed by 1 to 61 letters, digits, \"_\" or \"-\"",
        ))
    }
}

fn check_visibility(v: &str) -> Result<(), ApiError> {
    Visibility::parse(v)
        .map(|_| ())
        .ok_or_else(|| ApiError::field("visibility", "visibility must be one of private, shared"))
}

/// `POST /api/workshops` → 201 `{"workshop"}` with its ten steps (the first in progress).
/// Replaying a create with the caller's own existing id answers 200 with that workshop.
pub async fn create(
    State(state): State<AppState>,
    user: User,
    JsonBody(body): JsonBody<CreateWorkshop>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let title = limits::normalize_title(body.title.as_deref())?;
    if let Some(id) = &body.id {
        check_id(id)?;
    }
    let visibility = body.visibility.unwrap_or_else(|| "private".into());
    check_visibility(&visibility)?;
    let id = body.id.unwrap_or_else(|| new_id(IdKind::Workshop));
    let mut tx = state.pool.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO workshops (id, owner_id, title, original_idea, visibility) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&id)
    .bind(&user.id)
    .bind(&title)
    .bind(body.original_idea.trim())
    .bind(&visibility)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        tx.rollback().await?;
        let existing = fetch(&state, &id, &user.id).await;
        return match existing {
            Ok(workshop) if workshop["ownerId"] == user.id.as_str() => {
                Ok((StatusCode::OK, Json(json!({ "workshop": workshop }))))
            }
            _ => Err(ApiError::new(
                StatusCode::CONFLICT,
                "A workshop with this id already exists",
            )),
        };
    }
    for step in progress::initial(Utc::now()) {
        sqlx::query(
            "INSERT INTO workshop_steps (id, workshop_id, step_id, status, started_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(new_id(IdKind::WorkshopStep))
        .bind(&id)
        .bind(&step.step_id)
        .bind(step.status.as_str())
        .bind(step.started_at)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "workshop": fetch(&state, &id, &user.id).await? })),
    ))
}

async fn fetch(state: &AppState, id: &str, user_id: &str) -> Result<Value, ApiError> {
    let sql = format!("SELECT {WORKSHOP_COLUMNS} FROM workshops w WHERE {CAN_READ}");
    let mut conn = state.pool.acquire().await?;
    let workshop: WorkshopRow = sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(not_found)?;
    let steps = steps(&mut conn, id, false).await?;
    let mut value = serde_json::to_value(workshop).map_err(ApiError::internal)?;
    value["steps"] = serde_json::to_value(steps).map_err(ApiError::internal)?;
    Ok(value)
}

/// `GET /api/workshops/{id}` → 200 `{"workshop"}` with its steps; 404 when missing or not the caller's.
pub async fn get(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({ "workshop": fetch(&state, &id, &user.id).await? }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateWorkshop {
    title: Option<String>,
    original_idea: Option<String>,
    status: Option<String>,
    visibility: Option<String>,
}

/// `PATCH /api/workshops/{id}` (owner) → 200 `{"workshop"}`. `status` may be draft, active or
/// paused; completing goes through `POST .../complete` and its gate.
pub async fn update(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<UpdateWorkshop>,
) -> Result<Json<Value>, ApiError> {
    let title = body
        .title
        .as_deref()
        .map(|t| limits::normalize_title(Some(t)))
        .transpose()?;
    if let Some(status) = &body.status {
        match WorkshopStatus::parse(status) {
            Some(WorkshopStatus::Completed) => {
                return Err(ApiError::field(
                    "status",
                    "status cannot be set to completed; POST /api/workshops/{id}/complete",
                ))
            }
            Some(_) => {}
            None => {
                return Err(ApiError::field(
                    "status",
                    "status must be one of draft, active, paused",
                ))
            }
        }
    }
    if let Some(v) = &body.visibility {
        check_visibility(v)?;
    }
    let sql = format!(
        "UPDATE workshops w SET title = coalesce($3, w.title), original_idea = coalesce($4, w.original_idea),
            status = coalesce($5, w.status), visibility = coalesce($6, w.visibility), updated_at = now(), rev = w.rev + 1
         WHERE {IS_OWNER}"
    );
    let updated = sqlx::query(AssertSqlSafe(sql))
        .bind(&id)
        .bind(&user.id)
        .bind(title)
        .bind(body.original_idea.as_deref().map(str::trim))
        .bind(body.status)
        .bind(body.visibility)
        .execute(&state.pool)
        .await?
        .rows_affected();
    if updated == 0 {
        return Err(not_found());
    }
    Ok(Json(
        json!({ "workshop": fetch(&state, &id, &user.id).await? }),
    ))
}

/// `DELETE /api/workshops/{id}` (owner) → 200 `{"success": true}`; the workshop goes to the trash.
pub async fn delete(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let sql = format!("UPDATE workshops w SET deleted_at = now(), updated_at = now(), rev = w.rev + 1 WHERE {IS_OWNER}");
    let deleted = sqlx::query(AssertSqlSafe(sql))
        .bind(&id)
        .bind(&user.id)
        .execute(&state.pool)
        .await?
        .rows_affected();
    if deleted == 0 {
        return Err(not_found());
    }
    Ok(Json(json!({ "success": true })))
}

/// `POST /api/workshops/{id}/complete` → 200 `{"success": true, "status": "completed"}`, also
/// when already completed (checked first, under a row lock, without writing); 400 with
/// `missingSteps` when a step has no `completed_at` or fewer than ten rows exist; 401 when the
/// workshop is missing or not the caller's (server-api.md).
pub async fn complete(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut tx = state.pool.begin().await?;
    let sql = format!("SELECT w.status FROM workshops w WHERE {IS_OWNER} FOR UPDATE");
    let status: Option<String> = sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(&id)
        .bind(&user.id)
        .fetch_optional(&mut *tx)
        .await?;
    let status = status.ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Workshop not found or access denied",
        )
    })?;
    if status != WorkshopStatus::Completed.as_str() {
        let rows = steps(&mut tx, &id, false).await?;
        let states = rows
            .iter()
            .map(|r| r.state())
            .collect::<Result<Vec<_>, _>>()?;
        progress::completion_gate(&states)?;
        sqlx::query("UPDATE workshops SET status = 'completed', updated_at = now(), rev = rev + 1 WHERE id = $1")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Json(json!({ "success": true, "status": "completed" })))
}
