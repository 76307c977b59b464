//! Start-up of the desktop app under Xvfb: time from launch to the workshop list painted, and
//! the memory of the app's process tree (the Rust process and WebKit's web and network
//! processes), with 1,000 workshops in the database against an empty one, in the same run.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wp_store::Store;

use crate::report::{machine, ms, write_section, Samples};

const PAWPAL: &str = include_str!("../../../tests/fixtures/pawpal.workshop.json");

/// A data directory holding `n` workshops (PawPal, imported `n` times under distinct titles).
fn data_dir(root: &Path, n: usize) -> PathBuf {
    let dir = root.join(format!("data-{n}"));
    let mut store = Store::open(dir.join(wp_store::paths::DB_FILE)).expect("open store");
    let mut file: serde_json::Value = serde_json::from_str(PAWPAL).expect("fixture");
    for i in 0..n {
        file["title"] = serde_json::Value::String(format!("PawPal {i:04}"));
        store.import_workshop(&file.to_string()).expect("import");
    }
    dir
}

/// Processes whose ancestry leads to `root`, `root` included.
fn process_tree(root: u32) -> Vec<u32> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The command name may hold spaces: the parent pid is the second field after ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parents.push((pid, ppid));
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let p = tree[i];
        tree.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    tree
}

/// (RSS, PSS, anonymous PSS) of a process tree, in KiB, from /proc/<pid>/smaps_rollup.
fn memory(root: u32) -> (u64, u64, u64) {
    let (mut rss, mut pss, mut anon) = (0, 0, 0);
    for pid in process_tree(root) {
        let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) else {
            continue;
        };
        for line in text.lines() {
            let value = || {
                line.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            if line.starts_with("Rss:") {
                rss += value();
            } else if line.starts_with("Pss:") {
                pss += value();
            } else if line.starts_with("Pss_Anon:") {
                anon += value();
            }
        }
    }
    (rss, pss, anon)
}

struct Launch {
    painted: Duration,
    rss_kib: u64,
    pss_kib: u64,
    anon_kib: u64,
}

fn launch(app: &Path, data: &Path) -> Launch {
    let start = Instant::now();
    let mut child = Command::new(app)
        .env("WORKSHOPPILOT_DATA_DIR", data)
        .env("WORKSHOPPILOT_REPORT_PAINT", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("launch the app (build it with `cargo build --release -p workshoppilot-desktop`)");
    let stdout = child.stdout.take().expect("stdout");
    let mut painted = None;
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        if line.starts_with("WORKSHOPPILOT_PAINTED") {
            painted = Some(start.elapsed());
            break;
        }
        if start.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
    let painted = painted.expect("the app never reported its list painted");
    // Memory once the list is on screen and the page has settled.
    std::thread::sleep(Duration::from_millis(500));
    let (rss_kib, pss_kib, anon_kib) = memory(child.id());
    for pid in process_tree(child.id()).into_iter().rev() {
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
    }
    let _ = child.wait();
    Launch {
        painted,
        rss_kib,
        pss_kib,
        anon_kib,
    }
}

pub fn run(launches: usize) {
    if std::env::var_os("DISPLAY").is_none() {
        eprintln!("no DISPLAY: run under Xvfb (scripts/bench.sh app does)");
        std::process::exit(2);
    }
    let app = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/release/workshoppilot-desktop");
    let root = tempfile::tempdir().expect("tempdir");
    let full = data_dir(root.path(), 1000);
    let empty = data_dir(root.path(), 0);
    // One launch each to warm the disk cache, then alternate.
    launch(&app, &full);
    launch(&app, &empty);
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for _ in 0..launches {
        with.push(launch(&app, &full));
        without.push(launch(&app, &empty));
    }
    let stats = |runs: &[Launch]| {
        let times = Samples::new(runs.iter().map(|l| l.painted).collect());
        let max_rss = runs.iter().map(|l| l.rss_kib).max().unwrap_or(0);
        let max_pss = runs.iter().map(|l| l.pss_kib).max().unwrap_or(0);
        let max_anon = runs.iter().map(|l| l.anon_kib).max().unwrap_or(0);
        (times, max_rss, max_pss, max_anon)
    };
    let (t1, rss1, pss1, anon1) = stats(&with);
    let (t0, rss0, pss0, anon0) = stats(&without);
    let mib = |kib: u64| format!("{:.0}", kib as f64 / 1024.0);
    let body = format!(
        "## Desktop app: launch to the workshop list painted, and memory\n\n\
         Command: `scripts/bench.sh app` (builds the release app and wp-bench, then runs \
         `xvfb-run -a target/release/wp-bench app --launches {launches}`)  \n\
         Machine: {machine}; Xvfb 1400x900, software rendering.\n\n\
         Time is measured by the benchmark from spawning the binary to the app's report that the list \
         has been painted (two animation frames after it rendered). Memory is the whole process tree \
         (the app and WebKit's web and network processes) half a second later: RSS counts shared pages \
         once per process, PSS splits them, and anonymous PSS leaves out the shared libraries mapped \
         from disk (WebKitGTK's code). {launches} launches of each, alternating; worst of the runs for memory.\n\n\
         | database | launches | p50 to painted, ms | max to painted, ms | max RSS, MiB | max PSS, MiB | max anonymous PSS, MiB |\n|---|---|---|---|---|---|---|\n\
         | 1,000 workshops | {launches} | {a} | {b} | {rss1} | {pss1} | {anon1} |\n\
         | empty (baseline) | {launches} | {c} | {d} | {rss0} | {pss0} | {anon0} |\n\n\
         1,000 workshops against an empty database: {ratio:.2}x the time to painted (p50), {mratio:.2}x the memory (PSS).  \n\
         Goals: under 1 s and under 200 MB with 1,000 workshops.\n",
        machine = machine(),
        a = ms(t1.percentile(50.0)),
        b = ms(t1.percentile(100.0)),
        c = ms(t0.percentile(50.0)),
        d = ms(t0.percentile(100.0)),
        rss1 = mib(rss1),
        pss1 = mib(pss1),
        rss0 = mib(rss0),
        pss0 = mib(pss0),
        anon1 = mib(anon1),
        anon0 = mib(anon0),
        ratio = t1.percentile(50.0).as_secs_f64() / t0.percentile(50.0).as_secs_f64(),
        mratio = pss1 as f64 / pss0.max(1) as f64,
    );
    write_section("app", &body);
}
