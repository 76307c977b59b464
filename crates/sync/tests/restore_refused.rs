//! What a server restore lost comes back, or is listed with the refusals naming why, never
//! dropped silently (docs/sync.md, "A server restored from a backup"): a step completed
//! after the backup, on a workshop the desktop has trashed since; a workshop taken out of the
//! trash after the backup; a member's note on a share the restore lost too; a revision
//! hidden by a completion after it; changes made before a trash the restore lost. Each test
//! fails on the code before it.

use wp_domain::Role;
use wp_sync::RoundReport;

mod common;
use common::{
    backup, pawpal_on_two_desktops, pawpal_shared_with_eve, restore_and_write_past, server,
    Desktop, Server, PAWPAL,
};

/// Ada's desktop A with PawPal imported and its first eight steps advanced (not synced yet):
/// `(server, Ada's token, A, the workshop's id)`.
async fn pawpal_at_its_ninth_step() -> (Server, String, Desktop, String) {
    let s = server().await;
    let (_, token) = wp_server::auth::add_user(&s.pool, "Ada").await.unwrap();
    let mut a = Desktop::new(&s, &token).await;
    let workshop = a.store.import_workshop(PAWPAL).unwrap().workshop.record.id;
    for step in &wp_domain::STEPS[..8] {
        a.store.advance_step(&workshop, step.id).unwrap();
    }
    (s, token, a, workshop)
}

/// `d`'s sync after a restore: a reset, with nothing refused by the server or listed here.
async fn clean_reset(d: &mut Desktop) {
    let report = d.sync().await;
    assert!(report.reset, "{report:?}");
    assert_eq!(report.rejected, 0, "{report:?}");
    let refused = d.store.rejections().unwrap();
    assert!(refused.is_empty(), "{refused:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_step_change_on_a_workshop_trashed_here_is_listed_as_refused() {
    let (s, token, mut a, workshop) = pawpal_at_its_ninth_step().await;
    a.sync().await;
    let mut b = Desktop::new(&s, &token).await;
    b.sync().await;
    let saved = backup(&s.pool).await;

    // Acknowledged by the server, then lost by its restore.
    a.store.advance_step(&workshop, "concept").unwrap();
    assert_eq!(a.sync().await.applied, 1);
    // Trashed here while the server is restored and written past A's cursor.
    a.store.delete_workshop(&workshop).unwrap();
    restore_and_write_past(&s, saved, &mut b, &workshop).await;
    let report: RoundReport = a.sync().await;
    assert!(report.reset, "{report:?}");
    // The advance was two step changes: concept completed, validate started. Newest first.
    let refused = a.store.rejections().unwrap();
    let listed: Vec<(&str, &str)> = refused
        .iter()
        .map(|r| (r.name.as_str(), r.args["stepId"].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [("startStep", "validate"), ("completeStep", "concept")],
        "{refused:?}"
    );
    for refusal in &refused {
        assert_eq!(refusal.workshop_id, workshop);
        assert_eq!(refusal.mutation_id, 0, "never queued");
        assert!(
            refusal.error.contains("restored from a backup") && refusal.error.contains("trash"),
            "{}",
            refusal.error
        );
    }
    // The trash itself still reaches the server, and nothing else is refused.
    assert_eq!(report.rejected, 0, "{report:?}");
    b.sync().await;
    let on_b = b.store.workshop(&workshop);
    assert!(
        on_b.is_err() || on_b.unwrap().workshop.record.deleted_at.is_some(),
        "B sees the workshop in the trash"
    );
}

/// A workshop taken out of the trash after the backup: the restore puts it back in the trash
/// on the server, and A's reset takes it out again before it offers the step changes made
/// after, so they reach the server instead of being refused in the trash.
#[tokio::test(flavor = "multi_thread")]
async fn a_restore_from_the_trash_the_server_lost_is_offered_again_before_the_steps() {
    let (s, token, mut a, workshop) = pawpal_at_its_ninth_step().await;
    a.store.delete_workshop(&workshop).unwrap();
    a.sync().await;
    let mut b = Desktop::new(&s, &token).await;
    b.sync().await;
    let saved = backup(&s.pool).await;

    // Acknowledged by the server, then lost by its restore.
    a.store.restore_workshop(&workshop).unwrap();
    a.store.advance_step(&workshop, "concept").unwrap();
    let report = a.sync().await;
    assert_eq!((report.applied, report.rejected), (2, 0), "{report:?}");
    let own = b.store.create_workshop(Some("Written past"), "").unwrap();
    restore_and_write_past(&s, saved, &mut b, &own.workshop.record.id).await;
    clean_reset(&mut a).await;
    b.sync().await;
    for (who, d) in [("A", &a), ("B", &b)] {
        let detail = d.store.workshop(&workshop).unwrap();
        assert!(
            detail.workshop.record.deleted_at.is_none(),
            "{who}: out of the trash"
        );
        let concept = detail.step("concept").unwrap().record.status.as_str();
        assert_eq!(concept, "complete", "{who}");
    }
}

/// Eve's note on Ada's workshop, shared with her after the backup: the restore loses the
/// share and the note. Eve's desktop resets first, and the full pull no longer shows her
/// the workshop, so her copy goes; her note is sent again first, refused (no access), and
/// listed with its text instead of going with the copy unseen. Ada's reset then shares the
/// workshop again, and Eve sends the note from the list.
#[tokio::test(flavor = "multi_thread")]
async fn a_note_on_a_share_the_restore_lost_is_listed_with_its_text() {
    let s = server().await;
    let (mut ada, mut eve, ada_token, workshop, saved) =
        common::pawpal_shared_with_eve_after_backup(&s).await;
    let text = "Eve's note: the persona needs a second pet\n";
    eve.store.set_note(&workshop, None, text).unwrap();
    assert_eq!(eve.sync().await.applied, 1);

    // Ada's second desktop writes past Eve's cursor; her first one has not synced since.
    common::restore_and_write_past_elsewhere(&s, saved, &ada_token).await;

    let report = eve.sync().await;
    assert!(report.reset, "{report:?}");
    assert!(eve.store.workshop(&workshop).is_err(), "Eve's copy goes");
    let refused = eve.store.rejections().unwrap();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].name, "setNote");
    assert_eq!(refused[0].args["content"], text);

    // Ada's reset shares it again; Eve sends the note from the list.
    let report = ada.sync().await;
    assert!(report.reset, "{report:?}");
    eve.sync().await;
    eve.store
        .resend_rejection(refused[0].id, serde_json::json!(text))
        .unwrap();
    eve.sync().await;
    let note = eve.store.note(&workshop, None).unwrap().unwrap();
    assert_eq!(note.record.content, text);
}

/// A revision the restore lost, hidden by a completion after it: A revises the persona after
/// the backup (journey mapping to concept go back to `needs_regeneration`) and completes it
/// again with its output unchanged. The restored server has the persona complete, as A
/// does, but the later steps complete too. A's reset sees the persona completed at another
/// time and revises and completes it again, so the later steps need regenerating on the
/// server and on B as on A. On the code before, nothing was offered and A's later steps went
/// back to complete with the reset's pull.
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_revision_is_offered_again_when_its_step_was_completed_again_unchanged() {
    let (s, token, mut a, workshop) = pawpal_at_its_ninth_step().await;
    a.sync().await;
    let mut b = Desktop::new(&s, &token).await;
    b.sync().await;
    let saved = backup(&s.pool).await;

    a.store.revise_step(&workshop, "persona").unwrap();
    a.store.complete_step(&workshop, "persona").unwrap();
    let report = a.sync().await;
    assert_eq!((report.applied, report.rejected), (2, 0), "{report:?}");
    restore_and_write_past(&s, saved, &mut b, &workshop).await;
    clean_reset(&mut a).await;
    b.sync().await;
    let statuses = |d: &Desktop| -> Vec<(String, String)> {
        let detail = d.store.workshop(&workshop).unwrap();
        [
            "persona",
            "journey-mapping",
            "ideation",
            "concept",
            "validate",
        ]
        .iter()
        .map(|step| {
            let status = detail.step(step).unwrap().record.status;
            (step.to_string(), status.as_str().to_string())
        })
        .collect()
    };
    let expected: Vec<(String, String)> = [
        ("persona", "complete"),
        ("journey-mapping", "needs_regeneration"),
        ("ideation", "needs_regeneration"),
        ("concept", "needs_regeneration"),
        ("validate", "needs_regeneration"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(statuses(&a), expected, "A");
    assert_eq!(statuses(&b), expected, "B, from the server");
}

/// A workshop trashed after the backup, with a step change made before the trash: A's reset
/// offers the change first and the trash last, so the server keeps the change inside the
/// trashed workshop. On the code before, the trash went first and the change was refused
/// in it (listed on A, gone from the server).
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_trash_is_offered_after_the_changes_made_before_it() {
    let s = server().await;
    let (mut a, mut b, workshop, _) = pawpal_on_two_desktops(&s).await;
    let saved = backup(&s.pool).await;
    let mut output = a.step_output(&workshop, "challenge").unwrap();
    output["facilitatorTag"] = "saved before the trash".into();
    a.store
        .save_step_output(&workshop, "challenge", output)
        .unwrap();
    a.store.delete_workshop(&workshop).unwrap();
    let report = a.sync().await;
    assert_eq!((report.applied, report.rejected), (2, 0), "{report:?}");
    let own = b.store.create_workshop(Some("Written past"), "").unwrap();
    restore_and_write_past(&s, saved, &mut b, &own.workshop.record.id).await;
    clean_reset(&mut a).await;
    let (trashed, tag): (bool, Option<String>) = sqlx::query_as(
        "SELECT w.deleted_at IS NOT NULL, s.output->>'facilitatorTag'
         FROM workshops w JOIN workshop_steps s ON s.workshop_id = w.id
         WHERE w.id = $1 AND s.step_id = 'challenge'",
    )
    .bind(&workshop)
    .fetch_one(&s.pool)
    .await
    .unwrap();
    assert!(trashed, "in the trash on the server again");
    assert_eq!(tag.as_deref(), Some("saved before the trash"));
}

/// Eve, a viewer at the backup, is made an editor after it and completes a step; the
/// restore takes both. Her reset finds the server refusing the completion for want of the
/// editor role: her own change, made under the role the restore took, so it is listed with
/// the refusals (the role's loss named), not dropped as another user's change. On the code
/// before, nothing was listed.
#[tokio::test(flavor = "multi_thread")]
async fn a_change_made_under_a_role_the_restore_took_is_listed_as_refused() {
    let s = server().await;
    let (mut ada, mut eve, eve_id, workshop) = pawpal_shared_with_eve(&s, Role::Viewer).await;
    let saved = backup(&s.pool).await;
    ada.store
        .share_workshop(&workshop, &eve_id, Role::Editor)
        .unwrap();
    ada.sync().await;
    eve.sync().await;
    eve.store.complete_step(&workshop, "challenge").unwrap();
    assert_eq!(eve.sync().await.applied, 1);

    let own = ada.store.create_workshop(Some("Written past"), "").unwrap();
    restore_and_write_past(&s, saved, &mut ada, &own.workshop.record.id).await;

    let report = eve.sync().await;
    assert!(report.reset, "{report:?}");
    let refused = eve.store.rejections().unwrap();
    let listed: Vec<(&str, &str)> = refused
        .iter()
        .map(|r| (r.name.as_str(), r.args["stepId"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(listed, [("completeStep", "challenge")], "{refused:?}");
    assert!(refused[0].error.contains("editor"), "{}", refused[0].error);
}

/// A revision the restore lost, of a step the restored server holds in progress: at the
/// backup, sense-making was being reworked and the later steps complete; after it, A
/// completed sense-making and revised it again, sending the later steps to
/// `needs_regeneration`. Nothing on the server is complete to revise, so A's reset reads
/// the revised step off its statuses (the step before the first that needs regenerating),
/// completes and revises it again. On the code before, the later steps went back to
/// complete with the reset's pull.
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_revision_of_a_step_the_server_holds_in_progress_is_offered_again() {
    let (s, token, mut a, workshop) = pawpal_at_its_ninth_step().await;
    a.store.revise_step(&workshop, "sense-making").unwrap();
    for step in ["persona", "journey-mapping", "reframe", "ideation"] {
        a.store.complete_step(&workshop, step).unwrap();
    }
    a.sync().await;
    let mut b = Desktop::new(&s, &token).await;
    b.sync().await;
    let saved = backup(&s.pool).await;

    a.store.complete_step(&workshop, "sense-making").unwrap();
    a.store.revise_step(&workshop, "sense-making").unwrap();
    assert_eq!(a.sync().await.rejected, 0);
    restore_and_write_past(&s, saved, &mut b, &workshop).await;
    clean_reset(&mut a).await;
    b.sync().await;
    let statuses = |d: &Desktop| -> Vec<String> {
        let detail = d.store.workshop(&workshop).unwrap();
        [
            "sense-making",
            "persona",
            "journey-mapping",
            "ideation",
            "concept",
        ]
        .iter()
        .map(|step| {
            detail
                .step(step)
                .unwrap()
                .record
                .status
                .as_str()
                .to_string()
        })
        .collect()
    };
    let expected = [
        "in_progress",
        "needs_regeneration",
        "needs_regeneration",
        "needs_regeneration",
        "needs_regeneration",
    ];
    assert_eq!(statuses(&a), expected, "A");
    assert_eq!(statuses(&b), expected, "B, from the server");
}
