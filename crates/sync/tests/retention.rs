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
/// client id, drops the share (an old cursor must not resurrect it), takes the new title, and
/// its own offline note still reaches the server. A new desktop still gets everything whole.
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
