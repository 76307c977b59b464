//! The local workshop store of WorkshopPilot Desktop.
//!
//! One SQLite file (WAL, `synchronous=FULL`, foreign keys on) holds workshops, their ten
//! steps, notes, sessions and build packs. [`Store`] is the only writer of user data: each
//! operation validates its input with `wp_domain` first, then runs in one transaction that
//! also appends a row to the `outbox` and bumps the changed rows' `rev`, so a sync can later
//! push exactly what changed. When an operation returns `Ok`, its transaction is committed
//! and durable; when it returns `Err`, nothing was written.

mod build_packs;
mod error;
mod import;
mod members;
mod migrate;
mod model;
#[cfg(test)]
mod module_graph;
mod mutate;
mod notes;
pub mod paths;
mod rows;
mod sessions;
mod steps;
mod sync;
mod workshops;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use rusqlite::{Connection, OptionalExtension};

pub use build_packs::{ExportFormat, ExportRequest, Exported};
pub use error::{ErrorCode, StoreError};
pub use import::ImportFile;
pub use members::Member;
pub use migrate::{MIGRATIONS, SCHEMA_VERSION};
pub use model::{
    BuildPackRow, Note, OutboxEntry, Workshop, WorkshopDetail, WorkshopFilter, WorkshopStep,
    WorkshopSummary,
};
pub use rows::write::Written;
pub use sessions::{
    preview_series, AgendaItem, CalendarTarget, SeriesItem, SeriesPreview, WorkshopSchedule,
    PREVIEW_COUNT,
};
pub use sync::account::SyncState;
pub use sync::mass_delete::{
    is_mass_delete, HeldDeletes, MASS_DELETE_COUNT, MASS_DELETE_HALF_FROM,
};
pub use sync::pull::{PageApplied, PULL_CHUNK};
pub use sync::rejections::Rejection;
pub use sync::snapshot::{SnapshotApplied, SnapshotStart, SNAPSHOT_CHUNK_ROWS};
pub use wp_build_pack::{BuildPack, BuildPackError, Kind as BuildPackKind};

/// `Result` with [`StoreError`].
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How long a writer waits for another connection's lock before failing: 5 s.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How often a waiting writer tries the lock again: every 0.2 ms. SQLite's own busy
/// timeout sleeps 1, 2, 5, 10 ... 100 ms between tries, so a save that finds the lock taken
/// for a millisecond could wait 100 ms; polling takes the lock as soon as it is free.
pub const BUSY_POLL: Duration = Duration::from_micros(200);

thread_local! {
    static WAITING_SINCE: std::cell::Cell<Option<std::time::Instant>> =
        const { std::cell::Cell::new(None) };
}

/// The busy handler of every connection: try again every [`BUSY_POLL`] until
/// [`BUSY_TIMEOUT`] has passed since the first try of this wait.
fn wait_for_lock(attempt: i32) -> bool {
    let now = std::time::Instant::now();
    let since = WAITING_SINCE.with(|w| {
        if attempt == 0 || w.get().is_none() {
            w.set(Some(now));
        }
        w.get().unwrap_or(now)
    });
    if now.duration_since(since) >= BUSY_TIMEOUT {
        return false;
    }
    std::thread::sleep(BUSY_POLL);
    true
}

/// An open local database. Not `Sync`: share it behind a mutex.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    user_id: String,
    /// A fixed "now" for scheduling (tests, simulations); `None` is the system clock.
    clock: Option<DateTime<Utc>>,
    /// The app's background sync connection ([`Store::set_background`]).
    background: bool,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    ///
    /// Before migrating an existing database, it is copied to
    /// `{path}.v{old}-{timestamp}.bak`. Errors with [`StoreError::NewerDatabase`] when the
    /// file was written by a newer version of the app; the file is then left untouched.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let mut conn = Connection::open(&path)?;
        conn.busy_handler(Some(wait_for_lock))?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Pragma(format!(
                "journal_mode is {mode}, expected wal"
            )));
        }
        conn.execute_batch(&format!(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = {};",
            mutate::COMMAND_CHECKPOINT_PAGES
        ))?;
        migrate::run(&mut conn, &path)?;
        let user_id = local_user(&conn)?;
        Ok(Store {
            conn,
            path,
            user_id,
            clock: None,
            background: false,
        })
    }

    /// The database file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The local user's id (`usr_...`), created with the database; owner of local workshops.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The connection's durability settings, as SQLite reports them:
    /// (`journal_mode`, `synchronous` (2 = FULL), `foreign_keys` (1 = on)). A writer waits
    /// for another's lock by polling ([`BUSY_POLL`], up to [`BUSY_TIMEOUT`]).
    pub fn pragmas(&self) -> Result<(String, i64, i64)> {
        let get = |name: &str| {
            self.conn.query_row(&format!("PRAGMA {name}"), [], |r| {
                r.get::<_, rusqlite::types::Value>(0)
            })
        };
        let int = |v: rusqlite::types::Value| {
            if let rusqlite::types::Value::Integer(i) = v {
                i
            } else {
                -1
            }
        };
        let mode = match get("journal_mode")? {
            rusqlite::types::Value::Text(t) => t,
            other => format!("{other:?}"),
        };
        Ok((mode, int(get("synchronous")?), int(get("foreign_keys")?)))
    }

    /// Runs `PRAGMA integrity_check`; `Ok("ok")` for a sound database.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

fn local_user(conn: &Connection) -> Result<String> {
    let existing: Option<String> = conn
        .query_row("SELECT user_id FROM local_profile WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let id = wp_domain::ids::new_id(wp_domain::ids::IdKind::User);
    conn.execute(
        "INSERT OR IGNORE INTO local_profile (id, user_id, created_at) VALUES (1, ?1, ?2)",
        (&id, now()),
    )?;
    Ok(
        conn.query_row("SELECT user_id FROM local_profile WHERE id = 1", [], |r| {
            r.get(0)
        })?,
    )
}

/// The current time, to the millisecond (what the database keeps).
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}
