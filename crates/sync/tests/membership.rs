//! Membership moves rows, end to end on the real server and PostgreSQL: a share brings a
//! workshop whole, a lost right shows as a rejection, and a removed member's copies go, counted
//! by the mass-delete guard like any other deletion.
//! `scripts/test.sh` starts PostgreSQL and sets `WP_TEST_DATABASE_URL`.

use wp_domain::{Role, StepStatus};

mod common;
use common::{ada_and_eve, live_workshops, pawpal_shared_with_eve, server, Desktop, PAWPAL};

#[tokio::test(flavor = "multi_thread")]
async fn a_shared_workshop_reaches_its_members_a_lost_right_shows_as_a_rejection_and_removal_takes_it_away(
) {
    let s = server().await;
    let (ada_token, eve_id, eve_token) = ada_and_eve(&s).await;
    let mut ada = Desktop::new(&s, &ada_token).await;
    let id = ada
        .store
        .import_workshop(PAWPAL)
        .unwrap()
        .workshop
        .record
        .id;
    ada.store
        .mutate(wp_domain::Mutation::AddMember {
            member_id: wp_domain::ids::new_id(wp_domain::ids::IdKind::Member),
            workshop_id: id.clone(),
            user_id: eve_id.clone(),
            role: Role::Editor,
            at: ada.store.now(),
        })
        .unwrap();
    assert_eq!(
        ada.store.members(&id).unwrap()[1].name,
        None,
        "not named before the share comes back from the server"
    );
    ada.sync().await;

    let mut eve = Desktop::new(&s, &eve_token).await;
    eve.sync().await;
    let shared = eve.store.workshop(&id).unwrap();
    assert_eq!(shared.steps.len(), 10, "the whole workshop arrives");
    // Members are named once the server has told: Eve by her name, on both desktops.
    for d in [&ada, &eve] {
        let members = d.store.members(&id).unwrap();
        assert_eq!(members[1].name.as_deref(), Some("Eve"), "{members:?}");
    }

    // Eve's edit comes back to Ada.
    let advanced = eve.store.advance_step(&id, "challenge").unwrap();
    assert_eq!(
        advanced.step("challenge").unwrap().record.status,
        StepStatus::Complete,
        "{:?}",
        eve.store.outbox(0, 100)
    );
    assert_eq!(
        eve.store.sync_state().unwrap().unwrap().pending,
        1,
        "{:?}",
        eve.store.outbox(0, 100)
    );
    let r = eve.sync().await;
    assert_eq!(r.applied, 1, "{r:?} {:?}", eve.store.rejections());
    ada.sync().await;
    assert_eq!(
        ada.store
            .workshop(&id)
            .unwrap()
            .step("challenge")
            .unwrap()
            .record
            .status,
        StepStatus::Complete
    );

    // Eve edits offline; meanwhile Ada makes her a viewer. The edit is rejected, kept for
    // Eve to see with the reason, and her local copy follows the server.
    let mut output = serde_json::from_str::<serde_json::Value>(PAWPAL).unwrap()["steps"]
        ["stakeholder-mapping"]["artifact"]
        .clone();
    output["facilitatorTag"] = "eve was here".into();
    eve.store
        .save_step_output(&id, "stakeholder-mapping", output)
        .unwrap();
    ada.store
        .mutate(wp_domain::Mutation::AddMember {
            member_id: wp_domain::ids::new_id(wp_domain::ids::IdKind::Member),
            workshop_id: id.clone(),
            user_id: eve_id.clone(),
            role: Role::Viewer,
            at: ada.store.now(),
        })
        .unwrap();
    ada.sync().await;
    let report = eve.sync().await;
    assert_eq!(report.rejected, 1, "{report:?}");
    let rejections = eve.store.rejections().unwrap();
    assert_eq!(rejections[0].name, "saveStepOutput");
    assert!(
        rejections[0].error.contains("editor"),
        "{}",
        rejections[0].error
    );
    assert!(
        eve.step_output(&id, "stakeholder-mapping").unwrap()["facilitatorTag"].is_null(),
        "the refused local change gives way to the server's value"
    );
    assert_eq!(
        eve.store
            .save_step_output(&id, "persona", serde_json::json!({}))
            .unwrap_err()
            .code(),
        wp_store::ErrorCode::Forbidden,
        "as a viewer now, the local store refuses step work too"
    );
    // As a viewer, Eve's own note is still hers.
    eve.store.set_note(&id, None, "my view").unwrap();
    assert_eq!(eve.sync().await.applied, 1);

    // Ada removes Eve. Eve had an unsent note change: it comes back refused, and her copy of
    // the workshop goes at the pull; Ada's own copy keeps everything but the membership.
    eve.store.set_note(&id, None, "my view, later").unwrap();
    ada.sync().await;
    assert_eq!(ada.store.members(&id).unwrap().len(), 2);
    ada.store.unshare_workshop(&id, &eve_id).unwrap();
    assert_eq!(
        ada.store.members(&id).unwrap().len(),
        1,
        "gone locally at once"
    );
    assert_eq!(ada.sync().await.applied, 1);
    let report = eve.sync().await;
    assert_eq!(report.rejected, 1, "{report:?}");
    assert!(report.workshops.contains(&id), "{report:?}");
    assert_eq!(
        eve.store.workshop(&id).unwrap_err().code(),
        wp_store::ErrorCode::NotFound,
        "Eve's copy went with her access"
    );
    assert!(eve
        .store
        .rejections()
        .unwrap()
        .iter()
        .any(|r| r.name == "setNote" && r.workshop_id == id));
    let eves: i64 =
        sqlx::query_scalar("SELECT count(*) FROM notes WHERE workshop_id = $1 AND user_id = $2")
            .bind(&id)
            .bind(&eve_id)
            .fetch_one(&s.pool)
            .await
            .unwrap();
    assert_eq!(eves, 1, "her note stays on the server, out of reach");
    // Nothing more comes to Eve from it, and removing her again changes nothing.
    ada.store.rename_workshop(&id, "PawPal, Ada only").unwrap();
    ada.store.unshare_workshop(&id, &eve_id).unwrap();
    ada.sync().await;
    let report = eve.sync().await;
    assert_eq!(report.rows_written, 0, "{report:?}");
    assert!(eve.store.workshop(&id).is_err());
    assert_eq!(
        ada.store.workshop(&id).unwrap().workshop.record.title,
        "PawPal, Ada only"
    );
    // A pull from where Eve stands brings nothing: her old membership's tombstone comes
    // once, at its position, not with every pull.
    let state = eve.store.sync_state().unwrap().unwrap();
    let page = eve
        .api
        .pull(&state.cursor, &state.seen, 100, &state.client_id)
        .await
        .unwrap();
    assert!(page.changes.is_empty(), "{:?}", page.changes);
}

/// Ada removes Eve and shares the workshop with her again before Eve syncs: Eve's one pull
/// holds the removal and then the new share, and her copy stays, whole.
#[tokio::test(flavor = "multi_thread")]
async fn access_removed_and_given_again_between_two_syncs_keeps_the_copy() {
    let s = server().await;
    let (mut ada, mut eve, eve_id, id) = pawpal_shared_with_eve(&s, Role::Editor).await;
    assert_eq!(eve.store.workshop(&id).unwrap().steps.len(), 10);

    ada.store.unshare_workshop(&id, &eve_id).unwrap();
    ada.sync().await;
    ada.store
        .share_workshop(&id, &eve_id, Role::Viewer)
        .unwrap();
    ada.sync().await;
    let report = eve.sync().await;
    assert!(report.held_deletes.is_none(), "{report:?}");
    let copy = eve.store.workshop(&id).expect("the copy stays");
    assert_eq!(copy.steps.len(), 10);
    let members = eve.store.members(&id).unwrap();
    assert_eq!(members.len(), 2, "{members:?}");
    assert_eq!(members[1].role, Role::Viewer);
}

/// An editor whose cursor is already past every change of a workshop is then given access:
/// the next pull brings the workshop whole, though none of its rows changed.
#[tokio::test(flavor = "multi_thread")]
async fn gaining_access_brings_the_whole_workshop() {
    let s = server().await;
    let (ada_token, eve_id, eve_token) = ada_and_eve(&s).await;
    let mut ada = Desktop::new(&s, &ada_token).await;
    let id = ada
        .store
        .import_workshop(PAWPAL)
        .unwrap()
        .workshop
        .record
        .id;
    ada.store.advance_step(&id, "challenge").unwrap();
    ada.sync().await;
    let mut eve = Desktop::new(&s, &eve_token).await;
    assert_eq!(
        eve.sync().await.rows_written,
        0,
        "nothing of Ada's is Eve's yet"
    );
    ada.store
        .mutate(wp_domain::Mutation::AddMember {
            member_id: wp_domain::ids::new_id(wp_domain::ids::IdKind::Member),
            workshop_id: id.clone(),
            user_id: eve_id,
            role: Role::Editor,
            at: ada.store.now(),
        })
        .unwrap();
    ada.sync().await;
    let report = eve.sync().await;
    assert!(report.rows_written >= 12, "{report:?}");
    let mine = eve.store.workshop(&id).unwrap();
    let theirs = ada.store.workshop(&id).unwrap();
    assert_eq!(mine.steps.len(), 10);
    for (x, y) in mine.steps.iter().zip(&theirs.steps) {
        assert_eq!(
            (&x.record.id, x.record.status, &x.record.output),
            (&y.record.id, y.record.status, &y.record.output)
        );
    }
}

/// Ada shares twelve workshops with Eve and then removes her from all of them, while Eve has
/// a note pending in one: Eve's pull counts the twelve copies as a mass delete and holds
/// them (her own workshop is the thirteenth live one). Keeping cannot bring back what is not
/// hers: the copies go, and the pending note comes back refused with its text.
#[tokio::test(flavor = "multi_thread")]
async fn a_removed_member_s_copies_count_for_the_mass_delete_guard() {
    let s = server().await;
    let (ada_token, eve_id, eve_token) = ada_and_eve(&s).await;
    let mut ada = Desktop::new(&s, &ada_token).await;
    let shared: Vec<String> = (0..12)
        .map(|i| {
            let id = ada
                .store
                .create_workshop(Some(&format!("Shared {i:02}")), "")
                .unwrap()
                .workshop
                .record
                .id;
            ada.store
                .share_workshop(&id, &eve_id, Role::Editor)
                .unwrap();
            id
        })
        .collect();
    ada.sync().await;
    let mut eve = Desktop::new(&s, &eve_token).await;
    let own = eve
        .store
        .create_workshop(Some("Eve's own"), "")
        .unwrap()
        .workshop
        .record
        .id;
    eve.sync().await;
    assert_eq!(live_workshops(&eve), 13);

    eve.store
        .set_note(&shared[0], None, "said before I left")
        .unwrap();
    for id in &shared {
        ada.store.unshare_workshop(id, &eve_id).unwrap();
    }
    ada.sync().await;
    let report = eve.sync().await;
    let held = report
        .held_deletes
        .clone()
        .expect("twelve lost copies are a mass delete");
    assert_eq!((held.workshops.len(), held.live_workshops), (12, 13));
    assert_eq!(held.workshops[0].1, "Shared 00", "titles are shown");
    let mut unshared = held.unshared.clone();
    unshared.sort();
    let mut expected = shared.clone();
    expected.sort();
    assert_eq!(unshared, expected, "each is named as access removed");
    assert_eq!(live_workshops(&eve), 13, "nothing goes before Eve says so");
    assert_eq!(report.rejected, 1, "{report:?}");
    assert!(eve
        .store
        .rejections()
        .unwrap()
        .iter()
        .any(|r| r.name == "setNote" && r.workshop_id == shared[0]));

    // Keeping: none of them is Eve's to keep, so they go; nothing is sent for them.
    assert_eq!(eve.store.keep_held_deletes().unwrap(), 0);
    assert_eq!(live_workshops(&eve), 1);
    assert!(eve.store.workshop(&own).is_ok());
    assert!(eve.store.held_deletes().unwrap().is_none());
    assert!(
        eve.store
            .rejections()
            .unwrap()
            .iter()
            .any(|r| r.name == "setNote" && r.args.to_string().contains("said before I left")),
        "the refused note stays listed, with its text"
    );
    let report = eve.sync().await;
    assert_eq!(report.applied, 0, "{report:?}");
    assert!(report.held_deletes.is_none(), "{report:?}");
    ada.sync().await;
    assert_eq!(live_workshops(&ada), 12, "Ada's workshops are untouched");
    assert_eq!(ada.store.members(&shared[0]).unwrap().len(), 1);
}

/// Below the guard's threshold a lost copy goes at the end of the pull, and allowing a held
/// mass delete of lost copies removes them with their rows.
#[tokio::test(flavor = "multi_thread")]
async fn allowing_a_held_removal_of_access_drops_the_copies_with_their_rows() {
    let s = server().await;
    let (ada_token, eve_id, eve_token) = ada_and_eve(&s).await;
    let mut ada = Desktop::new(&s, &ada_token).await;
    let ids: Vec<String> = (0..3)
        .map(|_| {
            let id = ada
                .store
                .import_workshop(PAWPAL)
                .unwrap()
                .workshop
                .record
                .id;
            ada.store
                .share_workshop(&id, &eve_id, Role::Viewer)
                .unwrap();
            id
        })
        .collect();
    ada.sync().await;
    let mut eve = Desktop::new(&s, &eve_token).await;
    eve.sync().await;
    assert_eq!(eve.store.workshop(&ids[2]).unwrap().steps.len(), 10);

    // One of three: not a mass delete, it goes at once.
    ada.store.unshare_workshop(&ids[2], &eve_id).unwrap();
    ada.sync().await;
    let report = eve.sync().await;
    assert!(report.held_deletes.is_none(), "{report:?}");
    assert!(eve.store.workshop(&ids[2]).is_err());

    // Both others: all of Eve's live workshops, held; allowed, they go with their steps.
    ada.store.unshare_workshop(&ids[0], &eve_id).unwrap();
    ada.store.unshare_workshop(&ids[1], &eve_id).unwrap();
    ada.sync().await;
    let held = eve
        .sync()
        .await
        .held_deletes
        .expect("two of two is a mass delete");
    assert_eq!((held.workshops.len(), held.unshared.len()), (2, 2));
    assert!(eve.store.apply_held_deletes().unwrap() >= 2);
    for id in &ids {
        assert!(eve.store.workshop(id).is_err(), "{id} is gone");
    }
    assert!(eve.store.held_deletes().unwrap().is_none());
}

/// A share is one per (workshop, user): two of Ada's desktops share with Eve offline under two
/// ids, and the server keeps the first. The second desktop takes the server's id at its pull,
/// so that when the first removes Eve, the removal reaches both desktops and Eve's copy.
#[tokio::test(flavor = "multi_thread")]
async fn a_share_made_twice_offline_is_one_membership_everywhere() {
    let s = server().await;
    let (ada_token, eve_id, eve_token) = ada_and_eve(&s).await;
    let mut one = Desktop::new(&s, &ada_token).await;
    let id = one
        .store
        .create_workshop(Some("Shared"), "")
        .unwrap()
        .workshop
        .record
        .id;
    one.sync().await;
    let mut two = Desktop::new(&s, &ada_token).await;
    two.sync().await;

    one.store
        .share_workshop(&id, &eve_id, Role::Editor)
        .unwrap();
    two.store
        .share_workshop(&id, &eve_id, Role::Viewer)
        .unwrap();
    one.sync().await;
    two.sync().await;
    one.sync().await;
    let mut eve = Desktop::new(&s, &eve_token).await;
    eve.sync().await;
    assert!(eve.store.workshop(&id).is_ok());
    for d in [&one, &two] {
        let members = d.store.members(&id).unwrap();
        assert_eq!(members.len(), 2, "{members:?}");
        assert_eq!(
            members[1].role,
            Role::Viewer,
            "the later share's role stands"
        );
    }

    one.store.unshare_workshop(&id, &eve_id).unwrap();
    one.sync().await;
    two.sync().await;
    eve.sync().await;
    assert_eq!(
        two.store.members(&id).unwrap().len(),
        1,
        "the removal reaches the desktop that shared under another id"
    );
    assert!(eve.store.workshop(&id).is_err(), "Eve's copy goes");
}

/// Ada shares PawPal with Eve after a restore. Eve's full pull (the restore rewrote history
/// she had seen) is cut short after the page that brought the workshop and before the one
/// with her membership; Ada then removes her. The rest of the pull brings only the
/// membership's tombstone, for a row Eve's desktop never had, so the copy is found by what
/// the pull did not bring: a workshop of someone else's with no membership of Eve's goes at
/// the pull's end. On the code before, Eve kept the copy for good (simulation seed 43 at
/// 2,000 steps).
#[tokio::test(flavor = "multi_thread")]
async fn a_copy_whose_membership_a_cut_short_full_pull_never_brought_goes_with_its_removal() {
    use common::{backup, restore, CutShort};
    use wp_sync::{sync_round, RoundOptions};

    let s = server().await;
    let (ada_token, eve_id, eve_token) = ada_and_eve(&s).await;
    let mut ada = Desktop::new(&s, &ada_token).await;
    let id = ada
        .store
        .import_workshop(PAWPAL)
        .unwrap()
        .workshop
        .record
        .id;
    ada.sync().await;
    let mut eve = Desktop::new(&s, &eve_token).await;
    let own = eve
        .store
        .create_workshop(Some("Eve's"), "")
        .unwrap()
        .workshop
        .record
        .id;
    eve.sync().await;
    let saved = backup(&s.pool).await;
    // Eve past the backup, so that the restore rewrites history she has seen.
    for i in 0..3 {
        eve.store
            .set_note(&own, None, &format!("Eve, {i}\n"))
            .unwrap();
        eve.sync().await;
    }
    restore(&s.pool, saved).await;
    ada.store
        .share_workshop(&id, &eve_id, Role::Editor)
        .unwrap();
    ada.sync().await;
    ada.sync().await;

    let options = RoundOptions {
        pull_page: 3,
        ..RoundOptions::default()
    };
    let cut = CutShort::after_pages(&eve.api, 2);
    assert!(sync_round(&mut eve.store, &cut, options, &mut |_| {})
        .await
        .is_err());
    assert!(
        eve.store.workshop(&id).is_ok(),
        "the first pages brought the workshop"
    );
    assert!(
        eve.store.members(&id).unwrap().iter().all(|m| !m.you),
        "but not Eve's membership"
    );
    assert!(
        eve.store.sync_state().unwrap().unwrap().resetting,
        "the reset's pull is under way"
    );

    ada.store.unshare_workshop(&id, &eve_id).unwrap();
    ada.sync().await;
    let report = sync_round(&mut eve.store, &eve.api, options, &mut |_| {})
        .await
        .unwrap();
    assert!(report.held_deletes.is_none(), "{report:?}");
    assert!(eve.store.workshop(&id).is_err(), "Eve's copy goes");
    assert_eq!(live_workshops(&eve), 1, "her own stays");
}
