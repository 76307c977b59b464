//! `GET /api/me`: who the token belongs to, so a client can check a token before keeping it.

use axum::extract::State;
use axum::Json;
use wp_domain::protocol::{Me, MeUser};

use crate::auth::User;
use crate::{ApiError, AppState};

/// `GET /api/me` → 200 `{"user": {id, name}, "protocolVersion"}`; 401 for a bad token.
pub async fn me(State(state): State<AppState>, user: User) -> Result<Json<Me>, ApiError> {
    let me = sqlx::query!("SELECT id, name FROM users WHERE id = $1", user.id)
        .fetch_one(&state.pool)
        .await?;
    Ok(Json(Me {
        user: MeUser {
            id: me.id,
            name: me.name,
        },
        protocol_version: wp_domain::mutation::PROTOCOL_VERSION,
    }))
}
