//! Seeded fault simulation: the real client sync code (`wp_sync::sync_round` over real
//! desktop stores) against the real server handlers (the axum router on a real PostgreSQL),
//! through a transport that drops requests, drops responses after the server committed,
//! duplicates them, delays them past later ones, and partitions clients. Clients are killed
//! (their store dropped mid-work) and reopened; once per run the server's database is
//! restored from an earlier backup, the desktop that lost the most is kept away after it
//! while the others write to its workshops, another is away across the restore and a trim
//! of the log, and one desktop's database is put back from a copy taken before the restore. 3 to 5 clients of two users make random edits of every
//! kind.
//!
//! After healing and syncing to quiescence: every client's data equals the server's (open
//! conflicts included), and no mutation took effect twice (the simulator's own log of what
//! the server answered, kept outside PostgreSQL and rewound with the restore).
//!
//! `WP_SIM_STEPS` (total steps, default 20,000) and `WP_SIM_SEEDS` (default 10) size it;
//! `WP_SIM_SEED` runs one seed; `WP_SIM_THREADS` (default: the machine's cores) runs that
//! many seeds at once. A failing seed prints itself; add it to `REGRESSIONS`, or with its
//! steps to `REGRESSIONS_AT`.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use wp_store::Store;

mod common;
use common::{backup, new_database, restore};
#[path = "simulation/edits.rs"]
mod edits;
#[path = "simulation/oracle.rs"]
mod oracle;
#[path = "simulation/report.rs"]
mod report;
#[path = "simulation/self_test.rs"]
mod self_test;
#[path = "simulation/transport.rs"]
mod transport;
#[path = "simulation/views.rs"]
mod views;
use edits::{edit, Client};
use oracle::{Field, Ledger};
use transport::{Net, SimTransport};
use views::{client_view, server_view};
use wp_sync::{sync_round, RoundOptions};

const PAWPAL: &str = include_str!("../../../tests/fixtures/pawpal.workshop.json");

/// Seeds that once failed at 2,000 steps each, run first every time (at the run's steps per
/// seed, 2,000 in the default run and in CI): 5 (a membership held under another id than the
/// server's), 100 (every past membership tombstone sent with each pull; access removed and
/// given again in one page), 16 (a session acknowledged only as a duplicate, then lost in
/// the restore), 43 (a copy whose membership a cut-short full pull never brought), 363 (a
/// refusal answered again to a database put back from a copy, without the server's rows),
/// 320 (a change applied before, answered again under a renewed client id after the rebase
/// had applied it over a newer row, without the server's rows).
const REGRESSIONS: &[u64] = &[5, 100, 16, 43, 363, 320];

/// Seeds that once failed at other step counts, run first every time at the steps they
/// failed at: 7 at 1,000 (a viewer's note the server lost in a restore, recreated only by a
/// queued edit the server then refused, was kept here: its `server_rev` still said the server
/// had it, so the refusal did not take it away).
const REGRESSIONS_AT: &[(u64, usize)] = &[(7, 1_000)];

/// Whether changes a restore took from the server and no desktop offered again are still
/// tolerated: the open restore cases of docs/sync.md, "Not yet built" (issue 26, cases 1 to
/// 6). The oracle counts them and the run prints how many; every other loss fails the seed.
/// Set to `false` once those cases are built.
const RESTORE_GAPS_OPEN: bool = true;

/// How many changes the oracle found lost in a restore and not offered again, over the run
/// (`WP_SIM_GAPS=1` prints each one's story).
static RESTORE_GAPS: AtomicUsize = AtomicUsize::new(0);
/// First syncs the simulation's transport served as a snapshot stream, and those it cut short.
static SNAPSHOTS: AtomicUsize = AtomicUsize::new(0);
static SNAPSHOTS_CUT: AtomicUsize = AtomicUsize::new(0);

/// Runs one seed for `steps` steps; panics with the seed in the message on a violation.
async fn run_seed(seed: u64, steps: usize) {
    let pool = new_database(4).await;
    // Ids made on this thread (the clients' and, in process, the server's) follow the seed.
    wp_domain::ids::seed_this_thread(Some(seed));
    let router = wp_server::router(wp_server::AppState::new(pool.clone()));
    let mut rng = StdRng::seed_from_u64(seed);
    let n = rng.random_range(3..=5);
    let users = [
        wp_server::auth::add_user(&pool, "Ada").await.unwrap(),
        wp_server::auth::add_user(&pool, "Bob").await.unwrap(),
    ];
    // The last client is Bob's; the others are Ada's desktops.
    let user_of = |client: usize| usize::from(client == n - 1);
    let net = Rc::new(RefCell::new(Net {
        rng: StdRng::seed_from_u64(seed ^ 0x5eed),
        faults: true,
        partitioned: vec![false; n],
        delayed: vec![],
        applied: HashMap::new(),
        ledger: Ledger::new((0..n).map(|i| users[user_of(i)].0.clone()).collect()),
        step: 0,
        held: vec![],
        hot: vec![],
        snapshots: 0,
        snapshots_cut: 0,
    }));
    let dir = tempfile::tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .unwrap();
    let mut clients: Vec<Client> = Vec::new();
    for i in 0..n {
        let user = user_of(i);
        let path = dir.path().join(format!("client{i}.db"));
        let mut store = Store::open(&path).unwrap();
        let base = "http://sim.localhost";
        store.bind_account(base, &users[user].0).unwrap();
        clients.push(Client {
            path,
            store: Some(store),
            transport: SimTransport {
                router: router.clone(),
                token: users[user].1.clone(),
                client: i,
                net: net.clone(),
            },
            user,
        });
    }
    let mut saved = None;
    let mut backup_step = 0;
    // On purpose, besides the random faults: one desktop's database is copied aside between
    // the backup and the restore, and put back after the restore, as a user restoring a file
    // backup would (its queue is sent again: under a renewed client id, what the server
    // applied must not take effect twice).
    let copied = rng.random_range(0..n);
    let (copy_at, back_at) = (steps / 2, 2 * steps / 3 + steps / 20);
    // And one desktop is away from before the restore until after the log is trimmed, as a
    // desktop away for the whole retention would be: it comes back to an expired reset that
    // hides the restore from it.
    let away = rng.random_range(0..n);
    let (away_from, trim_at) = (2 * steps / 3 - steps / 20, 2 * steps / 3 + steps / 8);
    let copy_path = dir.path().join("copy.db");
    for step in 0..steps {
        net.borrow_mut().step = step;
        if step == steps / 3 {
            saved = Some(backup(&pool).await);
            backup_step = step;
        }
        if step == copy_at || step == back_at {
            let client = &mut clients[copied];
            client.store = None; // closed: its write-ahead log checkpointed
            let (from, to) = if step == copy_at {
                (&client.path, &copy_path)
            } else {
                (&copy_path, &client.path)
            };
            for ext in ["", "-wal", "-shm"] {
                let (from, to) = (
                    format!("{}{ext}", from.display()),
                    format!("{}{ext}", to.display()),
                );
                let _ = std::fs::remove_file(&to);
                if std::path::Path::new(&from).exists() {
                    std::fs::copy(&from, &to).unwrap();
                }
            }
            if step == back_at {
                if std::env::var_os("WP_SIM_TRACE").is_some() {
                    eprintln!(
                        "step {step}: client {copied}'s database put back from step {copy_at}"
                    );
                }
                net.borrow_mut().ledger.forget_since(copied, copy_at);
            }
        }
        if step == 2 * steps / 3 {
            if std::env::var_os("WP_SIM_TRACE").is_some() {
                eprintln!("step {step}: server restored to step {backup_step}");
            }
            restore(&pool, saved.take().unwrap()).await;
            // What the server applied after the backup is gone from it too.
            let mut net = net.borrow_mut();
            net.applied.retain(|_, at| *at < backup_step);
            net.ledger.rewind(backup_step, step);
            // On purpose: the desktop that lost the most is kept away for a while, and the
            // others' edits favour the workshops it changed, so that they write to its rows
            // before it resets.
            if let Some((client, workshops)) = net.ledger.busiest_after(backup_step) {
                net.held.push((client, step + steps / 25));
                net.hot = workshops;
            }
        }
        if step == away_from {
            net.borrow_mut().held.push((away, trim_at + 1));
        }
        if step == trim_at {
            // All but each row's latest entry (and a note's or membership's tombstone).
            let trimmed = wp_server::sync::retention::trim(&pool, std::time::Duration::ZERO)
                .await
                .unwrap();
            if std::env::var_os("WP_SIM_TRACE").is_some() {
                eprintln!("step {step}: log trimmed: {trimmed:?}");
            }
        }
        {
            let mut net = net.borrow_mut();
            net.held.retain(|&(_, until)| step < until);
            if net.held.is_empty() {
                net.hot.clear();
            }
        }
        if rng.random_bool(0.03) {
            let delayed = std::mem::take(&mut net.borrow_mut().delayed);
            for (t, request) in delayed {
                t.deliver(&request).await;
            }
        }
        let c = rng.random_range(0..n);
        let roll: f64 = rng.random();
        if roll < 0.55 {
            if std::env::var_os("WP_SIM_TRACE").is_some() {
                eprintln!("step {step} client {c} edit");
            }
            let other = users[1 - clients[c].user].0.clone();
            edit(&mut clients[c], &mut rng, &other);
        } else if roll < 0.85 {
            let client = &mut clients[c];
            let transport = client.transport.clone();
            // A quarter of rounds are a poke's (pull only, the queue left to its
            // debounce), some of them twice (a poke duplicated); a dropped or delayed poke
            // is a round that comes later or not at all, as any round here.
            let poke: f64 = rng.random();
            let options = RoundOptions {
                pull_only: poke < 0.25,
                ..RoundOptions::default()
            };
            if poke < 0.05 {
                let _ = sync_round(client.store(), &transport, options, &mut |_| {}).await;
            }
            let result = sync_round(client.store(), &transport, options, &mut |_| {}).await;
            if std::env::var_os("WP_SIM_TRACE").is_some() {
                eprintln!(
                    "step {step} client {c} sync: {:?}",
                    result
                        .map(|r| (
                            r.applied,
                            r.duplicates,
                            r.rejected,
                            r.reset,
                            r.expired,
                            r.offered_again,
                            r.pending
                        ))
                        .map_err(|e| e.to_string())
                );
            }
        } else if roll < 0.90 {
            clients[c].store = None; // killed; reopened at its next use
        } else if roll < 0.93 {
            let mut net = net.borrow_mut();
            net.partitioned[c] = !net.partitioned[c];
        }
    }
    // Heal: no faults, no partitions, every held-back request delivered, then sync to
    // quiescence (mass deletes allowed: the guard's pause is the user's to answer).
    {
        let mut n = net.borrow_mut();
        n.faults = false;
        n.partitioned.iter_mut().for_each(|p| *p = false);
    }
    let delayed = std::mem::take(&mut net.borrow_mut().delayed);
    for (t, request) in delayed {
        t.deliver(&request).await;
    }
    let options = RoundOptions {
        allow_mass_delete: true,
        ..RoundOptions::default()
    };
    for _ in 0..4 {
        for client in clients.iter_mut() {
            let transport = client.transport.clone();
            match sync_round(client.store(), &transport, options, &mut |_| {}).await {
                Err(e) => panic!("seed {seed}: a sync round failed after healing: {e}"),
                Ok(r) if std::env::var_os("WP_SIM_TRACE").is_some() => {
                    eprintln!("heal client {}: {r:?}", client.transport.client)
                }
                Ok(_) => {}
            }
        }
    }
    for (i, client) in clients.iter_mut().enumerate() {
        let user = users[client.user].0.clone();
        let store = client.store();
        let state = store.sync_state().unwrap().unwrap();
        assert_eq!(
            state.pending, 0,
            "seed {seed}: client {i} still has queued changes"
        );
        let local = client_view(store);
        let server = server_view(&pool, &user).await;
        if local != server {
            report::divergence(seed, i, &user, store, &pool, &local, &server).await;
        }
    }
    // No silent loss: every change a client committed is on the server, superseded there by
    // that client's own later change, or listed there as a rejection.
    let mut losses = vec![];
    for (i, client) in clients.iter_mut().enumerate() {
        let rejected: HashSet<String> = client
            .store()
            .rejections()
            .unwrap()
            .into_iter()
            .map(|r| r.workshop_id)
            .collect();
        let store = client.store();
        let holds = |field: &Field, value: &Value| views::holds(store, field, value);
        let conflicted = views::conflicted(store, net.borrow().ledger.user(i));
        let verdict = net
            .borrow()
            .ledger
            .silent_losses(i, &rejected, &conflicted, &holds);
        losses.extend(verdict.losses);
        if RESTORE_GAPS_OPEN {
            RESTORE_GAPS.fetch_add(verdict.restore_gaps.len(), Ordering::SeqCst);
            // Each gap names its seed, so a run's gaps can be chased while the seed still
            // replays (the wall clock moves the schedule); `WP_SIM_GAPS=1` tells the story.
            let whole = std::env::var_os("WP_SIM_GAPS").is_some();
            for gap in &verdict.restore_gaps {
                if whole {
                    eprintln!("restore gap, seed {seed}: {gap}");
                } else {
                    let first: String = gap
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .chars()
                        .take(160)
                        .collect();
                    eprintln!(
                        "restore gap, seed {seed} (WP_SIM_SEED={seed} WP_SIM_STEPS={steps} WP_SIM_GAPS=1 for its story): {first}"
                    );
                }
            }
        } else {
            losses.extend(verdict.restore_gaps);
        }
    }
    SNAPSHOTS.fetch_add(net.borrow().snapshots, Ordering::SeqCst);
    SNAPSHOTS_CUT.fetch_add(net.borrow().snapshots_cut, Ordering::SeqCst);
    if !losses.is_empty() {
        panic!(
            "seed {seed}: {} change(s) silently lost (server restored at step {} to step {backup_step}):\n{}",
            losses.len(),
            2 * steps / 3,
            losses[..losses.len().min(5)].join("\n")
        );
    }
    pool.close().await;
}

/// Runs the seeds on `WP_SIM_THREADS` worker threads (default: the machine's cores), each
/// with its own single-threaded runtime. A seed is independent of the others: its own
/// PostgreSQL database, client files, seeded ids (per thread) and random sequences, so what
/// one seed does is the same whichever thread runs it and whatever runs beside it.
#[test]
fn seeded_fault_simulation_converges_without_double_effects() {
    let total: usize = std::env::var("WP_SIM_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let seeds: u64 = std::env::var("WP_SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let only: Option<u64> = std::env::var("WP_SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok());
    let seeds_list: Vec<u64> = match only {
        Some(seed) => vec![seed],
        None => REGRESSIONS
            .iter()
            .copied()
            .chain((1..=seeds).filter(|s| !REGRESSIONS.contains(s)))
            .collect(),
    };
    // Steps per seed follow from the seeds asked for, so a regression seed replays with
    // the steps it failed at.
    let per_seed = match only {
        Some(_) => total,
        None => total / seeds.max(1) as usize,
    }
    .max(100);
    // (seed, steps): the fixed-step regressions first (not when one seed is asked for).
    let list: Vec<(u64, usize)> = REGRESSIONS_AT
        .iter()
        .copied()
        .filter(|_| only.is_none())
        .chain(seeds_list.iter().map(|&seed| (seed, per_seed)))
        .collect();
    let threads = std::env::var("WP_SIM_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, list.len());
    let started = std::time::Instant::now();
    let next = AtomicUsize::new(0);
    // Set by a failing seed: the other threads finish the seed they run and take no more.
    let failed = AtomicBool::new(false);
    let failures: Vec<(u64, usize)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("a tokio runtime");
                    let mut failures = Vec::new();
                    while !failed.load(Ordering::SeqCst) {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(&(seed, steps)) = list.get(i) else { break };
                        eprintln!("seed {seed}: {steps} steps (rerun alone with WP_SIM_SEED={seed} WP_SIM_STEPS={steps})");
                        let run = std::panic::AssertUnwindSafe(|| {
                            runtime.block_on(run_seed(seed, steps))
                        });
                        if std::panic::catch_unwind(run).is_err() {
                            failed.store(true, Ordering::SeqCst);
                            failures.push((seed, steps));
                        }
                    }
                    failures
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a simulation thread"))
            .collect()
    });
    assert!(
        failures.is_empty(),
        "(seed, steps) {failures:?} failed (their messages are above); rerun one alone with WP_SIM_SEED=<seed> WP_SIM_STEPS=<steps>"
    );
    eprintln!(
        "{} steps over {} seeds in {:.1} s on {threads} threads; no silent loss but {} \
         change(s) a restore took and no desktop offered again (docs/sync.md, \"Not yet built\"); \
         {} first syncs streamed as a snapshot, {} of them cut short and resumed",
        list.iter().map(|(_, steps)| steps).sum::<usize>(),
        list.len(),
        started.elapsed().as_secs_f64(),
        RESTORE_GAPS.load(Ordering::SeqCst),
        SNAPSHOTS.load(Ordering::SeqCst),
        SNAPSHOTS_CUT.load(Ordering::SeqCst),
    );
    if only.is_none() {
        assert!(
            SNAPSHOTS_CUT.load(Ordering::SeqCst) > 0,
            "the simulation ran no snapshot it cut short"
        );
    }
}
