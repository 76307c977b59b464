//! A test of the store's shape: its modules import each other without a cycle.
//!
//! It reads every file of `crates/store/src`, takes the modules each names through `use
//! crate::…`, `use super::…` and inline `crate::…::` paths, and fails on any cycle. The crate
//! root (`lib.rs`: `Store`, `Result`, `now` and the re-exports) is left out: every module
//! extends `Store`, and the root declares every module. A name imported from the root that
//! the root re-exports (`pub use module::Name`) counts as an import of that module.
//! A folder's `mod.rs` only declares its modules, so it imports nothing either.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`sync::pull`) of a file under `src/` (`sync/pull.rs`); `""` for `lib.rs`.
fn module_of(relative: &Path) -> String {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts.join("::")
}

fn files(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("the store's src folder")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("a source file");
            let relative = path.strip_prefix(root).expect("under src");
            out.push((module_of(relative), text));
        }
    }
}

/// Expands a `use` tree (`a::{b, c::{d, e}}`) into its full paths.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        return vec![tree.split(" as ").next().unwrap_or(tree).trim().to_string()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, ch) in inner.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(expand)
        .map(|p| {
            if p == "self" {
                prefix.trim_end_matches("::").to_string()
            } else {
                format!("{prefix}{p}")
            }
        })
        .collect()
}

/// The paths a file names: its `use crate::`/`use super::` trees and inline `crate::` paths,
/// made absolute (without `crate::`).
fn named_paths(module: &str, text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    for statement in code.split(';') {
        let statement = statement.trim();
        let body = statement
            .strip_prefix("pub(crate) use ")
            .or_else(|| statement.strip_prefix("pub use "))
            .or_else(|| statement.strip_prefix("use "));
        if let Some(tree) = body.map(|b| b.split_whitespace().collect::<String>()) {
            paths.extend(expand(&tree));
        }
    }
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let end = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(after.len());
        paths.push(format!("crate::{}", &after[..end]));
        rest = &after[end..];
    }
    let parent = module.rsplit_once("::").map_or("", |(p, _)| p);
    paths
        .into_iter()
        .filter_map(|p| {
            if module.is_empty() && !p.starts_with("super::") {
                // The root names its modules without `crate::`.
                Some(p.trim_start_matches("crate::").to_string())
            } else if let Some(p) = p.strip_prefix("crate::") {
                Some(p.to_string())
            } else {
                p.strip_prefix("super::").map(|p| {
                    if parent.is_empty() {
                        p.to_string()
                    } else {
                        format!("{parent}::{p}")
                    }
                })
            }
        })
        .collect()
}

/// The module a path names: its longest prefix that is a module; a root name the root
/// re-exports resolves to the module it comes from.
fn target(path: &str, modules: &BTreeSet<String>, reexports: &BTreeMap<String, String>) -> String {
    let parts: Vec<&str> = path.split("::").collect();
    for n in (1..=parts.len()).rev() {
        let candidate = parts[..n].join("::");
        if modules.contains(&candidate) {
            return candidate;
        }
    }
    reexports.get(parts[0]).cloned().unwrap_or_default()
}

fn cycle_from(
    node: &str,
    edges: &BTreeMap<String, BTreeSet<String>>,
    stack: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    if let Some(i) = stack.iter().position(|n| n == node) {
        let mut cycle = stack[i..].to_vec();
        cycle.push(node.to_string());
        return Some(cycle);
    }
    if done.contains(node) {
        return None;
    }
    stack.push(node.to_string());
    for next in edges.get(node).into_iter().flatten() {
        if let Some(cycle) = cycle_from(next, edges, stack, done) {
            return Some(cycle);
        }
    }
    stack.pop();
    done.insert(node.to_string());
    None
}

/// The import graph of the store's modules (module → modules it imports).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    graph_of(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

/// The import graph of the crate whose sources are in `root`.
fn graph_of(root: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut sources = Vec::new();
    files(root, root, &mut sources);
    let modules: BTreeSet<String> = sources.iter().map(|(m, _)| m.clone()).collect();
    let root_text = &sources
        .iter()
        .find(|(m, _)| m.is_empty())
        .expect("lib.rs")
        .1;
    // `pub use sync::account::SyncState;` → SyncState comes from sync::account.
    let mut reexports = BTreeMap::new();
    for path in named_paths("", root_text) {
        let module = target(&path, &modules, &BTreeMap::new());
        let name = path.rsplit("::").next().unwrap_or_default().to_string();
        if !module.is_empty() && !modules.contains(&path) {
            reexports.insert(name, module);
        }
    }
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, text) in &sources {
        let facade = text.lines().all(|l| {
            let l = l.trim();
            l.is_empty() || l.starts_with("//") || l.starts_with("pub(crate) mod ")
        });
        if module.is_empty() || facade {
            continue;
        }
        let targets = edges.entry(module.clone()).or_default();
        for path in named_paths(module, text) {
            let to = target(&path, &modules, &reexports);
            if !to.is_empty() && &to != module && !module.starts_with(&format!("{to}::")) {
                targets.insert(to);
            }
        }
    }
    edges
}

#[test]
fn the_stores_modules_import_each_other_without_a_cycle() {
    let edges = graph();
    // The graph is real: the pipeline reads rows and queues in the outbox.
    assert!(edges["mutate"].contains("rows::read"), "{edges:#?}");
    assert!(edges["mutate"].contains("sync::outbox"), "{edges:#?}");
    assert!(edges["sync::pull"].contains("mutate"), "{edges:#?}");
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        if let Some(cycle) = cycle_from(node, &edges, &mut Vec::new(), &mut done) {
            panic!(
                "the store's modules import each other in a loop: {}\n(move what both need into a module both can import, e.g. rows/)",
                cycle.join(" → ")
            );
        }
    }
}

#[test]
fn the_check_sees_a_cycle_when_there_is_one() {
    let mut edges = graph();
    // rows/ is the leaf: make it import the pipeline, which imports it.
    edges
        .entry("rows::read".to_string())
        .or_default()
        .insert("mutate".to_string());
    let mut done = BTreeSet::new();
    let found = edges
        .keys()
        .any(|n| cycle_from(n, &edges, &mut Vec::new(), &mut done).is_some());
    assert!(found);
}
