//! A refused change, edited and sent again: Eve's step edit is refused while she is a
//! viewer; once she is an editor again she edits the refused output and sends it, and it
//! reaches the owner. A value the rules refuse now leaves the refusal and the data as they
//! were.

use wp_domain::Role;

mod common;
use common::{pawpal_shared_with_eve, server, AnswerLost};
use wp_sync::{sync_round, RoundOptions};

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_change_is_edited_and_sent_again() {
    let s = server().await;
    let (mut ada, mut eve, eve_id, id) = pawpal_shared_with_eve(&s, Role::Editor).await;

    // Eve edits offline while Ada makes her a viewer: refused.
    let step = "stakeholder-mapping";
    let mut output = eve.step_output(&id, step).unwrap();
    output["facilitatorTag"] = "eve was here".into();
    eve.store
        .save_step_output(&id, step, output.clone())
        .unwrap();
    ada.store
        .share_workshop(&id, &eve_id, Role::Viewer)
        .unwrap();
    ada.sync().await;
    assert_eq!(eve.sync().await.rejected, 1);
    let refused = eve.store.rejections().unwrap().remove(0);
    assert_eq!(refused.name, "saveStepOutput");

    // An editor again: the refused output, edited, goes out.
    ada.store
        .share_workshop(&id, &eve_id, Role::Editor)
        .unwrap();
    ada.sync().await;
    eve.sync().await;
    // A value the rules refuse: the error names the field, the refusal stays.
    let mut bad = output.clone();
    bad["stakeholders"] = serde_json::json!("not a list");
    let err = eve.store.resend_rejection(refused.id, bad).unwrap_err();
    assert!(err.to_string().contains("stakeholders"), "{err}");
    assert_eq!(eve.store.rejections().unwrap().len(), 1);

    output["facilitatorTag"] = "eve, second try".into();
    eve.store
        .resend_rejection(refused.id, output.clone())
        .unwrap();
    assert!(eve.store.rejections().unwrap().is_empty());
    let report = eve.sync().await;
    assert_eq!((report.rejected, report.pending), (0, 0), "{report:?}");
    ada.sync().await;
    let on_ada = ada.step_output(&id, step).unwrap();
    assert_eq!(on_ada["facilitatorTag"], "eve, second try");
}

/// A change the server refused while the answer was lost: sent again, it is answered as
/// refused, with the reason, not as "already processed", so it is listed with the others
/// and the value goes back to the server's. (Seed 7 of the simulation found it, once the
/// no-silent-loss oracle watched: Eve's step change on a workshop trashed meanwhile.)
#[tokio::test(flavor = "multi_thread")]
async fn a_refusal_whose_answer_was_lost_is_listed_when_sent_again() {
    let s = server().await;
    let (mut ada, mut eve, eve_id, id) = pawpal_shared_with_eve(&s, Role::Editor).await;
    let step = "stakeholder-mapping";
    let before = eve.step_output(&id, step).unwrap();
    let mut output = before.clone();
    output["facilitatorTag"] = "eve was here".into();
    eve.store
        .save_step_output(&id, step, output.clone())
        .unwrap();
    ada.store
        .share_workshop(&id, &eve_id, Role::Viewer)
        .unwrap();
    ada.sync().await;

    // The server refuses Eve's edit; its answer never reaches her.
    let lost = sync_round(
        &mut eve.store,
        &AnswerLost(&eve.api),
        RoundOptions::default(),
        &mut |_| {},
    )
    .await;
    assert!(lost.is_err(), "{lost:?}");
    assert_eq!(eve.store.rejections().unwrap().len(), 0);

    // Sent again: refused again, with the reason, and listed.
    let report = eve.sync().await;
    assert_eq!((report.rejected, report.duplicates), (1, 0), "{report:?}");
    let refused = eve.store.rejections().unwrap();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].name, "saveStepOutput");
    assert!(refused[0].error.contains("editor"), "{}", refused[0].error);
    assert_eq!(eve.step_output(&id, step).unwrap(), before);
}

/// A refusal answered again brings the server's values back again. The client sending it
/// again may hold the refused change once more: a database put back from a copy, or a
/// renewed client id whose renumbered queue a pull's rebase applies again (simulation seed
/// 363 at 2,000 steps: the refused value stayed on that desktop for good). So whether the
/// refusal is answered again to a retry (the same client and id) or to the same uid under
/// another client id, the server logs the workshop's rows again, as after the first refusal,
/// and the client's next pull puts its values back. On the code before, only the first
/// refusal logged them.
#[tokio::test(flavor = "multi_thread")]
async fn a_refusal_answered_again_logs_the_servers_rows_again() {
    use wp_domain::mutation::PROTOCOL_VERSION;
    use wp_domain::protocol::{Outcome, PushMutation, PushRequest};

    let s = server().await;
    let (_ada, eve, _eve_id, id) = pawpal_shared_with_eve(&s, Role::Viewer).await;
    let mut output = eve.step_output(&id, "persona").unwrap();
    output["facilitatorTag"] = "a viewer's edit".into();
    let edit = PushMutation {
        id: 1,
        name: "saveStepOutput".into(),
        args: serde_json::json!({
            "workshopId": id, "stepId": "persona", "output": output,
            "at": "2026-12-07T09:00:00Z",
        }),
        base_rev: None,
        uid: Some("mut_sent_twice".into()),
        lost: None,
    };
    let logged = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sync_log WHERE workshop_id = $1")
            .bind(&id)
            .fetch_one(&s.pool)
            .await
            .unwrap()
    };
    let push = |client: &str| PushRequest {
        protocol_version: PROTOCOL_VERSION,
        client_id: client.into(),
        mutations: vec![edit.clone()],
        device: None,
    };
    let mut counts = vec![logged().await];
    for client in ["cli_first", "cli_first", "cli_second"] {
        let answer = eve.api.push(&push(client)).await.unwrap().unwrap();
        assert_eq!(answer.results[0].outcome, Outcome::Rejected, "{answer:?}");
        counts.push(logged().await);
    }
    assert!(
        counts.windows(2).all(|w| w[1] > w[0]),
        "each answer logs the workshop's rows again: {counts:?}"
    );
}
