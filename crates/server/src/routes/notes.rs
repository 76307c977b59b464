//! Personal notes: one per (workshop, user), and one per step with `?stepId=`.

use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use wp_domain::ids::{new_id, IdKind};
use wp_domain::{steps, Mutation};

use super::bodies::{NoteBody, NoteOut};
use super::mutate::run;

use sqlx::AssertSqlSafe;

use crate::access::CAN_READ;
use crate::auth::User;
use crate::body::JsonBody;
use crate::{ApiError, AppState};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scope {
    step_id: Option<String>,
}

fn check_step(scope: &Scope) -> Result<(), ApiError> {
    match &scope.step_id {
        Some(step) => steps::find(step)
            .map(|_| ())
            .map_err(|e| ApiError::field("stepId", e.to_string())),
        None => Ok(()),
    }
}

/// `GET /api/workshops/{id}/notes[?stepId=]` → 200 `{"note": {content, updated_at} | null}`.
pub async fn get(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Query(scope): Query<Scope>,
) -> Result<Json<NoteBody>, ApiError> {
    check_step(&scope)?;
    let sql = format!(
        "SELECT n.content, n.updated_at FROM workshops w
         LEFT JOIN notes n ON n.workshop_id = w.id AND n.user_id = $2 AND n.step_id IS NOT DISTINCT FROM $3
         WHERE {CAN_READ}"
    );
    let row: Option<(Option<String>, Option<DateTime<Utc>>)> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(&id)
        .bind(&user.id)
        .bind(&scope.step_id)
        .fetch_optional(&state.pool)
        .await?;
    match row {
        None => Err(ApiError::not_found("Workshop not found")),
        Some((Some(content), Some(updated_at))) => Ok(Json(NoteBody {
            note: Some(NoteOut {
                content,
                updated_at,
            }),
        })),
        Some(_) => Ok(Json(NoteBody { note: None })),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PutNote {
    content: String,
}

/// `PUT /api/workshops/{id}/notes[?stepId=]` `{content}` → 200 `{"note"}`, an upsert; 400
/// "Notes cannot exceed 50,000 characters".
pub async fn put(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Query(scope): Query<Scope>,
    JsonBody(body): JsonBody<PutNote>,
) -> Result<Json<NoteBody>, ApiError> {
    check_step(&scope)?;
    let mutation = Mutation::SetNote {
        note_id: new_id(IdKind::Note),
        workshop_id: id.clone(),
        step_id: scope.step_id.clone(),
        content: body.content,
        // REST writes the value as given: the last writer wins.
        base: None,
        at: Utc::now(),
    };
    run(&state, &user, &mutation, || {
        ApiError::not_found("Workshop not found")
    })
    .await?;
    let row: Option<(String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT content, updated_at FROM notes WHERE workshop_id = $1 AND user_id = $2 AND step_id IS NOT DISTINCT FROM $3",
    )
    .bind(&id)
    .bind(&user.id)
    .bind(&scope.step_id)
    .fetch_optional(&state.pool)
    .await?;
    let (content, updated_at) = row.ok_or_else(|| ApiError::not_found("Workshop not found"))?;
    Ok(Json(NoteBody {
        note: Some(NoteOut {
            content,
            updated_at,
        }),
    }))
}
