//! Typing during a first sync: the time from a keystroke's save to "Saved" (the note
//! editor's autosave: `Store::set_note` on the app's command connection, committed, then
//! background sync nudged, as `AppState::change` does), while background sync
//! (`wp_sync::background`, its own thread and connection) pulls a first sync of N workshops,
//! against the same saves with no sync running, in the same run (before the sync, and before
//! each write of the pages below, so the baseline spans the run).
//!
//! The IPC hop and the UI's own pause before saving are the same with and without a sync,
//! so they are left out: what a sync can slow down is the store write.
//!
//! A third phase splits the app's share from the server's: the same pages, fetched before
//! any timing, are written by a background store (`Store::set_background`, as background
//! sync writes them) into a new database while the note is typed there, with no server
//! working meanwhile (five times, for as many saves as during the sync). On this machine the
//! server and PostgreSQL share the two cores with the app; in use they are on another
//! machine.

use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use wp_domain::protocol::PullResponse;
use wp_store::Store;
use wp_sync::background::APP_PULL_PAGE;
use wp_sync::{start_background, Api, Phase, RetryPolicy, SyncEvent, Timing};

use crate::report::{cores, machine, ms, ratio, write_section, Samples};
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

/// Nanoseconds this thread has spent runnable but waiting for a CPU (the second field of
/// Linux's `/proc/thread-self/schedstat`); `None` where the kernel does not report it.
fn runqueue_wait() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let waited: u64 = stat.split_whitespace().nth(1)?.parse().ok()?;
    Some(Duration::from_nanos(waited))
}

/// One save: how long it took, and how much of that the typing thread spent waiting for a
/// CPU (`None` where the kernel does not say).
struct Save {
    took: Duration,
    waited_for_cpu: Option<Duration>,
}

/// Saves the note with one more character each time until `until` says stop.
fn type_note(
    store: &mut Store,
    workshop: &str,
    nudge: &dyn Fn(),
    mut until: impl FnMut(usize) -> bool,
) -> Vec<Save> {
    let mut text = String::from("Typing: ");
    let mut saves = Vec::new();
    while !until(saves.len()) {
        text.push(char::from(b'a' + (saves.len() % 26) as u8));
        let queued = runqueue_wait();
        let t = Instant::now();
        store.set_note(workshop, None, &text).expect("save note");
        nudge();
        let took = t.elapsed();
        let waited_for_cpu = queued
            .zip(runqueue_wait())
            .map(|(a, b)| b.saturating_sub(a));
        saves.push(Save {
            took,
            waited_for_cpu,
        });
        std::thread::sleep(EVERY);
    }
    saves
}

/// The pages of a first sync of the bench's user, fetched with the app's page size before
/// anything is timed (as a client named `recorder`, so the typing clients' own ids stay new).
fn fetch_pages(runtime: &tokio::runtime::Runtime, base: &str, token: &str) -> Vec<PullResponse> {
    let api = Api::new(base, token.to_string(), RetryPolicy::default()).unwrap();
    let (mut cursor, mut seen) = (String::new(), String::new());
    let mut pages = Vec::new();
    loop {
        let page = runtime
            .block_on(api.pull(&cursor, &seen, APP_PULL_PAGE, "recorder"))
            .expect("fetch a page");
        cursor.clone_from(&page.cursor);
        seen.clone_from(&page.seen);
        let more = page.has_more;
        pages.push(page);
        if !more {
            return pages;
        }
    }
}

/// How many times the fetched pages are written with no server working, each into a new
/// database: 5, so that their saves are about as many as during the sync (the pages take a
/// fifth of its time).
const WRITES_WITHOUT_SERVER: usize = 5;

/// Saves with no sync before the sync: 400 (10 s).
const QUIET_FIRST: usize = 400;

/// Saves with no sync before each write of the pages, into its new database: 100, so the
/// quiet baseline spans the run rather than its first 10 s only (this machine's quiet p99
/// moves between 1.1 and 2.3 ms from one minute to the next).
const QUIET_BEFORE_EACH_WRITE: usize = 100;

/// Types into a new workshop of the database at `db`, first [`QUIET_BEFORE_EACH_WRITE`]
/// times with nothing else writing, then while a background store writes `pages` into it
/// on its own thread; returns the quiet saves, the saves during the writing, and how long
/// the pages took.
fn type_while_written(
    db: &std::path::Path,
    pages: Arc<Vec<PullResponse>>,
) -> (Vec<Save>, Vec<Save>, Duration) {
    let mut store = Store::open(db).unwrap();
    let workshop = store
        .create_workshop(Some("Typed in"), "")
        .unwrap()
        .workshop
        .record
        .id;
    let quiet = type_note(&mut store, &workshop, &|| {}, |n| {
        n >= QUIET_BEFORE_EACH_WRITE
    });
    let (done_tx, done) = mpsc::channel();
    let path = db.to_path_buf();
    let started = Instant::now();
    let writer = std::thread::spawn(move || {
        let mut background = Store::open(&path).unwrap();
        background.set_background().unwrap();
        for page in pages.iter() {
            background
                .apply_pull_page(page, false)
                .expect("write a page");
        }
        let _ = done_tx.send(started.elapsed());
    });
    let mut took = None;
    let saves = type_note(&mut store, &workshop, &|| {}, |_| {
        took = took.or_else(|| done.try_recv().ok());
        took.is_some()
    });
    writer.join().unwrap();
    (quiet, saves, took.unwrap())
}

/// How many of `saves` took longer than `bound`, and how many of those spent 1 ms or more
/// runnable but waiting for a CPU (left out where the kernel does not say), as a sentence's end.
fn slow_note(saves: &[Save], bound: Duration) -> String {
    let slow: Vec<&Save> = saves.iter().filter(|s| s.took > bound).collect();
    let waited: Option<usize> = slow
        .iter()
        .map(|s| {
            s.waited_for_cpu
                .map(|w| usize::from(w >= Duration::from_millis(1)))
        })
        .sum();
    let head = format!(
        "{} took longer than the target's bound (1.2 times the quiet p99)",
        slow.len()
    );
    match waited {
        Some(waited) => format!(
            "{head}, {waited} of them spending 1 ms or more runnable but waiting for a CPU \
             (the typing thread's run-queue wait in `/proc/thread-self/schedstat`)"
        ),
        None => head,
    }
}

pub fn run(workshops: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (base, _pool, user, token) = seeded_server(&runtime, workshops);
    let pages = fetch_pages(&runtime, &base, &token);
    let db = new_client(dir.path(), "typing.db", &base, &user);
    let mut store = Store::open(&db).unwrap();
    let workshop = store
        .create_workshop(Some("Typed in"), "")
        .unwrap()
        .workshop
        .record
        .id;

    eprintln!("typing with no sync...");
    let mut quiet = type_note(&mut store, &workshop, &|| {}, |n| n >= QUIET_FIRST);

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
    // Stops background sync: no round of it overlaps the next phase.
    drop(handle);
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

    eprintln!("typing while the same pages are written with no server working...");
    let page_count = pages.len();
    let pages = Arc::new(pages);
    let (mut local, mut local_time) = (Vec::new(), Duration::ZERO);
    for round in 0..WRITES_WITHOUT_SERVER {
        let second = new_client(dir.path(), &format!("pages-{round}.db"), &base, &user);
        let (quiet_here, saves, took) = type_while_written(&second, pages.clone());
        quiet.extend(quiet_here);
        local.extend(saves);
        local_time += took;
        let listed = Store::open(&second)
            .unwrap()
            .list_workshops(&wp_store::WorkshopFilter::default())
            .unwrap()
            .len();
        assert_eq!(listed, workshops + 1, "the pages held every workshop");
        std::fs::remove_file(&second).unwrap();
    }
    let quiet_saves = quiet.len();
    let quiet = Samples::new(quiet.into_iter().map(|s| s.took).collect());
    let bound = quiet.percentile(99.0).mul_f64(1.2);
    let during_note = slow_note(&during, bound);
    let during = Samples::new(during.into_iter().map(|s| s.took).collect());
    let local_note = slow_note(&local, bound);
    let local = Samples::new(local.into_iter().map(|s| s.took).collect());
    let (q50, q99) = (quiet.percentile(50.0), quiet.percentile(99.0));
    let target = |ours: Duration, base: Duration| {
        if ours.as_secs_f64() <= base.as_secs_f64() * 1.2 {
            "met"
        } else {
            "not met"
        }
    };
    let row = |name: &str, s: &Samples| {
        format!(
            "| {name} | {} ms | {} ms | {} ms |\n| ratio | {} | {} | |\n",
            ms(s.percentile(50.0)),
            ms(s.percentile(99.0)),
            ms(s.percentile(100.0)),
            ratio(s.percentile(50.0), q50),
            ratio(s.percentile(99.0), q99),
        )
    };
    let body = format!(
        "## Typing during a first sync: a keystroke's save to \"Saved\"\n\n\
         `scripts/bench.sh typing` (`wp-bench typing --workshops {workshops}`), release build, {machine}. \
         A note saved with one more character every 25 ms on the app's command connection \
         (`Store::set_note`, committed, then background sync nudged, as the app's `save_note` does), \
         with no sync running ({quiet_saves} saves: {QUIET_FIRST} before the sync, then \
         {QUIET_BEFORE_EACH_WRITE} before each write of the pages below, so the baseline spans the run), \
         and while background sync (its own thread and \
         SQLite connection) pulls a first sync of {workshops} workshops with PawPal's outputs from the \
         server on loopback ({} saves over the {:.1} s the sync took). The IPC hop and the note \
         editor's pause before saving are the same in both and left out. During the sync this \
         process wrote {written:.0} MiB to disk (the kernel's `write_bytes`: the sync's pages \
         in the WAL, its checkpoints into the database file, and the saves) for a database of \
         {db_mib:.0} MiB at its end.\n\n\
         The server and PostgreSQL run on the same {cores} cores as the app here. To tell the app's \
         share from theirs, the same {page_count} pages, fetched before any timing, are then written by \
         a background store (`Store::set_background`, as background sync writes them) into a \
         new database while the note is typed there (after its quiet saves), with no server working, {WRITES_WITHOUT_SERVER} times \
         ({} saves over the {:.1} s the pages took in all): the pace a first sync has when the \
         server is faster than the app.\n\n\
         | | p50 | p99 | max |\n|---|---|---|---|\n\
         | no sync | {} ms | {} ms | {} ms |\n\
         {}\
         {}\n\
         - Target within 1.2x, during the first sync: p50 {}, p99 {}; while the pages were written \
         with no server working: p50 {}, p99 {}.\n\
         - Of the saves during the first sync, {during_note}.\n\
         - Of the saves while the pages were written with no server working, {local_note}.\n",
        during.len(),
        sync_time.as_secs_f64(),
        local.len(),
        local_time.as_secs_f64(),
        ms(q50),
        ms(q99),
        ms(quiet.percentile(100.0)),
        row("during the first sync", &during),
        row("pages written, no server working", &local),
        target(during.percentile(50.0), q50),
        target(during.percentile(99.0), q99),
        target(local.percentile(50.0), q50),
        target(local.percentile(99.0), q99),
        machine = machine(),
        cores = cores(),
    );
    write_section("typing", &body);
}
