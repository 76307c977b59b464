//! `login`, `sync`, `sync status`, `logout` on the command line against the real server and
//! PostgreSQL (`scripts/test.sh` sets `WP_TEST_DATABASE_URL`). The token comes from stdin at
//! login and from `$WORKSHOPPILOT_TOKEN` afterwards; no keyring is touched.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const PAWPAL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/pawpal.workshop.json"
);

fn run(db: &PathBuf, args: &[&str], token: Option<&str>, stdin: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_workshoppilot"));
    command
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("WORKSHOPPILOT_DB")
        .env_remove("WORKSHOPPILOT_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(t) = token {
        command.env("WORKSHOPPILOT_TOKEN", t);
    }
    let mut child = command.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn ok(db: &PathBuf, args: &[&str], token: Option<&str>) -> String {
    let out = run(db, args, token, "");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

async fn server() -> (String, sqlx::PgPool) {
    let pool = wp_server::scratch::database("wp_cli", 5).await;
    let base = wp_server::scratch::serve(pool.clone()).await.unwrap();
    (base, pool)
}

#[tokio::test(flavor = "multi_thread")]
async fn login_sync_and_a_second_machine_gets_the_same_workshop() {
    let (base, pool) = server().await;
    let (_, token) = wp_server::auth::add_user(&pool, "Ada").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));

    // Not signed in yet: a clear error and its own exit code.
    let out = run(&a, &["sync"], None, "");
    assert_eq!(
        out.status.code(),
        Some(8),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    ok(&a, &["import", PAWPAL], None);
    ok(&a, &["step", "advance", "PawPal", "challenge"], None);
    let login = tokio::task::spawn_blocking({
        let (a, base, token) = (a.clone(), base.clone(), token.clone());
        move || {
            run(
                &a,
                &["login", "--server", &base, "--no-keyring"],
                None,
                &format!("{token}\n"),
            )
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&login.stdout);
    assert!(
        login.status.success(),
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );
    assert!(
        stdout.contains("Signed in") && stdout.contains("Ada"),
        "{stdout}"
    );
    assert!(
        !stdout.contains(&token) && !String::from_utf8_lossy(&login.stderr).contains(&token),
        "the token is never printed"
    );

    // A plain-http URL to another machine is refused before the token travels.
    let out = run(
        &b,
        &["login", "--server", "http://example.com", "--no-keyring"],
        None,
        &format!("{token}\n"),
    );
    assert_eq!(
        out.status.code(),
        Some(9),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("plain http"));

    let sync_a = tokio::task::spawn_blocking({
        let (a, token) = (a.clone(), token.clone());
        move || ok(&a, &["sync"], Some(&token))
    });
    let text = sync_a.await.unwrap();
    assert!(text.contains("0 waiting"), "{text}");
    let status: Value = serde_json::from_str(&ok(&a, &["--json", "sync", "status"], None)).unwrap();
    assert_eq!(status["sync"]["pending"], 0);

    let b2 = b.clone();
    let (base2, token2) = (base.clone(), token.clone());
    tokio::task::spawn_blocking(move || {
        let login = run(
            &b2,
            &["login", "--server", &base2, "--no-keyring"],
            None,
            &format!("{token2}\n"),
        );
        assert!(
            login.status.success(),
            "{}",
            String::from_utf8_lossy(&login.stderr)
        );
        ok(&b2, &["sync"], Some(&token2));
    })
    .await
    .unwrap();
    let show = |db: &PathBuf| -> Value {
        serde_json::from_str(&ok(db, &["--json", "show", "PawPal"], None)).unwrap()
    };
    let (x, y) = (show(&a), show(&b));
    assert_eq!(x["workshop"]["id"], y["workshop"]["id"]);
    let workshop_id = x["workshop"]["id"].as_str().unwrap().to_string();
    for (s, t) in x["steps"]
        .as_array()
        .unwrap()
        .iter()
        .zip(y["steps"].as_array().unwrap())
    {
        assert_eq!(
            (&s["id"], &s["status"], &s["completedAt"]),
            (&t["id"], &t["status"], &t["completedAt"])
        );
    }

    // Both rename offline: B's rename loses, shows as a conflict (exit code 7) on B, and is
    // resolved from the command line; then neither machine lists a conflict.
    ok(&a, &["rename", "PawPal", "PawPal (A)"], None);
    ok(&b, &["rename", "PawPal", "PawPal (B)"], None);
    let (a2, b2, token2) = (a.clone(), b.clone(), token.clone());
    let (sync_b, listed) = tokio::task::spawn_blocking(move || {
        ok(&a2, &["sync"], Some(&token2));
        let sync_b = run(&b2, &["sync"], Some(&token2), "");
        let listed: Value =
            serde_json::from_str(&ok(&b2, &["--json", "conflicts", "list"], None)).unwrap();
        (sync_b, listed)
    })
    .await
    .unwrap();
    assert_eq!(
        sync_b.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&sync_b.stdout)
    );
    let conflict = &listed["conflicts"][0];
    assert_eq!(
        (
            conflict["kind"].as_str(),
            conflict["mine"].as_str(),
            conflict["theirs"].as_str()
        ),
        (Some("title"), Some("PawPal (B)"), Some("PawPal (A)"))
    );
    let id = conflict["id"].as_str().unwrap().to_string();
    ok(&b, &["conflicts", "resolve", &id, "--mine"], None);
    let (a2, b2, token2) = (a.clone(), b.clone(), token.clone());
    tokio::task::spawn_blocking(move || {
        ok(&b2, &["sync"], Some(&token2));
        ok(&a2, &["sync"], Some(&token2));
    })
    .await
    .unwrap();
    for db in [&a, &b] {
        assert!(ok(db, &["conflicts", "list"], None).contains("No open conflicts"));
        let shown: Value =
            serde_json::from_str(&ok(db, &["--json", "show", &workshop_id], None)).unwrap();
        assert_eq!(shown["workshop"]["title"], "PawPal (B)");
    }

    let out = ok(&b, &["logout"], None);
    assert!(out.contains("stay on this machine"), "{out}");
    // Another account on this database is refused: local notes carry no user.
    let (_, bob) = wp_server::auth::add_user(&pool, "Bob").await.unwrap();
    let out = tokio::task::spawn_blocking(move || {
        run(
            &b,
            &["login", "--server", &base, "--no-keyring"],
            None,
            &format!("{bob}\n"),
        )
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("belongs to user"));
}

/// Login keeps the token in the real keyring: sync needs no environment variable, and after
/// logout the keyring entry is gone and sync asks to sign in. Run by scripts/keyring-test.sh
/// (a gnome-keyring under dbus-run-session).
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: run by scripts/keyring-test.sh"]
async fn login_keeps_the_token_in_the_keyring_and_logout_deletes_it() {
    let (base, pool) = server().await;
    let (_, token) = wp_server::auth::add_user(&pool, "Kay").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let out = tokio::task::spawn_blocking(move || {
        let login = run(
            &db,
            &["login", "--server", &base],
            None,
            &format!("{token}\n"),
        );
        assert!(
            login.status.success(),
            "{}",
            String::from_utf8_lossy(&login.stderr)
        );
        ok(&db, &["create", "--title", "Kept in the keyring"], None);
        let synced = ok(&db, &["sync"], None);
        let logout = ok(&db, &["logout"], None);
        let after = run(&db, &["sync"], None, "");
        (synced, logout, after)
    })
    .await
    .unwrap();
    let (synced, logout, after) = out;
    assert!(synced.contains("1 sent"), "{synced}");
    assert!(
        logout.contains("the token is deleted from the keyring"),
        "{logout}"
    );
    assert_eq!(
        after.status.code(),
        Some(8),
        "{}",
        String::from_utf8_lossy(&after.stderr)
    );
}

/// Logs `db` in to `base` with `token` (kept out of the keyring).
async fn login(db: &Path, base: &str, token: &str) {
    let out = tokio::task::spawn_blocking({
        let (db, base, token) = (db.to_path_buf(), base.to_string(), token.to_string());
        move || {
            run(
                &db,
                &["login", "--server", &base, "--no-keyring"],
                None,
                &format!("{token}\n"),
            )
        }
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn members_add_shares_a_workshop_and_remove_takes_it_back() {
    let (base, pool) = server().await;
    let (_, ada) = wp_server::auth::add_user(&pool, "Ada").await.unwrap();
    let (bob_id, bob) = wp_server::auth::add_user(&pool, "Bob").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("ada.db"), dir.path().join("bob.db"));
    ok(&a, &["import", PAWPAL], None);
    login(&a, &base, &ada).await;
    login(&b, &base, &bob).await;

    let added = ok(
        &a,
        &[
            "members", "add", "PawPal", &bob_id, "--role", "viewer", "--json",
        ],
        None,
    );
    let members: Value = serde_json::from_str(&added).unwrap();
    assert_eq!(members[1]["userId"], bob_id.as_str());
    assert_eq!(members[1]["role"], "viewer");
    ok(&a, &["sync"], Some(&ada));
    ok(&b, &["sync"], Some(&bob));
    let listed: Value = serde_json::from_str(&ok(&b, &["list", "--json"], None)).unwrap();
    assert_eq!(
        listed.as_array().unwrap().len(),
        1,
        "Bob has the shared workshop"
    );
    // A viewer cannot share further: exit code 5, nothing changed.
    let out = run(&b, &["members", "add", "PawPal", &bob_id], None, "");
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    ok(&a, &["members", "remove", "PawPal", &bob_id], None);
    ok(&a, &["sync"], Some(&ada));
    ok(&b, &["sync"], Some(&bob));
    let listed: Value = serde_json::from_str(&ok(&b, &["list", "--json"], None)).unwrap();
    assert_eq!(
        listed,
        serde_json::json!([]),
        "Bob's copy went with his access"
    );
}

/// `sync --watch` keeps syncing: another machine's change arrives on its own, a round run
/// on the server's poke, until the process is stopped.
#[tokio::test(flavor = "multi_thread")]
async fn sync_watch_brings_another_machines_change_in_on_its_own() {
    let (base, pool) = server().await;
    let (_, token) = wp_server::auth::add_user(&pool, "Ada").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
    for db in [&a, &b] {
        let out = run(
            db,
            &["login", "--server", &base, "--no-keyring"],
            None,
            &format!("{token}\n"),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    ok(&a, &["create", "--title", "Watched"], Some(&token));
    ok(&a, &["sync"], Some(&token));
    ok(&b, &["sync"], Some(&token));

    let mut watch = Command::new(env!("CARGO_BIN_EXE_workshoppilot"))
        .arg("--db")
        .arg(&b)
        .args(["sync", "--watch"])
        .env_remove("WORKSHOPPILOT_DB")
        .env("WORKSHOPPILOT_TOKEN", &token)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first round and the stream opening take a moment; then A renames and syncs.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    ok(
        &a,
        &["rename", "Watched", "Watched (renamed)"],
        Some(&token),
    );
    ok(&a, &["sync"], Some(&token));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut listed = String::new();
    while std::time::Instant::now() < deadline {
        listed = ok(&b, &["list"], Some(&token));
        if listed.contains("Watched (renamed)") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    watch.kill().unwrap();
    let out = watch.wait_with_output().unwrap();
    assert!(
        listed.contains("Watched (renamed)"),
        "not brought in: {listed}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("row(s) received"), "{stdout}");
}
