//! A background store (the app's sync connection) writes pulled pages in chunks of
//! `PULL_CHUNK` changes: the result is the same as one transaction per page, local changes
//! made meanwhile survive the rebase, and a save on another connection never waits for a
//! whole page.

use wp_store::{Store, WorkshopFilter, PULL_CHUNK};
use wp_sync::{sync_round, RoundOptions};

mod common;
use common::{pawpal_on_two_desktops, server, Desktop, Paged, PushOnly};

const PAWPAL: &str = include_str!("../../../tests/fixtures/pawpal.workshop.json");

#[tokio::test(flavor = "multi_thread")]
async fn pages_written_in_chunks_converge_and_keep_local_changes() {
    let s = server().await;
    let (_, token) = wp_server::auth::add_user(&s.pool, "Ada").await.unwrap();
    let mut a = Desktop::new(&s, &token).await;
    for _ in 0..12 {
        a.store.import_workshop(PAWPAL).unwrap();
    }
    a.sync().await;

    // B: the app's background connection, pulling pages far larger than a chunk.
    let mut b = Desktop::new(&s, &token).await;
    b.store.set_background().unwrap();
    let options = RoundOptions {
        pull_page: 100,
        ..Default::default()
    };
    assert!(options.pull_page as usize > PULL_CHUNK);
    // Pages, not a snapshot (tests/snapshot.rs has those): the first sync is the largest.
    let report = sync_round(&mut b.store, &Paged(&b.api), options, &mut |_| {})
        .await
        .unwrap();
    assert_eq!((report.rejected, report.pending), (0, 0), "{report:?}");
    assert_eq!(report.snapshot_workshops, 0, "{report:?}");
    let list = |store: &Store| {
        let mut ids: Vec<(String, String)> = store
            .list_workshops(&WorkshopFilter::default())
            .unwrap()
            .into_iter()
            .map(|w| (w.workshop.record.id, w.workshop.record.title))
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(list(&a.store), list(&b.store));
    let first = list(&a.store)[0].0.clone();
    let steps = |store: &Store| {
        store
            .workshop(&first)
            .unwrap()
            .steps
            .into_iter()
            .map(|s| {
                (
                    s.record.id,
                    s.record.status,
                    s.record.started_at,
                    s.record.output,
                )
            })
            .collect::<Vec<_>>()
    };
    assert!(steps(&a.store) == steps(&b.store), "the same steps on both");

    // A renames every workshop; B writes a note on one before pulling. The note survives,
    // the renames arrive, and a second application of the same pages changes nothing.
    for (id, _) in list(&a.store) {
        a.store.rename_workshop(&id, "Renamed on A").unwrap();
    }
    a.sync().await;
    b.store.set_note(&first, None, "typed on B").unwrap();
    let report = sync_round(&mut b.store, &b.api, options, &mut |_| {})
        .await
        .unwrap();
    assert_eq!((report.rejected, report.pending), (0, 0), "{report:?}");
    assert!(list(&b.store).iter().all(|(_, t)| t == "Renamed on A"));
    assert_eq!(
        b.store.note(&first, None).unwrap().unwrap().record.content,
        "typed on B"
    );
    a.sync().await;
    assert_eq!(
        a.store.note(&first, None).unwrap().unwrap().record.content,
        "typed on B"
    );
    assert_eq!(b.store.integrity_check().unwrap(), "ok");
}

/// Typing while a page is on its way: a change queued after the server read the page (its
/// mutation id above the page's `lastMutationId`) is re-applied over the page's rows of its
/// workshop; the page's other workshops take the server's rows, and a change queued on a
/// workshop the page does not touch is left alone.
#[tokio::test(flavor = "multi_thread")]
async fn a_page_keeps_the_changes_queued_after_the_server_read_it() {
    let s = server().await;
    let (_, token) = wp_server::auth::add_user(&s.pool, "Ada").await.unwrap();
    let mut a = Desktop::new(&s, &token).await;
    for _ in 0..3 {
        a.store.import_workshop(PAWPAL).unwrap();
    }
    a.sync().await;
    let mut b = Desktop::new(&s, &token).await;
    b.store.set_background().unwrap();
    b.sync().await;
    let ids: Vec<String> = b
        .store
        .list_workshops(&WorkshopFilter::default())
        .unwrap()
        .into_iter()
        .map(|w| w.workshop.record.id)
        .collect();
    assert_eq!(ids.len(), 3);

    for id in &ids {
        a.store.rename_workshop(id, "Renamed on A").unwrap();
    }
    a.sync().await;
    // Processed by the server before it reads the page, and still queued here: B trashes
    // the second workshop and pushes, and its pull fails, so the acknowledgement stays.
    b.store.delete_workshop(&ids[1]).unwrap();
    let pushed = sync_round(
        &mut b.store,
        &PushOnly(&b.api),
        Default::default(),
        &mut |_| {},
    )
    .await;
    assert!(pushed.is_err(), "the pull fails after the push");
    let state = b.store.sync_state().unwrap().unwrap();
    assert_eq!(state.pending, 0, "pushed and acknowledged");
    let page = b
        .api
        .pull(&state.cursor, &state.seen, 100, &state.client_id)
        .await
        .unwrap();
    assert_eq!(page.last_mutation_id, 1);
    // Made after the server read the page: not in it, and above its lastMutationId.
    b.store.delete_workshop(&ids[0]).unwrap();
    let own = b.store.create_workshop(Some("Only on B"), "").unwrap();
    let applied = b.store.apply_pull_page(&page, false).unwrap();

    assert_eq!(
        applied.rebased, 1,
        "only the trashing made after the page: {applied:?}"
    );
    let workshop = |id: &str| b.store.workshop(id).unwrap().workshop;
    // The page's row (renamed, not in the trash) took the trashing again.
    assert_eq!(workshop(&ids[0]).record.title, "Renamed on A");
    assert!(
        workshop(&ids[0]).record.deleted_at.is_some(),
        "still in the trash"
    );
    // The server's own row: renamed, and in the trash by B's pushed change.
    assert_eq!(workshop(&ids[1]).record.title, "Renamed on A");
    assert!(workshop(&ids[1]).record.deleted_at.is_some());
    assert_eq!(workshop(&ids[2]).record.title, "Renamed on A");
    assert!(workshop(&ids[2]).record.deleted_at.is_none());
    assert_eq!(workshop(&own.workshop.record.id).record.title, "Only on B");
    assert_eq!(b.store.sync_state().unwrap().unwrap().pending, 2);
}

/// A storage failure while a page re-applies a queued change (here a trigger that aborts
/// the write, as a full disk or an I/O error would) fails the page: nothing of it is
/// written, the cursor stays, and the queued change stays in effect here. Once storage
/// works again the same page applies, with the change rebased over it. Only the domain's
/// refusals are skipped by a rebase; a failed write used to be counted as one, and the page
/// committed without the local change.
#[tokio::test(flavor = "multi_thread")]
async fn a_storage_failure_in_a_rebase_fails_the_page_and_loses_nothing() {
    let s = server().await;
    let (mut a, mut b, id, _) = pawpal_on_two_desktops(&s).await;

    a.store.rename_workshop(&id, "Renamed on A").unwrap();
    a.sync().await;
    let state = b.store.sync_state().unwrap().unwrap();
    let page = b
        .api
        .pull(&state.cursor, &state.seen, 100, &state.client_id)
        .await
        .unwrap();
    // Queued after the server read the page: re-applied over the page's row.
    b.store.delete_workshop(&id).unwrap();
    let trashed_here = |b: &Desktop| b.store.workshop(&id).unwrap().workshop.record;
    assert!(trashed_here(&b).deleted_at.is_some());

    // The page's own row (not in the trash) writes; the rebase's trashing fails.
    let side = rusqlite::Connection::open(b.store.path()).unwrap();
    side.execute_batch(
        "CREATE TRIGGER fail_the_rebase BEFORE UPDATE OF deleted_at ON workshops
         WHEN NEW.deleted_at IS NOT NULL AND OLD.deleted_at IS NULL
         BEGIN SELECT RAISE(ABORT, 'disk I/O error (injected)'); END",
    )
    .unwrap();
    let failed = b.store.apply_pull_page(&page, false);
    let error = failed.expect_err("a failed write in the rebase fails the page");
    assert!(
        !error.is_refusal(),
        "a storage error, not a refusal: {error}"
    );
    assert_eq!(error.code(), wp_store::ErrorCode::Storage, "{error}");
    let record = trashed_here(&b);
    assert!(record.deleted_at.is_some(), "the local change still stands");
    assert_ne!(
        record.title, "Renamed on A",
        "nothing of the page was written"
    );
    let after = b.store.sync_state().unwrap().unwrap();
    assert_eq!(after.cursor, state.cursor, "the cursor did not move");
    assert_eq!(after.pending, 1, "the trashing is still queued");

    side.execute_batch("DROP TRIGGER fail_the_rebase").unwrap();
    let applied = b.store.apply_pull_page(&page, false).unwrap();
    assert_eq!(applied.rebased, 1, "{applied:?}");
    let record = trashed_here(&b);
    assert_eq!(record.title, "Renamed on A");
    assert!(record.deleted_at.is_some(), "the trashing re-applied");
    assert_eq!(b.store.integrity_check().unwrap(), "ok");
}
