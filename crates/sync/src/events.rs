//! The server's event stream (`GET /api/sync/events`, server-sent events): `end` with the
//! log's end when it opens, then `poke` whenever something this user may see changed.
//! Parsed by `eventsource-stream`; read on its own HTTP client with a read timeout, not the
//! API client's total timeout, which would cut every stream.

use std::time::Duration;

use backon::BackoffBuilder;
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

/// What [`keep_following`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Followed {
    /// A (re)opened stream's first event came: the stream is live.
    Opened,
    /// An event, the first of each connection included.
    Event(ServerEvent),
    /// The stream was lost; it is opened again after a wait.
    Lost,
}

/// Follows the stream for as long as `on` returns `true`, opening it again whenever it ends:
/// at once when the server ended it in good order (every 5 minutes), after a random wait of
/// up to [`BUSY_SPREAD`] when the server said it is busy, and otherwise after a jittered
/// backoff of 1 s doubling to 30 s, which starts over once a stream lived a minute (a proxy
/// cutting streams after seconds must not become a reconnect every second from every
/// client). Returns when `on` says stop, or when the server refuses the token (401).
pub async fn keep_following(server_url: &str, token: &str, mut on: impl FnMut(Followed) -> bool) {
    let backoff = || {
        backon::ExponentialBuilder::default()
            .with_min_delay(Duration::from_secs(1))
            .with_max_delay(Duration::from_secs(30))
            .with_jitter()
            .without_max_times()
            .build()
    };
    let mut delays = backoff();
    loop {
        let mut opened = false;
        let mut stop = false;
        let connected = std::time::Instant::now();
        let result = follow(server_url, token, |event| {
            if stop {
                return;
            }
            if !opened {
                opened = true;
                stop |= !on(Followed::Opened);
            }
            stop |= !on(Followed::Event(event));
        })
        .await;
        if stop {
            return;
        }
        if result.is_ok() && opened {
            delays = backoff();
            continue;
        }
        if !on(Followed::Lost) || matches!(result, Err(SyncError::Unauthorized)) {
            return;
        }
        if opened && connected.elapsed() > Duration::from_secs(60) {
            delays = backoff();
        }
        if let Err(e) = &result {
            tracing::info!(error = %e, "the server's event stream was lost; opening it again");
        }
        let wait = match &result {
            Err(e) if is_busy(e) => busy_wait(),
            _ => delays.next().unwrap_or(Duration::from_secs(30)),
        };
        tokio::time::sleep(wait).await;
    }
}
