//! `GET /api/sync/events`: a user's event stream (server-sent events). The first event is
//! the log's end, `end` (as `pull`'s `seen`: a client pulls when it differs from what it
//! holds, and a lower one means a restore); then a `poke` each time something the user may
//! see changed ([`super::pokes`]). A comment every 20 s keeps it open through proxies; after
//! 5 minutes the stream ends and the client connects again (and is authenticated again). A
//! token revoked with `token revoke` ends its streams at once: the revocation pokes its
//! user, and each poke checks the stream's token first.

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
    // An event with empty data is never dispatched (the SSE standard): an empty log's end
    // is "0", so that the client always hears the stream open.
    let end = super::pull::log_end(&mut *state.pool.acquire().await?).await?;
    let end = if end.is_empty() { "0".to_string() } else { end };
    let first = futures_util::stream::once(async move { Event::default().event("end").data(end) });
    // Each poke carries the stream's poke count: an event with no data is not dispatched
    // by an EventSource (the SSE standard), so a bare "pull now" would be dropped.
    // Each poke checks the stream's token again first: a revoked token's poke
    // (`auth::revoke_token`) ends the stream at once, not at the end of its lifetime.
    let pool = state.pool.clone();
    let token_hash = user.token_hash.clone();
    let later = WatchStream::from_changes(pokes)
        .then(move |n| {
            let (pool, token_hash) = (pool.clone(), token_hash.clone());
            async move {
                let valid = crate::auth::token_valid(&pool, &token_hash)
                    .await
                    .unwrap_or(true);
                valid.then(|| Event::default().event("poke").data(n.to_string()))
            }
        })
        .take_while(|event| std::future::ready(event.is_some()))
        .filter_map(std::future::ready);
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
