//! The one write path for user changes: load the rows a [`Mutation`] reads, run
//! [`wp_domain::mutation::apply`], write the rows it returns (each `rev + 1`) and queue the
//! mutation in the outbox, all in one IMMEDIATE transaction.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior};
use serde_json::Value;
use wp_domain::mutation::plan::{BaseRow, StepRead};
use wp_domain::mutation::{apply, Context, ReadPlan};
use wp_domain::{Change, ConflictRecord, DomainError, Mutation, Role, Rows};

use crate::rows::read::{
    conflict_record, member_record, note_record, step_records, workshop_record,
};
use crate::rows::schedule::{occurrences, series_record, session_record};
use crate::rows::write::{write, Written};
use crate::sync::outbox;
use crate::{now, Result, Store, StoreError};

/// The value a change is made from, for the server to tell whether the live value moved on
/// meanwhile: the row's current local value. Set once, when the mutation is first applied.
fn with_base(mutation: Mutation, rows: &Rows) -> Mutation {
    match mutation {
        Mutation::SetNote {
            note_id,
            workshop_id,
            step_id,
            content,
            base: None,
            at,
        } => Mutation::SetNote {
            base: Some(
                rows.note
                    .as_ref()
                    .map(|n| n.content.clone())
                    .unwrap_or_default(),
            ),
            note_id,
            workshop_id,
            step_id,
            content,
            at,
        },
        Mutation::SaveStepOutput {
            workshop_id,
            step_id,
            output,
            base: None,
            at,
        } => Mutation::SaveStepOutput {
            base: Some(
                rows.steps
                    .iter()
                    .find(|s| s.step_id == step_id)
                    .and_then(|s| s.output.clone())
                    .unwrap_or(Value::Null),
            ),
            workshop_id,
            step_id,
            output,
            at,
        },
        Mutation::RenameWorkshop {
            workshop_id,
            title,
            base: None,
            at,
        } => Mutation::RenameWorkshop {
            base: rows.workshop.as_ref().map(|w| w.title.clone()),
            workshop_id,
            title,
            at,
        },
        other => other,
    }
}

/// The `server_rev`s of the rows a plan read that can be a change's base.
#[derive(Default)]
struct BaseRevs {
    workshop: Option<i64>,
    step: Option<i64>,
    note: Option<i64>,
}

/// Reads what one stage of a [`ReadPlan`] asks for besides the workshop row, into `rows`.
/// Locks and author scopes are the server's: this database has one writer at a time (an
/// IMMEDIATE transaction) and holds its one user's notes and conflicts.
fn read(
    conn: &Connection,
    plan: &ReadPlan<'_>,
    rows: &mut Rows,
    revs: &mut BaseRevs,
) -> Result<Option<ConflictRecord>> {
    let workshop_id = plan.workshop.id;
    let conflict = match plan.conflict {
        Some(read) => conflict_record(conn, read.id)?,
        None => None,
    };
    if let Some(read) = plan.steps {
        let only = match read {
            StepRead::All => None,
            StepRead::One(step_id) => Some(step_id),
        };
        let steps = step_records(conn, workshop_id, only)?;
        // The one step read is the base of a change to it (`BaseRow::Step`).
        revs.step = steps.first().and_then(|(_, rev)| *rev);
        rows.steps = steps.into_iter().map(|(s, _)| s).collect();
    }
    if let Some(scope) = plan.note {
        let note = note_record(conn, workshop_id, scope)?;
        revs.note = note.as_ref().and_then(|(_, rev)| *rev);
        rows.note = note.map(|(n, _)| n);
    }
    if let Some(user_id) = plan.member {
        rows.member = member_record(conn, workshop_id, user_id)?;
    }
    if let Some(read) = plan.session {
        rows.sessions = session_record(conn, read.id)?.into_iter().collect();
    }
    if let Some(read) = plan.series {
        rows.series = series_record(conn, read.id)?.filter(|s| s.workshop_id == workshop_id);
        rows.sessions = occurrences(conn, read.id)?;
    }
    Ok(conflict)
}

/// Runs the domain's [`ReadPlan`] of `mutation` (both stages for a conflict's resolution);
/// returns the rows, the caller's role ([`Role::of`]), and the `server_rev` of the row the
/// change is made against (the mutation's `baseRev`, [`wp_domain::mutation::plan::BaseRow`]).
fn load(
    conn: &Connection,
    mutation: &Mutation,
    user_id: &str,
) -> Result<(Rows, Option<Role>, Option<i64>)> {
    let plan = ReadPlan::of(mutation);
    let Some((workshop, workshop_rev)) = workshop_record(conn, plan.workshop.id)? else {
        return Ok((Rows::default(), None, None));
    };
    // The owner's role needs no membership row ([`Role::of`]): one read fewer per change.
    let membership = if workshop.owner_id == user_id {
        None
    } else {
        member_record(conn, &workshop.id, user_id)?.map(|m| m.role)
    };
    let role = Role::of(&workshop.owner_id, user_id, membership);
    let mut rows = Rows {
        workshop: Some(workshop),
        ..Rows::default()
    };
    let mut revs = BaseRevs {
        workshop: workshop_rev,
        ..BaseRevs::default()
    };
    if let Some(conflict) = read(conn, &plan, &mut rows, &mut revs)? {
        if let Some(second) = ReadPlan::for_conflict(plan.workshop.id, &conflict) {
            read(conn, &second, &mut rows, &mut revs)?;
        }
        rows.conflict = Some(conflict);
    }
    let base_rev = match plan.base {
        BaseRow::Workshop => revs.workshop,
        BaseRow::Step => revs.step,
        BaseRow::Note => revs.note,
        BaseRow::None => None,
    };
    Ok((rows, role, base_rev))
}

/// What [`apply_local`] did: the rows it wrote, the mutation's `baseRev`, the mutation with
/// its base value (what it was made from) filled in, and how many conflicts the domain
/// met, which it leaves for the server to record.
pub(crate) struct Applied {
    pub written: Vec<Written>,
    pub base_rev: Option<i64>,
    pub mutation: Mutation,
    pub conflicts: usize,
}

/// Loads what `mutation` reads, applies it and writes the changed rows, without queuing it
/// ([`Applied`]). `clock` is the store's fixed "now", if set ([`Store::set_clock`]). Call
/// inside a transaction.
pub(crate) fn apply_local(
    conn: &Connection,
    mutation: &Mutation,
    user_id: &str,
    clock: Option<DateTime<Utc>>,
) -> Result<Applied> {
    let (rows, role, base_rev) = load(conn, mutation, user_id)?;
    let ctx = Context {
        now: clock.unwrap_or_else(now),
        actor: user_id.to_string(),
        role,
    };
    let mutation = with_base(mutation.clone(), &rows);
    let changes = apply(&rows, &mutation, &ctx).map_err(store_error)?;
    let mut written = Vec::with_capacity(changes.len());
    let mut conflicts = 0;
    for change in changes {
        // Conflicts are the server's to record (re-applying a queued change over pulled
        // rows may meet one); they arrive with a pull.
        if matches!(&change, Change::Conflict(c) if c.id.is_empty()) {
            conflicts += 1;
            continue;
        }
        let rev = write(conn, &change)?;
        written.push(Written { change, rev });
    }
    Ok(Applied {
        written,
        base_rev,
        mutation,
        conflicts,
    })
}

/// Applies `mutation` here ([`apply_local`]) and, when it changed anything, appends it to
/// the outbox with its `baseRev`: a user's change, a refused change edited again, a change a
/// restore lost offered again. Returns what was written and the queued mutation id (`None`
/// for a no-op, which queues nothing). Call inside a transaction; on error nothing of it
/// stands once the transaction rolls back.
pub(crate) fn apply_and_queue(
    conn: &Connection,
    mutation: &Mutation,
    user_id: &str,
    clock: Option<DateTime<Utc>>,
) -> Result<(Vec<Written>, Option<i64>)> {
    let Applied {
        written,
        base_rev,
        mutation,
        conflicts,
    } = apply_local(conn, mutation, user_id, clock)?;
    // A change that writes nothing here but meets conflicts (a save made from an output a
    // partner changed since, every field it changes changed by them too) is queued all the
    // same: the server records the conflicts, so the user's values are kept, not dropped.
    let queued = if written.is_empty() && conflicts == 0 {
        None
    } else {
        Some(outbox::append(conn, &mutation, base_rev)?)
    };
    Ok((written, queued))
}

/// [`apply_and_queue`] for a change offered again after a server restore: queued apart
/// from any other ([`outbox::append_offer`]), naming the row version `lost` it stands for.
pub(crate) fn apply_and_offer(
    conn: &Connection,
    mutation: &Mutation,
    user_id: &str,
    clock: Option<DateTime<Utc>>,
    lost: Option<&wp_domain::protocol::LostVersion>,
) -> Result<(Vec<Written>, Option<i64>)> {
    let Applied {
        written,
        base_rev,
        mutation,
        conflicts,
    } = apply_local(conn, mutation, user_id, clock)?;
    // One that changes nothing here but meets conflicts (a lost output offered against no
    // base, each field set differently on the server) is queued too: the server records
    // the conflicts, and the user sees both values, instead of the lost one going unseen.
    let queued = if written.is_empty() && conflicts == 0 {
        None
    } else {
        Some(outbox::append_offer(conn, &mutation, base_rev, lost)?)
    };
    Ok((written, queued))
}

/// Maps the domain's "missing" and "in the trash" to the store's own errors, so callers
/// see one error per situation whichever layer found it.
fn store_error(e: DomainError) -> StoreError {
    match e {
        DomainError::WorkshopNotFound(id) => StoreError::NotFound {
            entity: "workshop",
            id,
        },
        DomainError::InTrash(id) => StoreError::InTrash(id),
        other => StoreError::Domain(other),
    }
}

/// WAL pages (4 KiB each) past which a commit of a command's connection (and the CLI's)
/// checkpoints: 10,000, about 40 MiB. Large, so that during a sync the background
/// connection, at [`BACKGROUND_CHECKPOINT_PAGES`], is the one that checkpoints; without
/// a background connection a checkpoint of typing's few pages is still cheap (BENCHMARKS.md,
/// "Typing during a first sync").
pub(crate) const COMMAND_CHECKPOINT_PAGES: u32 = 10_000;

/// WAL pages past which the background sync connection's commit checkpoints: 250 (about
/// 1 MiB). Smaller than SQLite's default of 1,000: each checkpoint's flush is shorter, so a
/// save that meets one waits less (BENCHMARKS.md, "Typing during a first sync": p99 3.4 to
/// 3.9 ms at 250 against 4.1 to 4.5 at 1,000 and 4.7 to 6.6 at 4,000).
pub(crate) const BACKGROUND_CHECKPOINT_PAGES: u32 = 250;

/// How many writers of this process are waiting to begin a transaction right now; a
/// background store writing a pulled page in chunks lets them go first.
static WAITING_WRITERS: AtomicUsize = AtomicUsize::new(0);

/// The longest a background store waits for other writers between two chunks: 50 ms, so a
/// steady stream of commands cannot stall sync.
const MAX_YIELD: Duration = Duration::from_millis(50);

/// Between two chunks of a pulled page: waits while another writer of this process is
/// waiting for the write lock (at most [`MAX_YIELD`]), so it takes the lock first.
pub(crate) fn yield_to_foreground() {
    let start = Instant::now();
    while foreground_waiting() && start.elapsed() < MAX_YIELD {
        std::thread::sleep(Duration::from_micros(100));
    }
}

/// Whether a writer of this process is waiting to begin a transaction: a background store
/// ends its chunk early for it.
pub(crate) fn foreground_waiting() -> bool {
    WAITING_WRITERS.load(Ordering::Acquire) > 0
}

/// Runs `f` in an IMMEDIATE transaction: it takes the write lock at once, waiting up to the
/// busy timeout for another writer (a DEFERRED one would fail with "database is locked"
/// when it upgrades from reading to writing). While it waits, a background store writing a
/// pulled page ends its chunk and pauses ([`foreground_waiting`], [`yield_to_foreground`]).
pub(crate) fn write_transaction<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Connection) -> Result<T>,
) -> Result<T> {
    WAITING_WRITERS.fetch_add(1, Ordering::AcqRel);
    let began = conn.transaction_with_behavior(TransactionBehavior::Immediate);
    WAITING_WRITERS.fetch_sub(1, Ordering::AcqRel);
    let tx = began?;
    let value = f(&tx)?;
    tx.commit()?;
    Ok(value)
}

/// Flushes the WAL of the database at `db` (`{db}-wal`) to disk; a missing WAL has nothing
/// to flush. Errors: [`StoreError::Io`] with the WAL's path.
fn flush_wal(db: &Path) -> Result<()> {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    let wal = PathBuf::from(wal);
    // Opened for writing: Windows flushes only a handle that may write.
    match std::fs::OpenOptions::new().write(true).open(&wal) {
        Ok(file) => file
            .sync_data()
            .map_err(|source| StoreError::Io { path: wal, source }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(StoreError::Io { path: wal, source }),
    }
}

impl Store {
    /// Runs `f` in one [`write_transaction`]; when this returns `Ok`, the change is on disk.
    /// A command's connection flushes at its commit, under the write lock. The background
    /// sync connection ([`Store::set_background`]) commits without flushing and flushes the
    /// WAL right after, with the lock released: a save waiting for the lock then waits for
    /// the sync's writing only, not for its flush too (BENCHMARKS.md, "Typing during a
    /// first sync"). Errors: `f`'s, SQLite's, and [`StoreError::Io`] when the flush fails
    /// (the commit stands; a crash before the next flush may lose it, never half of it).
    pub(crate) fn write<T>(&mut self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let value = write_transaction(&mut self.conn, f)?;
        if self.background {
            flush_wal(&self.path)?;
        }
        Ok(value)
    }

    /// Applies a user's change: one IMMEDIATE transaction loads what it reads, runs the
    /// domain's [`apply`], writes each changed row (`rev + 1`) and appends the mutation to
    /// the outbox with the next mutation id and its `baseRev`. A no-op writes nothing and
    /// queues nothing. On error nothing is written.
    pub fn mutate(&mut self, mutation: Mutation) -> Result<Vec<Written>> {
        let user_id = self.user_id.clone();
        let clock = self.clock;
        self.write(|tx| Ok(apply_and_queue(tx, &mutation, &user_id, clock)?.0))
    }

    /// The local clock, as the store stamps a user's action (milliseconds): the system
    /// clock, or the one set with [`Store::set_clock`].
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.unwrap_or_else(now)
    }

    /// Marks this store as the app's background sync connection: pulled pages are written
    /// in chunks of [`crate::PULL_CHUNK`] changes, each its own transaction, letting the
    /// app's commands take the lock between chunks (docs/sync.md, "In the app"). Its commits
    /// flush after the write lock is released rather than under it (`synchronous = NORMAL`,
    /// then [`Store::write`] flushes the WAL). It also
    /// takes over checkpointing: its commits copy the WAL into the database file once the
    /// WAL holds 250 pages, in its own thread; a command's connection checkpoints only past
    /// 10,000, so a save does not carry the checkpoint of pulled pages. Errors: the pragma's.
    pub fn set_background(&mut self) -> Result<()> {
        self.conn.execute_batch(&format!(
            "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = {BACKGROUND_CHECKPOINT_PAGES}"
        ))?;
        self.background = true;
        Ok(())
    }

    /// Fixes "now" for the scheduling operations (the rolling horizon, "at least 15 minutes
    /// from now"), so a test can stand on a DST night; `None` returns to the system clock.
    pub fn set_clock(&mut self, now: Option<DateTime<Utc>>) {
        self.clock = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_wal_has_nothing_to_flush_and_an_unwritable_one_names_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a.db");
        flush_wal(&db).unwrap();

        std::fs::write(dir.path().join("a.db-wal"), b"frames").unwrap();
        flush_wal(&db).unwrap();

        // A directory where the WAL should be cannot be opened for writing.
        let odd = dir.path().join("b.db");
        std::fs::create_dir(dir.path().join("b.db-wal")).unwrap();
        match flush_wal(&odd) {
            Err(StoreError::Io { path, .. }) => assert!(path.ends_with("b.db-wal"), "{path:?}"),
            other => panic!("expected an Io error naming the WAL, got {other:?}"),
        }
    }

    #[test]
    fn commands_commit_with_a_flush_and_the_background_connection_without_one() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a.db");
        let mut commands = Store::open(&db).unwrap();
        let mut background = Store::open(&db).unwrap();
        background.set_background().unwrap();
        assert_eq!(
            commands.pragmas().unwrap().1,
            2,
            "commands: synchronous FULL"
        );
        assert_eq!(
            background.pragmas().unwrap().1,
            1,
            "background: synchronous NORMAL"
        );
        // Both write, and each sees the other's rows.
        background.create_workshop(Some("Pulled"), "").unwrap();
        commands.create_workshop(Some("Typed"), "").unwrap();
        let titles = |s: &Store| {
            let mut t: Vec<String> = s
                .list_workshops(&crate::WorkshopFilter::default())
                .unwrap()
                .into_iter()
                .map(|w| w.workshop.record.title)
                .collect();
            t.sort();
            t
        };
        assert_eq!(titles(&commands), ["Pulled", "Typed"]);
        assert_eq!(titles(&background), ["Pulled", "Typed"]);
    }
}
