//! Bearer-token authentication. Tokens are `wpt_` + 64 hex characters (256 random bits),
//! shown once when a user is created; the server keeps only their SHA-256 hash.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::{ApiError, AppState};

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    /// The hash of the token the request carried: an event stream checks it again when its
    /// user's tokens change ([`token_valid`]).
    pub token_hash: Vec<u8>,
}

/// A new random token and its hash.
pub fn new_token() -> Result<(String, Vec<u8>), getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    let token = format!(
        "wpt_{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let hash = hash(&token);
    Ok((token, hash))
}

/// SHA-256 of a token. Tokens carry 256 random bits, so a fast hash is enough.
pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Creates a user and a personal access token; returns (user id, token). The token is not
/// stored, only its hash: this is the one time it can be shown.
pub async fn add_user(pool: &PgPool, name: &str) -> Result<(String, String), ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::field("name", "name must be 1 to 100 characters"));
    }
    let user_id = wp_domain::ids::new_id(wp_domain::ids::IdKind::User);
    let (token, token_hash) = new_token().map_err(ApiError::internal)?;
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "INSERT INTO users (id, name) VALUES ($1, $2)",
        user_id,
        name
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO api_tokens (id, user_id, token_hash) VALUES ($1, $2, $3)",
        format!("tok_{}", &user_id[4..]),
        user_id,
        token_hash
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((user_id, token))
}

/// Creates another personal access token for an existing user; returns (token id, token).
/// Errors with a 400 naming `user` when there is no such user.
pub async fn create_token(pool: &PgPool, user_id: &str) -> Result<(String, String), ApiError> {
    if !user_exists(&mut *pool.acquire().await?, user_id).await? {
        return Err(ApiError::field("user", format!("no user {user_id}")));
    }
    let (token, token_hash) = new_token().map_err(ApiError::internal)?;
    let token_id = wp_domain::ids::new_id(wp_domain::ids::IdKind::User).replacen("usr_", "tok_", 1);
    sqlx::query!(
        "INSERT INTO api_tokens (id, user_id, token_hash) VALUES ($1, $2, $3)",
        token_id,
        user_id,
        token_hash
    )
    .execute(pool)
    .await?;
    Ok((token_id, token))
}

/// Revokes a token by its id; requests carrying it then get 401, and event streams opened
/// with it close at once: the revocation notifies `wp_sync` as `token - {user_id}`
/// ([`crate::sync::pokes`]), in the same transaction, so each stream of that user checks
/// its token again. Errors with a 404 when no unrevoked token has that id.
pub async fn revoke_token(pool: &PgPool, token_id: &str) -> Result<(), ApiError> {
    let mut tx = pool.begin().await?;
    let user = sqlx::query_scalar!(
        "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING user_id",
        token_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(user) = user else {
        return Err(ApiError::not_found(
            "no such token, or it is already revoked",
        ));
    };
    sqlx::query!(
        "SELECT pg_notify($1, 'token - ' || $2::text)",
        crate::sync::pokes::CHANNEL,
        user
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the token with this hash is still good (not revoked). An event stream asks
/// when its user's tokens change.
pub async fn token_valid(pool: &PgPool, token_hash: &[u8]) -> Result<bool, ApiError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL) AS "valid!""#,
        token_hash
    )
    .fetch_one(pool)
    .await?)
}

impl<S: Send + Sync> FromRequestParts<S> for User
where
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "Authentication required"))?;
        let pool = AppState::from_ref(state).pool;
        let token_hash = hash(token);
        let id = sqlx::query_scalar!(
            "SELECT t.user_id FROM api_tokens t WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
            &token_hash
        )
        .fetch_optional(&pool)
        .await?;
        id.map(|id| User { id, token_hash })
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "Invalid or revoked token"))
    }
}

/// Whether a user with this id exists.
pub async fn user_exists(conn: &mut sqlx::PgConnection, user_id: &str) -> Result<bool, ApiError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM users WHERE id = $1) AS "exists!""#,
        user_id
    )
    .fetch_one(conn)
    .await?)
}
