//! The WorkshopPilot server: the workshop API of `reference/server-api.md` on PostgreSQL.
//!
//! It shares the desktop core's domain rules (`wp_domain`: titles, notes, step output
//! schemas, progress and the completion gate) instead of copying them. Every workshop
//! query names the caller in its WHERE clause ([`access`]), so another user's workshop is
//! indistinguishable from a missing one. Errors are `{"error": "..."}` (plus `field` when
//! one field is to blame); internal details are logged, never returned; every response is
//! `Cache-Control: private, no-store`.

pub mod apply;
pub mod auth;
pub mod body;
pub mod db;
pub mod error;
pub mod rolling;
pub mod routes;
pub mod rows;
pub mod scratch;
pub mod sync;

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

use axum::http::{header, HeaderValue};
use axum::Router;
use sqlx::PgPool;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use error::ApiError;

/// Largest request body accepted: 1 MiB (a 50,000-character note is at most 200 KB).
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    /// Searches for people by name, per caller's user id
    /// ([`wp_domain::limits::PEOPLE_SEARCHES_PER_MINUTE`]).
    pub people_searches: Arc<DefaultKeyedRateLimiter<String>>,
    /// The users with an open event stream, poked when something they may see changes.
    pub pokes: Arc<sync::pokes::Pokes>,
    /// New event streams a second, for the whole process ([`STREAM_STARTS_PER_SECOND`]).
    pub stream_starts: Arc<DefaultDirectRateLimiter>,
    /// Set when the server shuts down: event streams end, so a graceful shutdown does not
    /// wait for them.
    pub closing: Arc<tokio::sync::watch::Sender<bool>>,
    /// Slots for snapshot streams ([`sync::snapshot::STREAMS_PER_PROCESS`]).
    pub snapshots: Arc<tokio::sync::Semaphore>,
}

/// Open files (sockets) a serving process asks for (`RLIMIT_NOFILE`, raised up to the hard
/// limit at start): 65,536, room for thousands of event streams.
pub const OPEN_FILES: u64 = 65_536;

/// New event streams one process accepts a second before it answers 503 with `Retry-After`:
/// every client reconnecting at once after a restart is spread out, not let in together. A
/// burst of 20, then one every 12.5 ms: no second lets in more than 100.
pub const STREAM_STARTS_PER_SECOND: u32 = 100;

impl AppState {
    /// The state over `pool`, with fresh rate limits.
    pub fn new(pool: PgPool) -> AppState {
        let per_minute = NonZeroU32::new(wp_domain::limits::PEOPLE_SEARCHES_PER_MINUTE)
            .unwrap_or(NonZeroU32::MIN);
        // A burst of a fifth of the rate, the rest evenly spaced: no second lets in more than
        // the rate (a burst on top of the whole rate would let in up to twice as many in the
        // second after a restart).
        let burst = (STREAM_STARTS_PER_SECOND / 5).max(1);
        let stream_period = Duration::from_secs(1) / (STREAM_STARTS_PER_SECOND - burst).max(1);
        AppState {
            pool,
            people_searches: Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))),
            pokes: Arc::default(),
            stream_starts: Arc::new(RateLimiter::direct(
                Quota::with_period(stream_period)
                    .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
                    .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN)),
            )),
            closing: Arc::new(tokio::sync::watch::channel(false).0),
            snapshots: Arc::new(tokio::sync::Semaphore::new(
                sync::snapshot::STREAMS_PER_PROCESS,
            )),
        }
    }
}

/// The whole API as an axum router.
pub fn router(state: AppState) -> Router {
    routes::router()
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Opens a connection pool: at most `max_connections`, waiting at most 5 s for one.
pub async fn connect(database_url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect(database_url)
        .await
}
