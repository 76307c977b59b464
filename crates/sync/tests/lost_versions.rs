//! Lost versions (docs/sync.md, "Lost versions"; issue 26, cases 1 and 4): every server write
//! gives the row a version, a desktop keeps the version it last had, and an offer made after
//! a restore names it. The server drops an offer whose version its history holds, or one
//! older than a lost version another desktop offered first. Each test fails on the code
//! before row versions. `scripts/test.sh` starts PostgreSQL and sets `WP_TEST_DATABASE_URL`.

use serde_json::json;
use wp_domain::ConflictKind;

mod common;
use common::{backup, pawpal_on_two_desktops, restore, server, write_past, Desktop};

fn title(d: &Desktop, workshop: &str) -> String {
    d.store.workshop(workshop).unwrap().workshop.record.title
}

/// Case 4 with two writes: after the restore, B renames the workshop twice before A resets,
/// so the server's revision of the row is above the one A holds for its own lost rename.
/// A's version is not in the server's history, so A's reset offers its title against no
/// known base and the server makes a conflict: B's title stays, A's is listed beside it.
/// On the code before, a higher server revision read as "A is behind" and A's title went
/// silently.
#[tokio::test(flavor = "multi_thread")]
async fn two_writes_after_the_restore_do_not_hide_a_lost_title() {
    let s = server().await;
    let (mut a, mut b, workshop, _) = pawpal_on_two_desktops(&s).await;
    let saved = backup(&s.pool).await;
    a.store
        .rename_workshop(&workshop, "PawPal, as A named it")
        .unwrap();
    assert_eq!(a.sync().await.applied, 1);

    restore(&s.pool, saved).await;
    for name in ["PawPal, B's first", "PawPal, B's second"] {
        b.store.rename_workshop(&workshop, name).unwrap();
        assert_eq!(b.sync().await.applied, 1);
    }
    write_past(&mut b, &workshop).await;

    assert!(a.sync().await.reset);
    a.sync().await;
    let open: Vec<_> = a
        .store
        .conflicts(true)
        .unwrap()
        .into_iter()
        .map(|c| (c.kind, c.theirs, c.mine))
        .collect();
    assert_eq!(
        open,
        [(
            ConflictKind::Title,
            json!("PawPal, B's second"),
            json!("PawPal, as A named it")
        )],
        "A's lost title is listed beside B's"
    );
    assert_eq!(title(&a, &workshop), "PawPal, B's second");
}

/// Two desktops of Ada's that hold two versions of what a restore took: A renames the
/// workshop, B pulls that and renames it to `b_title` (`None`: back to the original), A
/// never pulls B's title, and the server is restored to before both. B resets first, then
/// A (or A first, with `a_first`); each syncs once more. Returns both desktops, the
/// workshop and its title before the renames.
async fn two_versions_lost(
    b_title: Option<&str>,
    a_first: bool,
) -> (Desktop, Desktop, String, String) {
    let s = server().await;
    let (mut a, mut b, workshop, token) = pawpal_on_two_desktops(&s).await;
    let original = title(&a, &workshop);
    let saved = backup(&s.pool).await;
    a.store.rename_workshop(&workshop, "PawPal, A").unwrap();
    a.sync().await;
    b.sync().await;
    b.store
        .rename_workshop(&workshop, b_title.unwrap_or(&original))
        .unwrap();
    assert_eq!(b.sync().await.applied, 1);

    common::restore_and_write_past_elsewhere(&s, saved, &token).await;

    let (first, second) = if a_first {
        (&mut a, &mut b)
    } else {
        (&mut b, &mut a)
    };
    assert!(first.sync().await.reset);
    assert!(second.sync().await.reset);
    first.sync().await;
    second.sync().await;
    (a, b, workshop, original)
}

/// B resets first and offers its title; A's older one, offered after it, is stale and
/// dropped. On the code before, A's offer made a conflict out of a title B had already
/// replaced.
#[tokio::test(flavor = "multi_thread")]
async fn an_older_lost_version_offered_last_is_dropped() {
    let (a, b, workshop, _) = two_versions_lost(Some("PawPal, B"), false).await;
    assert_eq!(a.store.conflicts(true).unwrap(), [], "nothing to choose");
    for d in [&a, &b] {
        assert_eq!(title(d, &workshop), "PawPal, B");
    }
}

/// The same, when B renamed the workshop back to its original title, the value the
/// restored server holds. B's reset finds nothing different, but its version is lost, so it
/// still offers the title (a change to the same value), which tells the server which version
/// is newest; A's older title is then dropped. On the code before, B offered nothing and A's
/// title overwrote B's silently (simulation seed 3 at 2,000 steps).
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_version_equal_to_the_restored_value_still_outranks_an_older_one() {
    let (a, b, workshop, original) = two_versions_lost(None, false).await;
    assert_eq!(a.store.conflicts(true).unwrap(), []);
    for d in [&a, &b] {
        assert_eq!(title(d, &workshop), original);
    }
}

/// The other order: A resets first, and its older title is applied (the server cannot know
/// of B's yet). B's newer title, offered after it, still comes: the revisions now match, so
/// it goes against no known base and the server makes a conflict of the two, for the user
/// to choose; neither is lost silently.
#[tokio::test(flavor = "multi_thread")]
async fn a_newer_lost_version_offered_last_makes_a_conflict() {
    let (a, b, workshop, _) = two_versions_lost(Some("PawPal, B"), true).await;
    let open: Vec<_> = b
        .store
        .conflicts(true)
        .unwrap()
        .into_iter()
        .map(|c| (c.kind, c.theirs, c.mine))
        .collect();
    assert_eq!(
        open,
        [(ConflictKind::Title, json!("PawPal, A"), json!("PawPal, B"))]
    );
    assert_eq!(title(&a, &workshop), title(&b, &workshop));
}

/// Eve saved an output on Ada's workshop, shared with her after the backup: the restore
/// loses the share and the output. Eve's reset drops her copy (the server no longer shows
/// it to her), and sends the output again with its version first: refused (no access), it
/// is listed with the output instead of going with the copy unseen. On the code before,
/// only her notes were kept that way.
#[tokio::test(flavor = "multi_thread")]
async fn an_output_on_a_share_the_restore_lost_is_listed_with_its_value() {
    let s = server().await;
    let (_ada, mut eve, ada_token, workshop, saved) =
        common::pawpal_shared_with_eve_after_backup(&s).await;
    let mut output = eve.step_output(&workshop, "persona").unwrap();
    output["name"] = json!("Sarah Chen-Ortiz");
    eve.store
        .save_step_output(&workshop, "persona", output.clone())
        .unwrap();
    assert_eq!(eve.sync().await.rejected, 0);

    common::restore_and_write_past_elsewhere(&s, saved, &ada_token).await;

    assert!(eve.sync().await.reset);
    assert!(eve.store.workshop(&workshop).is_err(), "Eve's copy goes");
    let refused = eve.store.rejections().unwrap();
    let saved_outputs: Vec<_> = refused
        .iter()
        .filter(|r| r.name == "saveStepOutput" && r.args["stepId"] == "persona")
        .collect();
    assert_eq!(saved_outputs.len(), 1, "{refused:?}");
    assert_eq!(saved_outputs[0].args["output"], output);
    // Outputs Eve had from the server that the restore did not take are not listed.
    assert!(
        refused
            .iter()
            .all(|r| r.name != "saveStepOutput" || r.args["stepId"] == "persona"),
        "{refused:?}"
    );
}

/// A's challenge output, saved and lost in the restore, while B, holding the step as the
/// backup has it, completed it: the server's row is at the revision A holds, in another
/// version. A's reset revises the step and offers its output against no known base; the
/// local merge meets only a conflict (the field A changed differs from the server's), which
/// leaves the row here as it is. The offer still goes, and the server lists A's value beside
/// its own. On the code before, an offer that changed no row here was dropped as a no-op,
/// and A's output went unseen (simulation seed 320 at 2,000 steps).
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_output_that_only_conflicts_here_is_still_offered() {
    let s = server().await;
    let (mut a, mut b, workshop, _) = pawpal_on_two_desktops(&s).await;
    let saved = backup(&s.pool).await;
    let mut output = a.step_output(&workshop, "challenge").unwrap();
    output["problemStatement"] = json!("What A wrote before the restore");
    a.store
        .save_step_output(&workshop, "challenge", output.clone())
        .unwrap();
    assert_eq!(a.sync().await.applied, 1);

    restore(&s.pool, saved).await;
    b.store.complete_step(&workshop, "challenge").unwrap();
    assert_eq!(b.sync().await.applied, 1);
    write_past(&mut b, &workshop).await;

    assert!(a.sync().await.reset);
    a.sync().await;
    let open: Vec<_> = a
        .store
        .conflicts(true)
        .unwrap()
        .into_iter()
        .map(|c| (c.kind, c.field, c.mine))
        .collect();
    assert_eq!(
        open,
        [(
            ConflictKind::OutputField,
            Some("problemStatement".to_string()),
            json!("What A wrote before the restore")
        )],
        "A's lost output is listed"
    );
}
