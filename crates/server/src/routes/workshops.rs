//! Workshops: list, create, get, update, delete (soft) and complete.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use serde_json::Value;
use wp_domain::ids::{self, new_id, IdKind};
use wp_domain::{limits, DomainError, Mutation, Visibility, WorkshopStatus};

use super::bodies::{Completed, Success, WorkshopBody, WorkshopWithSteps, WorkshopsBody};
use super::mutate::{run, run_in};
use crate::auth::User;
use crate::body::JsonBody;
use crate::rows::{select, WorkshopRow};
use crate::{ApiError, AppState};

fn not_found() -> ApiError {
    ApiError::not_found("Workshop not found")
}

/// A workshop in the list: its row and how many steps are complete.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Listed {
    #[serde(flatten)]
    workshop: WorkshopRow,
    steps_complete: i64,
}

/// `GET /api/workshops` → 200 `{"workshops": [workshop + stepsComplete]}`, newest activity first.
pub async fn list(
    State(state): State<AppState>,
    user: User,
) -> Result<Json<WorkshopsBody<Listed>>, ApiError> {
    // The caller's workshops by the access view (migration 0006), trashed ones left out.
    let rows = sqlx::query!(
        r#"SELECT w.id, w.owner_id, w.title, w.original_idea, w.status, w.visibility,
                w.created_at, w.updated_at, w.rev,
                (SELECT count(*) FROM workshop_steps s
                 WHERE s.workshop_id = w.id AND s.status = 'complete') AS "steps_complete!"
         FROM workshops w
         WHERE w.deleted_at IS NULL
           AND EXISTS (SELECT 1 FROM workshop_roles r WHERE r.workshop_id = w.id AND r.user_id = $1)
         ORDER BY w.updated_at DESC, w.id"#,
        user.id
    )
    .fetch_all(&state.pool)
    .await?;
    let workshops = rows
        .into_iter()
        .map(|r| Listed {
            workshop: WorkshopRow {
                id: r.id,
                owner_id: r.owner_id,
                title: r.title,
                original_idea: r.original_idea,
                status: r.status,
                visibility: r.visibility,
                created_at: r.created_at,
                updated_at: r.updated_at,
                deleted_at: None,
                rev: r.rev,
                version: None,
            },
            steps_complete: r.steps_complete,
        })
        .collect();
    Ok(Json(WorkshopsBody { workshops }))
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
    /// The step rows, as an import carries them: `[{id?, stepId, output?, summary?}]`.
    /// Steps not listed get a server-made id and no output.
    #[serde(default)]
    steps: Vec<CreateStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateStep {
    id: Option<String>,
    step_id: String,
    output: Option<Value>,
    summary: Option<String>,
}

fn parse_visibility(v: &str) -> Result<Visibility, ApiError> {
    Visibility::parse(v)
        .ok_or_else(|| ApiError::field("visibility", "visibility must be one of private, shared"))
}

/// `POST /api/workshops` → 201 `{"workshop"}` with its ten steps (the first in progress),
/// outputs and summaries as given in `steps` (validated against each step's schema, 400
/// naming `output.<path>`). Replaying a create with the caller's own existing id answers
/// 200 with that workshop; an id another user holds answers 409.
pub async fn create(
    State(state): State<AppState>,
    user: User,
    JsonBody(body): JsonBody<CreateWorkshop>,
) -> Result<(StatusCode, Json<WorkshopBody>), ApiError> {
    let title = limits::normalize_title(body.title.as_deref())?;
    if let Some(id) = &body.id {
        ids::check(IdKind::Workshop, "id", id)?;
    }
    let visibility = body
        .visibility
        .as_deref()
        .map(parse_visibility)
        .transpose()?
        .unwrap_or(Visibility::Private);
    let mut steps = Mutation::new_steps();
    for (i, given) in body.steps.into_iter().enumerate() {
        let Some(step) = steps.iter_mut().find(|s| s.step_id == given.step_id) else {
            return Err(ApiError::field(
                format!("steps[{i}].stepId"),
                DomainError::UnknownStep(given.step_id).to_string(),
            ));
        };
        if let Some(id) = given.id {
            step.id = id;
        }
        step.output = given.output;
        step.summary = given.summary;
    }
    let id = body.id.unwrap_or_else(|| new_id(IdKind::Workshop));
    let mutation = Mutation::CreateWorkshop {
        workshop_id: id.clone(),
        title,
        original_idea: body.original_idea,
        steps,
        at: Utc::now(),
    };
    // The workshop and its visibility in one transaction: both or neither.
    let mut tx = state.pool.begin().await?;
    let changes = match run_in(&mut tx, &user, &mutation, not_found).await {
        Err(e) if e.field.as_deref() == Some("workshopId") => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "A workshop with this id already exists",
            ))
        }
        other => other?,
    };
    if changes.is_empty() {
        tx.rollback().await?;
        return Ok((
            StatusCode::OK,
            Json(WorkshopBody {
                workshop: fetch(&state, &id, &user.id).await?,
            }),
        ));
    }
    if visibility != Visibility::Private {
        let shared = Mutation::UpdateWorkshop {
            workshop_id: id.clone(),
            original_idea: None,
            status: None,
            visibility: Some(visibility),
            at: Utc::now(),
        };
        run_in(&mut tx, &user, &shared, not_found).await?;
    }
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(WorkshopBody {
            workshop: fetch(&state, &id, &user.id).await?,
        }),
    ))
}

async fn fetch(state: &AppState, id: &str, user_id: &str) -> Result<WorkshopWithSteps, ApiError> {
    let mut conn = state.pool.acquire().await?;
    // Any role may read (the access view); a trashed workshop is not found.
    let workshop = select::readable_workshop(&mut conn, id, user_id)
        .await?
        .ok_or_else(not_found)?;
    let steps = select::steps(&mut conn, id, None).await?;
    Ok(WorkshopWithSteps { workshop, steps })
}

/// `GET /api/workshops/{id}` → 200 `{"workshop"}` with its steps; 404 when missing or not the caller's.
pub async fn get(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> Result<Json<WorkshopBody>, ApiError> {
    Ok(Json(WorkshopBody {
        workshop: fetch(&state, &id, &user.id).await?,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateWorkshop {
    title: Option<String>,
    original_idea: Option<String>,
    status: Option<String>,
    visibility: Option<String>,
}

/// `PATCH /api/workshops/{id}` (owner) → 200 `{"workshop"}`. The title is the
/// `renameWorkshop` mutation, the idea, status and visibility `updateWorkshop`, both in one
/// transaction and by the domain's rules: `status` may be draft, active or paused, never
/// completed (that is `POST .../complete` and its gate), and a completed workshop stays
/// completed. Fields that do not change write nothing (docs/server.md, "PATCH").
pub async fn update(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<UpdateWorkshop>,
) -> Result<Json<WorkshopBody>, ApiError> {
    let status = body
        .status
        .as_deref()
        .map(|s| {
            WorkshopStatus::parse(s).ok_or_else(|| {
                ApiError::field("status", "status must be one of draft, active, paused")
            })
        })
        .transpose()?;
    let visibility = body
        .visibility
        .as_deref()
        .map(parse_visibility)
        .transpose()?;
    let at = Utc::now();
    let mut tx = state.pool.begin().await?;
    if let Some(title) = body.title {
        let rename = Mutation::RenameWorkshop {
            workshop_id: id.clone(),
            title,
            base: None,
            at,
        };
        run_in(&mut tx, &user, &rename, not_found).await?;
    }
    let update = Mutation::UpdateWorkshop {
        workshop_id: id.clone(),
        original_idea: body.original_idea,
        status,
        visibility,
        at,
    };
    run_in(&mut tx, &user, &update, not_found).await?;
    tx.commit().await?;
    Ok(Json(WorkshopBody {
        workshop: fetch(&state, &id, &user.id).await?,
    }))
}

/// `DELETE /api/workshops/{id}` (owner) → 200 `{"success": true}`; the workshop goes to the trash.
pub async fn delete(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> Result<Json<Success>, ApiError> {
    let delete = Mutation::DeleteWorkshop {
        workshop_id: id,
        at: Utc::now(),
    };
    // A trashed workshop is invisible to REST: trashing it again looks like a missing one.
    let changes = run(&state, &user, &delete, not_found).await?;
    if changes.is_empty() {
        return Err(not_found());
    }
    Ok(Json(Success { success: true }))
}

/// `POST /api/workshops/{id}/complete` → 200 `{"success": true, "status": "completed"}`, also
/// when already completed (checked first, under a row lock, without writing); 400 with
/// `missingSteps` when a step has no `completed_at` or fewer than ten rows exist; 401 when the
/// workshop is missing or not the caller's (server-api.md).
pub async fn complete(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> Result<Json<Completed>, ApiError> {
    let complete = Mutation::CompleteWorkshop {
        workshop_id: id,
        at: Utc::now(),
    };
    run(&state, &user, &complete, || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Workshop not found or access denied",
        )
    })
    .await?;
    Ok(Json(Completed {
        success: true,
        status: "completed",
    }))
}
