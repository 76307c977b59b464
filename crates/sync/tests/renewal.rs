//! Exactly once across a client id renewal (docs/sync.md, "Exactly once across renewals";
//! issue 26, case 5). A desktop that renews its client id renumbers its queue and sends it
//! again under the new id, and cannot know which of those mutations the server applied
//! under the old one: an answer lost, a server restored to after the mutation, or, as here,
//! the desktop's database put back from a copy of itself. Each queued mutation carries its
//! own uid, kept across the renewal, and the server applies a uid at most once per user.
//! `scripts/test.sh` starts PostgreSQL and sets `WP_TEST_DATABASE_URL`.

use std::path::PathBuf;

use wp_store::Store;

mod common;
use common::{pawpal_on_two_desktops, server, Desktop};

/// The desktop's database file, closed and copied aside (its write-ahead log checkpointed
/// on close); returns the copy's path.
fn copy_of(d: &mut Desktop) -> PathBuf {
    let path = d._dir.path().join("desktop.db");
    let copy = d._dir.path().join("copy.db");
    d.store = Store::open(d._dir.path().join("scratch.db")).unwrap();
    std::fs::copy(&path, &copy).unwrap();
    d.store = Store::open(&path).unwrap();
    copy
}

/// Puts the copy back over the desktop's database, as a user restoring a file backup would.
fn put_back(d: &mut Desktop, copy: &PathBuf) {
    let path = d._dir.path().join("desktop.db");
    d.store = Store::open(d._dir.path().join("scratch.db")).unwrap();
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
    }
    std::fs::copy(copy, &path).unwrap();
    d.store = Store::open(&path).unwrap();
}

/// The server's revision of the workshop's row: how many times it was written. (The log may
/// hold the row again without a write: a mutation answered again logs its workshop's rows
/// for the client's next pull.)
async fn workshop_changes(pool: &sqlx::PgPool, workshop: &str) -> i64 {
    sqlx::query_scalar("SELECT rev FROM workshops WHERE id = $1")
        .bind(workshop)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// A rename the server applied is in a copy of the database, still queued there; the copy
/// is put back after a later change took the rename's id on the server, so the server finds
/// the copy's ids used by another history and the desktop renews its client id. The rename,
/// sent again under the new id, is a duplicate: it does not take effect a second time (on
/// the code before, it was applied again, rewriting the later title with the older one).
#[tokio::test(flavor = "multi_thread")]
async fn a_mutation_the_server_applied_is_not_applied_again_under_a_renewed_client_id() {
    let s = server().await;
    let (mut a, _b, workshop, _) = pawpal_on_two_desktops(&s).await;
    a.store
        .rename_workshop(&workshop, "PawPal, first name")
        .unwrap();
    let copy = copy_of(&mut a);
    let first = a.sync().await;
    assert_eq!(first.applied, 1, "{first:?}");
    a.store
        .rename_workshop(&workshop, "PawPal, second name")
        .unwrap();
    assert_eq!(a.sync().await.applied, 1);
    let changes = workshop_changes(&s.pool, &workshop).await;

    // The copy comes back: the first rename is queued again, and a note takes the id the
    // second rename had on the server.
    put_back(&mut a, &copy);
    a.store
        .set_note(
            &workshop,
            Some("challenge"),
            "Written after the copy came back\n",
        )
        .unwrap();
    let report = a.sync().await;
    assert!(report.renewed_client_id, "{report:?}");
    assert_eq!(
        (
            report.applied,
            report.duplicates,
            report.rejected,
            report.pending
        ),
        (1, 1, 0, 0),
        "the note applied, the rename a duplicate: {report:?}"
    );
    assert_eq!(
        workshop_changes(&s.pool, &workshop).await,
        changes,
        "the rename took no second effect on the server"
    );
    let title = |d: &Desktop| d.store.workshop(&workshop).unwrap().workshop.record.title;
    assert_eq!(title(&a), "PawPal, second name");
    assert!(a.store.conflicts(true).unwrap().is_empty());
}
