//! Steps: start, complete, advance, revise, save an output. Each is a mutation run through
//! the shared write path; the caller must be able to edit the workshop.

use axum::extract::{Path, State};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use serde_json::Value;
use wp_domain::{steps as definitions, Change, Mutation};

use super::bodies::{StepBody, StepProgress};
use super::mutate::run;
use crate::auth::User;
use crate::body::JsonBody;
use crate::rows::select;
use crate::{ApiError, AppState};

fn step_not_found() -> ApiError {
    ApiError::not_found("Workshop step not found")
}

/// Which progress intent a route runs.
#[derive(Clone, Copy)]
enum Intent {
    Start,
    Complete,
    Advance,
    Revise,
}

async fn progress(
    state: AppState,
    user: User,
    id: String,
    step_id: String,
    intent: Intent,
) -> Result<Json<StepProgress>, ApiError> {
    definitions::find(&step_id).map_err(|_| step_not_found())?;
    let (workshop_id, at, step) = (id.clone(), Utc::now(), step_id.clone());
    let mutation = match intent {
        Intent::Start => Mutation::StartStep {
            workshop_id,
            step_id: step,
            at,
        },
        Intent::Complete => Mutation::CompleteStep {
            workshop_id,
            step_id: step,
            at,
        },
        Intent::Advance => Mutation::AdvanceStep {
            workshop_id,
            step_id: step,
            at,
        },
        Intent::Revise => Mutation::ReviseStep {
            workshop_id,
            step_id: step,
            at,
        },
    };
    run(&state, &user, &mutation, step_not_found).await?;
    let mut conn = state.pool.acquire().await?;
    let status = select::steps(&mut conn, &id, Some(&step_id))
        .await?
        .pop()
        .map(|s| s.status)
        .ok_or_else(step_not_found)?;
    Ok(Json(StepProgress {
        success: true,
        step_id,
        status,
    }))
}

/// `POST /api/workshops/{id}/steps/{stepId}/complete` → 200
/// `{"success": true, "stepId", "status": "complete"}`; 404 "Workshop step not
/// found" for an unknown step or a workshop the caller may not edit (the ownership check the
/// original lacked); 409 when the step has no output yet (the app's rule).
pub async fn complete(
    State(state): State<AppState>,
    user: User,
    Path((id, step_id)): Path<(String, String)>,
) -> Result<Json<StepProgress>, ApiError> {
    progress(state, user, id, step_id, Intent::Complete).await
}

/// `POST /api/workshops/{id}/steps/{stepId}/start` → 200 as complete; 409 for a complete step.
pub async fn start(
    State(state): State<AppState>,
    user: User,
    Path((id, step_id)): Path<(String, String)>,
) -> Result<Json<StepProgress>, ApiError> {
    progress(state, user, id, step_id, Intent::Start).await
}

/// `POST /api/workshops/{id}/steps/{stepId}/advance` → 200: the step completes and the next
/// starts.
pub async fn advance(
    State(state): State<AppState>,
    user: User,
    Path((id, step_id)): Path<(String, String)>,
) -> Result<Json<StepProgress>, ApiError> {
    progress(state, user, id, step_id, Intent::Advance).await
}

/// `POST /api/workshops/{id}/steps/{stepId}/revise` → 200: a complete step returns to work,
/// later steps need regeneration, a completed workshop becomes active; 409 for a step that
/// is not complete.
pub async fn revise(
    State(state): State<AppState>,
    user: User,
    Path((id, step_id)): Path<(String, String)>,
) -> Result<Json<StepProgress>, ApiError> {
    progress(state, user, id, step_id, Intent::Revise).await
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
) -> Result<Json<StepBody>, ApiError> {
    definitions::find(&step_id).map_err(|_| step_not_found())?;
    let mutation = Mutation::SaveStepOutput {
        workshop_id: id.clone(),
        step_id: step_id.clone(),
        output: body.output,
        // REST writes the value as given: the last writer wins.
        base: None,
        at: Utc::now(),
    };
    let changes = run(&state, &user, &mutation, step_not_found).await?;
    debug_assert!(changes.iter().all(|c| matches!(c, Change::Step(_))));
    let mut conn = state.pool.acquire().await?;
    let step = select::steps(&mut conn, &id, Some(&step_id))
        .await?
        .pop()
        .ok_or_else(step_not_found)?;
    Ok(Json(StepBody { step }))
}
