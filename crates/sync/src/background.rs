//! Background sync for a long-running app (the desktop window): one thread with its own
//! database connection and its own single-threaded tokio runtime, so a round never holds
//! the connection the app's commands use, and a command never waits for the network.
//!
//! A round ([`crate::sync_round`]) runs soon after a local change ([`SyncHandle::nudge`],
//! debounced), every [`Timing::idle`] while idle, and every [`Timing::offline_retry`] while
//! the server cannot be reached, so sync resumes on its own when it comes back. What it does
//! is reported as [`SyncEvent`]s; [`SyncHandle::status`] is the latest [`SyncStatus`].
//! The token is read from the keyring (or `$WORKSHOPPILOT_TOKEN`) for each round, or held in
//! memory for this run when the user chose so at sign-in; it is never part of a status.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::mpsc;

use crate::events::Followed;
use tokio::time::Instant;
use wp_store::{HeldDeletes, Store};

use crate::{token, Api, Progress, RetryPolicy, RoundOptions, SyncError};

/// When rounds run.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Quiet time after a local change before a round: 1.5 s, so a burst of saves (typing in
    /// a note) goes in one push.
    pub debounce: Duration,
    /// The longest a change waits while changes keep coming: 10 s.
    pub debounce_max: Duration,
    /// A round while idle, to bring in other clients' changes: every 30 s.
    pub idle: Duration,
    /// While the server cannot be reached: another try every 5 s (at most `idle`).
    pub offline_retry: Duration,
}

/// Rows per pull page in the background: 250, written in chunks of [`wp_store::PULL_CHUNK`]
/// changes that a waiting save goes between; a page is one request, so progress moves
/// every 250 rows (BENCHMARKS.md, "Typing during a first sync").
pub const APP_PULL_PAGE: u32 = 250;

/// Overrides [`Timing::idle`], in seconds (the window tests use 2).
pub const IDLE_ENV: &str = "WORKSHOPPILOT_SYNC_IDLE_SECS";

impl Default for Timing {
    fn default() -> Self {
        Timing {
            debounce: Duration::from_millis(1500),
            debounce_max: Duration::from_secs(10),
            idle: Duration::from_secs(30),
            offline_retry: Duration::from_secs(5),
        }
    }
}

impl Timing {
    /// The defaults, with `$WORKSHOPPILOT_SYNC_IDLE_SECS` (a positive whole number) as the
    /// idle interval if set.
    pub fn from_env() -> Timing {
        let mut timing = Timing::default();
        if let Some(secs) = std::env::var(IDLE_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|s| *s > 0)
        {
            timing.idle = Duration::from_secs(secs);
        }
        timing.offline_retry = timing.offline_retry.min(timing.idle);
        timing
    }
}

/// Why sync is not running.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum OfflineReason {
    /// The server did not answer (no network, or it is down); tried again on its own.
    Unreachable,
    /// The server refused the token (revoked or expired): sign in again.
    SignInExpired,
    /// There is no OS keyring to read the token from (no Secret Service), or it failed:
    /// sign in again.
    Keyring,
    /// The OS keyring is locked: once it is unlocked, sync resumes on its own.
    KeyringLocked,
    /// The server answered with an error that retrying did not fix.
    Server,
    /// The server speaks another protocol version: one of the two needs an update.
    Incompatible,
    /// The local database failed.
    Storage,
}

/// What background sync is doing.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum Phase {
    /// No account, or no token for it: nothing is sent until the user signs in.
    SignedOut,
    /// Between rounds; the last one completed at [`SyncStatus::last_synced_at`].
    Idle,
    /// A round is under way. `first` is the first full pull of this database.
    Syncing {
        first: bool,
        progress: Option<Progress>,
    },
    /// The last round failed; the message says why (no token in it).
    Offline {
        reason: OfflineReason,
        message: String,
    },
}

/// Everything the status bar shows.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    /// The server this database is bound to, if any.
    pub server_url: Option<String>,
    /// The server user's id (`usr_...`): what an owner needs to share a workshop with them.
    pub user_id: Option<String>,
    /// The signed-in user's name, once the server has said it.
    pub user_name: Option<String>,
    pub phase: Phase,
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Local changes waiting to be sent.
    pub pending: i64,
    /// Open conflicts of this user.
    pub conflicts: i64,
    /// Changes the server refused, kept for the user.
    pub rejections: i64,
    /// A pull's mass delete waiting for the user's word.
    pub held_deletes: Option<HeldDeletes>,
    /// The token is held in memory for this run only (there was no keyring to keep it).
    pub token_in_memory: bool,
    /// The server's event stream is open: another device's change is pulled as soon as the
    /// server pokes, not at the next timed round ("Live" rather than "Checking every 30 s").
    pub live: bool,
}

impl SyncStatus {
    fn signed_out() -> SyncStatus {
        SyncStatus {
            server_url: None,
            user_id: None,
            user_name: None,
            phase: Phase::SignedOut,
            last_synced_at: None,
            pending: 0,
            conflicts: 0,
            rejections: 0,
            held_deletes: None,
            token_in_memory: false,
            live: false,
        }
    }
}

/// What background sync reports.
#[derive(Debug, Clone)]
pub enum SyncEvent {
    /// The status changed.
    Status(SyncStatus),
    /// A round wrote or deleted rows of these workshops: open views should refresh.
    Pulled { workshops: Vec<String> },
}

enum Command {
    Nudge,
    Now,
    SignedIn {
        token: Option<String>,
        user_name: String,
    },
    SignedOut,
    /// The server poked (at this instant): something this user may see changed.
    Poke(Instant),
    /// The event stream opened (`true`) or was lost (`false`).
    Live(bool),
}

/// The app's side of background sync. Cheap to clone; the thread stops when every handle is
/// dropped.
#[derive(Clone)]
pub struct SyncHandle {
    commands: mpsc::UnboundedSender<Command>,
    status: Arc<Mutex<SyncStatus>>,
    /// The token kept in memory for this run, for requests besides rounds
    /// ([`crate::find_people`]).
    memory_token: Arc<Mutex<Option<String>>>,
}

impl SyncHandle {
    /// A local change was saved: a round follows after [`Timing::debounce`] of quiet.
    pub fn nudge(&self) {
        let _ = self.commands.send(Command::Nudge);
    }

    /// Runs a round now (the user asked).
    pub fn sync_now(&self) {
        let _ = self.commands.send(Command::Now);
    }

    /// The database was bound to an account ([`crate::bind_account`]). `token` is `Some` when
    /// it is kept in memory for this run only; otherwise rounds read it from the keyring.
    pub fn signed_in(&self, token: Option<String>, user_name: String) {
        *self.memory_token.lock().unwrap_or_else(|p| p.into_inner()) = token.clone();
        let _ = self.commands.send(Command::SignedIn { token, user_name });
    }

    /// The token was deleted: no more rounds until the next sign-in.
    pub fn signed_out(&self) {
        *self.memory_token.lock().unwrap_or_else(|p| p.into_inner()) = None;
        let _ = self.commands.send(Command::SignedOut);
    }

    /// The token kept in memory for this run, when the user chose that at sign-in (no
    /// keyring); `None` when it lives in the keyring.
    pub fn memory_token(&self) -> Option<String> {
        self.memory_token
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The latest status.
    pub fn status(&self) -> SyncStatus {
        self.status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

type Emit = Arc<dyn Fn(SyncEvent) + Send + Sync>;

/// Starts background sync on the database at `db_path` (opened again here: its own
/// connection). `emit` is called from the sync thread.
pub fn start(
    db_path: PathBuf,
    timing: Timing,
    emit: impl Fn(SyncEvent) + Send + Sync + 'static,
) -> SyncHandle {
    let (commands, receiver) = mpsc::unbounded_channel();
    let own = commands.downgrade();
    let status = Arc::new(Mutex::new(SyncStatus::signed_out()));
    let handle = SyncHandle {
        commands,
        status: status.clone(),
        memory_token: Arc::default(),
    };
    let worker = Worker {
        db_path,
        store: None,
        timing,
        token: None,
        user_name: None,
        waits_for_user: false,
        status,
        emit: Arc::new(emit),
        own,
        stream: None,
    };
    let spawned = std::thread::Builder::new()
        .name("wp-sync".into())
        .spawn(move || {
            // At the normal CPU priority: a lower one starved a first sync whenever other
            // programs kept every core busy, and made a save wait on the write lock held
            // by a sync thread the scheduler left waiting (BENCHMARKS.md, "Typing during
            // a first sync").
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(worker.run(receiver)),
                Err(e) => tracing::error!(error = %e, "background sync could not start"),
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "background sync could not start");
    }
    handle
}

struct Worker {
    db_path: PathBuf,
    store: Option<Store>,
    timing: Timing,
    /// A token kept in memory for this run (no keyring).
    token: Option<String>,
    user_name: Option<String>,
    /// The last round failed on something only the user can clear (a locked keyring):
    /// no round starts on its own (a timer, a local change) until the user asks (Sync now)
    /// or signs in, so a dismissed unlock prompt does not come back every few seconds.
    waits_for_user: bool,
    status: Arc<Mutex<SyncStatus>>,
    emit: Emit,
    /// This worker's own command channel, weakly held (the thread stops when the handles go),
    /// for the event stream's task to poke it.
    own: mpsc::WeakUnboundedSender<Command>,
    /// The task following the server's event stream, once a round succeeded.
    stream: Option<tokio::task::JoinHandle<()>>,
}

/// A poke's pull waits until no poke came for 50 ms (at most [`POKE_GATHER_MAX`]): a push of
/// many mutations commits them one by one, each poking, and one pull should bring them all.
const POKE_QUIET: Duration = Duration::from_millis(50);
/// The longest a poke's pull waits for a burst of pokes to end: 500 ms.
const POKE_GATHER_MAX: Duration = Duration::from_millis(500);

/// Requests in the background retry little: the next round is the retry, and the status
/// should turn offline within seconds, not minutes.
const BACKGROUND_RETRY: RetryPolicy = RetryPolicy {
    retries: 1,
    min_delay: Duration::from_millis(300),
    max_delay: Duration::from_secs(1),
};

impl Worker {
    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        self.open_store();
        self.publish(|_| {});
        let mut due = Some(Instant::now());
        let mut first_nudge: Option<Instant> = None;
        let mut last_pull: Option<Instant> = None;
        loop {
            let wake = due.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                command = commands.recv() => match command {
                    None => return,
                    Some(Command::Nudge) => {
                        self.publish(|_| {});
                        if self.waits_for_user {
                            continue;
                        }
                        let now = Instant::now();
                        let start = *first_nudge.get_or_insert(now);
                        due = Some((now + self.timing.debounce).min(start + self.timing.debounce_max));
                    }
                    Some(Command::Now) => {
                        self.waits_for_user = false;
                        due = Some(Instant::now());
                    }
                    Some(Command::SignedIn { token, user_name }) => {
                        self.stop_stream();
                        // The sign-in changed the profile's user: read it again.
                        self.store = None;
                        self.open_store();
                        self.token = token;
                        self.user_name = Some(user_name);
                        self.waits_for_user = false;
                        due = Some(Instant::now());
                    }
                    Some(Command::SignedOut) => {
                        self.stop_stream();
                        self.token = None;
                        self.waits_for_user = false;
                        self.user_name = None;
                        self.publish(|s| s.phase = Phase::SignedOut);
                        due = None;
                    }
                    Some(Command::Poke(at)) => {
                        // A poke that came before the last pull began is in it already: many
                        // pokes during a round are one more pull, not many.
                        let seen = last_pull.is_some_and(|started| at < started);
                        if !seen && !self.waits_for_user && self.stream.is_some() {
                            // A burst of pokes (another client's push of many mutations, each
                            // committed on its own) is gathered into one pull: the mass-delete
                            // guard then sees a push's deletions together, not split across
                            // pulls that each stay under its threshold.
                            let deadline = Instant::now() + POKE_GATHER_MAX;
                            let mut deferred = None;
                            loop {
                                match tokio::time::timeout(POKE_QUIET, commands.recv()).await {
                                    Ok(Some(Command::Poke(_))) if Instant::now() < deadline => {}
                                    Ok(Some(Command::Poke(_))) | Err(_) => break,
                                    Ok(Some(other)) => {
                                        deferred = Some(other);
                                        break;
                                    }
                                    Ok(None) => return,
                                }
                            }
                            if let Some(command) = deferred {
                                // Handled after this pull, in its turn.
                                if let Some(own) = self.own.upgrade() {
                                    let _ = own.send(command);
                                }
                            }
                            last_pull = Some(Instant::now());
                            if let Some(next) = self.round(true).await {
                                // A failed pull retries as a failed round would.
                                due = Some(due.map_or(Instant::now() + next, |d| d.min(Instant::now() + next)));
                            }
                        }
                    }
                    Some(Command::Live(live)) => self.publish(|s| s.live = live),
                },
                _ = tokio::time::sleep_until(wake) => {
                    first_nudge = None;
                    last_pull = Some(Instant::now());
                    due = self.round(false).await.map(|wait| Instant::now() + wait);
                }
            }
        }
    }

    fn open_store(&mut self) {
        if self.store.is_none() {
            // Pulled pages in short chunks: the app's commands never wait for a page.
            let opened = Store::open(&self.db_path).and_then(|mut store| {
                store.set_background()?;
                Ok(store)
            });
            match opened {
                Ok(store) => self.store = Some(store),
                Err(e) => self.publish(|s| {
                    s.phase = Phase::Offline {
                        reason: OfflineReason::Storage,
                        message: e.to_string(),
                    }
                }),
            }
        }
    }

    /// Reads the counts from the database, applies `change`, and emits the status if it
    /// changed.
    fn publish(&self, change: impl FnOnce(&mut SyncStatus)) {
        let status = {
            let mut status = self.status.lock().unwrap_or_else(|p| p.into_inner());
            let before = status.clone();
            if let Some(store) = &self.store {
                refresh_counts(store, &mut status);
            }
            status.user_name = self.user_name.clone();
            status.token_in_memory = self.token.is_some();
            change(&mut status);
            if *status == before {
                return;
            }
            status.clone()
        };
        (self.emit)(SyncEvent::Status(status));
    }

    /// One round (`pull_only`: a poke's, which leaves the queue to its debounce); returns
    /// how long until the next (`None`: wait for a sign-in). A round that succeeds starts
    /// following the server's event stream, if it is not yet.
    async fn round(&mut self, pull_only: bool) -> Option<Duration> {
        self.open_store();
        let Some(store) = self.store.as_mut() else {
            return Some(self.timing.idle);
        };
        let state = match store.sync_state() {
            Ok(Some(state)) => state,
            Ok(None) => {
                self.publish(|s| s.phase = Phase::SignedOut);
                return None;
            }
            Err(e) => return self.failed(SyncError::Store(e)),
        };
        let token = match self.token.clone() {
            Some(token) => token,
            None => match token::load(&state.server_url) {
                Ok(token) => token,
                Err(SyncError::NotSignedIn) => {
                    self.publish(|s| s.phase = Phase::SignedOut);
                    return None;
                }
                Err(e) => return self.failed(e),
            },
        };
        let api = match Api::new(&state.server_url, token.clone(), BACKGROUND_RETRY) {
            Ok(api) => api,
            Err(e) => return self.failed(e),
        };
        if self.user_name.is_none() {
            match api.me().await {
                Ok(me) => self.user_name = Some(me.user.name),
                Err(e) => return self.failed(e),
            }
        }
        let first = state.last_synced_at.is_none();
        self.publish(|s| {
            s.phase = Phase::Syncing {
                first,
                progress: None,
            }
        });
        let status = self.status.clone();
        let emit = self.emit.clone();
        let mut on_progress = move |progress: Progress| {
            let snapshot = {
                let mut s = status.lock().unwrap_or_else(|p| p.into_inner());
                s.phase = Phase::Syncing {
                    first,
                    progress: Some(progress),
                };
                s.clone()
            };
            emit(SyncEvent::Status(snapshot));
        };
        let Some(store) = self.store.as_mut() else {
            return Some(self.timing.idle);
        };
        let options = RoundOptions {
            pull_page: APP_PULL_PAGE,
            pull_only,
            ..RoundOptions::default()
        };
        let result = crate::sync_round(store, &api, options, &mut on_progress).await;
        match result {
            Ok(report) => {
                if !report.workshops.is_empty() {
                    (self.emit)(SyncEvent::Pulled {
                        workshops: report.workshops.clone(),
                    });
                }
                self.publish(|s| s.phase = Phase::Idle);
                self.follow_stream(&state.server_url, &token);
                Some(self.timing.idle)
            }
            Err(e) => self.failed(e),
        }
    }

    /// Starts following the server's event stream, unless it is followed already: each poke
    /// becomes a [`Command::Poke`], and the stream's state the status's `live`. A lost stream
    /// is opened again ([`crate::events::keep_following`]; timed rounds go on meanwhile); a
    /// refused token ends it until the next sign-in.
    fn follow_stream(&mut self, server_url: &str, token: &str) {
        if self.stream.as_ref().is_some_and(|s| !s.is_finished()) {
            return;
        }
        let own = self.own.clone();
        let (url, token) = (server_url.to_string(), token.to_string());
        self.stream = Some(tokio::spawn(async move {
            let send = |command: Command| own.upgrade().is_some_and(|tx| tx.send(command).is_ok());
            // Every event is a reason to pull: a poke, or the log's end when the stream opens
            // (something may have changed while it was down).
            crate::events::keep_following(&url, &token, |followed| match followed {
                Followed::Opened => send(Command::Live(true)),
                Followed::Event(_) => send(Command::Poke(Instant::now())),
                Followed::Lost => send(Command::Live(false)),
            })
            .await;
        }));
    }

    fn stop_stream(&mut self) {
        if let Some(stream) = self.stream.take() {
            stream.abort();
        }
        self.publish(|s| s.live = false);
    }

    fn failed(&mut self, error: SyncError) -> Option<Duration> {
        let (reason, retry) = match after_failure(&error, &self.timing) {
            None => {
                self.publish(|s| s.phase = Phase::SignedOut);
                return None;
            }
            Some(failure) => failure,
        };
        if matches!(error, SyncError::Unauthorized) {
            // A revoked token: forget one held in memory, wait for a new sign-in.
            self.token = None;
        }
        let wait = match retry {
            Retry::After(wait) => Some(wait),
            Retry::OnChange => None,
            Retry::OnRequest => {
                self.waits_for_user = true;
                None
            }
        };
        tracing::info!(error = %error, "background sync round failed");
        self.publish(|s| {
            s.phase = Phase::Offline {
                reason,
                message: error.to_string(),
            }
        });
        wait
    }
}

/// When background sync tries again after a failed round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// After this long, or sooner after a local change.
    After(Duration),
    /// After a local change, the user's Sync now, or a sign-in (a refused token).
    OnChange,
    /// Only when the user asks (Sync now) or signs in: reading a locked keyring shows its
    /// unlock prompt, which must not come back on its own once the user dismissed it.
    OnRequest,
}

/// What a failed round shows and when the next one runs: `None` for "not signed in" (the
/// status turns signed out), else the offline reason and the [`Retry`]. An unreachable or
/// failing server is tried again after [`Timing::offline_retry`]; what a retry rarely fixes
/// (an incompatible server, no keyring, the local database) after [`Timing::idle`].
fn after_failure(error: &SyncError, timing: &Timing) -> Option<(OfflineReason, Retry)> {
    Some(match error {
        SyncError::NotSignedIn => return None,
        SyncError::Unauthorized => (OfflineReason::SignInExpired, Retry::OnChange),
        SyncError::Unreachable(_) => (
            OfflineReason::Unreachable,
            Retry::After(timing.offline_retry),
        ),
        SyncError::Server { .. } => (OfflineReason::Server, Retry::After(timing.offline_retry)),
        SyncError::Protocol(_) | SyncError::BadUrl { .. } => {
            (OfflineReason::Incompatible, Retry::After(timing.idle))
        }
        SyncError::Keyring(_) => (OfflineReason::Keyring, Retry::After(timing.idle)),
        SyncError::KeyringLocked(_) => (OfflineReason::KeyringLocked, Retry::OnRequest),
        SyncError::Store(_) => (OfflineReason::Storage, Retry::After(timing.idle)),
    })
}

fn refresh_counts(store: &Store, status: &mut SyncStatus) {
    match store.sync_state() {
        Ok(Some(state)) => {
            status.server_url = Some(state.server_url);
            status.user_id = Some(state.server_user_id);
            status.last_synced_at = state.last_synced_at;
            status.pending = state.pending;
            status.conflicts = state.conflicts;
            status.rejections = state.rejections;
        }
        Ok(None) => {
            status.server_url = None;
            status.user_id = None;
            status.pending = 0;
        }
        Err(e) => tracing::warn!(error = %e, "sync status unreadable"),
    }
    match store.held_deletes() {
        Ok(held) => status.held_deletes = held,
        Err(e) => tracing::warn!(error = %e, "held deletes unreadable"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locked_keyring_waits_for_the_user_and_an_outage_is_retried_on_its_own() {
        let timing = Timing::default();
        let retry = |e: SyncError| after_failure(&e, &timing).map(|(_, retry)| retry);
        assert_eq!(
            retry(SyncError::KeyringLocked("dismissed".into())),
            Some(Retry::OnRequest),
            "reading the keyring again would show the dismissed unlock prompt again"
        );
        assert_eq!(
            retry(SyncError::Unreachable("refused".into())),
            Some(Retry::After(timing.offline_retry))
        );
        assert_eq!(
            retry(SyncError::Keyring("no Secret Service".into())),
            Some(Retry::After(timing.idle))
        );
        assert_eq!(retry(SyncError::Unauthorized), Some(Retry::OnChange));
        assert_eq!(retry(SyncError::NotSignedIn), None);
    }
}
