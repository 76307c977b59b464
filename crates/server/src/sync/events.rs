//! `GET /api/sync/events`: a user's event stream (server-sent events). The first event is
//! the log's end, `end` (as `pull`'s `seen`: a client pulls when it differs from what it
//! holds, and a lower one means a restore); then a `poke` each time something the user may
//! see changed ([`super::pokes`]). A comment every 20 s keeps it open through proxies; after
//! 5 minutes the stream ends and the client connects again, so a revoked token is refused
//! within 5 minutes.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use tokio_stream::wrappers::WatchStream;

use crate::auth::User;
use crate::{ApiError, AppState};

/// How long one stream lasts before the client connects again (and is authenticated again).
pub const STREAM_LIFETIME: Duration = Duration::from_secs(5 * 60);
/// A keep-alive comment this often: proxies and load balancers close quiet connections.
pub const KEEP_ALIVE: Duration = Duration::from_secs(20);

/// `GET /api/sync/events` → 200 `text/event-stream`: `event: end` with the log's end, then
/// `event: poke` (its data a count) whenever the caller should pull. 503 with `Retry-After` above
/// [`crate::STREAM_STARTS_PER_SECOND`] new streams a second (a reconnect storm after a
/// restart); 401 for a bad token.
pub async fn events(State(state): State<AppState>, user: User) -> Result<Response, ApiError> {
    if state.stream_starts.check().is_err() {
        let mut busy = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Too many event streams are starting; try again in a moment",
        )
        .into_response();
        busy.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        return Ok(busy);
    }
    let pokes = state.pokes.subscribe(&state.pool, &user.id);
    let end = log_end(&state.pool).await?;
    let first = futures_util::stream::once(async move { Event::default().event("end").data(end) });
    // Each poke carries the stream's poke count: an event with no data is not dispatched
    // by an EventSource (the SSE standard), so a bare "pull now" would be dropped.
    let later = WatchStream::from_changes(pokes)
        .map(|n| Event::default().event("poke").data(n.to_string()));
    let mut closing = state.closing.subscribe();
    let ends = async move {
        tokio::select! {
            _ = tokio::time::sleep(STREAM_LIFETIME) => {}
            _ = closing.wait_for(|c| *c) => {}
        }
    };
    let stream = first
        .chain(later)
        .map(Ok::<_, Infallible>)
        .take_until(Box::pin(ends));
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response();
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

/// The log's end now, `{position}.{changeId}` as `pull` writes cursors; empty for an empty log.
async fn log_end(pool: &sqlx::PgPool) -> Result<String, ApiError> {
    Ok(sqlx::query!(
        r#"SELECT position, change_id::text AS "change_id!" FROM sync_log ORDER BY position DESC LIMIT 1"#
    )
    .fetch_optional(pool)
    .await?
    .map(|e| format!("{}.{}", e.position, e.change_id))
    .unwrap_or_default())
}
