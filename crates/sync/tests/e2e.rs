//! End to end on the real server and PostgreSQL: two desktop databases of one user, and a
//! second user sharing a workshop, synced through the real client code.
//! `scripts/test.sh` starts PostgreSQL and sets `WP_TEST_DATABASE_URL`.

use wp_domain::{StepStatus, WorkshopStatus, STEPS};
use wp_store::Store;
use wp_sync::{sign_in, sync_round, KeepToken, RoundOptions};

mod common;
use common::{live_workshops, quick_api, server, Desktop, PAWPAL};

#[tokio::test(flavor = "multi_thread")]
async fn two_desktops_of_one_user_converge() {
    let s = server().await;
    let (_, token) = wp_server::auth::add_user(&s.pool, "Ada").await.unwrap();

    // A works offline before ever signing in: the workshop is adopted at sign-in.
    let dir = tempfile::tempdir().unwrap();
    let mut offline = Store::open(dir.path().join("a.db")).unwrap();
    let ws = offline.import_workshop(PAWPAL).unwrap();
    let id = ws.workshop.record.id.clone();
    offline.advance_step(&id, "challenge").unwrap();
    offline.set_note(&id, None, "line 1\nline 2\n").unwrap();
    let (_, state) = sign_in(&mut offline, &s.base, &token, KeepToken::Nowhere)
        .await
        .unwrap();
    assert!(state.pending >= 3, "{state:?}");
    let mut a = Desktop {
        _dir: dir,
        store: offline,
        api: quick_api(&s.base, &token),
    };
    let report = a.sync().await;
    assert_eq!((report.rejected, report.pending), (0, 0), "{report:?}");
    let a_view = a.store.workshop(&id).unwrap();
    assert_eq!(
        a_view.workshop.record.owner_id,
        a.store.user_id(),
        "adopted by the server user"
    );

    // B pulls it whole: same ids, same step times, same outputs and note.
    let mut b = Desktop::new(&s, &token).await;
    let report = b.sync().await;
    assert!(report.rows_written >= 12, "{report:?}");
    let b_view = b.store.workshop(&id).unwrap();
    for (x, y) in a_view.steps.iter().zip(&b_view.steps) {
        assert_eq!(
            (
                &x.record.id,
                x.record.status,
                x.record.started_at,
                x.record.completed_at,
                &x.record.output
            ),
            (
                &y.record.id,
                y.record.status,
                y.record.started_at,
                y.record.completed_at,
                &y.record.output
            )
        );
    }
    assert_eq!(
        b_view.workshop.record.created_at,
        a_view.workshop.record.created_at
    );
    assert_eq!(
        b.store.note(&id, None).unwrap().unwrap().record.content,
        "line 1\nline 2\n"
    );

    // Offline on both: A renames, B writes a step note; both sync and see both.
    a.store.rename_workshop(&id, "PawPal — sprint 2").unwrap();
    b.store
        .set_note(&id, Some("persona"), "Mochi eats at 7")
        .unwrap();
    a.sync().await;
    b.sync().await;
    a.sync().await;
    for d in [&a, &b] {
        assert_eq!(
            d.store.workshop(&id).unwrap().workshop.record.title,
            "PawPal — sprint 2"
        );
        assert_eq!(
            d.store
                .note(&id, Some("persona"))
                .unwrap()
                .unwrap()
                .record
                .content,
            "Mochi eats at 7"
        );
    }

    // A completes every step and the workshop; B receives it, revises a step; A receives that.
    for def in &STEPS[1..] {
        a.store.advance_step(&id, def.id).unwrap();
    }
    a.store.complete_workshop(&id).unwrap();
    a.sync().await;
    b.sync().await;
    assert_eq!(
        b.store.workshop(&id).unwrap().workshop.record.status,
        WorkshopStatus::Completed
    );
    b.store.revise_step(&id, "persona").unwrap();
    assert_eq!(b.sync().await.rejected, 0);
    a.sync().await;
    let after = a.store.workshop(&id).unwrap();
    assert_eq!(after.workshop.record.status, WorkshopStatus::Active);
    assert_eq!(
        after.step("persona").unwrap().record.status,
        StepStatus::InProgress
    );
    assert_eq!(
        after.step("validate").unwrap().record.status,
        StepStatus::NeedsRegeneration
    );
    assert_eq!(
        a.store.workshop(&id).unwrap().steps,
        b.store
            .workshop(&id)
            .unwrap()
            .steps
            .iter()
            .cloned()
            .map(|mut st| {
                // Local revisions count each database's own writes; everything else agrees.
                st.rev = after.step(&st.record.step_id).unwrap().rev;
                st
            })
            .collect::<Vec<_>>()
    );

    // A no-op round changes nothing and pulls nothing new.
    let quiet = a.sync().await;
    assert_eq!((quiet.applied, quiet.rows_written), (0, 0), "{quiet:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_server_loses_nothing_and_the_next_round_sends_it() {
    let s = server().await;
    let (_, token) = wp_server::auth::add_user(&s.pool, "Ada").await.unwrap();
    let mut a = Desktop::new(&s, &token).await;
    let id = a
        .store
        .create_workshop(Some("Offline"), "")
        .unwrap()
        .workshop
        .record
        .id;
    a.store.set_note(&id, None, "typed on a train").unwrap();
    // A port nobody listens on: the round fails after its retries, the queue stays whole.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let err = sync_round(
        &mut a.store,
        &quick_api(&dead, &token),
        RoundOptions::default(),
        &mut |_| {},
    )
    .await
    .unwrap_err();
    assert!(matches!(err, wp_sync::SyncError::Unreachable(_)), "{err}");
    assert!(
        !err.to_string().contains(&token),
        "the token never appears in errors"
    );
    assert_eq!(a.store.sync_state().unwrap().unwrap().pending, 2);
    let report = a.sync().await;
    assert_eq!((report.applied, report.pending), (2, 0), "{report:?}");
    // A revoked token stops at once and asks to sign in again.
    let bad = quick_api(&s.base, "wpt_not-a-token");
    let err = sync_round(&mut a.store, &bad, RoundOptions::default(), &mut |_| {})
        .await
        .unwrap_err();
    assert!(err.needs_sign_in(), "{err}");
}

/// Both desktops edit offline: a note on different lines, the same step-output field, and
/// the title. The note merges; the field and the title keep the first change to arrive, and
/// the later one shows as a conflict on both of the user's desktops, until one resolves it.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_edits_merge_or_show_as_conflicts_and_resolve_everywhere() {
    let s = server().await;
    let (_, token) = wp_server::auth::add_user(&s.pool, "Ada").await.unwrap();
    let mut a = Desktop::new(&s, &token).await;
    let id = a.store.import_workshop(PAWPAL).unwrap().workshop.record.id;
    a.store
        .set_note(&id, None, "Mochi\nfeeds at 7\nwalks at 6\n")
        .unwrap();
    a.sync().await;
    let mut b = Desktop::new(&s, &token).await;
    b.sync().await;

    // Offline on both.
    a.store
        .set_note(&id, None, "Mochi the cat\nfeeds at 7\nwalks at 6\n")
        .unwrap();
    b.store
        .set_note(&id, None, "Mochi\nfeeds at 7\nwalks at 6:30\n")
        .unwrap();
    let challenge = |d: &Desktop| d.step_output(&id, "challenge").unwrap();
    let mut out_a = challenge(&a);
    out_a["targetUser"] = "Busy professionals (A)".into();
    a.store.save_step_output(&id, "challenge", out_a).unwrap();
    let mut out_b = challenge(&b);
    out_b["targetUser"] = "Busy professionals (B)".into();
    out_b["desiredOutcome"] = "Fewer missed vet visits (B)".into();
    b.store.save_step_output(&id, "challenge", out_b).unwrap();
    a.store.rename_workshop(&id, "PawPal (A)").unwrap();
    b.store.rename_workshop(&id, "PawPal (B)").unwrap();

    a.sync().await; // A's changes reach the server first
    b.sync().await;
    a.sync().await;

    for d in [&a, &b] {
        assert_eq!(
            d.store.note(&id, None).unwrap().unwrap().record.content,
            "Mochi the cat\nfeeds at 7\nwalks at 6:30\n",
            "lines changed on both sides merge"
        );
        let out = challenge(d);
        assert_eq!(
            out["targetUser"], "Busy professionals (A)",
            "the first wins"
        );
        assert_eq!(
            out["desiredOutcome"], "Fewer missed vet visits (B)",
            "a field only B changed is B's"
        );
        assert_eq!(
            d.store.workshop(&id).unwrap().workshop.record.title,
            "PawPal (A)"
        );
        let open = d.store.conflicts(true).unwrap();
        let mut kinds: Vec<_> = open
            .iter()
            .map(|c| (c.kind, c.mine.as_str().unwrap_or_default().to_string()))
            .collect();
        kinds.sort_by(|x, y| x.1.cmp(&y.1));
        assert_eq!(
            kinds,
            [
                (
                    wp_domain::ConflictKind::OutputField,
                    "Busy professionals (B)".to_string()
                ),
                (wp_domain::ConflictKind::Title, "PawPal (B)".to_string()),
            ],
            "the losing values are kept, on both desktops"
        );
        assert_eq!(d.store.sync_state().unwrap().unwrap().conflicts, 2);
        // Each names who made the live value, from which device, and when: A's push.
        for c in &open {
            let by = c
                .theirs_by
                .as_ref()
                .expect("the server names the live value's author");
            assert_eq!(by.name.as_deref(), Some("Ada"));
            assert_eq!(
                by.device,
                gethostname::gethostname().into_string().ok(),
                "the device A pushed from"
            );
            assert!(by.at <= c.created_at + chrono::Duration::seconds(5));
        }
    }

    // B keeps its title; A takes the live field value. After syncing, neither lists any.
    let title = b
        .store
        .conflicts(true)
        .unwrap()
        .into_iter()
        .find(|c| c.kind == wp_domain::ConflictKind::Title)
        .unwrap();
    b.store
        .resolve_conflict(&title.id, wp_domain::mutation::Resolution::Mine)
        .unwrap();
    assert_eq!(
        b.store.workshop(&id).unwrap().workshop.record.title,
        "PawPal (B)"
    );
    let field = a
        .store
        .conflicts(true)
        .unwrap()
        .into_iter()
        .find(|c| c.kind == wp_domain::ConflictKind::OutputField)
        .unwrap();
    a.store
        .resolve_conflict(&field.id, wp_domain::mutation::Resolution::Theirs)
        .unwrap();
    b.sync().await;
    a.sync().await;
    b.sync().await;
    for d in [&a, &b] {
        assert!(d.store.conflicts(true).unwrap().is_empty());
        assert_eq!(
            d.store.workshop(&id).unwrap().workshop.record.title,
            "PawPal (B)"
        );
        assert_eq!(challenge(d)["targetUser"], "Busy professionals (A)");
    }

    // Undo on A of B's "keep mine": the title goes back to the live value the conflict
    // recorded, and the conflict is open again, on both desktops once synced.
    a.store
        .reopen_conflict(&title.id, Some("PawPal (B)".into()))
        .unwrap();
    assert_eq!(
        a.store.workshop(&id).unwrap().workshop.record.title,
        "PawPal (A)"
    );
    // Undo of "take theirs" only reopens: the value already is theirs.
    a.store.reopen_conflict(&field.id, None).unwrap();
    assert_eq!(challenge(&a)["targetUser"], "Busy professionals (A)");
    a.sync().await;
    b.sync().await;
    for d in [&a, &b] {
        let mut open: Vec<_> = d
            .store
            .conflicts(true)
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        open.sort();
        let mut expected = vec![title.id.clone(), field.id.clone()];
        expected.sort();
        assert_eq!(open, expected, "both open again");
        assert_eq!(
            d.store.workshop(&id).unwrap().workshop.record.title,
            "PawPal (A)"
        );
    }
    // Reopening an open conflict changes nothing and queues nothing.
    let queued = a.store.outbox_len().unwrap();
    a.store
        .reopen_conflict(&title.id, Some("PawPal (B)".into()))
        .unwrap();
    assert_eq!(a.store.outbox_len().unwrap(), queued);

    // An undo never overwrites a newer value: B keeps its title again, then renames it;
    // A's undo of that resolution only opens the conflict again.
    b.store
        .resolve_conflict(&title.id, wp_domain::mutation::Resolution::Mine)
        .unwrap();
    b.sync().await;
    b.store.rename_workshop(&id, "PawPal (B2)").unwrap();
    b.sync().await;
    a.sync().await;
    a.store
        .reopen_conflict(&title.id, Some("PawPal (B)".into()))
        .unwrap();
    a.sync().await;
    b.sync().await;
    for d in [&a, &b] {
        assert_eq!(
            d.store.workshop(&id).unwrap().workshop.record.title,
            "PawPal (B2)",
            "the newer title stays"
        );
        assert!(d
            .store
            .conflicts(true)
            .unwrap()
            .iter()
            .any(|c| c.id == title.id));
    }
}

/// Another desktop trashes 20 workshops: this one's pull holds the deletions and asks;
/// nothing is trashed here. Keeping them restores them on the server for every desktop; a
/// single trashing is no mass delete and applies at once.
#[tokio::test(flavor = "multi_thread")]
async fn a_mass_delete_elsewhere_pauses_and_can_be_kept() {
    let s = server().await;
    let (_, token) = wp_server::auth::add_user(&s.pool, "Ada").await.unwrap();
    let mut a = Desktop::new(&s, &token).await;
    let ids: Vec<String> = (0..22)
        .map(|i| {
            a.store
                .create_workshop(Some(&format!("Workshop {i:02}")), "")
                .unwrap()
                .workshop
                .record
                .id
        })
        .collect();
    a.sync().await;
    let mut b = Desktop::new(&s, &token).await;
    b.sync().await;
    assert_eq!(live_workshops(&b), 22);

    // One trashed elsewhere: applies without asking.
    a.store.delete_workshop(&ids[21]).unwrap();
    a.sync().await;
    let report = b.sync().await;
    assert!(report.held_deletes.is_none(), "{report:?}");
    assert_eq!(live_workshops(&b), 21);

    for id in &ids[..20] {
        a.store.delete_workshop(id).unwrap();
    }
    a.sync().await;
    let report = b.sync().await;
    let held = report.held_deletes.expect("the pull pauses");
    assert_eq!((held.workshops.len(), held.live_workshops), (20, 21));
    assert_eq!(held.workshops[0].1, "Workshop 00", "titles are shown");
    assert_eq!(
        live_workshops(&b),
        21,
        "nothing is deleted before the user says so"
    );
    // Pushes go on while it waits.
    b.store.rename_workshop(&ids[20], "Still here").unwrap();
    let again = b.sync().await;
    assert_eq!(again.applied, 1);
    assert!(again.held_deletes.is_some() || b.store.held_deletes().unwrap().is_some());

    assert_eq!(b.store.keep_held_deletes().unwrap(), 20);
    b.sync().await;
    a.sync().await;
    assert_eq!(
        (live_workshops(&a), live_workshops(&b)),
        (21, 21),
        "kept everywhere"
    );
    assert!(b.store.held_deletes().unwrap().is_none());
}

/// `updateWorkshop` through every adapter: the store applies and queues it, sync push runs it
/// on the server, and the other desktop pulls the changed fields.
#[tokio::test(flavor = "multi_thread")]
async fn a_workshop_update_reaches_the_server_and_the_other_desktop() {
    let s = server().await;
    let (mut a, mut b, id, _) = common::pawpal_on_two_desktops(&s).await;
    let at = a.store.now();
    let written = a
        .store
        .mutate(wp_domain::Mutation::UpdateWorkshop {
            workshop_id: id.clone(),
            original_idea: Some("An app that finds a dog walker nearby".into()),
            status: Some(WorkshopStatus::Paused),
            visibility: None,
            at,
        })
        .unwrap();
    assert_eq!(written.len(), 1, "one workshop row: {written:?}");
    let report = a.sync().await;
    assert_eq!((report.rejected, report.pending), (0, 0), "{report:?}");

    let (idea, status): (String, String) =
        sqlx::query_as("SELECT original_idea, status FROM workshops WHERE id = $1")
            .bind(&id)
            .fetch_one(&s.pool)
            .await
            .unwrap();
    assert_eq!(
        (idea.as_str(), status.as_str()),
        ("An app that finds a dog walker nearby", "paused")
    );

    b.sync().await;
    let on_b = b.store.workshop(&id).unwrap().workshop.record;
    assert_eq!(on_b.original_idea, "An app that finds a dog walker nearby");
    assert_eq!(on_b.status, WorkshopStatus::Paused);

    // Completing goes through the gate, not through an update: refused here, nothing queued.
    let pending = a.store.sync_state().unwrap().unwrap().pending;
    let err = a
        .store
        .mutate(wp_domain::Mutation::UpdateWorkshop {
            workshop_id: id.clone(),
            original_idea: None,
            status: Some(WorkshopStatus::Completed),
            visibility: None,
            at,
        })
        .unwrap_err();
    assert_eq!(err.field_errors()[0].path, "status", "{err}");
    assert_eq!(a.store.sync_state().unwrap().unwrap().pending, pending);
}

/// Two desktops of one user ("Ada"), both synced with the PawPal workshop; its id.
async fn pawpal_on_two_desktops(s: &common::Server) -> (Desktop, Desktop, String) {
    let (_, token) = wp_server::auth::add_user(&s.pool, "Ada").await.unwrap();
    let mut a = Desktop::new(s, &token).await;
    let id = a.store.import_workshop(PAWPAL).unwrap().workshop.record.id;
    a.sync().await;
    let mut b = Desktop::new(s, &token).await;
    b.sync().await;
    (a, b, id)
}

/// A form opened before a partner's change arrived: its save is made from what the form
/// showed, so the partner's fields are merged in, not put back; a field both changed keeps
/// the partner's value and records the user's as a conflict (issue 27, "a lost update").
#[tokio::test(flavor = "multi_thread")]
async fn a_save_from_a_form_opened_before_a_partners_change_keeps_that_change() {
    let s = server().await;
    let (mut a, mut b, id) = pawpal_on_two_desktops(&s).await;
    let challenge = |d: &Desktop| d.step_output(&id, "challenge").unwrap();

    // A's form opens on the output as it is; B changes another field and syncs; A pulls.
    let opened = challenge(&a);
    let mut partner = challenge(&b);
    partner["desiredOutcome"] = "Fewer missed vet visits (B)".into();
    b.store.save_step_output(&id, "challenge", partner).unwrap();
    b.sync().await;
    a.sync().await;
    assert_eq!(
        challenge(&a)["desiredOutcome"],
        "Fewer missed vet visits (B)"
    );

    // A saves the form, which still shows the old desired outcome, with one field changed.
    let mut form = opened.clone();
    form["targetUser"] = "Busy professionals (A)".into();
    let saved = a
        .store
        .save_step_output_from(&id, "challenge", form.clone(), Some(opened.clone()))
        .unwrap();
    let merged = saved.record.output.unwrap();
    assert_eq!(merged["targetUser"], "Busy professionals (A)");
    assert_eq!(
        merged["desiredOutcome"], "Fewer missed vet visits (B)",
        "the partner's field is not put back"
    );
    a.sync().await;
    b.sync().await;
    for d in [&a, &b] {
        assert_eq!(challenge(d), merged);
        assert!(d.store.conflicts(true).unwrap().is_empty());
    }

    // Both change the same field: the first to reach the server keeps it, and the other's
    // save, though it changes nothing here, still reaches the server as a conflict.
    let opened = challenge(&a);
    let mut partner = challenge(&b);
    partner["targetUser"] = "Vets (B)".into();
    b.store.save_step_output(&id, "challenge", partner).unwrap();
    b.sync().await;
    a.sync().await;
    let mut form = opened.clone();
    form["targetUser"] = "Pet sitters (A)".into();
    let saved = a
        .store
        .save_step_output_from(&id, "challenge", form, Some(opened))
        .unwrap();
    assert_eq!(saved.record.output.unwrap()["targetUser"], "Vets (B)");
    assert_eq!(a.store.outbox_len().unwrap(), 1, "queued all the same");
    a.sync().await;
    let open = a.store.conflicts(true).unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].mine, "Pet sitters (A)");
    assert_eq!(open[0].theirs, "Vets (B)");
}

/// A note editor opened before another device's change to the note arrived: its save is
/// made from the text it showed, so the other device's lines are merged in, not put back.
#[tokio::test(flavor = "multi_thread")]
async fn a_note_saved_from_an_older_text_merges_the_other_devices_lines() {
    let s = server().await;
    let (mut a, mut b, id) = pawpal_on_two_desktops(&s).await;
    let opened = "Mochi\nfeeds at 7\nwalks at 6\n";
    a.store.set_note(&id, None, opened).unwrap();
    a.sync().await;
    b.sync().await;
    b.store
        .set_note(&id, None, "Mochi\nfeeds at 7\nwalks at 6:30\n")
        .unwrap();
    b.sync().await;
    a.sync().await; // the editor on A still shows `opened`
    let saved = a
        .store
        .set_note_from(&id, None, "Mochi the cat\nfeeds at 7\nwalks at 6\n", opened)
        .unwrap();
    let merged = "Mochi the cat\nfeeds at 7\nwalks at 6:30\n";
    assert_eq!(saved.record.content, merged, "B's line is not put back");
    a.sync().await;
    b.sync().await;
    for d in [&a, &b] {
        assert_eq!(
            d.store.note(&id, None).unwrap().unwrap().record.content,
            merged
        );
    }
}

/// A save queued, then a pull (a poke's round, which does not push) brings a partner's
/// change to a field, then the user puts that field back: the second save is not folded
/// into the first (whose base predates the partner's change), so the server sees the
/// revert and keeps it.
#[tokio::test(flavor = "multi_thread")]
async fn a_save_made_after_a_pull_is_not_folded_into_an_older_queued_save() {
    let s = server().await;
    let (mut a, mut b, id) = pawpal_on_two_desktops(&s).await;
    let challenge = |d: &Desktop| d.step_output(&id, "challenge").unwrap();
    let original = challenge(&a)["targetUser"].clone();

    // A saves one field; it waits in the queue.
    let mut first = challenge(&a);
    first["desiredOutcome"] = "Fewer missed vet visits (A)".into();
    a.store
        .save_step_output_from(&id, "challenge", first.clone(), Some(challenge(&a)))
        .unwrap();
    // B changes the target user; A pulls without pushing.
    let mut partner = challenge(&b);
    partner["targetUser"] = "Vets (B)".into();
    b.store.save_step_output(&id, "challenge", partner).unwrap();
    b.sync().await;
    let pull_only = RoundOptions {
        pull_only: true,
        ..RoundOptions::default()
    };
    sync_round(&mut a.store, &a.api, pull_only, &mut |_| {})
        .await
        .unwrap();
    let shown = challenge(&a);
    assert_eq!(shown["targetUser"], "Vets (B)");
    // A puts the target user back, from what the form now shows.
    let mut back = shown.clone();
    back["targetUser"] = original.clone();
    a.store
        .save_step_output_from(&id, "challenge", back, Some(shown))
        .unwrap();
    assert_eq!(a.store.outbox_len().unwrap(), 2, "not folded");
    a.sync().await;
    b.sync().await;
    for d in [&a, &b] {
        let out = challenge(d);
        assert_eq!(out["targetUser"], original, "the revert is kept");
        assert_eq!(out["desiredOutcome"], "Fewer missed vet visits (A)");
    }
}
