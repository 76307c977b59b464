//! The database file: pragmas, migrations, backups, refusing newer databases.

mod common;

use rusqlite::Connection;
use wp_domain::STEPS;
use wp_store::{ErrorCode, Store, StoreError, MIGRATIONS, SCHEMA_VERSION};

/// A database as version 1 of the app left it: the first migration only.
fn version_1_database(path: &std::path::Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(MIGRATIONS[0].2).unwrap();
    conn.execute_batch(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL, app_version TEXT NOT NULL) STRICT;
         INSERT INTO schema_version VALUES (1, '0001_initial.sql', '2026-01-01', '0.0.1');",
    )
    .unwrap();
    conn
}

#[test]
fn the_database_uses_wal_full_sync_and_foreign_keys() {
    let (dir, _store) = common::store();
    let conn = Connection::open(dir.path().join("test.db")).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    // synchronous and foreign_keys are per connection: check the store's own.
    let store = Store::open(dir.path().join("test.db")).unwrap();
    assert_eq!(store.pragmas().unwrap(), ("wal".to_string(), 2, 1));
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn every_migration_file_is_embedded_in_order() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    let embedded: Vec<&str> = MIGRATIONS.iter().map(|(_, name, _)| *name).collect();
    assert_eq!(files, embedded);
    for (i, (version, name, _)) in MIGRATIONS.iter().enumerate() {
        assert_eq!(*version as usize, i + 1);
        assert!(name.starts_with(&format!("{version:04}_")));
    }
}

#[test]
fn seeded_step_definitions_match_the_domain() {
    let (dir, _store) = common::store();
    let conn = Connection::open(dir.path().join("test.db")).unwrap();
    let mut stmt = conn.prepare("SELECT id, position, name, description, confirm_label FROM step_definitions ORDER BY position").unwrap();
    let rows: Vec<(String, u8, String, String, Option<String>)> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 10);
    for (row, def) in rows.iter().zip(STEPS.iter()) {
        assert_eq!(
            row,
            &(
                def.id.to_string(),
                def.order,
                def.name.to_string(),
                def.description.to_string(),
                def.confirm_label.map(String::from)
            )
        );
    }
}

#[test]
fn a_database_from_a_newer_version_is_refused_and_left_intact() {
    let (dir, mut store) = common::store();
    let ws = common::pawpal(&mut store);
    drop(store);
    let path = dir.path().join("test.db");
    Connection::open(&path)
        .unwrap()
        .execute("INSERT INTO schema_version (version, name, applied_at, app_version) VALUES (99, 'future', 'x', '9.0.0')", [])
        .unwrap();
    let err = Store::open(&path)
        .err()
        .expect("a newer database must be refused");
    assert!(
        matches!(err, StoreError::NewerDatabase { found: 99, supported } if supported == SCHEMA_VERSION)
    );
    assert_eq!(err.code(), ErrorCode::Storage);
    assert!(err.to_string().contains("update WorkshopPilot"), "{err}");
    let conn = Connection::open(&path).unwrap();
    let title: String = conn
        .query_row(
            "SELECT title FROM workshops WHERE id = ?1",
            [&ws.workshop.record.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(title, "PawPal");
    let max: u32 = conn
        .query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(max, 99, "nothing was migrated");
}

#[test]
fn an_older_database_is_backed_up_then_migrated_in_one_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let conn = version_1_database(&path);
        conn.execute_batch("INSERT INTO local_profile VALUES (1, 'usr_old', '2026-01-01');")
            .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.user_id(),
        "usr_old",
        "existing data survives the migration"
    );
    let backups: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("old.db.v1-") && n.ends_with(".bak"))
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    let backup = Connection::open(dir.path().join(&backups[0])).unwrap();
    let version: u32 = backup
        .query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        version, 1,
        "the backup is the database as it was before migrating"
    );
    let steps: i64 = backup
        .query_row("SELECT count(*) FROM step_definitions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(steps, 0);
    drop(store);
    // Opening an up-to-date database makes no further backup.
    Store::open(&path).unwrap();
    let count = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".bak")
        })
        .count();
    assert_eq!(count, 1);
}

#[test]
fn a_failing_migration_leaves_the_database_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clash.db");
    {
        // A table in the way of migration 2's inserts makes it fail half-way.
        let conn = version_1_database(&path);
        conn.execute_batch(
            "INSERT INTO step_definitions VALUES ('challenge', 1, 'Challenge', 'x', NULL);",
        )
        .unwrap();
    }
    assert!(matches!(Store::open(&path), Err(StoreError::Sqlite(_))));
    let conn = Connection::open(&path).unwrap();
    let version: u32 = conn
        .query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0))
        .unwrap();
    let steps: i64 = conn
        .query_row("SELECT count(*) FROM step_definitions", [], |r| r.get(0))
        .unwrap();
    assert_eq!((version, steps), (1, 1), "the migration rolled back whole");
}
