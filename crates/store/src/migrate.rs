//! Schema migrations: the numbered `.sql` files of the top-level `migrations/`, embedded at
//! compile time and applied in one transaction, recorded in `schema_version`.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension};

use crate::{now, Result, StoreError};

/// Every migration as (version, file name, SQL), in order. A test checks that this list and
/// the files in `migrations/` agree.
pub const MIGRATIONS: &[(u32, &str, &str)] = &[
    (
        1,
        "0001_initial.sql",
        include_str!("../../../migrations/0001_initial.sql"),
    ),
    (
        2,
        "0002_step_definitions.sql",
        include_str!("../../../migrations/0002_step_definitions.sql"),
    ),
    (
        3,
        "0003_mutation_outbox.sql",
        include_str!("../../../migrations/0003_mutation_outbox.sql"),
    ),
    (
        4,
        "0004_sync_state.sql",
        include_str!("../../../migrations/0004_sync_state.sql"),
    ),
    (
        5,
        "0005_conflicts.sql",
        include_str!("../../../migrations/0005_conflicts.sql"),
    ),
    (
        6,
        "0006_held_deletes.sql",
        include_str!("../../../migrations/0006_held_deletes.sql"),
    ),
    (
        7,
        "0007_acked_through.sql",
        include_str!("../../../migrations/0007_acked_through.sql"),
    ),
    (
        8,
        "0008_sessions_series.sql",
        include_str!("../../../migrations/0008_sessions_series.sql"),
    ),
    (
        9,
        "0009_outbox_sent.sql",
        include_str!("../../../migrations/0009_outbox_sent.sql"),
    ),
    (
        10,
        "0010_member_names.sql",
        include_str!("../../../migrations/0010_member_names.sql"),
    ),
    (
        11,
        "0011_lost_progress.sql",
        include_str!("../../../migrations/0011_lost_progress.sql"),
    ),
    (
        12,
        "0012_offered_again.sql",
        include_str!("../../../migrations/0012_offered_again.sql"),
    ),
    (
        13,
        "0013_mutation_uid.sql",
        include_str!("../../../migrations/0013_mutation_uid.sql"),
    ),
    (
        14,
        "0014_lost_completion_times.sql",
        include_str!("../../../migrations/0014_lost_completion_times.sql"),
    ),
    (
        15,
        "0015_lost_trash.sql",
        include_str!("../../../migrations/0015_lost_trash.sql"),
    ),
    (
        16,
        "0016_diverged_steps.sql",
        include_str!("../../../migrations/0016_diverged_steps.sql"),
    ),
    (
        17,
        "0017_lost_roles.sql",
        include_str!("../../../migrations/0017_lost_roles.sql"),
    ),
    (
        18,
        "0018_row_versions.sql",
        include_str!("../../../migrations/0018_row_versions.sql"),
    ),
    (
        19,
        "0019_schedule_versions.sql",
        include_str!("../../../migrations/0019_schedule_versions.sql"),
    ),
    (
        20,
        "0020_conflict_authors.sql",
        include_str!("../../../migrations/0020_conflict_authors.sql"),
    ),
    (
        21,
        "0021_snapshot_resume.sql",
        include_str!("../../../migrations/0021_snapshot_resume.sql"),
    ),
];

/// The schema version this build writes: the last migration's number.
pub const SCHEMA_VERSION: u32 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// The database's schema version, 0 for a new file.
pub(crate) fn current_version(conn: &Connection) -> Result<u32> {
    let has_table: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if has_table.is_none() {
        return Ok(0);
    }
    Ok(conn.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_version",
        [],
        |r| r.get(0),
    )?)
}

/// Brings the schema up to date: refuses a newer database, backs an existing one up with
/// `VACUUM INTO`, then applies every pending migration in one transaction.
pub(crate) fn run(conn: &mut Connection, path: &Path) -> Result<()> {
    let current = current_version(conn)?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::NewerDatabase {
            found: current,
            supported: SCHEMA_VERSION,
        });
    }
    let pending: Vec<_> = MIGRATIONS.iter().filter(|(v, _, _)| *v > current).collect();
    if pending.is_empty() {
        return Ok(());
    }
    if current > 0 {
        let stamp = now().format("%Y%m%dT%H%M%S%.3fZ");
        let mut backup = path.as_os_str().to_owned();
        backup.push(format!(".v{current}-{stamp}.bak"));
        let backup = backup.to_string_lossy().into_owned();
        conn.execute("VACUUM INTO ?1", [&backup])?;
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TEXT NOT NULL,
            app_version TEXT NOT NULL
        ) STRICT;",
    )?;
    for (version, name, sql) in pending {
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_version (version, name, applied_at, app_version) VALUES (?1, ?2, ?3, ?4)",
            (version, name, now(), env!("CARGO_PKG_VERSION")),
        )?;
    }
    tx.commit()?;
    Ok(())
}
