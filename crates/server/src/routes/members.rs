//! Workshop members: the owner shares a workshop with another user as editor or viewer.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use wp_domain::ids::{new_id, IdKind};

use sqlx::AssertSqlSafe;

use crate::access::{IS_OWNER, ROLES};
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
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if !ROLES.contains(&body.role.as_str()) {
        return Err(ApiError::field(
            "role",
            format!("role must be one of {}", ROLES.join(", ")),
        ));
    }
    let exists: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
        .bind(&body.user_id)
        .fetch_optional(&state.pool)
        .await?;
    if exists.is_none() {
        return Err(ApiError::field("userId", "no such user"));
    }
    let sql = format!(
        "INSERT INTO workshop_members (id, workshop_id, user_id, role)
         SELECT $3, w.id, $4, $5 FROM workshops w WHERE {IS_OWNER}
         ON CONFLICT (workshop_id, user_id) DO UPDATE SET role = excluded.role
         RETURNING user_id, role"
    );
    let row: Option<(String, String)> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(&id)
        .bind(&user.id)
        .bind(new_id(IdKind::Member))
        .bind(&body.user_id)
        .bind(&body.role)
        .fetch_optional(&state.pool)
        .await?;
    let (user_id, role) = row.ok_or_else(|| ApiError::not_found("Workshop not found"))?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "member": { "userId": user_id, "role": role } })),
    ))
}
