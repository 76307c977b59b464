//! Pokes against the real server and PostgreSQL (docs/sync.md, "Pokes"), read by the
//! client's own event-stream reader (`wp_sync::events::follow`): a change pokes only the
//! users who may see it; a removed member is poked and its pull brings the tombstone; a poke
//! still arrives after the server's LISTEN connection is cut and made again; and a revoked
//! token's stream ends at once.

use std::time::Duration;

use tokio::sync::mpsc;
use wp_domain::Role;
use wp_sync::events::{follow, ServerEvent};

mod common;
use common::{ada_and_eve, server, Desktop, PAWPAL};

/// Something a stream reader saw: an event, or the stream's end.
#[derive(Debug, PartialEq)]
enum Seen {
    Event(ServerEvent),
    Ended,
}

/// Follows the stream with `token` on a task; what it sees comes through the receiver.
fn open(base: &str, token: &str) -> mpsc::UnboundedReceiver<Seen> {
    let (sender, receiver) = mpsc::unbounded_channel();
    let (base, token) = (base.to_string(), token.to_string());
    tokio::spawn(async move {
        let events = sender.clone();
        let _ = follow(&base, &token, move |e| {
            let _ = events.send(Seen::Event(e));
        })
        .await;
        let _ = sender.send(Seen::Ended);
    });
    receiver
}

/// The next thing seen within `wait`, or `None`.
async fn next(stream: &mut mpsc::UnboundedReceiver<Seen>, wait: Duration) -> Option<Seen> {
    tokio::time::timeout(wait, stream.recv())
        .await
        .ok()
        .flatten()
}

async fn opened(stream: &mut mpsc::UnboundedReceiver<Seen>) {
    match next(stream, Duration::from_secs(10)).await {
        Some(Seen::Event(ServerEvent::End(_))) => {}
        other => panic!("a stream opens with the log's end, not {other:?}"),
    }
}

/// Waits out whatever pokes are on their way, so the next assertion sees only new ones.
async fn settle(stream: &mut mpsc::UnboundedReceiver<Seen>) {
    while let Some(seen) = next(stream, Duration::from_millis(300)).await {
        assert_ne!(seen, Seen::Ended, "the stream ended");
    }
}

async fn poked(stream: &mut mpsc::UnboundedReceiver<Seen>, what: &str) {
    match next(stream, Duration::from_secs(5)).await {
        Some(Seen::Event(ServerEvent::Poke)) => {}
        other => panic!("{what}: expected a poke, saw {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_pokes_only_who_may_see_it_and_a_removed_member_too() {
    let s = server().await;
    let (ada_token, eve_id, eve_token) = ada_and_eve(&s).await;
    let mut ada = Desktop::new(&s, &ada_token).await;
    let mut eve = Desktop::new(&s, &eve_token).await;
    let shared = ada
        .store
        .import_workshop(PAWPAL)
        .unwrap()
        .workshop
        .record
        .id;
    let own = ada.store.create_workshop(Some("Ada's alone"), "").unwrap();
    let own = own.workshop.record.id;
    ada.sync().await;
    let mut ada_stream = open(&s.base, &ada_token);
    let mut eve_stream = open(&s.base, &eve_token);
    opened(&mut ada_stream).await;
    opened(&mut eve_stream).await;
    // The listener's first LISTEN pokes every stream (it may have missed what came before).
    settle(&mut ada_stream).await;
    settle(&mut eve_stream).await;

    // Ada's workshop that Eve cannot read: Ada is poked, Eve is not.
    ada.store
        .rename_workshop(&own, "Still Ada's alone")
        .unwrap();
    ada.sync().await;
    poked(&mut ada_stream, "the owner").await;
    assert_eq!(next(&mut eve_stream, Duration::from_secs(1)).await, None);

    // Shared with Eve: Eve is poked, and her pull brings it.
    ada.store
        .share_workshop(&shared, &eve_id, Role::Editor)
        .unwrap();
    ada.sync().await;
    poked(&mut eve_stream, "the new member").await;
    eve.sync().await;
    assert!(eve.store.workshop(&shared).is_ok());
    settle(&mut eve_stream).await;

    // Eve removed: poked all the same, and her pull brings the tombstone.
    ada.store.unshare_workshop(&shared, &eve_id).unwrap();
    ada.sync().await;
    poked(&mut eve_stream, "the removed member").await;
    eve.sync().await;
    assert!(eve.store.workshop(&shared).is_err(), "the copy went");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_poke_arrives_after_the_listen_connection_is_cut_and_made_again() {
    let s = server().await;
    let (_, token) = wp_server::auth::add_user(&s.pool, "Ada").await.unwrap();
    let mut ada = Desktop::new(&s, &token).await;
    let id = ada.store.create_workshop(Some("Listen"), "").unwrap();
    let id = id.workshop.record.id;
    ada.sync().await;
    let mut stream = open(&s.base, &token);
    opened(&mut stream).await;
    ada.store.rename_workshop(&id, "Before the cut").unwrap();
    ada.sync().await;
    poked(&mut stream, "before the cut").await;
    settle(&mut stream).await;

    // Cut the server's LISTEN connection, as a database restart or a proxy would.
    let cut: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND query ILIKE 'LISTEN%') t",
    )
    .fetch_one(&s.pool)
    .await
    .unwrap();
    assert_eq!(cut, 1, "one listening connection per process");
    // The listener notices, listens again, and pokes every stream: it may have missed some.
    poked(&mut stream, "after the listener came back").await;
    settle(&mut stream).await;
    ada.store.rename_workshop(&id, "After the cut").unwrap();
    ada.sync().await;
    poked(&mut stream, "a change after the cut").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_tokens_stream_ends_at_once() {
    let s = server().await;
    let (user, _) = wp_server::auth::add_user(&s.pool, "Ada").await.unwrap();
    let (token_id, token) = wp_server::auth::create_token(&s.pool, &user).await.unwrap();
    let (_, other) = wp_server::auth::create_token(&s.pool, &user).await.unwrap();
    let mut revoked = open(&s.base, &token);
    let mut kept = open(&s.base, &other);
    opened(&mut revoked).await;
    opened(&mut kept).await;
    settle(&mut revoked).await;
    settle(&mut kept).await;
    wp_server::auth::revoke_token(&s.pool, &token_id)
        .await
        .unwrap();
    match next(&mut revoked, Duration::from_secs(5)).await {
        Some(Seen::Ended) => {}
        other => panic!("the revoked token's stream ends, not {other:?}"),
    }
    // The user's other token keeps its stream (it is poked, harmlessly).
    poked(&mut kept, "the other token's stream").await;
    assert_eq!(next(&mut kept, Duration::from_millis(500)).await, None);
}
