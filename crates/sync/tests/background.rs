//! Background sync (the desktop app's sync thread) against the real server and PostgreSQL:
//! it sends local changes on its own, reports offline with the changes waiting while the
//! server is down, turns synced when the server comes back without being asked, and brings
//! another client's change in within the idle interval.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use wp_server::{router, AppState};
use wp_store::Store;
use wp_sync::background::OfflineReason;
use wp_sync::{
    start_background, sync_round, Api, Phase, RetryPolicy, RoundOptions, SyncEvent, SyncStatus,
    Timing,
};

mod common;
use common::new_database;

const TIMING: Timing = Timing {
    debounce: Duration::from_millis(100),
    debounce_max: Duration::from_secs(1),
    idle: Duration::from_secs(1),
    offline_retry: Duration::from_millis(200),
};

/// Waits up to 20 s for an event that `want` accepts; panics with the last status otherwise.
fn wait_for(
    events: &mpsc::Receiver<SyncEvent>,
    what: &str,
    mut want: impl FnMut(&SyncEvent) -> bool,
) -> SyncEvent {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = None;
    while Instant::now() < deadline {
        match events.recv_timeout(Duration::from_millis(100)) {
            Ok(event) if want(&event) => return event,
            Ok(event) => last = Some(event),
            Err(_) => {}
        }
    }
    panic!("no event: {what}; last seen: {last:?}");
}

fn status(event: &SyncEvent) -> Option<&SyncStatus> {
    match event {
        SyncEvent::Status(s) => Some(s),
        SyncEvent::Pulled { .. } => None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sends_on_its_own_survives_a_server_outage_and_brings_in_other_clients_changes() {
    let pool = new_database(10).await;
    let (user_id, token) = wp_server::auth::add_user(&pool, "Ada").await.unwrap();
    // A port with no server behind it yet.
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let base = format!("http://127.0.0.1:{port}");

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desktop.db");
    let mut app = Store::open(&db).unwrap();
    app.bind_account(&base, &user_id).unwrap();
    let workshop = app.create_workshop(Some("Offline sprint"), "").unwrap();
    let id = workshop.workshop.record.id.clone();

    let (tx, events) = mpsc::channel();
    let handle = start_background(db.clone(), TIMING, move |e| {
        let _ = tx.send(e);
    });
    handle.signed_in(Some(token.clone()), "Ada".into());

    // Server down: offline, naming the reason, with the change counted as waiting.
    let offline = wait_for(&events, "offline", |e| {
        status(e).is_some_and(|s| {
            matches!(
                s.phase,
                Phase::Offline {
                    reason: OfflineReason::Unreachable,
                    ..
                }
            )
        })
    });
    let offline = status(&offline).unwrap();
    assert!(offline.pending >= 1, "{offline:?}");
    assert_eq!(offline.server_url.as_deref(), Some(base.as_str()));
    assert!(offline.token_in_memory);

    // A note saved while offline is counted at once (a nudge), not at the next round.
    let before = handle.status().pending;
    app.set_note(&id, None, "written on the train").unwrap();
    handle.nudge();
    wait_for(&events, "one more change waiting", |e| {
        status(e).is_some_and(|s| s.pending == before + 1)
    });

    // The server comes up on that port: synced, with nothing waiting, without a call.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let server_pool = pool.clone();
    tokio::spawn(async move {
        axum::serve(listener, router(AppState::new(server_pool)))
            .await
            .unwrap()
    });
    let synced = wait_for(&events, "synced", |e| {
        status(e).is_some_and(|s| s.phase == Phase::Idle && s.pending == 0)
    });
    assert!(status(&synced).unwrap().last_synced_at.is_some());
    let on_server: String =
        sqlx::query_scalar("SELECT content FROM notes WHERE workshop_id = $1 AND step_id IS NULL")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(on_server, "written on the train");

    // Another desktop of the same user changes the note; the background's idle round
    // brings it in and names the workshop.
    let other_dir = tempfile::tempdir().unwrap();
    let mut other = Store::open(other_dir.path().join("other.db")).unwrap();
    wp_sync::sign_in(&mut other, &base, &token, wp_sync::KeepToken::Nowhere)
        .await
        .unwrap();
    let api = Api::new(&base, token.clone(), RetryPolicy::default()).unwrap();
    sync_round(&mut other, &api, RoundOptions::default(), &mut |_| {})
        .await
        .unwrap();
    other
        .set_note(&id, None, "written on the train, then at home")
        .unwrap();
    sync_round(&mut other, &api, RoundOptions::default(), &mut |_| {})
        .await
        .unwrap();
    wait_for(
        &events,
        "the other desktop's change pulled",
        |e| matches!(e, SyncEvent::Pulled { workshops } if workshops.contains(&id)),
    );
    assert_eq!(
        app.note(&id, None).unwrap().unwrap().record.content,
        "written on the train, then at home"
    );

    // Signed out: the phase says so and no more rounds run.
    handle.signed_out();
    wait_for(&events, "signed out", |e| {
        status(e).is_some_and(|s| s.phase == Phase::SignedOut)
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_token_reads_as_sign_in_expired() {
    let pool = new_database(4).await;
    let (user_id, _token) = wp_server::auth::add_user(&pool, "Ada").await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, router(AppState::new(pool)))
            .await
            .unwrap()
    });
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desktop.db");
    Store::open(&db)
        .unwrap()
        .bind_account(&base, &user_id)
        .unwrap();
    let (tx, events) = mpsc::channel();
    let handle = start_background(db, TIMING, move |e| {
        let _ = tx.send(e);
    });
    handle.signed_in(Some("wp_not_a_real_token".into()), "Ada".into());
    let expired = wait_for(&events, "sign-in expired", |e| {
        status(e).is_some_and(|s| {
            matches!(
                s.phase,
                Phase::Offline {
                    reason: OfflineReason::SignInExpired,
                    ..
                }
            )
        })
    });
    let message = match &status(&expired).unwrap().phase {
        Phase::Offline { message, .. } => message.clone(),
        _ => unreachable!(),
    };
    assert!(!message.contains("wp_not_a_real_token"), "{message}");
    assert!(
        !status(&expired).unwrap().token_in_memory,
        "a refused token is not kept"
    );
}

/// Pokes: with timed rounds an hour apart, another desktop's change still arrives within
/// seconds, because the server's event stream pokes this one; the status says it is live.
/// Another user's private note pokes no one else.
#[tokio::test(flavor = "multi_thread")]
async fn a_poke_brings_another_desktops_change_in_without_waiting_for_a_timed_round() {
    let pool = new_database(10).await;
    let (user_id, token) = wp_server::auth::add_user(&pool, "Ada").await.unwrap();
    let base = wp_server::scratch::serve(pool.clone()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desktop.db");
    let mut app = Store::open(&db).unwrap();
    app.bind_account(&base, &user_id).unwrap();
    let id = app
        .create_workshop(Some("Live sprint"), "")
        .unwrap()
        .workshop
        .record
        .id;
    let timing = Timing {
        idle: Duration::from_secs(3600),
        ..TIMING
    };
    let (tx, events) = mpsc::channel();
    let handle = start_background(db.clone(), timing, move |e| {
        let _ = tx.send(e);
    });
    handle.signed_in(Some(token.clone()), "Ada".into());
    wait_for(&events, "synced and live", |e| {
        status(e).is_some_and(|s| s.phase == Phase::Idle && s.pending == 0 && s.live)
    });

    let other_dir = tempfile::tempdir().unwrap();
    let mut other = Store::open(other_dir.path().join("other.db")).unwrap();
    wp_sync::sign_in(&mut other, &base, &token, wp_sync::KeepToken::Nowhere)
        .await
        .unwrap();
    let api = Api::new(&base, token.clone(), RetryPolicy::default()).unwrap();
    sync_round(&mut other, &api, RoundOptions::default(), &mut |_| {})
        .await
        .unwrap();
    other.rename_workshop(&id, "Live sprint (renamed)").unwrap();
    let sent = Instant::now();
    sync_round(&mut other, &api, RoundOptions::default(), &mut |_| {})
        .await
        .unwrap();
    wait_for(
        &events,
        "the rename pulled",
        |e| matches!(e, SyncEvent::Pulled { workshops } if workshops.contains(&id)),
    );
    assert!(
        sent.elapsed() < Duration::from_secs(10),
        "poked, not waiting for an hour's round"
    );
    let here = Store::open(&db).unwrap();
    assert_eq!(
        here.workshop(&id).unwrap().workshop.record.title,
        "Live sprint (renamed)"
    );

    // Another user's private note on their own workshop: no poke here, so no pull.
    let (_, eve_token) = wp_server::auth::add_user(&pool, "Eve").await.unwrap();
    let eve_dir = tempfile::tempdir().unwrap();
    let mut eve = Store::open(eve_dir.path().join("eve.db")).unwrap();
    wp_sync::sign_in(&mut eve, &base, &eve_token, wp_sync::KeepToken::Nowhere)
        .await
        .unwrap();
    let eve_api = Api::new(&base, eve_token, RetryPolicy::default()).unwrap();
    let eves = eve
        .create_workshop(Some("Eve's"), "")
        .unwrap()
        .workshop
        .record
        .id;
    eve.set_note(&eves, None, "mine").unwrap();
    sync_round(&mut eve, &eve_api, RoundOptions::default(), &mut |_| {})
        .await
        .unwrap();
    let quiet = Instant::now() + Duration::from_secs(2);
    while Instant::now() < quiet {
        if let Ok(e) = events.recv_timeout(Duration::from_millis(100)) {
            assert!(
                !matches!(e, SyncEvent::Status(ref s) if matches!(s.phase, Phase::Syncing { .. })),
                "a round ran for another user's change: {e:?}"
            );
        }
    }
    drop(handle);
}
