//! A server restored from a backup, end to end on the real server and PostgreSQL: what it
//! lost that a desktop still holds comes back from that desktop's reset, values as "set"
//! mutations and progress as intents in order. `scripts/test.sh` starts PostgreSQL and sets
//! `WP_TEST_DATABASE_URL`.

use wp_domain::protocol::PulledChange;
use wp_domain::Change;
use wp_store::Store;
use wp_sync::{sync_round, RoundOptions, RoundReport};

mod common;
use common::{
    backup, pawpal_on_two_desktops, quick_api, restore_and_write_past, server, CutShort, Desktop,
    PushOnly, Server, PAWPAL,
};

/// A's first round after the restore: it resets, and nothing it offers again is refused.
async fn reset(a: &mut Desktop) -> RoundReport {
    let report = a.sync().await;
    assert!(report.reset, "A sees that the server went back: {report:?}");
    assert_eq!(report.rejected, 0, "{report:?}");
    report
}

/// The output of `step` in `workshop` on `d` with its first text field "Edited after the
/// backup".
fn edited(d: &Desktop, workshop: &str, step: &str) -> serde_json::Value {
    let mut output = d.step_output(workshop, step).unwrap();
    let object = output.as_object_mut().unwrap();
    let key = object
        .iter()
        .find(|(_, v)| v.is_string())
        .map(|(k, _)| k.clone())
        .unwrap();
    object.insert(key, serde_json::json!("Edited after the backup"));
    output
}

/// The status of `step` in `workshop` on `d`, as stored (`complete`, `in_progress`...).
fn status(d: &Desktop, workshop: &str, step: &str) -> &'static str {
    d.store
        .workshop(workshop)
        .unwrap()
        .step(step)
        .unwrap()
        .record
        .status
        .as_str()
}

/// A server, two desktops of one user and a PawPal workshop both hold, and a backup of the
/// server taken then.
struct Backed {
    s: Server,
    a: Desktop,
    b: Desktop,
    workshop: String,
    saved: (i64, bool),
}

/// A imports PawPal and advances its first `steps` steps; A syncs, B syncs it; the server is
/// backed up.
async fn backed_up(steps: usize) -> Backed {
    let s = server().await;
    let (_, token) = wp_server::auth::add_user(&s.pool, "Ada").await.unwrap();
    let mut a = Desktop::new(&s, &token).await;
    let workshop = a.store.import_workshop(PAWPAL).unwrap().workshop.record.id;
    for step in &wp_domain::STEPS[..steps] {
        a.store.advance_step(&workshop, step.id).unwrap();
    }
    a.sync().await;
    let mut b = Desktop::new(&s, &token).await;
    b.sync().await;
    let saved = backup(&s.pool).await;
    Backed {
        s,
        a,
        b,
        workshop,
        saved,
    }
}

/// The workshop and its last step are complete on both desktops.
fn completed_on_both(a: &Desktop, b: &Desktop, workshop: &str) {
    for (who, d) in [("A", a), ("B", b)] {
        let status_here = d.store.workshop(workshop).unwrap().workshop.record.status;
        assert_eq!(status_here.as_str(), "completed", "{who}");
        assert_eq!(status(d, workshop, "validate"), "complete", "{who}");
    }
}

/// A server, two desktops of one user and a PawPal workshop, after A's changes that a
/// restore to `saved` will lose.
struct Lost {
    s: Server,
    a: Desktop,
    b: Desktop,
    workshop: String,
    /// The persona's edited output.
    persona: serde_json::Value,
    saved: (i64, bool),
}

/// A imports PawPal and completes its ten steps; B syncs it; the server is backed up. Then A
/// revises the persona, saves an edited output, completes it, makes the changes `also`
/// makes, and syncs: the server acknowledges every one.
async fn persona_revised_after_backup(also: impl FnOnce(&mut Desktop, &str)) -> Lost {
    let Backed {
        s,
        mut a,
        b,
        workshop,
        saved,
    } = backed_up(wp_domain::STEPS.len()).await;

    a.store.revise_step(&workshop, "persona").unwrap();
    let persona = edited(&a, &workshop, "persona");
    a.store
        .save_step_output(&workshop, "persona", persona.clone())
        .unwrap();
    a.store.complete_step(&workshop, "persona").unwrap();
    also(&mut a, &workshop);
    let report = a.sync().await;
    assert_eq!(report.rejected, 0, "{report:?}");
    Lost {
        s,
        a,
        b,
        workshop,
        persona,
        saved,
    }
}

fn local_rows(store: &Store) -> usize {
    store
        .list_workshops(&wp_store::WorkshopFilter::default())
        .unwrap()
        .iter()
        .map(|w| 1 + store.notes(&w.workshop.record.id).unwrap().len() + 10)
        .sum()
}

/// The server is restored to before A's acknowledged changes; B writes until the log's
/// positions pass A's cursor; A syncs: it resets, deletes nothing, and its changes reach the
/// server again. Then A's database is copied to a second machine and both edit: the copy's
/// reused mutation ids are told from retries, and no edit is dropped as a duplicate.
#[tokio::test(flavor = "multi_thread")]
async fn a_restored_server_loses_nothing_a_client_holds_and_a_copied_database_forks_cleanly() {
    let s = server().await;
    let (mut a, mut b, id, token) = pawpal_on_two_desktops(&s).await;
    let saved = backup(&s.pool).await;

    // A's acknowledged changes, which the restore will lose.
    let second = a
        .store
        .create_workshop(Some("Made after the backup"), "")
        .unwrap()
        .workshop
        .record
        .id;
    for (i, step) in ["persona", "concept", "validate", "ideation", "reframe"]
        .iter()
        .enumerate()
    {
        a.store
            .set_note(&id, Some(step), &format!("A's note {i}\n"))
            .unwrap();
    }
    a.store
        .rename_workshop(&id, "PawPal, renamed by A")
        .unwrap();
    let report = a.sync().await;
    assert_eq!(report.applied, 7, "{report:?}");
    let before = local_rows(&a.store);

    restore_and_write_past(&s, saved, &mut b, &id).await;

    let report = a.sync().await;
    assert!(report.reset, "A sees that the server went back: {report:?}");
    assert_eq!(
        local_rows(&a.store),
        before + 1,
        "A deleted nothing (and got B's note)"
    );
    assert_eq!(report.rejected, 0, "{report:?}");
    b.sync().await;
    for d in [&a, &b] {
        let w = d.store.workshop(&id).unwrap();
        assert_eq!(
            w.workshop.record.title, "PawPal, renamed by A",
            "A's lost rename is back"
        );
        assert_eq!(
            d.store
                .note(&id, Some("validate"))
                .unwrap()
                .unwrap()
                .record
                .content,
            "A's note 2\n"
        );
        assert_eq!(
            d.store.workshop(&second).unwrap().workshop.record.title,
            "Made after the backup",
            "A's lost workshop is back"
        );
        assert_eq!(
            d.store
                .note(&id, Some("challenge"))
                .unwrap()
                .unwrap()
                .record
                .content,
            "Written past the others, version 39\n"
        );
    }

    // A second machine starts from a copy of A's database: same client id, same next ids.
    let copy_dir = tempfile::tempdir().unwrap();
    let copy_path = copy_dir.path().join("copy.db");
    a.store.integrity_check().unwrap();
    // The database and its write-ahead log, as a file copy of a quiet database takes them.
    std::fs::copy(a.store.path(), &copy_path).unwrap();
    let wal = |p: &std::path::Path| {
        let mut w = p.as_os_str().to_owned();
        w.push("-wal");
        std::path::PathBuf::from(w)
    };
    if wal(a.store.path()).exists() {
        std::fs::copy(wal(a.store.path()), wal(&copy_path)).unwrap();
    }
    let mut c = Desktop {
        _dir: copy_dir,
        store: Store::open(&copy_path).unwrap(),
        api: quick_api(&s.base, &token),
    };
    a.store
        .set_note(&id, Some("persona"), "edited on A\n")
        .unwrap();
    c.store
        .set_note(&id, Some("concept"), "edited on the copy\n")
        .unwrap();
    a.sync().await;
    let report = c.sync().await;
    assert!(
        report.renewed_client_id,
        "the copy takes a new client id: {report:?}"
    );
    a.sync().await;
    for d in [&a, &c] {
        assert_eq!(
            d.store
                .note(&id, Some("persona"))
                .unwrap()
                .unwrap()
                .record
                .content,
            "edited on A\n"
        );
        assert_eq!(
            d.store
                .note(&id, Some("concept"))
                .unwrap()
                .unwrap()
                .record
                .content,
            "edited on the copy\n",
            "no edit dropped as a duplicate"
        );
    }
}

/// Step statuses travel as intents (complete, start, revise), so a restore that loses one
/// loses the intent: A offers it again as the intent from the server's status to its own.
/// After the backup A advances one workshop's ninth step (complete it, start the tenth) and
/// revises another's persona (later steps need regeneration); the restore loses both; after
/// A's reset both are back on the server and on B.
#[tokio::test(flavor = "multi_thread")]
async fn a_restored_server_gets_lost_step_statuses_again() {
    let s = server().await;
    let (_, token) = wp_server::auth::add_user(&s.pool, "Ada").await.unwrap();
    let mut a = Desktop::new(&s, &token).await;
    let advanced = a.store.import_workshop(PAWPAL).unwrap().workshop.record.id;
    let revised = a.store.import_workshop(PAWPAL).unwrap().workshop.record.id;
    let redone = a.store.import_workshop(PAWPAL).unwrap().workshop.record.id;
    // Before the backup: the first workshop at its ninth step, the others complete.
    for (workshop, steps) in [(&advanced, 8), (&revised, 10), (&redone, 10)] {
        for step in &wp_domain::STEPS[..steps] {
            a.store.advance_step(workshop, step.id).unwrap();
        }
    }
    a.sync().await;
    let mut b = Desktop::new(&s, &token).await;
    b.sync().await;
    let saved = backup(&s.pool).await;

    // Acknowledged by the server, then lost by its restore: an advance; a revision with an
    // edited output; the last step revised, edited and completed again.
    a.store.advance_step(&advanced, "concept").unwrap();
    a.store.revise_step(&revised, "persona").unwrap();
    let persona = edited(&a, &revised, "persona");
    a.store
        .save_step_output(&revised, "persona", persona.clone())
        .unwrap();
    a.store.revise_step(&redone, "validate").unwrap();
    let validate = edited(&a, &redone, "validate");
    a.store
        .save_step_output(&redone, "validate", validate.clone())
        .unwrap();
    a.store.complete_step(&redone, "validate").unwrap();
    let report = a.sync().await;
    assert_eq!(report.applied, 6, "{report:?}");
    restore_and_write_past(&s, saved, &mut b, &revised).await;

    reset(&mut a).await;
    b.sync().await;
    for (who, d) in [("A", &a), ("B", &b)] {
        assert_eq!(status(d, &advanced, "ideation"), "complete", "{who}");
        assert_eq!(status(d, &advanced, "concept"), "complete", "{who}");
        assert_eq!(status(d, &advanced, "validate"), "in_progress", "{who}");
        assert_eq!(
            status(d, &revised, "journey-mapping"),
            "needs_regeneration",
            "{who}"
        );
        assert_eq!(status(d, &revised, "persona"), "in_progress", "{who}");
        assert_eq!(status(d, &revised, "sense-making"), "complete", "{who}");
        assert_eq!(
            status(d, &revised, "validate"),
            "needs_regeneration",
            "{who}"
        );
        assert_eq!(
            d.step_output(&revised, "persona"),
            Some(persona.clone()),
            "{who}"
        );
        assert_eq!(status(d, &redone, "validate"), "complete", "{who}");
        assert_eq!(
            d.step_output(&redone, "validate"),
            Some(validate.clone()),
            "{who}"
        );
    }
    assert!(
        a.store.rejections().unwrap().is_empty(),
        "nothing offered again was refused"
    );
}

/// Lost progress across steps is offered again in step order, each step against what the
/// server holds once the earlier offers are applied: A revises the persona, completes it
/// with an edited output and starts journey mapping again (which the revision had marked
/// for regeneration), all after the backup. Offered step by step against the restored
/// server's statuses, journey mapping would go as a revision of a step the persona's
/// revision has just marked for regeneration, and be refused; in order it goes as a start.
#[tokio::test(flavor = "multi_thread")]
async fn a_restored_server_gets_lost_progress_across_steps_in_order() {
    let Lost {
        s,
        mut a,
        mut b,
        workshop,
        persona,
        saved,
    } = persona_revised_after_backup(|a, workshop| {
        a.store.start_step(workshop, "journey-mapping").unwrap();
    })
    .await;
    restore_and_write_past(&s, saved, &mut b, &workshop).await;

    let report = reset(&mut a).await;
    assert_eq!(report.pending, 0, "{report:?}");
    b.sync().await;
    for (who, d) in [("A", &a), ("B", &b)] {
        assert_eq!(status(d, &workshop, "sense-making"), "complete", "{who}");
        assert_eq!(status(d, &workshop, "persona"), "complete", "{who}");
        assert_eq!(
            d.step_output(&workshop, "persona"),
            Some(persona.clone()),
            "{who}"
        );
        assert_eq!(
            status(d, &workshop, "journey-mapping"),
            "in_progress",
            "{who}"
        );
        for step in ["reframe", "ideation", "concept", "validate"] {
            assert_eq!(
                status(d, &workshop, step),
                "needs_regeneration",
                "{who} {step}"
            );
        }
    }
    assert!(a.store.rejections().unwrap().is_empty());
}

/// A workshop's completion travels as an intent too, and needs its ten steps complete: A
/// completes the last step and the workshop after the backup, the restore loses both, and
/// after A's reset the server gets the step first and then the workshop, on A and on B.
#[tokio::test(flavor = "multi_thread")]
async fn a_restored_server_gets_a_lost_workshop_completion_again() {
    let Backed {
        s,
        mut a,
        mut b,
        workshop: done,
        saved,
    } = backed_up(9).await;

    a.store.complete_step(&done, "validate").unwrap();
    a.store.complete_workshop(&done).unwrap();
    let report = a.sync().await;
    assert_eq!(report.applied, 2, "{report:?}");
    restore_and_write_past(&s, saved, &mut b, &done).await;
    assert_eq!(
        b.store
            .workshop(&done)
            .unwrap()
            .workshop
            .record
            .status
            .as_str(),
        "active",
        "the restored server had it active"
    );

    let report = reset(&mut a).await;
    assert_eq!(report.pending, 0, "{report:?}");
    b.sync().await;
    completed_on_both(&a, &b, &done);
}

/// A reset's full pull cut short (the network fails after the page that brings a step the
/// restore lost), then a second restore and a second reset: the step's lost progress, noted
/// by the first reset and written over again by the second's pull, still reaches the server
/// at the end of the second pull. A revises the persona with an edited output and completes
/// it after the backup.
#[tokio::test(flavor = "multi_thread")]
async fn a_reset_cut_short_by_a_second_restore_still_offers_the_steps_it_noted() {
    cut_short_by_a_second_restore(false).await;
}

/// As above, but A revises the persona again between the two resets and saves a newer
/// output: that change is newer than the lost one, so the lost one is not offered, and the
/// newer one reaches the server.
#[tokio::test(flavor = "multi_thread")]
async fn a_step_changed_between_two_resets_is_not_offered_its_lost_value() {
    cut_short_by_a_second_restore(true).await;
}

async fn cut_short_by_a_second_restore(edit_between: bool) {
    let Lost {
        s,
        mut a,
        mut b,
        workshop,
        persona,
        saved,
    } = persona_revised_after_backup(|_, _| {}).await;
    restore_and_write_past(&s, saved, &mut b, &workshop).await;

    // The first reset's pull, in small pages, fails after the page with the persona's row.
    let persona_row = a
        .store
        .workshop(&workshop)
        .unwrap()
        .step("persona")
        .unwrap()
        .record
        .id
        .clone();
    // Pulls until a page brings the persona's step row, then fails every pull.
    let cut = CutShort::after(&a.api, |page| {
        page.changes.iter().any(|c| {
            matches!(c, PulledChange::Put(put) if matches!(&put.row, Change::Step(s) if s.id == persona_row))
        })
    });
    let small_pages = RoundOptions {
        pull_page: 4,
        ..Default::default()
    };
    let cut_short = sync_round(&mut a.store, &cut, small_pages, &mut |_| {}).await;
    assert!(cut.came(), "the persona's row came");
    drop(cut);
    assert!(cut_short.is_err(), "the pull was cut short: {cut_short:?}");
    assert_ne!(
        a.step_output(&workshop, "persona"),
        Some(persona.clone()),
        "the restored server's row is written here"
    );

    let newer = edit_between.then(|| {
        a.store.revise_step(&workshop, "persona").unwrap();
        let mut newer = persona.clone();
        newer["bio"] = serde_json::json!("Edited again between the resets");
        a.store
            .save_step_output(&workshop, "persona", newer.clone())
            .unwrap();
        newer
    });

    restore_and_write_past(&s, saved, &mut b, &workshop).await;
    reset(&mut a).await;
    b.sync().await;
    for (who, d) in [("A", &a), ("B", &b)] {
        let (output, persona_status) = match &newer {
            None => (&persona, "complete"),
            Some(newer) => (newer, "in_progress"),
        };
        assert_eq!(
            d.step_output(&workshop, "persona").as_ref(),
            Some(output),
            "{who}: the newest output"
        );
        assert_eq!(status(d, &workshop, "persona"), persona_status, "{who}");
        assert_eq!(
            status(d, &workshop, "journey-mapping"),
            "needs_regeneration",
            "{who}: the revision is on the server"
        );
    }
    assert!(a.store.rejections().unwrap().is_empty());
}

/// A workshop's completion queued, unsent, after the server's restore lost the last step's
/// completion. The round's push finds the restore (the server has forgotten this client's
/// mutations) and stops, so the reset's full pull comes first: it offers the lost step
/// again, queued behind the completion. The next push sends both; the server refuses the
/// completion (a step is not complete there) and applies the step, and the refused
/// completion goes back in the queue behind the step instead of to the rejections, and
/// succeeds. With `cut_first_pull`, that round's pull fails, and the next round finishes the
/// reset's pull before it pushes.
async fn completion_queued_after_a_restore(cut_first_pull: bool) {
    let Backed {
        s,
        mut a,
        mut b,
        workshop: done,
        saved,
    } = backed_up(9).await;

    a.store.complete_step(&done, "validate").unwrap();
    let report = a.sync().await;
    assert_eq!(report.applied, 1, "{report:?}");
    restore_and_write_past(&s, saved, &mut b, &done).await;
    a.store.complete_workshop(&done).unwrap();

    if cut_first_pull {
        let cut = sync_round(
            &mut a.store,
            &PushOnly(&a.api),
            Default::default(),
            &mut |_| {},
        )
        .await;
        assert!(cut.is_err(), "{cut:?}");
        assert!(
            a.store.sync_state().unwrap().unwrap().resetting,
            "the push found the restore; its pull is to come"
        );
    }
    let report = a.sync().await;
    assert!(report.reset || cut_first_pull, "{report:?}");
    assert_eq!(report.rejected, 0, "{report:?}");
    assert_eq!(report.pending, 0, "{report:?}");
    b.sync().await;
    completed_on_both(&a, &b, &done);
    assert_eq!(a.store.rejections().unwrap(), vec![]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_completion_queued_after_a_restore_reaches_the_server_after_the_lost_step() {
    completion_queued_after_a_restore(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_round_finishes_a_cut_short_reset_before_it_pushes() {
    completion_queued_after_a_restore(true).await;
}
