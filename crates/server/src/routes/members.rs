//! Workshop members: the owner shares a workshop with another user as editor or viewer,
//! and takes that access away.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use wp_domain::ids::{new_id, IdKind};

use chrono::Utc;
use wp_domain::{Mutation, Role};

use super::bodies::{MemberBody, MemberOut};
use super::mutate::run;
use crate::auth::User;
use crate::body::JsonBody;
use crate::{ApiError, AppState};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AddMember {
    user_id: String,
    role: String,
}

/// `POST /api/workshops/{id}/members` `{userId, role}` (owner) → 201 `{"member"}`; adding
/// an existing member changes their role.
pub async fn add(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AddMember>,
) -> Result<(StatusCode, Json<MemberBody>), ApiError> {
    let role = Role::parse(&body.role)
        .filter(|r| *r != Role::Owner)
        .ok_or_else(|| ApiError::field("role", "role must be one of editor, viewer"))?;
    let mutation = Mutation::AddMember {
        member_id: new_id(IdKind::Member),
        workshop_id: id,
        user_id: body.user_id.clone(),
        role,
        at: Utc::now(),
    };
    run(&state, &user, &mutation, || {
        ApiError::not_found("Workshop not found")
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(MemberBody {
            member: MemberOut {
                user_id: body.user_id,
                role: role.as_str(),
            },
        }),
    ))
}

/// `DELETE /api/workshops/{id}/members/{userId}` (owner) → 204; the member's devices drop
/// their copy at their next pull. Removing someone without access is a no-op (204 too).
pub async fn remove(
    State(state): State<AppState>,
    user: User,
    Path((id, member)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let mutation = Mutation::RemoveMember {
        workshop_id: id,
        user_id: member,
        at: Utc::now(),
    };
    run(&state, &user, &mutation, || {
        ApiError::not_found("Workshop not found")
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
