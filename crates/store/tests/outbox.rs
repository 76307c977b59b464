//! The outbox as the store keeps it: saves of one note or output coalescing into one queued
//! change until a push takes it, and a client id renewal keeping each mutation's uid
//! (docs/sync.md, "Coalescing" and "Exactly once across renewals").

mod common;

#[test]
fn unsent_saves_of_one_note_coalesce_into_one_queued_change() {
    let (_dir, mut store) = common::store();
    let id = common::pawpal(&mut store).workshop.record.id;
    let queued = store.outbox_len().unwrap();
    // Typing: every save of the same note replaces the last, never-sent one.
    for text in ["a", "ab", "abc"] {
        store.set_note(&id, None, text).unwrap();
    }
    assert_eq!(store.outbox_len().unwrap(), queued + 1);
    let last = store.outbox(0, 10_000).unwrap().pop().unwrap();
    match &last.mutation {
        wp_domain::Mutation::SetNote { content, base, .. } => {
            assert_eq!(content, "abc");
            assert_eq!(
                base.as_deref(),
                Some(""),
                "the earliest save's base is kept"
            );
        }
        other => panic!("expected setNote, got {other:?}"),
    }
    // Another note is queued on its own; going back to the first folds into its save,
    // since only saves of other notes came in between.
    store.set_note(&id, Some("persona"), "p").unwrap();
    store.set_note(&id, None, "abcd").unwrap();
    assert_eq!(store.outbox_len().unwrap(), queued + 2);
    let queue = store.outbox(0, 10_000).unwrap();
    assert!(matches!(
        &queue[queue.len() - 2].mutation,
        wp_domain::Mutation::SetNote { content, step_id: None, .. } if content == "abcd"
    ));
    // A change of another kind to the same workshop in between keeps saves apart.
    store.rename_workshop(&id, "PawPal, renamed").unwrap();
    store.set_note(&id, None, "abcdX").unwrap();
    assert_eq!(store.outbox_len().unwrap(), queued + 4);
    // Once a push has taken it, a later save queues a new change.
    let taken = store.take_for_push(100).unwrap();
    assert_eq!(taken.len() as i64, queued + 4);
    store.set_note(&id, None, "abcde").unwrap();
    assert_eq!(store.outbox_len().unwrap(), queued + 5);
    let ids: Vec<i64> = store
        .outbox(0, 10_000)
        .unwrap()
        .iter()
        .map(|e| e.mutation_id)
        .collect();
    assert_eq!(
        ids,
        (1..=ids.len() as i64).collect::<Vec<_>>(),
        "ids stay gapless"
    );
}

#[test]
fn output_saves_coalesce_across_other_saves_but_not_across_progress() {
    let (_dir, mut store) = common::store();
    let id = common::pawpal(&mut store).workshop.record.id;
    let other = store
        .create_workshop(Some("Other"), "")
        .unwrap()
        .workshop
        .record
        .id;
    let output = |tag: &str| {
        let mut o = common::pawpal_json()["steps"]["challenge"]["artifact"].clone();
        o["facilitatorTag"] = tag.into();
        o
    };
    let queued = store.outbox_len().unwrap();
    store
        .save_step_output(&id, "challenge", output("v1"))
        .unwrap();
    store
        .set_note(&id, Some("challenge"), "a note between")
        .unwrap();
    store
        .rename_workshop(&other, "Another workshop's change")
        .unwrap();
    store
        .save_step_output(&id, "challenge", output("v2"))
        .unwrap();
    assert_eq!(store.outbox_len().unwrap(), queued + 3, "v2 folds into v1");
    let first = &store.outbox(0, 10_000).unwrap()[queued as usize];
    match &first.mutation {
        wp_domain::Mutation::SaveStepOutput { output, .. } => {
            assert_eq!(output["facilitatorTag"], "v2")
        }
        other => panic!("expected saveStepOutput, got {other:?}"),
    }
    // Completing and revising the step in between: the next save is its own change, after
    // them.
    store.complete_step(&id, "challenge").unwrap();
    store.revise_step(&id, "challenge").unwrap();
    store
        .save_step_output(&id, "challenge", output("v3"))
        .unwrap();
    assert_eq!(store.outbox_len().unwrap(), queued + 6);
}

/// A client id renewal renumbers the queue and counts it as never sent under the new id,
/// but each mutation keeps its uid (the server applies a uid once, whichever client id
/// sends it), and a save a push took under the old id is never folded into: the server may
/// have applied it as it was.
#[test]
fn a_renewal_keeps_each_queued_mutations_uid_and_folds_nothing_into_what_was_sent() {
    let (_dir, mut store) = common::store();
    let id = common::pawpal(&mut store).workshop.record.id;
    store.set_note(&id, None, "sent under the old id").unwrap();
    let taken = store.take_for_push(10_000).unwrap();
    let uids: Vec<Option<String>> = taken.iter().map(|e| e.uid.clone()).collect();
    assert!(uids
        .iter()
        .all(|u| u.as_deref().is_some_and(|u| u.starts_with("mut_"))));
    let mut distinct = uids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), uids.len(), "one uid per mutation");

    store.renew_client_id().unwrap();
    let renumbered = store.outbox(0, 10_000).unwrap();
    assert_eq!(
        renumbered.iter().map(|e| e.uid.clone()).collect::<Vec<_>>(),
        uids,
        "the uids survive the renumbering, in order"
    );
    store
        .set_note(&id, None, "typed after the renewal")
        .unwrap();
    let queue = store.outbox(0, 10_000).unwrap();
    assert_eq!(queue.len(), taken.len() + 1, "a new change, not folded");
    assert!(matches!(
        &queue[taken.len() - 1].mutation,
        wp_domain::Mutation::SetNote { content, .. } if content == "sent under the old id"
    ));
    assert_ne!(queue.last().unwrap().uid, queue[taken.len() - 1].uid);
}
