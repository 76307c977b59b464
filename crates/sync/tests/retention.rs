//! Tombstone retention, end to end on the real server and PostgreSQL: the server trims
//! deletions and superseded entries from its change log; a desktop that last synced before
//! them cannot be served incrementally, rebuilds from a full pull, and lets go of what was
//! deleted meanwhile instead of bringing it back.
//! `scripts/test.sh` starts PostgreSQL and sets `WP_TEST_DATABASE_URL`.

use std::time::Duration;

use wp_domain::Role;
use wp_server::sync::retention::trim;

mod common;
use common::{ada_and_eve, server, Desktop};

/// Ada's desktop B is away while desktop A removes Eve's access to a shared workshop and
/// renames it; the server then trims its log. B's next sync is an expired reset: it keeps its
/// client id, drops the share (its tombstone, which the server keeps for good, comes with the
/// full pull: an old cursor must not resurrect it), takes the new title, and its own offline
/// note still reaches the server. A new desktop still gets everything whole.
#[tokio::test(flavor = "multi_thread")]
async fn a_desktop_past_the_retention_rebuilds_without_resurrecting_deletions() {
    let s = server().await;
    let (ada_token, eve_id, _) = ada_and_eve(&s).await;
    let mut a = Desktop::new(&s, &ada_token).await;
    let id = a
        .store
        .create_workshop(Some("Kept"), "")
        .unwrap()
        .workshop
        .record
        .id;
    a.store.share_workshop(&id, &eve_id, Role::Editor).unwrap();
    a.store.set_note(&id, None, "first\n").unwrap();
    a.sync().await;
    let mut b = Desktop::new(&s, &ada_token).await;
    b.sync().await;
    assert_eq!(b.store.members(&id).unwrap().len(), 2);
    // B's cursor ends on a rename, which the next rename supersedes: the trim then takes the
    // entry B's cursor names.
    a.store.rename_workshop(&id, "Kept, for now").unwrap();
    a.sync().await;
    b.sync().await;
    let client_id = b.store.sync_state().unwrap().unwrap().client_id;

    // While B is away: Eve loses access, the title changes, and the log is trimmed.
    a.store.unshare_workshop(&id, &eve_id).unwrap();
    a.store.rename_workshop(&id, "Kept, renamed").unwrap();
    a.sync().await;
    let before = trim(&s.pool, Duration::from_secs(3600)).await.unwrap();
    assert_eq!(before.entries, 0, "nothing is an hour old yet");
    let trimmed = trim(&s.pool, Duration::ZERO).await.unwrap();
    assert!(trimmed.entries > 0, "{trimmed:?}");
    b.store
        .set_note(&id, Some("challenge"), "written on B while away\n")
        .unwrap();

    let report = b.sync().await;
    assert!(report.reset && report.expired, "{report:?}");
    assert!(
        !report.renewed_client_id,
        "the server lost nothing: the client id stands"
    );
    assert_eq!(b.store.sync_state().unwrap().unwrap().client_id, client_id);
    let members = b.store.members(&id).unwrap();
    assert_eq!(
        members.len(),
        1,
        "the removed share is not brought back: {members:?}"
    );
    assert_eq!(
        b.store.workshop(&id).unwrap().workshop.record.title,
        "Kept, renamed"
    );
    let state = b.store.sync_state().unwrap().unwrap();
    assert_eq!((state.pending, state.rejections), (0, 0), "{state:?}");
    let shares: i64 =
        sqlx::query_scalar("SELECT count(*) FROM workshop_members WHERE workshop_id = $1")
            .bind(&id)
            .fetch_one(&s.pool)
            .await
            .unwrap();
    assert_eq!(shares, 0, "nor is it sent again");
    let note: String = sqlx::query_scalar(
        "SELECT content FROM notes WHERE workshop_id = $1 AND step_id = 'challenge'",
    )
    .bind(&id)
    .fetch_one(&s.pool)
    .await
    .unwrap();
    assert_eq!(note, "written on B while away\n");
    // Incremental again from here.
    let report = b.sync().await;
    assert!(!report.reset, "{report:?}");

    // A new desktop still gets every live row from the trimmed log.
    let mut c = Desktop::new(&s, &ada_token).await;
    c.sync().await;
    let (mine, theirs) = (
        c.store.workshop(&id).unwrap(),
        a.store.workshop(&id).unwrap(),
    );
    assert_eq!(mine.workshop.record.title, "Kept, renamed");
    assert_eq!(mine.steps.len(), theirs.steps.len());
    assert_eq!(c.store.notes(&id).unwrap().len(), 2);
}

/// Issue 26, case 6: a restore and a trim together. After the backup, Ada's desktop C adds
/// a note and shares the workshop with Eve, and desktop A pulls both; C is then lost for
/// good. The server is restored, B writes past A's cursor, and the log is trimmed past it,
/// so A's next sync is an expired reset, not a restored one: A pushed nothing after the
/// backup, so nothing tells it the server went back. The server keeps every note's and
/// membership's tombstone, so a note or share A holds that the full pull neither brings nor
/// deletes was lost: A offers both again. On the code before, the expired reset dropped them
/// as deleted, and with C gone they were lost silently.
#[tokio::test(flavor = "multi_thread")]
async fn a_restore_hidden_by_a_trim_loses_no_note_or_share() {
    use common::{backup, restore};

    let s = server().await;
    let (ada_token, eve_id, _) = ada_and_eve(&s).await;
    let mut a = Desktop::new(&s, &ada_token).await;
    let id = a
        .store
        .create_workshop(Some("Kept"), "")
        .unwrap()
        .workshop
        .record
        .id;
    a.sync().await;
    let mut b = Desktop::new(&s, &ada_token).await;
    b.sync().await;
    let saved = backup(&s.pool).await;

    let mut c = Desktop::new(&s, &ada_token).await;
    c.sync().await;
    c.store
        .set_note(&id, None, "written on C after the backup\n")
        .unwrap();
    c.store.share_workshop(&id, &eve_id, Role::Editor).unwrap();
    assert_eq!(c.sync().await.applied, 2);
    drop(c);
    a.sync().await;
    assert_eq!(a.store.members(&id).unwrap().len(), 2, "A has the share");

    restore(&s.pool, saved).await;
    for i in 0..40 {
        b.store
            .set_note(&id, Some("challenge"), &format!("B, version {i}\n"))
            .unwrap();
        b.sync().await;
    }
    let trimmed = trim(&s.pool, Duration::ZERO).await.unwrap();
    assert!(trimmed.entries > 0, "{trimmed:?}");

    let report = a.sync().await;
    assert!(
        report.reset && report.expired && !report.renewed_client_id,
        "an expired reset, the restore unseen: {report:?}"
    );
    a.sync().await;
    let note: Option<String> =
        sqlx::query_scalar("SELECT content FROM notes WHERE workshop_id = $1 AND step_id IS NULL")
            .bind(&id)
            .fetch_optional(&s.pool)
            .await
            .unwrap();
    assert_eq!(note.as_deref(), Some("written on C after the backup\n"));
    let shares: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM workshop_members WHERE workshop_id = $1 AND user_id = $2",
    )
    .bind(&id)
    .bind(&eve_id)
    .fetch_one(&s.pool)
    .await
    .unwrap();
    assert_eq!(shares, 1, "Eve's share is back");
    assert_eq!(a.store.members(&id).unwrap().len(), 2);
}

/// The trim keeps the log's last entry, even a tombstone past the retention: it is the end a
/// first sync hands off as its cursor, and a cursor at or below the horizon would make every
/// later pull an expired reset.
#[tokio::test(flavor = "multi_thread")]
async fn the_trim_keeps_the_logs_last_entry_so_a_first_syncs_cursor_stays_good() {
    let s = server().await;
    let (ada_token, _, _) = ada_and_eve(&s).await;
    let mut a = Desktop::new(&s, &ada_token).await;
    let kept = a.store.create_workshop(Some("Kept"), "").unwrap();
    let gone = a.store.create_workshop(Some("Gone"), "").unwrap();
    a.sync().await;
    // Deleted for good by plain SQL: the log's last entries are tombstones.
    sqlx::query("DELETE FROM workshops WHERE id = $1")
        .bind(&gone.workshop.record.id)
        .execute(&s.pool)
        .await
        .unwrap();
    let last: i64 = sqlx::query_scalar("SELECT max(position) FROM sync_log")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    let trimmed = trim(&s.pool, Duration::ZERO).await.unwrap();
    assert!(trimmed.entries > 0, "{trimmed:?}");
    assert!(
        trimmed.horizon < last,
        "{trimmed:?} against the last entry {last}"
    );

    let mut b = Desktop::new(&s, &ada_token).await;
    let first = b.sync().await;
    assert!(!first.reset, "{first:?}");
    assert!(b.store.workshop(&kept.workshop.record.id).is_ok());
    let again = b.sync().await;
    assert!(!again.reset, "the handed-off cursor is served: {again:?}");
}
