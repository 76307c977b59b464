//! What a server restore lost and a desktop cannot offer again is listed with the refusals,
//! naming why, never dropped silently (docs/sync.md, "A server restored from a backup"): a
//! step completed after the backup, on a workshop the desktop has trashed since. (Before,
//! the reset's offer was refused here and nothing said so.)

use wp_sync::RoundReport;

mod common;
use common::{backup, restore, server, Desktop, PAWPAL};

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_step_change_on_a_workshop_trashed_here_is_listed_as_refused() {
    let s = server().await;
    let (_, token) = wp_server::auth::add_user(&s.pool, "Ada").await.unwrap();
    let mut a = Desktop::new(&s, &token).await;
    let workshop = a.store.import_workshop(PAWPAL).unwrap().workshop.record.id;
    for step in &wp_domain::STEPS[..8] {
        a.store.advance_step(&workshop, step.id).unwrap();
    }
    a.sync().await;
    let mut b = Desktop::new(&s, &token).await;
    b.sync().await;
    let saved = backup(&s.pool).await;

    // Acknowledged by the server, then lost by its restore.
    a.store.advance_step(&workshop, "concept").unwrap();
    assert_eq!(a.sync().await.applied, 1);
    // Trashed here while the server is restored and written past A's cursor.
    a.store.delete_workshop(&workshop).unwrap();
    restore(&s.pool, saved).await;
    for i in 0..40 {
        b.store
            .set_note(&workshop, None, &format!("B's note, version {i}\n"))
            .unwrap();
        b.sync().await;
    }

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
    let s = server().await;
    let (_, token) = wp_server::auth::add_user(&s.pool, "Ada").await.unwrap();
    let mut a = Desktop::new(&s, &token).await;
    let workshop = a.store.import_workshop(PAWPAL).unwrap().workshop.record.id;
    for step in &wp_domain::STEPS[..8] {
        a.store.advance_step(&workshop, step.id).unwrap();
    }
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
    restore(&s.pool, saved).await;
    let other = b.store.create_workshop(Some("B's"), "").unwrap();
    for i in 0..40 {
        b.store
            .set_note(
                &other.workshop.record.id,
                None,
                &format!("B's note, version {i}\n"),
            )
            .unwrap();
        b.sync().await;
    }

    let report = a.sync().await;
    assert!(report.reset, "{report:?}");
    assert_eq!(report.rejected, 0, "{report:?}");
    let refused = a.store.rejections().unwrap();
    assert!(refused.is_empty(), "{refused:?}");
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
