//! The CLI end to end on the real PawPal workshop: import, complete every step, complete the
//! workshop, export the build pack in all three formats; and the errors a script sees.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const PAWPAL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/pawpal.workshop.json"
);

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Cli {
        Cli {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("cli.db")
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_workshoppilot"))
            .arg("--db")
            .arg(self.db())
            .args(args)
            .env_remove("WORKSHOPPILOT_DB")
            .env(
                "WORKSHOPPILOT_DATA_DIR",
                self.dir.path().join("unused-data-dir"),
            )
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty());
        String::from_utf8(out.stderr).unwrap()
    }

    fn import_pawpal(&self) -> String {
        let detail: Value = serde_json::from_str(&self.ok(&["--json", "import", PAWPAL])).unwrap();
        detail["workshop"]["id"].as_str().unwrap().to_string()
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn pawpal_from_import_to_exported_build_pack() {
    let cli = Cli::new();
    let id = cli.import_pawpal();
    for step in wp_domain::STEPS.iter().map(|d| d.id) {
        cli.ok(&["step", "advance", &id, step]);
    }
    let shown = cli.ok(&["show", "PawPal"]);
    assert!(shown.contains("10/10"), "{shown}");
    cli.ok(&["complete", &id]);
    cli.ok(&["complete", &id]); // idempotent
    let listed: Value = serde_json::from_str(&cli.ok(&["list", "--json"])).unwrap();
    assert_eq!(
        (
            listed[0]["status"].as_str(),
            listed[0]["stepsComplete"].as_u64()
        ),
        (Some("completed"), Some(10))
    );

    let out = cli.dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    for format in ["md", "html", "json"] {
        cli.ok(&[
            "build-pack",
            "export",
            &id,
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
        ]);
    }
    let md = read(&out.join("pawpal-build-pack.md"));
    assert!(
        md.contains("### Sarah Chen — Product Manager"),
        "the persona"
    );
    assert!(
        md.contains("> Given that busy multi-pet owners use 4+ disconnected tools and feel guilt when tasks slip, how might we help Sarah Chen"),
        "the reframed HMW"
    );
    let table: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with("| Stakeholder | Category | Power | Interest | Notes |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert_eq!(
        table.len(),
        6,
        "a stakeholder table with all six stakeholders: {table:#?}"
    );
    assert!(table[0].starts_with("| Pet Owners (Primary Users) | Core | High | High |"));
    for concept in ["PawPal Autopilot", "PawPal At-a-Glance"] {
        assert!(
            md.contains(&format!("#### SWOT — {concept}"))
                && md.contains(&format!("#### Feasibility — {concept}")),
            "{concept}"
        );
    }
    assert!(
        md.contains("| Technical | 4/5 |") && md.contains("| Technical | 5/5 |"),
        "both concepts' feasibility scores"
    );
    assert!(md.contains("## 13. Recommended Next Steps\n\n- [ ] Conduct 5-8 real interviews with multi-pet owners"), "next steps");

    let html = read(&out.join("pawpal-build-pack.html"));
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("Sarah Chen"));
    assert!(!html.to_ascii_lowercase().contains("<script"));

    let json: Value = serde_json::from_str(&read(&out.join("pawpal-build-pack.json")))
        .expect("the JSON export parses");
    assert_eq!(json["documents"][0]["kind"], "prd");
    assert_eq!(
        json["documents"][0]["content"]["solution"]["name"],
        "PawPal Autopilot"
    );

    let stored = cli.ok(&["build-pack", "generate", &id]);
    assert_eq!(stored.lines().count(), 9, "{stored}");
}

#[test]
fn notes_survive_and_over_long_notes_are_refused() {
    let cli = Cli::new();
    let id = cli.import_pawpal();
    cli.ok(&["note", "set", &id, "--text", "Ask about Mochi's diet"]);
    cli.ok(&[
        "note",
        "set",
        &id,
        "--step",
        "persona",
        "--text",
        "Composite persona",
    ]);
    let long = cli.dir.path().join("long.txt");
    std::fs::write(&long, "x".repeat(50_001)).unwrap();
    let err = cli.fails(&["note", "set", &id, "--file", long.to_str().unwrap()], 3);
    assert!(
        err.contains("note is 50001 characters; notes are limited to 50000 characters"),
        "{err}"
    );
    assert!(err.contains("nothing was changed"));
    assert_eq!(cli.ok(&["note", "show", &id]), "Ask about Mochi's diet\n");
    assert_eq!(
        cli.ok(&["note", "show", &id, "--step", "persona"]),
        "Composite persona\n"
    );
}

#[test]
fn errors_say_what_to_do_with_distinct_exit_codes() {
    let cli = Cli::new();
    let id = cli.import_pawpal();
    let err = cli.fails(&["show", "ws_nope"], 4);
    assert!(
        err.contains("workshop \"ws_nope\" not found") && err.contains("workshoppilot list"),
        "{err}"
    );
    let err = cli.fails(&["step", "start", &id, "brainstorm"], 4);
    assert!(err.contains("unknown step \"brainstorm\""), "{err}");
    let err = cli.fails(&["complete", &id], 5);
    assert!(
        err.contains(
            "All steps must be completed before finishing the workshop; not complete: challenge, "
        ),
        "{err}"
    );
    let err = cli.fails(&["rename", &id, &"t".repeat(101)], 3);
    assert!(err.contains("title must be 1 to 100 characters"), "{err}");

    let bad = cli.dir.path().join("bad-persona.json");
    let mut persona: Value = serde_json::from_str::<Value>(&read(Path::new(PAWPAL))).unwrap()
        ["steps"]["persona"]["artifact"]
        .clone();
    persona["age"] = Value::from(200);
    std::fs::write(&bad, persona.to_string()).unwrap();
    let err = cli.fails(
        &["step", "set-output", &id, "persona", bad.to_str().unwrap()],
        3,
    );
    assert!(err.contains("invalid output for step \"persona\": age must be a whole number from 18 to 100, got 200"), "{err}");
    let kept: Value = serde_json::from_str(&cli.ok(&["step", "output", &id, "persona"])).unwrap();
    assert_eq!(kept["age"], 32, "the previous output stays");

    let err = cli.fails(
        &[
            "build-pack",
            "export",
            &id,
            "--format",
            "pdf",
            "--out",
            "/tmp",
        ],
        3,
    );
    assert!(
        err.contains("unknown format \"pdf\"; use md, html or json"),
        "{err}"
    );
    let err = cli.fails(
        &[
            "build-pack",
            "export",
            &id,
            "--format",
            "md",
            "--out",
            "/no/such/dir/x.md",
        ],
        6,
    );
    assert!(err.contains("/no/such/dir/x.md"), "{err}");
}

#[test]
fn the_database_defaults_to_the_data_directory_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_workshoppilot"))
        .args(["create", "--title", "Env"])
        .env_remove("WORKSHOPPILOT_DB")
        .env("WORKSHOPPILOT_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("workshoppilot.db").exists());
}

#[test]
fn sessions_and_series_are_scheduled_listed_and_cancelled() {
    let cli = Cli::new();
    cli.ok(&["import", PAWPAL]);
    let start = (chrono::Utc::now() + chrono::Duration::days(7))
        .date_naive()
        .to_string();
    let base = [
        "series",
        "create",
        "PawPal",
        "--title",
        "Design sprint",
        "--every",
        "biweekly",
        "--days",
        "tue,sun",
        "--start",
        &start,
        "--time",
        "19:00",
        "--zone",
        "America/New_York",
        "--private",
    ];
    // The original's limit, named, exit code 3, nothing made.
    let mut too_many = base.to_vec();
    too_many.extend(["--count", "53"]);
    let out = cli.run(&too_many);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("count: Maximum 52 instances allowed"));

    let mut ten = base.to_vec();
    ten.extend(["--count", "10", "--json"]);
    let made: Value = serde_json::from_str(&cli.ok(&ten)).unwrap();
    let sessions = made["sessions"].as_array().unwrap();
    assert_eq!(
        sessions.len(),
        10,
        "ten fortnightly Tuesdays and Sundays within 90 days"
    );
    assert!(sessions.iter().all(|s| s["isPrivate"] == true));
    let series_id = made["series"]["id"].as_str().unwrap();
    assert!(made["series"]["rrule"]
        .as_str()
        .unwrap()
        .starts_with("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;COUNT=10"));

    // Cancel the third and all that follow: UNTIL replaces COUNT.
    let third = sessions[2]["id"].as_str().unwrap();
    let cut: Value = serde_json::from_str(&cli.ok(&[
        "series", "cancel", "PawPal", series_id, "--from", third, "--json",
    ]))
    .unwrap();
    assert!(cut["rrule"].as_str().unwrap().contains(";UNTIL="), "{cut}");
    let agenda: Value = serde_json::from_str(&cli.ok(&["session", "list", "--json"])).unwrap();
    assert_eq!(agenda.as_array().unwrap().len(), 2);
    assert_eq!(agenda[0]["seriesZoneLabel"], "New York");

    // Its calendar file: a VTIMEZONE, the cut rule, an EXDATE-free two-session series.
    cli.ok(&[
        "series",
        "ics",
        "PawPal",
        series_id,
        "--out",
        cli.dir.path().to_str().unwrap(),
    ]);
    let ics = std::fs::read_to_string(cli.dir.path().join("Design-sprint.ics")).unwrap();
    assert!(
        ics.contains("BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\n"),
        "{ics}"
    );
    assert!(ics.contains("DTSTART;TZID=America/New_York:"), "{ics}");
    assert!(
        ics.contains("RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;UNTIL="),
        "{ics}"
    );

    // A single session in London time, then cancelled.
    let at = format!(
        "{}T10:00",
        (chrono::Utc::now() + chrono::Duration::days(3)).date_naive()
    );
    let single: Value = serde_json::from_str(&cli.ok(&[
        "session",
        "create",
        "PawPal",
        "--at",
        &at,
        "--zone",
        "Europe/London",
        "--duration",
        "30",
        "--json",
    ]))
    .unwrap();
    assert!(single["title"].as_str().unwrap().starts_with("PawPal · "));
    let id = single["id"].as_str().unwrap();
    let cancelled: Value =
        serde_json::from_str(&cli.ok(&["session", "cancel", "PawPal", id, "--json"])).unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    let restored: Value =
        serde_json::from_str(&cli.ok(&["session", "restore", "PawPal", id, "--json"])).unwrap();
    assert_eq!(restored["status"], "scheduled", "the undo of a cancel");
    let out = cli.run(&[
        "session",
        "create",
        "PawPal",
        "--at",
        &at,
        "--duration",
        "5",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("durationMinutes"));
}

#[test]
fn a_closed_pipe_ends_the_listing_quietly() {
    let cli = Cli::new();
    cli.ok(&["import", PAWPAL]);
    for i in 0..40 {
        cli.ok(&["create", "--title", &format!("Workshop {i}")]);
    }
    // The reader goes away at once: the listing must not panic.
    let mut child = Command::new(env!("CARGO_BIN_EXE_workshoppilot"))
        .arg("--db")
        .arg(cli.db())
        .arg("list")
        .env_remove("WORKSHOPPILOT_DB")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101));
}
