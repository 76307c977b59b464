//! Typing during a first sync: the time from a keystroke's save to "Saved" (the note
//! editor's autosave: `Store::set_note` on the app's command connection, committed, then
//! background sync nudged, as `AppState::change` does), while background sync
//! (`wp_sync::background`, its own thread and connection) pulls a first sync of N workshops,
//! against the same saves with no sync running, in the same run.
//!
//! The IPC hop and the UI's own pause before saving are the same with and without a sync,
//! so they are left out: what a sync can slow down is the store write.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use wp_store::Store;
use wp_sync::{start_background, Phase, SyncEvent, Timing};

use crate::report::{machine, ms, ratio, write_section, Samples};
use crate::sync::{new_client, seeded_server};

/// A save every 25 ms: faster than anyone types in pauses, to gather many samples.
const EVERY: Duration = Duration::from_millis(25);

/// Bytes this process has caused to be written to storage so far (`write_bytes` in
/// `/proc/self/io`), in MiB; 0 where the kernel does not report it.
fn written_mib() -> f64 {
    std::fs::read_to_string("/proc/self/io")
        .ok()
        .and_then(|io| {
            io.lines()
                .find_map(|l| l.strip_prefix("write_bytes:"))
                .and_then(|v| v.trim().parse::<f64>().ok())
        })
        .map_or(0.0, |b| b / 1_048_576.0)
}

/// Saves the note with one more character each time until `until` says stop; returns the
/// latency of each save.
fn type_note(
    store: &mut Store,
    workshop: &str,
    nudge: &dyn Fn(),
    mut until: impl FnMut(usize) -> bool,
) -> Vec<Duration> {
    let mut text = String::from("Typing: ");
    let mut samples = Vec::new();
    while !until(samples.len()) {
        text.push(char::from(b'a' + (samples.len() % 26) as u8));
        let t = Instant::now();
        store.set_note(workshop, None, &text).expect("save note");
        nudge();
        samples.push(t.elapsed());
        std::thread::sleep(EVERY);
    }
    samples
}

pub fn run(workshops: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (base, _pool, user, token) = seeded_server(&runtime, workshops);
    let db = new_client(dir.path(), "typing.db", &base, &user);
    let mut store = Store::open(&db).unwrap();
    let workshop = store
        .create_workshop(Some("Typed in"), "")
        .unwrap()
        .workshop
        .id;

    eprintln!("typing with no sync...");
    let quiet = Samples::new(type_note(&mut store, &workshop, &|| {}, |n| n >= 400));

    eprintln!("typing during a first sync of {workshops} workshops...");
    let (tx, events) = mpsc::channel();
    let handle = start_background(db.clone(), Timing::default(), move |e| {
        let _ = tx.send(e);
    });
    let started = Instant::now();
    let written_before = written_mib();
    handle.signed_in(Some(token), "Bench".into());
    let mut synced_at = None;
    let mut syncing_seen = false;
    let nudge = || handle.nudge();
    let during = type_note(&mut store, &workshop, &nudge, |_| {
        for event in events.try_iter() {
            if let SyncEvent::Status(s) = event {
                match s.phase {
                    Phase::Syncing { first: true, .. } => syncing_seen = true,
                    Phase::Idle if syncing_seen => synced_at = Some(started.elapsed()),
                    Phase::Offline { message, .. } => panic!("sync failed: {message}"),
                    _ => {}
                }
            }
        }
        synced_at.is_some()
    });
    let sync_time = synced_at.unwrap();
    let written = written_mib() - written_before;
    let db_mib = ["", "-wal"]
        .iter()
        .map(|suffix| {
            let mut path = db.clone().into_os_string();
            path.push(suffix);
            std::fs::metadata(path).map_or(0, |m| m.len())
        })
        .sum::<u64>() as f64
        / 1_048_576.0;
    let listed = store
        .list_workshops(&wp_store::WorkshopFilter::default())
        .unwrap()
        .len();
    assert_eq!(
        listed,
        workshops + 1,
        "the first sync brought every workshop"
    );
    let during = Samples::new(during);

    let (p50, p99) = (during.percentile(50.0), during.percentile(99.0));
    let (q50, q99) = (quiet.percentile(50.0), quiet.percentile(99.0));
    let target = |ours: Duration, base: Duration| {
        if ours.as_secs_f64() <= base.as_secs_f64() * 1.2 {
            "met"
        } else {
            "not met"
        }
    };
    let body = format!(
        "## Typing during a first sync: a keystroke's save to \"Saved\"\n\n\
         `scripts/bench.sh typing` (`wp-bench typing --workshops {workshops}`), release build, {machine}. \
         A note saved with one more character every 25 ms on the app's command connection \
         (`Store::set_note`, committed, then background sync nudged, as the app's `save_note` does), \
         first with no sync running ({} saves), then while background sync (its own thread and \
         SQLite connection) pulls a first sync of {workshops} workshops with PawPal's outputs from the \
         server on loopback ({} saves over the {:.1} s the sync took). The IPC hop and the note \
         editor's pause before saving are the same in both and left out. During the sync this \
         process wrote {written:.0} MiB to disk (the kernel's `write_bytes`: the sync's pages \
         in the WAL, its checkpoints into the database file, and the saves) for a database of \
         {db_mib:.0} MiB at its end.\n\n\
         | | p50 | p99 | max |\n|---|---|---|---|\n\
         | no sync | {} ms | {} ms | {} ms |\n\
         | during the first sync | {} ms | {} ms | {} ms |\n\
         | ratio | {} | {} | |\n\n\
         - Target within 1.2x: p50 {}, p99 {}.\n",
        quiet.len(),
        during.len(),
        sync_time.as_secs_f64(),
        ms(q50),
        ms(q99),
        ms(quiet.percentile(100.0)),
        ms(p50),
        ms(p99),
        ms(during.percentile(100.0)),
        ratio(p50, q50),
        ratio(p99, q99),
        target(p50, q50),
        target(p99, q99),
        machine = machine(),
    );
    write_section("typing", &body);
}
