//! A test that the app's command list is one list. Tauri wants it in four places: the
//! functions marked `#[tauri::command]` and the invoke handler (`commands::handler`), the
//! permissions tauri-build generates (`src-tauri/build.rs`), the grants of the window's
//! capability (`capabilities/default.json`), and the UI's calls (`ui/src/lib/api.ts`). A
//! command missing from one of them fails at run time (unregistered, or refused for want of a
//! grant); this test fails at build time instead, naming the command and the place.

use std::collections::BTreeSet;
use std::path::Path;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text between `start` and the first `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("no \"{start}\"")) + start.len();
    let to = text[from..]
        .find(end)
        .unwrap_or_else(|| panic!("no \"{end}\" after \"{start}\""));
    &text[from..from + to]
}

/// Quoted words (`"app_info"` or `'app_info'`) in `text`.
fn quoted(text: &str, quote: char) -> Vec<String> {
    text.split(quote)
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The functions marked `#[tauri::command]` in the app's sources.
fn marked() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for file in ["commands.rs", "sync.rs", "schedule.rs"] {
        let text = read(&format!("src-tauri/src/{file}"));
        for part in text.split("#[tauri::command").skip(1) {
            let after = &part[part.find("fn ").expect("a command function") + 3..];
            let end = after
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            names.insert(after[..end].to_string());
        }
    }
    names
}

fn handler() -> BTreeSet<String> {
    let commands = read("src-tauri/src/commands.rs");
    between(&commands, "tauri::generate_handler![", "]")
        .split(',')
        .map(|p| p.trim().rsplit("::").next().unwrap_or_default().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

fn build_rs() -> BTreeSet<String> {
    let build = read("src-tauri/build.rs");
    quoted(between(&build, "const COMMANDS: &[&str] = &[", "];"), '"')
        .into_iter()
        .collect()
}

fn capability() -> BTreeSet<String> {
    let capability: serde_json::Value =
        serde_json::from_str(&read("capabilities/default.json")).expect("capability JSON");
    capability["permissions"]
        .as_array()
        .expect("a permissions list")
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect()
}

fn ui_calls() -> BTreeSet<String> {
    let api = read("ui/src/lib/api.ts");
    api.split("call<")
        .skip(1)
        .filter_map(|part| quoted(part.split(')').next()?, '\'').into_iter().next())
        .collect()
}

#[test]
fn every_command_is_defined_registered_permitted_granted_and_called() {
    let defined = marked();
    assert!(defined.len() > 40, "found only {defined:?}");
    let places = [
        ("the invoke handler (commands::handler)", handler()),
        ("src-tauri/build.rs COMMANDS", build_rs()),
        ("capabilities/default.json", capability()),
        ("ui/src/lib/api.ts", ui_calls()),
    ];
    let mut problems = Vec::new();
    for (place, names) in &places {
        for missing in defined.difference(names) {
            problems.push(format!("{missing} is a command but not in {place}"));
        }
        for extra in names.difference(&defined) {
            problems.push(format!(
                "{extra} is in {place} but no #[tauri::command] has that name"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_check_reads_each_list() {
    // Each reader finds the commands of its place, so a difference cannot hide in a list
    // the check failed to read.
    for names in [handler(), build_rs(), capability(), ui_calls()] {
        assert!(
            names.contains("app_info") && names.contains("export_calendar"),
            "{names:?}"
        );
    }
}
