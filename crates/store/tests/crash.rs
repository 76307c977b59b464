//! Durability under SIGKILL: a child process saves notes (or step outputs, which save
//! themselves as the user types, like notes) as fast as it can and reports each save after
//! the store returned; it is killed at a random moment. Every save it reported must be in
//! the database afterwards, and the database must pass `integrity_check`.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;
use wp_store::Store;

const DB_ENV: &str = "WP_CRASH_CHILD_DB";
const WORKSHOP_ENV: &str = "WP_CRASH_CHILD_WORKSHOP";

/// The child's store, workshop and first save number, from the environment its parent set.
fn child() -> (Store, String, u64) {
    let (Ok(db), Ok(workshop)) = (std::env::var(DB_ENV), std::env::var(WORKSHOP_ENV)) else {
        panic!("run by a committed_…_survive_sigkill test only");
    };
    let start = std::env::var("WP_CRASH_CHILD_START")
        .unwrap()
        .parse()
        .unwrap();
    (Store::open(db).unwrap(), workshop, start)
}

/// The child: saves notes in a loop and prints `committed N` after each save returns.
/// Run only by `committed_note_saves_survive_sigkill`, which sets the environment.
#[test]
#[ignore = "the child process of committed_note_saves_survive_sigkill"]
fn crash_child_saves_notes() {
    let (mut store, workshop, start) = child();
    for i in start.. {
        let step = ["persona", "concept", "validate"][(i % 3) as usize];
        let padding = "lorem ipsum ".repeat((i % 7 * 400) as usize);
        store
            .set_note(&workshop, Some(step), &format!("save {i}\n{padding}"))
            .unwrap();
        println!("committed {i}");
    }
}

/// The child: saves the challenge step's output in a loop, its problem statement naming the
/// save, and prints `committed N` after each save returns. Run only by
/// `committed_output_saves_survive_sigkill`.
#[test]
#[ignore = "the child process of committed_output_saves_survive_sigkill"]
fn crash_child_saves_outputs() {
    let (mut store, workshop, start) = child();
    for i in start.. {
        let padding = "lorem ipsum ".repeat((i % 7 * 40) as usize);
        let output = json!({
            "problemStatement": format!("save {i}\n{padding}"),
            "targetUser": "Busy urban professionals who own one or more pets",
            "desiredOutcome": "Fewer missed vet appointments",
            "hmwStatement": format!("How might we keep save {i}?"),
            "altitude": "balanced",
        });
        store
            .save_step_output(&workshop, "challenge", output)
            .unwrap();
        println!("committed {i}");
    }
}

/// The save number `text` ("save N\n…") names.
fn save_number(text: &str) -> Option<u64> {
    text.strip_prefix("save ")?.split('\n').next()?.parse().ok()
}

fn pseudo_random(seed: u64, range: std::ops::Range<u64>) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    let x = (nanos ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)).wrapping_mul(0x2545_F491_4F6C_DD1D);
    range.start + x % (range.end - range.start)
}

/// Six rounds of the child test `child_test` saving into a new workshop of a new database,
/// each killed at a random moment once it is saving; after each, `check(store, workshop,
/// round, reported)` looks at what survived and returns the number the next round starts
/// from.
fn kill_rounds(child_test: &str, mut check: impl FnMut(&Store, &str, u64, &[u64]) -> u64) {
    let (dir, mut store) = common::store();
    let workshop = store
        .create_workshop(Some("Crash"), "")
        .unwrap()
        .workshop
        .record
        .id;
    drop(store);
    let db = dir.path().join("test.db");
    let mut next = 0u64;
    let mut total_reported = 0;
    for round in 0..6 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                child_test,
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DB_ENV, &db)
            .env(WORKSHOP_ENV, &workshop)
            .env("WP_CRASH_CHILD_START", next.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for n in BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| {
                    l.strip_prefix("committed ")
                        .and_then(|n| n.parse::<u64>().ok())
                })
            {
                if tx.send(n).is_err() {
                    break;
                }
            }
        });
        // The kill lands at a random moment once the child is saving: timed from its first
        // commit, not from its start, which a loaded machine can delay by seconds.
        let first = rx
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|e| panic!("round {round}: the child saved nothing: {e}"));
        std::thread::sleep(Duration::from_millis(pseudo_random(round, 0..550)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let reported: Vec<u64> = std::iter::once(first).chain(rx.iter()).collect();

        let store = Store::open(&db).unwrap();
        assert_eq!(store.integrity_check().unwrap(), "ok", "round {round}");
        next = check(&store, &workshop, round, &reported);
        total_reported += reported.len();
    }
    assert!(
        total_reported > 20,
        "too few saves to mean anything: {total_reported}"
    );
}

#[test]
fn committed_output_saves_survive_sigkill() {
    kill_rounds(
        "crash_child_saves_outputs",
        |store, workshop, round, reported| {
            let last = *reported.last().unwrap();
            let output = store
                .workshop(workshop)
                .unwrap()
                .steps
                .into_iter()
                .find(|s| s.record.step_id == "challenge")
                .and_then(|s| s.record.output)
                .unwrap();
            let held = save_number(output["problemStatement"].as_str().unwrap()).unwrap();
            assert!(
                held >= last,
                "round {round}: the output holds save {held}, older than the reported {last}"
            );
            // The output is whole: both fields written by the same save.
            assert_eq!(
                output["hmwStatement"],
                format!("How might we keep save {held}?")
            );
            // Queued for the server: saves of one output fold into its unsent change, which
            // carries the newest.
            let queued = store
                .outbox(0, u32::MAX)
                .unwrap()
                .into_iter()
                .filter_map(|e| match e.mutation {
                    wp_domain::Mutation::SaveStepOutput { output, .. } => {
                        save_number(output["problemStatement"].as_str()?)
                    }
                    _ => None,
                })
                .max()
                .unwrap();
            assert_eq!(
                queued, held,
                "round {round}: the queue carries the output held"
            );
            held + 1
        },
    );
}

#[test]
fn committed_note_saves_survive_sigkill() {
    kill_rounds(
        "crash_child_saves_notes",
        |store, workshop, round, reported| {
            let saved: Vec<u64> = store
                .outbox(0, u32::MAX)
                .unwrap()
                .into_iter()
                .filter_map(|e| match e.mutation {
                    wp_domain::Mutation::SetNote { content, .. } => save_number(&content),
                    _ => None,
                })
                .collect();
            // Saves of one note fold into its unsent queued change (coalescing): each committed
            // save is queued, or a later save of the same note (the child rotates over three)
            // is, which carries it.
            for i in reported {
                assert!(
                    saved.iter().any(|j| j >= i && j % 3 == i % 3),
                    "round {round}: save {i} was reported committed but is missing"
                );
            }
            let last = *reported.last().unwrap();
            let step = ["persona", "concept", "validate"][(last % 3) as usize];
            let note = store.note(workshop, Some(step)).unwrap().unwrap();
            let in_note = save_number(&note.record.content).unwrap();
            assert!(
                in_note >= last,
                "round {round}: the note holds save {in_note}, older than the reported {last}"
            );
            saved.iter().max().unwrap() + 1
        },
    );
}
