//! The oracle's self-test: it must catch a change dropped the way a faulty rebase would,
//! which the convergence check cannot see.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::Value;
use wp_store::Store;
use wp_sync::{sync_round, RoundOptions};

use crate::common::new_database;
use crate::oracle::{Field, Ledger, Verdict};
use crate::transport::{Net, SimTransport};
use crate::views::{client_view, server_view};
use crate::PAWPAL;

/// Whether the oracle catches a silent loss the convergence check cannot see: a rename
/// queued on one desktop, then dropped the way a faulty rebase would drop it (its outbox
/// row deleted, the row back at the server's value), ends with every desktop equal to the
/// server. With the drop the oracle names the rename; without it, it finds nothing.
async fn oracle_after_a_rename(drop_it: bool) -> Verdict {
    let pool = new_database(2).await;
    let router = wp_server::router(wp_server::AppState::new(pool.clone()));
    let (user, token) = wp_server::auth::add_user(&pool, "Ada").await.unwrap();
    let net = Rc::new(RefCell::new(Net {
        rng: StdRng::seed_from_u64(1),
        faults: false,
        partitioned: vec![false],
        delayed: vec![],
        applied: HashMap::new(),
        ledger: Ledger::new(vec![user.clone()]),
        step: 0,
        held: vec![],
        hot: vec![],
        snapshots: 0,
        snapshots_cut: 0,
    }));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("client0.db");
    let mut store = Store::open(&path).unwrap();
    store.bind_account("http://sim.localhost", &user).unwrap();
    let transport = SimTransport {
        router,
        token,
        client: 0,
        net: net.clone(),
    };
    let id = store.import_workshop(PAWPAL).unwrap().workshop.record.id;
    sync_round(&mut store, &transport, RoundOptions::default(), &mut |_| {})
        .await
        .unwrap();

    net.borrow_mut().step = 1;
    store.rename_workshop(&id, "Renamed here").unwrap();
    net.borrow_mut()
        .ledger
        .commit(0, 1, Field::Title(id.clone()), Value::from("Renamed here"));
    if drop_it {
        let db = rusqlite::Connection::open(&path).unwrap();
        db.execute("DELETE FROM outbox WHERE acked_at IS NULL", [])
            .unwrap();
        db.execute("UPDATE workshops SET title = 'PawPal' WHERE id = ?1", [&id])
            .unwrap();
    }
    net.borrow_mut().step = 2;
    sync_round(&mut store, &transport, RoundOptions::default(), &mut |_| {})
        .await
        .unwrap();
    // The convergence check passes either way.
    assert_eq!(client_view(&store), server_view(&pool, &user).await);
    let holds = |field: &Field, value: &Value| crate::views::holds(&store, field, value);
    let verdict = net
        .borrow()
        .ledger
        .silent_losses(0, &HashSet::new(), &HashSet::new(), &holds);
    pool.close().await;
    verdict
}

#[tokio::test]
async fn the_oracle_catches_a_change_a_rebase_dropped() {
    let clean = oracle_after_a_rename(false).await;
    assert!(
        clean.losses.is_empty() && clean.restore_gaps.is_empty(),
        "{clean:?}"
    );
    let dropped = oracle_after_a_rename(true).await;
    assert_eq!(dropped.losses.len(), 1, "{dropped:?}");
    assert!(
        dropped.losses[0].contains("Title") && dropped.losses[0].contains("Renamed here"),
        "{}",
        dropped.losses[0]
    );
}
