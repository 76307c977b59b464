//! Poke latency: two `workshoppilot-server` processes on one PostgreSQL, a writer desktop
//! pushing to one and the app's background sync (following the other's event stream) on
//! another desktop of the same user. For each push, the time from its acknowledgement to the
//! reader's local commit of the change (its `Pulled` event, sent once the round's
//! transactions committed), over N pushes one after another.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use wp_domain::protocol::{PullResponse, PushRequest, PushResponse};
use wp_store::Store;
use wp_sync::{
    start_background, sync_round, Api, PushRefused, RetryPolicy, RoundOptions, SyncError,
    SyncEvent, Timing, Transport,
};

use crate::report::{machine, ms, write_section, Samples};
use crate::sync::bench_database_url;

fn server_exe() -> PathBuf {
    std::env::current_exe()
        .expect("current exe")
        .with_file_name("workshoppilot-server")
}

/// The URL of the scratch database `pool` is on, on the PostgreSQL of `admin`.
pub(crate) fn database_url(admin: &str, pool: &sqlx::PgPool) -> String {
    let name = pool
        .connect_options()
        .get_database()
        .expect("a database name")
        .to_string();
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    format!("{base}/{name}")
}

/// A `workshoppilot-server serve` process on a loopback port; killed when dropped.
pub(crate) struct ServerProcess {
    pub child: Child,
    pub base: String,
    pub port: u16,
}

impl ServerProcess {
    /// On a free port.
    pub fn start(database_url: &str) -> ServerProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        ServerProcess::start_on(database_url, port)
    }

    /// On `port` (a restart takes the port it had).
    pub fn start_on(database_url: &str, port: u16) -> ServerProcess {
        let child = Command::new(server_exe())
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", database_url)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("run workshoppilot-server (build it with --release first)");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        ServerProcess { child, base, port }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The API, noting when each push was acknowledged.
struct Timed<'a> {
    api: &'a Api,
    acked: Cell<Option<Instant>>,
}

impl Transport for Timed<'_> {
    async fn push(
        &self,
        request: &PushRequest,
    ) -> Result<Result<PushResponse, PushRefused>, SyncError> {
        let answer = self.api.push(request).await;
        self.acked.set(Some(Instant::now()));
        answer
    }

    async fn pull(
        &self,
        cursor: &str,
        seen: &str,
        limit: u32,
        client_id: &str,
    ) -> Result<PullResponse, SyncError> {
        self.api.pull(cursor, seen, limit, client_id).await
    }
}

fn note(path: &Path, workshop: &str) -> String {
    Store::open(path)
        .ok()
        .and_then(|s| s.note(workshop, None).ok().flatten())
        .map(|n| n.record.content)
        .unwrap_or_default()
}

/// A two-thread runtime and a scratch database named `prefix_…` with one user, Ada: the
/// runtime, the database's admin URL, its pool, Ada's id and token.
pub(crate) fn scratch_with_ada(
    prefix: &str,
) -> (
    tokio::runtime::Runtime,
    String,
    sqlx::PgPool,
    String,
    String,
) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let admin = bench_database_url();
    let (pool, user, token) = runtime.block_on(async {
        let pool = wp_server::scratch::database_at(&admin, prefix, 4)
            .await
            .expect("a database for the benchmark");
        let (user, token) = wp_server::auth::add_user(&pool, "Ada").await.unwrap();
        (pool, user, token)
    });
    (runtime, admin, pool, user, token)
}

pub fn run(pushes: usize) {
    let (runtime, admin, pool, user, token) = scratch_with_ada("wp_bench_pokes");
    let database_url = database_url(&admin, &pool);
    let writer_server = ServerProcess::start(&database_url);
    let reader_server = ServerProcess::start(&database_url);

    let dir = tempfile::tempdir().unwrap();
    let writer_db = dir.path().join("writer.db");
    let mut writer = Store::open(&writer_db).unwrap();
    writer.bind_account(&writer_server.base, &user).unwrap();
    let workshop = writer
        .create_workshop(Some("Poke latency"), "")
        .unwrap()
        .workshop
        .record
        .id;
    let api = Api::new(&writer_server.base, token.clone(), RetryPolicy::default()).unwrap();
    let timed = Timed {
        api: &api,
        acked: Cell::new(None),
    };
    runtime
        .block_on(sync_round(
            &mut writer,
            &timed,
            RoundOptions::default(),
            &mut |_| {},
        ))
        .unwrap();

    let reader_db = dir.path().join("reader.db");
    Store::open(&reader_db)
        .unwrap()
        .bind_account(&reader_server.base, &user)
        .unwrap();
    let (events, received) = mpsc::channel();
    let timing = Timing {
        // Timed rounds far apart: only pokes bring changes in quickly.
        idle: Duration::from_secs(600),
        ..Timing::default()
    };
    let reader = start_background(reader_db.clone(), timing, move |e| {
        if let SyncEvent::Pulled { .. } = e {
            let _ = events.send(Instant::now());
        }
    });
    reader.signed_in(Some(token.clone()), "Ada".into());
    let deadline = Instant::now() + Duration::from_secs(60);
    let arrived = |path: &Path| Store::open(path).is_ok_and(|s| s.workshop(&workshop).is_ok());
    while !reader.status().live || !arrived(&reader_db) {
        assert!(Instant::now() < deadline, "the reader never went live");
        std::thread::sleep(Duration::from_millis(20));
    }
    while received.try_recv().is_ok() {}

    eprintln!("{pushes} pushes...");
    let mut latencies = Vec::with_capacity(pushes);
    let mut missed = 0;
    for i in 0..pushes {
        let text = format!("Poke {i}");
        writer.set_note(&workshop, None, &text).unwrap();
        runtime
            .block_on(sync_round(
                &mut writer,
                &timed,
                RoundOptions::default(),
                &mut |_| {},
            ))
            .unwrap();
        let acked = timed.acked.take().expect("pushed");
        // Wait for the reader's round that committed this push's change.
        let deadline = acked + Duration::from_secs(10);
        let arrived = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match received.recv_timeout(left) {
                Ok(at) if note(&reader_db, &workshop) == text => break Some(at),
                Ok(_) => continue,
                Err(_) => break None,
            }
        };
        match arrived {
            Some(at) => latencies.push(at.saturating_duration_since(acked)),
            None => missed += 1,
        }
    }
    reader.signed_out();
    let samples = Samples::new(latencies);
    let p50 = samples.percentile(50.0);
    let p99 = samples.percentile(99.0);
    let body = format!(
        "## Sync: poke latency across two server processes\n\n\
         `scripts/bench.sh pokes` (`wp-bench pokes --pushes {pushes}`), release build, {machine}. \
         Two `workshoppilot-server serve` processes on one PostgreSQL 15 (each with its own LISTEN \
         connection); a writer desktop pushes a note change to one, one push at a time; another \
         desktop of the same user runs the app's background sync against the other, following its \
         event stream (timed rounds every 600 s, so only pokes bring changes). Measured: from the \
         push's acknowledgement to the reader's `Pulled` event, sent once its round committed \
         the change.\n\n\
         | pushes | arrived | p50 | p99 | max |\n|---|---|---|---|---|\n\
         | {pushes} | {} | {} ms | {} ms | {} ms |\n\n\
         - Targets: p50 under 100 ms: {}; p99 under 1 s: {}.\n\
         - Changes that did not arrive within 10 s: {missed}.\n",
        samples.len(),
        ms(p50),
        ms(p99),
        ms(samples.percentile(100.0)),
        if p50 < Duration::from_millis(100) && missed == 0 {
            "met"
        } else {
            "missed"
        },
        if p99 < Duration::from_secs(1) && missed == 0 {
            "met"
        } else {
            "missed"
        },
        machine = machine(),
    );
    write_section("pokes", &body);
}
