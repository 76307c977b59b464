//! `GET /api/users?q=`: finding people by name, to share a workshop with (and, later, to
//! invite to a session). Limited in length and count, and rate-limited per caller.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use wp_domain::limits::{people_query, PEOPLE_RESULTS_MAX};
use wp_domain::protocol::{MeUser, People};
use wp_domain::DomainError;

use crate::auth::User;
use crate::{ApiError, AppState};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Search {
    #[serde(default)]
    q: String,
}

/// `GET /api/users?q=ada` → 200 `{"users": [{id, name}]}`: users other than the caller whose
/// name contains the query (case-insensitive), names that start with it first, then by
/// name; at most 20. 400 naming `q` below 3 or above 100 characters; 429 past
/// [`wp_domain::limits::PEOPLE_SEARCHES_PER_MINUTE`] searches a minute by one caller.
pub async fn search(
    State(state): State<AppState>,
    user: User,
    Query(search): Query<Search>,
) -> Result<Json<People>, ApiError> {
    let q = people_query(&search.q).map_err(|e| match e {
        DomainError::InvalidArgument { field, message } => ApiError::field(field, message),
        other => ApiError::from(other),
    })?;
    if state.people_searches.check_key(&user.id).is_err() {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many searches for people; wait a minute and try again",
        ));
    }
    let limit = i64::try_from(PEOPLE_RESULTS_MAX).unwrap_or(20);
    let users = sqlx::query_as!(
        MeUser,
        "SELECT id, name FROM users
         WHERE id <> $1 AND strpos(lower(name), lower($2)) > 0
         ORDER BY strpos(lower(name), lower($2)) <> 1, lower(name), id
         LIMIT $3",
        user.id,
        q,
        limit
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(Json(People { users }))
}
