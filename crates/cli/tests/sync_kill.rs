//! SIGKILL during sync: `workshoppilot sync` is killed at random moments, 200 times, while
//! changes keep being made between the kills. After a last, uninterrupted sync, nothing is
//! lost or duplicated: the server holds exactly what the desktop holds, the queue is empty,
//! and the database passes `integrity_check`. Needs PostgreSQL (`WP_TEST_DATABASE_URL`).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PAWPAL: &str = include_str!("../../../tests/fixtures/pawpal.workshop.json");
const KILLS: usize = 200;

async fn server() -> (String, sqlx::PgPool) {
    let pool = wp_server::scratch::database("wp_kill", 10).await;
    let base = wp_server::scratch::serve(pool.clone()).await.unwrap();
    (base, pool)
}

/// A pseudo-random number from a counter (no clock), so a failing run can be replayed.
fn pseudo(i: u64) -> u64 {
    let mut x = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_killed_200_times_loses_and_duplicates_nothing() {
    let (base, pool) = server().await;
    let (user, token) = wp_server::auth::add_user(&pool, "Ada").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desktop.db");
    {
        let mut store = wp_store::Store::open(&db).unwrap();
        for _ in 0..3 {
            store.import_workshop(PAWPAL).unwrap();
        }
        // Signed in without the keyring: the CLI reads $WORKSHOPPILOT_TOKEN.
        store.bind_account(&base, &user).unwrap();
    }
    let mut edits = 0;
    let mut killed_mid_run = 0;
    // Durations of the syncs that ended before their kill, from a first guess of 50 ms.
    let mut finished = vec![Duration::from_millis(50)];
    for kill in 0..KILLS {
        if kill % 5 == 0 {
            // The user goes on working between syncs.
            let mut store = wp_store::Store::open(&db).unwrap();
            let list = store
                .list_workshops(&wp_store::WorkshopFilter::default())
                .unwrap();
            for (i, w) in list.iter().enumerate() {
                store
                    .set_note(&w.workshop.record.id, None, &format!("edit {kill}/{i}\n"))
                    .unwrap();
                edits += 1;
            }
            if kill % 20 == 0 {
                store
                    .create_workshop(Some(&format!("Made at kill {kill}")), "")
                    .unwrap();
                edits += 1;
            }
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_workshoppilot"))
            .arg("--db")
            .arg(&db)
            .arg("sync")
            .env("WORKSHOPPILOT_TOKEN", &token)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The kill lands at a random moment within how long a whole sync takes on this
        // machine now (the mean of the runs that finished before their kill), so most
        // kills hit a running sync however fast or loaded the machine is.
        let span = finished.iter().sum::<Duration>() / finished.len() as u32;
        let delay = Duration::from_micros(pseudo(kill as u64) % span.as_micros().max(1) as u64);
        let started = Instant::now();
        loop {
            if child.try_wait().unwrap().is_some() {
                finished.push(started.elapsed());
                break;
            }
            if started.elapsed() >= delay {
                killed_mid_run += 1;
                break;
            }
            tokio::time::sleep(Duration::from_micros(500)).await;
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
    }
    assert!(
        killed_mid_run >= KILLS / 2,
        "most kills land while sync runs ({killed_mid_run} of {KILLS})"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_workshoppilot"))
        .arg("--db")
        .arg(&db)
        .args(["--json", "sync"])
        .env("WORKSHOPPILOT_TOKEN", &token)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let store = wp_store::Store::open(&db).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let state = store.sync_state().unwrap().unwrap();
    assert_eq!((state.pending, state.rejections), (0, 0), "{state:?}");
    let local = store
        .list_workshops(&wp_store::WorkshopFilter::default())
        .unwrap();
    let server: Vec<(String, String)> =
        sqlx::query_as("SELECT id, title FROM workshops WHERE owner_id = $1 ORDER BY id")
            .bind(&user)
            .fetch_all(&pool)
            .await
            .unwrap();
    let mut mine: Vec<(String, String)> = local
        .iter()
        .map(|w| {
            (
                w.workshop.record.id.clone(),
                w.workshop.record.title.clone(),
            )
        })
        .collect();
    mine.sort();
    assert_eq!(mine, server, "the same workshops, none duplicated or lost");
    for w in &local {
        let note: String = sqlx::query_scalar(
            "SELECT content FROM notes WHERE workshop_id = $1 AND user_id = $2 AND step_id IS NULL",
        )
        .bind(&w.workshop.record.id)
        .bind(&user)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(
            note,
            store
                .note(&w.workshop.record.id, None)
                .unwrap()
                .unwrap()
                .record
                .content,
            "the last note typed reached the server"
        );
    }
    // Each of the client's mutation ids (gapless from 1; unsent saves of one note fold into
    // one) took effect once: the server's record, keyed by id, holds every id up to the
    // last, and no more.
    let processed: i64 = sqlx::query_scalar("SELECT count(*) FROM sync_mutations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(processed, state.last_mutation_id, "{edits} edits");
    assert!(processed > 0);
}
