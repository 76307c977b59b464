//! Sync: a first sync of N workshops (10 steps with PawPal's outputs each, and a note) from
//! the server into an empty desktop database, against a floor measured in the same run (the
//! same rows read from PostgreSQL with COPY and written to SQLite in one transaction); a
//! no-op sync; a push of 1,000 queued changes; and a first sync killed halfway, then resumed.
//!
//! The server runs in this process on loopback; the client is the release `workshoppilot`
//! binary in its own process, so that its peak memory is its own: its `VmHWM`, sampled from
//! `/proc` while it runs. (Not `getrusage` of the children: Rust spawns with `vfork`, and Linux
//! then counts this process's high-water RSS, server and seed data included, as the child's.)

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use wp_server::scratch;
use wp_store::{Store, WorkshopFilter};
use wp_sync::{sync_round, Api, RetryPolicy, RoundOptions};

use crate::report::{machine, ms, ratio, write_section, Samples};

const PAWPAL: &str = include_str!("../../../tests/fixtures/pawpal.workshop.json");

fn cli() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.with_file_name("workshoppilot")
}

/// A process's peak resident memory so far (`VmHWM` in `/proc/PID/status`), in MiB; `None`
/// once it has exited.
fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

/// The starting commit's CLI, for the first-sync comparison: `$WP_BENCH_BASE_CLI`, which
/// `scripts/bench.sh sync` builds from a git worktree of `$WP_BENCH_BASE_REV`.
fn base_cli() -> Option<PathBuf> {
    std::env::var_os("WP_BENCH_BASE_CLI")
        .map(PathBuf::from)
        .filter(|p| p.exists())
}

/// Runs `workshoppilot --db DB --json sync`; returns its wall time, its JSON report and its
/// peak resident memory in MiB (sampled every 2 ms).
fn cli_sync(db: &Path, token: &str) -> (Duration, Value, f64) {
    cli_sync_with(&cli(), db, token)
}

/// [`cli_sync`] with the CLI at `exe`.
fn cli_sync_with(exe: &Path, db: &Path, token: &str) -> (Duration, Value, f64) {
    let start = Instant::now();
    let mut child = Command::new(exe)
        .arg("--db")
        .arg(db)
        .args(["--json", "sync"])
        .env("WORKSHOPPILOT_TOKEN", token)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run workshoppilot (build it with --release first)");
    let pid = child.id();
    // Read the pipes on their own threads, so a full pipe never stalls the child.
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut buf).map(|_| buf)
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut buf)
            .map(|_| String::from_utf8_lossy(&buf).into_owned())
    });
    let mut peak: f64 = 0.0;
    let status = loop {
        if let Some(mib) = peak_rss_mib(pid) {
            peak = peak.max(mib);
        }
        if let Some(status) = child.try_wait().expect("wait for workshoppilot") {
            break status;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let elapsed = start.elapsed();
    let stdout = out.join().expect("stdout reader").expect("read stdout");
    let stderr = err.join().expect("stderr reader").unwrap_or_default();
    assert!(status.success(), "sync failed: {stderr}");
    (
        elapsed,
        serde_json::from_slice(&stdout).expect("sync --json"),
        peak,
    )
}

pub(crate) fn new_client(dir: &Path, name: &str, base: &str, user: &str) -> PathBuf {
    let path = dir.join(name);
    let mut store = Store::open(&path).expect("open client");
    store.bind_account(base, user).expect("bind");
    path
}

async fn seed(pool: &sqlx::PgPool, user: &str, n: usize) {
    let file: Value = serde_json::from_str(PAWPAL).unwrap();
    let outputs: serde_json::Map<String, Value> = wp_domain::STEPS
        .iter()
        .map(|d| (d.id.to_string(), file["steps"][d.id]["artifact"].clone()))
        .collect();
    let mut tx = pool.begin().await.unwrap();
    sqlx::query(
        "INSERT INTO workshops (id, owner_id, title, created_at, updated_at)
         SELECT 'ws_bench' || g, $1, 'Bench workshop ' || g, now(), now() FROM generate_series(1, $2) g",
    )
    .bind(user)
    .bind(n as i32)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO workshop_steps (id, workshop_id, step_id, status, output, started_at, updated_at)
         SELECT 'wst_bench' || g || '_' || d.position, 'ws_bench' || g, d.id,
                CASE WHEN d.position = 1 THEN 'in_progress' ELSE 'not_started' END,
                $2::jsonb -> d.id, CASE WHEN d.position = 1 THEN now() END, now()
         FROM generate_series(1, $1) g CROSS JOIN step_definitions d",
    )
    .bind(n as i32)
    .bind(Value::Object(outputs))
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO notes (id, workshop_id, user_id, content)
         SELECT 'note_bench' || g, 'ws_bench' || g, $1, 'Mochi feeds at 7; Biscuit walks at 6. Ask about the prescription diet.'
         FROM generate_series(1, $2) g",
    )
    .bind(user)
    .bind(n as i32)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn copy_out(conn: &mut sqlx::PgConnection, sql: String) -> Vec<u8> {
    use futures::TryStreamExt;
    let mut stream = conn.copy_out_raw(&sql).await.unwrap();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.try_next().await.unwrap() {
        bytes.extend_from_slice(&chunk);
    }
    bytes
}

/// The floor: the same rows read with COPY and written to SQLite in one transaction.
async fn floor(pool: &sqlx::PgPool, user: &str, path: &Path) -> (Duration, usize) {
    drop(Store::open(path).expect("schema"));
    let start = Instant::now();
    let mut conn = pool.acquire().await.unwrap();
    let workshops = copy_out(&mut conn, format!(
        "COPY (SELECT id, owner_id, title, original_idea, status, visibility, created_at, updated_at FROM workshops WHERE owner_id = '{user}') TO STDOUT WITH (FORMAT csv)"
    ))
    .await;
    let steps = copy_out(&mut conn, format!(
        "COPY (SELECT s.id, s.workshop_id, s.step_id, s.status, s.output::text, s.started_at, s.updated_at FROM workshop_steps s JOIN workshops w ON w.id = s.workshop_id WHERE w.owner_id = '{user}') TO STDOUT WITH (FORMAT csv)"
    ))
    .await;
    let notes = copy_out(&mut conn, format!(
        "COPY (SELECT id, workshop_id, step_id, content, created_at, updated_at FROM notes WHERE user_id = '{user}') TO STDOUT WITH (FORMAT csv)"
    ))
    .await;
    let mut sqlite = rusqlite::Connection::open(path).unwrap();
    let tx = sqlite.transaction().unwrap();
    let mut rows = 0;
    for (data, sql) in [
        (&workshops, "INSERT INTO workshops (id, owner_id, title, original_idea, status, visibility, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
        (&steps, "INSERT INTO workshop_steps (id, workshop_id, step_id, status, output, started_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, nullif(?6, ''), ?7)"),
        (&notes, "INSERT INTO notes (id, workshop_id, step_id, content, created_at, updated_at) VALUES (?1, ?2, nullif(?3, ''), ?4, ?5, ?6)"),
    ] {
        let mut stmt = tx.prepare(sql).unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(data.as_slice());
        for record in reader.records() {
            let record = record.unwrap();
            let values: Vec<&str> = record.iter().collect();
            stmt.execute(rusqlite::params_from_iter(values)).unwrap();
            rows += 1;
        }
    }
    tx.commit().unwrap();
    (start.elapsed(), rows)
}

/// The PostgreSQL the benchmarks make their databases on: `WP_TEST_DATABASE_URL` (which
/// `scripts/bench.sh` sets), else `DATABASE_URL`; exits with a hint when neither is set.
pub(crate) fn bench_database_url() -> String {
    std::env::var(scratch::DATABASE_URL_VAR)
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| {
            eprintln!(
                "set {} or DATABASE_URL (scripts/bench.sh starts PostgreSQL)",
                scratch::DATABASE_URL_VAR
            );
            std::process::exit(2)
        })
}

/// A fresh database on the benchmark's PostgreSQL with one user and `workshops` seeded
/// workshops, served by the real router on loopback in `runtime`. Returns the server's URL,
/// the pool, the user's id and token.
pub(crate) fn seeded_server(
    runtime: &tokio::runtime::Runtime,
    workshops: usize,
) -> (String, sqlx::PgPool, String, String) {
    let url = bench_database_url();
    runtime.block_on(async {
        let pool = scratch::database_at(&url, "wp_bench_sync", 20)
            .await
            .expect("a database for the benchmark");
        let (user, token) = wp_server::auth::add_user(&pool, "Bench").await.unwrap();
        eprintln!("seeding {workshops} workshops...");
        seed(&pool, &user, workshops).await;
        let base = scratch::serve(pool.clone()).await.unwrap();
        (base, pool, user, token)
    })
}

/// Interleaved runs of each first sync: 3, compared by their medians (`$WP_BENCH_RUNS`
/// changes it, for a quick look while working).
fn runs() -> usize {
    std::env::var("WP_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
}

/// The size of the user's snapshot stream in bytes: its JSON, as the wire carries it.
async fn snapshot_bytes(base: &str, token: &str) -> usize {
    use futures::TryStreamExt;
    let response = reqwest::Client::new()
        .get(format!("{base}/api/sync/snapshot"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let mut stream = response.bytes_stream();
    let mut total = 0;
    while let Some(chunk) = stream.try_next().await.unwrap() {
        total += chunk.len();
    }
    total
}

pub fn run(workshops: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (base, pool, user, token) = seeded_server(&runtime, workshops);

    let rows = workshops * 12; // workshop, 10 steps, note
    let t = Instant::now();
    let json_bytes = runtime.block_on(snapshot_bytes(&base, &token));
    let download = t.elapsed();
    eprintln!("the snapshot alone, read and dropped: {} ms", ms(download));
    let download_line = format!(
        "- The server alone: the snapshot read over loopback and dropped, no client writing: {} ms \
         (its first read after seeding).\n",
        ms(download)
    );
    let mb = |d: Duration| format!("{:.1}", json_bytes as f64 / 1e6 / d.as_secs_f64());

    // Three interleaved runs of each: the starting commit's CLI (pages), this CLI (the
    // snapshot), the floor; medians compared.
    let base_exe = base_cli();
    let (mut base_runs, mut first_runs, mut floor_runs) = (Vec::new(), Vec::new(), Vec::new());
    let mut first_peak: f64 = 0.0;
    let mut base_peak: f64 = 0.0;
    let mut first = PathBuf::new();
    let mut report = Value::Null;
    let runs = runs();
    for run in 0..runs {
        if let Some(exe) = &base_exe {
            eprintln!("run {run}: the starting commit's first sync...");
            // Its own schema: that CLI signs the database in itself.
            let db = dir.path().join(format!("base{run}.db"));
            let login = Command::new(exe)
                .arg("--db")
                .arg(&db)
                .args(["login", "--no-keyring", "--server", &base])
                .env("WORKSHOPPILOT_TOKEN", &token)
                .output()
                .expect("run the starting commit's CLI");
            assert!(login.status.success(), "{login:?}");
            let (t, _, peak) = cli_sync_with(exe, &db, &token);
            base_runs.push(t);
            base_peak = base_peak.max(peak);
        }
        eprintln!("run {run}: first sync...");
        first = new_client(dir.path(), &format!("first{run}.db"), &base, &user);
        let (t, r, peak) = cli_sync(&first, &token);
        first_runs.push(t);
        first_peak = first_peak.max(peak);
        report = r;
        eprintln!("run {run}: floor...");
        let (t, floor_rows) = runtime.block_on(floor(
            &pool,
            &user,
            &dir.path().join(format!("floor{run}.db")),
        ));
        assert_eq!(floor_rows, rows, "the floor moves the same rows");
        floor_runs.push(t);
    }
    let first_time = Samples::new(first_runs).percentile(50.0);
    let floor_time = Samples::new(floor_runs).percentile(50.0);
    let base_time = (!base_runs.is_empty()).then(|| Samples::new(base_runs).percentile(50.0));
    let pulled = report["report"]["rowsWritten"].as_u64().unwrap_or(0) as usize;
    let streamed = report["report"]["snapshotWorkshops"].as_u64().unwrap_or(0) as usize;
    assert_eq!(streamed, workshops, "one snapshot brought every workshop");
    let listed = Store::open(&first)
        .unwrap()
        .list_workshops(&WorkshopFilter::default())
        .unwrap()
        .len();
    assert_eq!(listed, workshops, "every workshop arrived");

    eprintln!("resumed first sync...");
    let resumed = new_client(dir.path(), "resumed.db", &base, &user);
    let mut child = Command::new(cli())
        .arg("--db")
        .arg(&resumed)
        .arg("sync")
        .env("WORKSHOPPILOT_TOKEN", &token)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(first_time / 2);
    let _ = child.kill();
    let _ = child.wait();
    let applied_before_kill = Store::open(&resumed)
        .unwrap()
        .list_workshops(&WorkshopFilter::default())
        .unwrap()
        .len();
    let (resume_time, resume_report, _) = cli_sync(&resumed, &token);
    let resent = resume_report["report"]["snapshotWorkshops"]
        .as_u64()
        .unwrap_or(0) as usize;
    assert_eq!(
        applied_before_kill + resent,
        workshops,
        "the resumed stream sent only the workshops not applied"
    );

    eprintln!("the app's first sync (a background store, in this process)...");
    let app_db = new_client(dir.path(), "app.db", &base, &user);
    let app_time = runtime.block_on(async {
        let mut store = Store::open(&app_db).unwrap();
        store.set_background().unwrap();
        let api = Api::new(&base, token.clone(), RetryPolicy::default()).unwrap();
        let options = RoundOptions {
            pull_page: wp_sync::background::APP_PULL_PAGE,
            ..RoundOptions::default()
        };
        let t = Instant::now();
        let r = sync_round(&mut store, &api, options, &mut |_| {})
            .await
            .unwrap();
        assert_eq!(r.snapshot_workshops, workshops, "{r:?}");
        t.elapsed()
    });

    eprintln!("no-op syncs and a push of 1,000...");
    let (noop, push_time, push_baseline) = runtime.block_on(async {
        let mut store = Store::open(&first).unwrap();
        let api = Api::new(&base, token.clone(), RetryPolicy::default()).unwrap();
        let mut noop = Vec::new();
        for _ in 0..50 {
            let t = Instant::now();
            let r = sync_round(&mut store, &api, RoundOptions::default(), &mut |_| {})
                .await
                .unwrap();
            noop.push(t.elapsed());
            assert_eq!(r.rows_written + r.applied, 0);
        }
        let ids: Vec<String> = store
            .list_workshops(&WorkshopFilter::default())
            .unwrap()
            .into_iter()
            .take(1000)
            .map(|w| w.workshop.record.id)
            .collect();
        for (i, id) in ids.iter().enumerate() {
            store
                .set_note(id, None, &format!("Pushed note {i}"))
                .unwrap();
        }
        let t = Instant::now();
        let r = sync_round(&mut store, &api, RoundOptions::default(), &mut |_| {})
            .await
            .unwrap();
        let push_time = t.elapsed();
        assert_eq!(r.applied, ids.len(), "{r:?}");
        // Baseline: the same 1,000 note writes straight to PostgreSQL, one transaction each.
        let t = Instant::now();
        for (i, id) in ids.iter().enumerate() {
            sqlx::query("UPDATE notes SET content = $3, rev = rev + 1 WHERE workshop_id = $1 AND user_id = $2 AND step_id IS NULL")
                .bind(id)
                .bind(&user)
                .bind(format!("Direct note {i}"))
                .execute(&pool)
                .await
                .unwrap();
        }
        (Samples::new(noop), push_time, t.elapsed())
    });

    let rows_per_s = |d: Duration| format!("{:.0}", rows as f64 / d.as_secs_f64());
    let base_row = match base_time {
        Some(t) => format!(
            "| the starting commit's CLI ({}): pages of up to 2,000 rows | {} ms | {} | {} | {} | {base_peak:.0} MiB |\n",
            std::env::var("WP_BENCH_BASE_REV").unwrap_or_default(),
            ms(t),
            rows_per_s(t),
            mb(t),
            ratio(t, floor_time),
        ),
        None => String::new(),
    };
    let speedup = base_time.map_or_else(
        || "not measured (no `WP_BENCH_BASE_CLI`)".to_string(),
        |t| format!("{:.2}x", t.as_secs_f64() / first_time.as_secs_f64()),
    );
    let body = format!(
        "## Sync: first sync, no-op sync, a push of 1,000, a resumed first sync\n\n\
         `scripts/bench.sh sync` (`wp-bench sync --workshops {workshops}`), release build, {machine}. \
         The server runs in the benchmark's process on loopback against PostgreSQL 15; each client is \
         a release `workshoppilot sync` in its own process. Seeded: {workshops} workshops, each with \
         10 steps carrying PawPal's outputs (2.4 KB each on average) and a note: {rows} rows, \
         {json_mb:.0} MB as the snapshot's JSON. Medians of {runs} interleaved runs of each of the first three rows.\n\n\
         | what | time | rows/s | MB/s | vs floor | peak memory |\n|---|---|---|---|---|---|\n\
         {base_row}\
         | this CLI: one streamed snapshot | {} ms | {} | {} | {} | {first_peak:.0} MiB |\n\
         | floor: the same rows with COPY, into SQLite in one transaction | {} ms | {} | {} | 1.00x | |\n\
         | this CLI killed at half time, then run again | {} ms | | | {} | |\n\
         | the app's first sync (a background store: chunks of about 32 rows, flushed each) | {} ms | {} | | {} | |\n\n\
         - This CLI against the starting commit's: {speedup} faster (target 2.5x, goal 3.5x).\n\
         - Within 1.5x of the floor: {}. The app's first sync within 2x of the CLI's: {} ({}). Peak memory at most 64 MiB: {}.\n\
         {download_line}\
         - Rows written by the first sync: {pulled}, in one snapshot of {streamed} workshops.\n\
         - The kill left {applied_before_kill} workshops applied; the run after it was sent {resent}: only those it had not applied.\n\
         - No-op sync (nothing to push; one pull request), 50 rounds: p50 {} ms, p99 {} ms. Target under 20 ms: {}.\n\
         - Push of 1,000 queued note changes (5 pushes of 200, then the pull): {} ms; the same 1,000 writes \
           sent straight to PostgreSQL, one statement each: {} ms ({}).\n",
        ms(first_time),
        rows_per_s(first_time),
        mb(first_time),
        ratio(first_time, floor_time),
        ms(floor_time),
        rows_per_s(floor_time),
        mb(floor_time),
        ms(resume_time),
        ratio(resume_time, floor_time),
        ms(app_time),
        rows_per_s(app_time),
        ratio(app_time, floor_time),
        if first_time.as_secs_f64() <= 1.5 * floor_time.as_secs_f64() { "met" } else { "missed" },
        if app_time.as_secs_f64() <= 2.0 * first_time.as_secs_f64() { "met" } else { "missed" },
        ratio(app_time, first_time),
        if first_peak <= 64.0 { "met" } else { "missed" },
        ms(noop.percentile(50.0)),
        ms(noop.percentile(99.0)),
        if noop.percentile(50.0) < Duration::from_millis(20) { "met" } else { "missed" },
        ms(push_time),
        ms(push_baseline),
        ratio(push_time, push_baseline),
        json_mb = json_bytes as f64 / 1e6,
        machine = machine(),
    );
    write_section("sync", &body);
}
