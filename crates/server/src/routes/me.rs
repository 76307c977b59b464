//! `GET /api/me`: who the token belongs to, so a client can check a token before keeping it.

use axum::extract::State;
use axum::Json;
use serde::Serialize;

use crate::auth::User;
use crate::{ApiError, AppState};

/// The caller and the sync protocol this server speaks.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub user: MeUser,
    pub protocol_version: u32,
}

#[derive(Serialize, sqlx::FromRow)]
pub struct MeUser {
    pub id: String,
    pub name: String,
}

/// `GET /api/me` → 200 `{"user": {id, name}, "protocolVersion"}`; 401 for a bad token.
pub async fn me(State(state): State<AppState>, user: User) -> Result<Json<Me>, ApiError> {
    let user: MeUser = sqlx::query_as("SELECT id, name FROM users WHERE id = $1")
        .bind(&user.id)
        .fetch_one(&state.pool)
        .await?;
    Ok(Json(Me {
        user,
        protocol_version: wp_domain::mutation::PROTOCOL_VERSION,
    }))
}
