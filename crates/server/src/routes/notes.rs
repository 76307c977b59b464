//! Personal notes: one per (workshop, user), and one per step with `?stepId=`.

use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use wp_domain::ids::{new_id, IdKind};
use wp_domain::{steps, Mutation};

use super::bodies::{NoteBody, NoteOut};
use super::mutate::run;

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
    // The workshop (any role may read it), and the caller's note in it if there is one.
    let row = sqlx::query!(
        r#"SELECT n.content AS "content?", n.updated_at AS "updated_at?" FROM workshops w
         LEFT JOIN notes n ON n.workshop_id = w.id AND n.user_id = $2 AND n.step_id IS NOT DISTINCT FROM $3
         WHERE w.id = $1 AND w.deleted_at IS NULL
           AND EXISTS (SELECT 1 FROM workshop_roles r WHERE r.workshop_id = w.id AND r.user_id = $2)"#,
        id,
        user.id,
        scope.step_id
    )
    .fetch_optional(&state.pool)
    .await?
    .map(|r| (r.content, r.updated_at));
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
    let row = sqlx::query!(
        "SELECT content, updated_at FROM notes
         WHERE workshop_id = $1 AND user_id = $2 AND step_id IS NOT DISTINCT FROM $3",
        id,
        user.id,
        scope.step_id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or_else(|| ApiError::not_found("Workshop not found"))?;
    let (content, updated_at) = (row.content, row.updated_at);
    Ok(Json(NoteBody {
        note: Some(NoteOut {
            content,
            updated_at,
        }),
    }))
}
