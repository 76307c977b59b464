//! The server's event stream (`GET /api/sync/events`, server-sent events): `end` with the
//! log's end when it opens, then `poke` whenever something this user may see changed.
//! Parsed by `eventsource-stream`; read on its own HTTP client with a read timeout, not the
//! API client's total timeout, which would cut every stream.

use std::time::Duration;

use eventsource_stream::Eventsource;
use futures_util::StreamExt;

use crate::{check_url, SyncError};

/// Longest silence before the stream counts as lost: the server sends a comment every 20 s.
pub const READ_TIMEOUT: Duration = Duration::from_secs(50);

/// The longest a client waits before opening its stream again after the server said it is
/// busy (503: too many streams starting at once, as when every client reconnects after a
/// restart): 10 s.
pub const BUSY_SPREAD: Duration = Duration::from_secs(10);

/// Whether `error` is the server asking to come back later (503) rather than a lost stream.
pub fn is_busy(error: &SyncError) -> bool {
    matches!(error, SyncError::Server { status: 503, .. })
}

/// A wait drawn uniformly from 0.5 s to [`BUSY_SPREAD`], after a busy answer: a crowd of
/// clients spreads over the whole span at about the pace the server lets streams in, where
/// a growing backoff would leave it idle between waves.
pub fn busy_wait() -> Duration {
    let most = u64::try_from(BUSY_SPREAD.as_millis()).unwrap_or(10_000);
    Duration::from_millis(fastrand::u64(500..=most))
}

/// What the stream says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// The stream opened; the server's log ends at this cursor (`0` for an empty log).
    End(String),
    /// Something this user may see changed: pull.
    Poke,
}

/// Follows the stream of `server_url` with `token`, calling `on_event` for each event, until
/// the server ends it (`Ok`) or it fails. Errors: the URL's, 401 as
/// [`SyncError::Unauthorized`], others as the server's or the network's.
pub async fn follow(
    server_url: &str,
    token: &str,
    mut on_event: impl FnMut(ServerEvent),
) -> Result<(), SyncError> {
    let base = check_url(server_url)?;
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(READ_TIMEOUT)
        .user_agent(concat!("workshoppilot/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| SyncError::Unreachable(e.to_string()))?;
    let url = format!("{}/api/sync/events", base.as_str().trim_end_matches('/'));
    let response = http
        .get(url)
        .bearer_auth(token)
        .header(reqwest::header::ACCEPT, "text/event-stream")
        .send()
        .await
        .map_err(|e| SyncError::Unreachable(e.to_string()))?;
    match response.status().as_u16() {
        200 => {}
        401 => return Err(SyncError::Unauthorized),
        status => {
            return Err(SyncError::Server {
                status,
                message: response.text().await.unwrap_or_default(),
            })
        }
    }
    let mut events = response.bytes_stream().eventsource();
    while let Some(event) = events.next().await {
        let event = event.map_err(|e| SyncError::Unreachable(e.to_string()))?;
        match event.event.as_str() {
            "end" => on_event(ServerEvent::End(event.data)),
            "poke" => on_event(ServerEvent::Poke),
            _ => {}
        }
    }
    Ok(())
}
