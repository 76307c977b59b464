//! Sharing a workshop: the owner adds a user as editor or viewer (an `addMember` mutation in
//! the outbox), changes their role, and bad input names its field and changes nothing.

mod common;

use wp_domain::{Mutation, Role};
use wp_store::{ErrorCode, Member};

#[test]
fn the_owner_shares_a_workshop_and_changes_a_role() {
    let (_dir, mut store) = common::store();
    let ws = common::pawpal(&mut store).workshop.record.id;
    let me = store.user_id().to_string();
    assert_eq!(store.workshop(&ws).unwrap().your_role, Role::Owner);
    assert_eq!(
        store.members(&ws).unwrap(),
        vec![Member {
            user_id: me.clone(),
            name: None,
            role: Role::Owner,
            you: true
        }]
    );

    let queued = store.outbox_len().unwrap();
    store
        .share_workshop(&ws, " usr_bob ", Role::Viewer)
        .unwrap();
    store.share_workshop(&ws, "usr_eve", Role::Editor).unwrap();
    let members = store.members(&ws).unwrap();
    assert_eq!(members.len(), 3);
    assert_eq!(members[1].user_id, "usr_bob");
    assert_eq!(members[1].role, Role::Viewer);
    assert!(!members[1].you);
    assert_eq!(members[2].role, Role::Editor);
    assert_eq!(
        store.outbox_len().unwrap(),
        queued + 2,
        "each share is a mutation"
    );
    let last = store.outbox(0, 1000).unwrap().pop().unwrap();
    assert!(
        matches!(&last.mutation, Mutation::AddMember { user_id, role: Role::Editor, .. } if user_id == "usr_eve"),
        "{last:?}"
    );

    // Sharing again changes the role, and keeps one row per user.
    store.share_workshop(&ws, "usr_bob", Role::Editor).unwrap();
    let members = store.members(&ws).unwrap();
    assert_eq!(members.len(), 3);
    assert_eq!(members[1].role, Role::Editor);
}

#[test]
fn a_bad_share_names_its_field_and_changes_nothing() {
    let (_dir, mut store) = common::store();
    let ws = common::pawpal(&mut store).workshop.record.id;
    let me = store.user_id().to_string();
    let before = (store.members(&ws).unwrap(), store.outbox_len().unwrap());
    for (user, role, field) in [
        ("bob", Role::Viewer, "userId"),
        ("", Role::Editor, "userId"),
        ("usr_bob", Role::Owner, "role"),
        (me.as_str(), Role::Editor, "userId"),
    ] {
        let err = store.share_workshop(&ws, user, role).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
        assert!(err.to_string().contains(field), "{user:?}: {err}");
    }
    assert_eq!(
        (store.members(&ws).unwrap(), store.outbox_len().unwrap()),
        before
    );
    assert_eq!(
        store
            .share_workshop("ws_missing", "usr_bob", Role::Viewer)
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
}
