//! Fan-out: one `workshoppilot-server` process holding N event streams (one user's N
//! desktops, so that every push pokes every stream) while note changes arrive open-loop at
//! 10 a second; the server's memory per stream; then a restart of the server, with a change
//! made while it is down: how long until every stream is back, how many new streams the
//! server let in per second (at most 100), and whether every stream's first event after the
//! restart names a log end that includes the change (so each client pulls it).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wp_sync::events::{keep_following, Followed, ServerEvent};

use crate::pokes::ServerProcess;
use crate::report::{machine, write_section};

/// What the streams saw, shared by their tasks.
#[derive(Default)]
struct Seen {
    /// Pokes per stream.
    pokes: Vec<u64>,
    /// When each stream (re)opened, by stream: its `end` events.
    opened: Vec<Vec<(Instant, i64)>>,
}

fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

pub fn run(streams: usize) {
    if let Err(e) = rlimit::increase_nofile_limit(wp_server::OPEN_FILES) {
        eprintln!("cannot raise the open-file limit: {e}");
    }
    let (runtime, admin, pool, user, token) = crate::pokes::scratch_with_ada("wp_bench_fanout");
    let workshop = "ws_fanout".to_string();
    runtime.block_on(async {
        sqlx::query("INSERT INTO workshops (id, owner_id, title) VALUES ($1, $2, 'Fan-out')")
            .bind(&workshop)
            .bind(&user)
            .execute(&pool)
            .await
            .unwrap();
    });
    let database_url = crate::pokes::database_url(&admin, &pool);
    let mut server = ServerProcess::start(&database_url);
    let base = server.base.clone();
    let idle_mib = rss_mib(server.child.id());

    let seen = Arc::new(Mutex::new(Seen {
        pokes: vec![0; streams],
        opened: vec![Vec::new(); streams],
    }));
    eprintln!("opening {streams} streams...");
    let started = Instant::now();
    for i in 0..streams {
        let (base, token, seen) = (base.clone(), token.clone(), seen.clone());
        runtime.spawn(async move {
            // The app's own reconnecting follower.
            keep_following(&base, &token, |followed| {
                if let Followed::Event(event) = followed {
                    let mut seen = seen.lock().unwrap();
                    match event {
                        ServerEvent::End(end) => {
                            let position = end
                                .split_once('.')
                                .and_then(|(p, _)| p.parse().ok())
                                .unwrap_or(0);
                            seen.opened[i].push((Instant::now(), position));
                        }
                        ServerEvent::Poke => seen.pokes[i] += 1,
                    }
                }
                true
            })
            .await;
        });
    }
    let all_open = |seen: &Seen, after: Instant| {
        seen.opened
            .iter()
            .filter(|o| o.iter().any(|(at, _)| *at >= after))
            .count()
    };
    while all_open(&seen.lock().unwrap(), started) < streams {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "streams did not open"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let opening = started.elapsed();
    let open_mib = rss_mib(server.child.id());

    // Pushes at 10 a second, open-loop: each sent at its time, whatever the last one does.
    eprintln!("note changes at 10 a second for 20 s...");
    let http = reqwest::Client::new();
    let pokes_before: u64 = seen.lock().unwrap().pokes.iter().sum();
    let writes = 200;
    let push_start = Instant::now();
    let mut sent = Vec::new();
    for n in 0..writes {
        let at = push_start + Duration::from_millis(100 * n as u64);
        std::thread::sleep(at.saturating_duration_since(Instant::now()));
        let request = http
            .put(format!("{base}/api/workshops/{workshop}/notes"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "content": format!("Change {n}") }));
        sent.push(runtime.spawn(async move { request.send().await.map(|r| r.status()) }));
    }
    let ok = runtime.block_on(async {
        let mut ok = 0;
        for s in sent {
            if matches!(s.await, Ok(Ok(status)) if status.is_success()) {
                ok += 1;
            }
        }
        ok
    });
    std::thread::sleep(Duration::from_secs(1));
    let busy_mib = rss_mib(server.child.id());
    let (least, total) = {
        let seen = seen.lock().unwrap();
        (
            seen.pokes.iter().copied().min().unwrap_or(0),
            seen.pokes.iter().sum::<u64>() - pokes_before,
        )
    };

    // A restart, with a change made while the server is down.
    eprintln!("restarting the server...");
    let port = server.port;
    drop(server);
    let changed: i64 = runtime.block_on(async {
        sqlx::query("UPDATE workshops SET title = 'Renamed during the restart' WHERE id = $1")
            .bind(&workshop)
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query_scalar("SELECT max(position) FROM sync_log")
            .fetch_one(&pool)
            .await
            .unwrap()
    });
    std::thread::sleep(Duration::from_secs(2));
    let restarted = Instant::now();
    server = ServerProcess::start_on(&database_url, port);
    while all_open(&seen.lock().unwrap(), restarted) < streams
        && restarted.elapsed() < Duration::from_secs(120)
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    let back = restarted.elapsed();
    let (reconnected, per_second, with_change) = {
        let seen = seen.lock().unwrap();
        let mut per_second: BTreeMap<u64, usize> = BTreeMap::new();
        let mut with_change = 0;
        let mut reconnected = 0;
        for opened in &seen.opened {
            if let Some((at, position)) = opened.iter().find(|(at, _)| *at >= restarted) {
                reconnected += 1;
                *per_second
                    .entry(at.duration_since(restarted).as_secs())
                    .or_default() += 1;
                if *position >= changed {
                    with_change += 1;
                }
            }
        }
        (reconnected, per_second, with_change)
    };
    let most = per_second.values().copied().max().unwrap_or(0);
    drop(server);
    let per_stream_kib = (open_mib - idle_mib).max(0.0) * 1024.0 / streams as f64;
    let body = format!(
        "## Sync: fan-out, {streams} event streams on one server process\n\n\
         `scripts/bench.sh fanout` (`wp-bench fanout --streams {streams}`), release build, {machine}. \
         One `workshoppilot-server serve` process (it raises its open-file limit at start), \
         PostgreSQL 15; {streams} event streams of one user (every change pokes every stream), \
         opened at once by this process's clients, which reconnect as the app does (a stream \
         ended in good order at once, a busy answer after a random wait of up to 10 s, a lost one after a jittered backoff from 1 s to 30 s).\n\n\
         | what | figure |\n|---|---|\n\
         | streams open | {streams} after {:.1} s (the server lets in 100 new streams a second) |\n\
         | server memory | {idle_mib:.0} MiB before, {open_mib:.0} MiB with the streams open, {busy_mib:.0} MiB after the changes: about {per_stream_kib:.0} KiB a stream |\n\
         | note changes, open-loop at 10 a second | {ok} of {writes} answered 2xx; {total} pokes reached the streams, at least {least} each |\n\
         | after a restart | {reconnected} of {streams} streams back within {:.1} s; at most {most} new streams in one second |\n\
         | a change made while the server was down | named by the first event of {with_change} of {reconnected} reconnected streams (so each client pulls it) |\n\n\
         - Targets: every stream back within 30 s: {}; never more than 100 new streams in one second: {}; the change reaches every client: {}.\n",
        opening.as_secs_f64(),
        back.as_secs_f64(),
        if reconnected == streams && back <= Duration::from_secs(30) { "met" } else { "missed" },
        if most <= 100 { "met" } else { "missed" },
        if with_change == streams { "met" } else { "missed" },
        machine = machine(),
    );
    write_section("fanout", &body);
}
