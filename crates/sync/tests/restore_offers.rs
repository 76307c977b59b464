//! What a server restore lost that only a desktop still held is offered again from it, never
//! dropped (docs/sync.md, "A server restored from a backup"): an open conflict, the user's
//! losing value, sent again as the change that made it so that the server's rules make the
//! conflict again; and a note the restored server logs as deleted because a save of it from
//! another client was refused there. Each test fails on the code before it, which dropped
//! the value silently. `scripts/test.sh` starts PostgreSQL and sets `WP_TEST_DATABASE_URL`.

use serde_json::json;
use wp_domain::{ConflictKind, ConflictRecord};

mod common;
use common::{backup, pawpal_on_two_desktops, restore, server, Desktop};

/// After a restore: `d` saves a note on `workshop` and syncs until the log's positions pass
/// the other desktop's cursor, so that it can tell the server's history was rewritten.
async fn write_past(d: &mut Desktop, workshop: &str) {
    for i in 0..40 {
        d.store
            .set_note(
                workshop,
                Some("challenge"),
                &format!("B's step note, version {i}\n"),
            )
            .unwrap();
        d.sync().await;
    }
}

/// Two desktops of Ada's hold PawPal; `before` runs on both (synced), then B makes its
/// change and syncs, the server is backed up, A makes its own change to the same thing and
/// syncs (a conflict: B's came first), and the server is restored to the backup. Returns
/// A's open conflicts after the conflict was made, and after A's reset (two rounds: the
/// reset with what it sends again, then the pull of the answer).
async fn conflict_lost_in_a_restore(
    before: impl Fn(&mut Desktop, &str),
    change_b: impl FnOnce(&mut Desktop, &str),
    change_a: impl FnOnce(&mut Desktop, &str),
) -> (Vec<ConflictRecord>, Vec<ConflictRecord>) {
    let s = server().await;
    let (mut a, mut b, workshop, _) = pawpal_on_two_desktops(&s).await;
    before(&mut a, &workshop);
    a.sync().await;
    b.sync().await;
    change_b(&mut b, &workshop);
    b.sync().await;
    let saved = backup(&s.pool).await;
    change_a(&mut a, &workshop);
    a.sync().await;
    let made = a.store.conflicts(true).unwrap();

    restore(&s.pool, saved).await;
    write_past(&mut b, &workshop).await;
    let report = a.sync().await;
    assert!(report.reset, "A sees that the server went back: {report:?}");
    assert_eq!(report.rejected, 0, "{report:?}");
    a.sync().await;
    (made, a.store.conflicts(true).unwrap())
}

/// The one open conflict's kind and its three values.
fn values(conflicts: &[ConflictRecord]) -> (ConflictKind, serde_json::Value, serde_json::Value) {
    assert_eq!(conflicts.len(), 1, "one open conflict: {conflicts:?}");
    let c = &conflicts[0];
    (c.kind, c.theirs.clone(), c.mine.clone())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_title_conflict_the_restore_lost_is_made_again() {
    let (made, after) = conflict_lost_in_a_restore(
        |_, _| {},
        |b, w| {
            b.store.rename_workshop(w, "PawPal, as B named it").unwrap();
        },
        |a, w| {
            a.store.rename_workshop(w, "PawPal, as A named it").unwrap();
        },
    )
    .await;
    let expected = (
        ConflictKind::Title,
        json!("PawPal, as B named it"),
        json!("PawPal, as A named it"),
    );
    assert_eq!(values(&made), expected);
    assert_eq!(values(&after), expected, "A's title is a conflict again");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_note_conflict_the_restore_lost_is_made_again() {
    let (made, after) = conflict_lost_in_a_restore(
        |a, w| {
            a.store
                .set_note(w, None, "Bring sticky notes\nBook the room\n")
                .unwrap();
        },
        |b, w| {
            b.store
                .set_note(w, None, "Bring sticky notes\nBook the big room\n")
                .unwrap();
        },
        |a, w| {
            a.store
                .set_note(w, None, "Bring sticky notes\nBook the small room\n")
                .unwrap();
        },
    )
    .await;
    let (kind, theirs, mine) = values(&made);
    assert_eq!(kind, ConflictKind::Note);
    assert_eq!(
        values(&after),
        (kind, theirs, mine),
        "A's note is a conflict again"
    );
}

/// A note the restore lost, which the restored server then logs as deleted because a save
/// of it from another client was refused there (its workshop is in the trash in the
/// backup): the desktop that wrote it keeps it through its reset and sends it again after
/// the workshop's way out of the trash, instead of taking the tombstone as the user's text
/// gone.
#[tokio::test(flavor = "multi_thread")]
async fn a_note_the_restore_lost_outlives_a_refused_save_of_it_elsewhere() {
    use wp_domain::mutation::PROTOCOL_VERSION;
    use wp_domain::protocol::{Outcome, PushMutation, PushRequest};
    use wp_sync::Transport;

    let s = server().await;
    let (mut a, _b, workshop, token) = pawpal_on_two_desktops(&s).await;
    a.store.delete_workshop(&workshop).unwrap();
    a.sync().await;
    let saved = backup(&s.pool).await;
    a.store.restore_workshop(&workshop).unwrap();
    a.store
        .set_note(&workshop, None, "Ask the vet about the budget\n")
        .unwrap();
    a.sync().await;
    let note = a.store.note(&workshop, None).unwrap().unwrap();

    // The server goes back to the trashed workshop without the note; a save of the same
    // note from another client is refused there, and the server logs the note as deleted.
    restore(&s.pool, saved).await;
    let api = common::quick_api(&s.base, &token);
    let answer = api
        .push(&PushRequest {
            protocol_version: PROTOCOL_VERSION,
            client_id: "cl_another_copy".into(),
            mutations: vec![PushMutation {
                id: 1,
                name: "setNote".into(),
                args: json!({
                    "noteId": note.record.id,
                    "workshopId": workshop,
                    "content": "Ask the vet\n",
                    "at": "2026-12-01T09:00:00Z",
                }),
                base_rev: None,
            }],
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(answer.results[0].outcome, Outcome::Rejected, "{answer:?}");

    for _ in 0..3 {
        a.sync().await;
    }
    let here = a.store.note(&workshop, None).unwrap();
    assert_eq!(
        here.map(|n| n.record.content).as_deref(),
        Some("Ask the vet about the budget\n"),
        "A keeps its note"
    );
    let on_server: Option<String> =
        sqlx::query_scalar("SELECT content FROM notes WHERE workshop_id = $1 AND step_id IS NULL")
            .bind(&workshop)
            .fetch_optional(&s.pool)
            .await
            .unwrap();
    assert_eq!(on_server.as_deref(), Some("Ask the vet about the budget\n"));
}
