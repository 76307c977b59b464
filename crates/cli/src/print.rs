//! What the CLI prints: a short human form, or JSON with `--json`.

use serde::Serialize;
use wp_domain::StepStatus;
use wp_store::{
    BuildPackRow, Exported, Member, Note, Workshop, WorkshopDetail, WorkshopStep, WorkshopSummary,
};

pub(crate) fn json_out(value: &impl Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

fn bar(done: usize) -> String {
    format!(
        "[{}{}] {done}/10",
        "#".repeat(done * 2),
        ".".repeat((10 - done.min(10)) * 2)
    )
}

fn mark(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Complete => "✓",
        StepStatus::InProgress => "▶",
        StepStatus::NeedsRegeneration => "↻",
        StepStatus::NotStarted => "·",
    }
}

pub fn detail(d: &WorkshopDetail, json: bool) {
    if json {
        return json_out(d);
    }
    let w = &d.workshop;
    println!("{}  ({})", w.record.title, w.record.id);
    println!(
        "{}  {}{}",
        w.record.status,
        bar(d.steps_complete()),
        if w.record.deleted_at.is_some() {
            "  [in the trash]"
        } else {
            ""
        }
    );
    for s in &d.steps {
        let output = if s.record.output.is_some() {
            "output saved"
        } else {
            "no output"
        };
        println!(
            "{:>3}. {} {:<24} {:<19} {output}",
            s.order,
            mark(s.record.status),
            s.name,
            s.record.status.as_str()
        );
    }
}

pub fn list(list: &[WorkshopSummary], json: bool) {
    if json {
        return json_out(&list);
    }
    if list.is_empty() {
        println!("No workshops. Create one with `workshoppilot create --title ...` or `workshoppilot import FILE`.");
    }
    for s in list {
        let w = &s.workshop;
        let now = s
            .current_step
            .as_deref()
            .map(|c| format!("  next: {c}"))
            .unwrap_or_default();
        println!(
            "{}  {:<32} {:<9} {}{now}",
            w.record.id,
            w.record.title,
            w.record.status.as_str(),
            bar(usize::from(s.steps_complete))
        );
    }
}

pub fn workshop_line(what: &str, w: &Workshop, json: bool) {
    if json {
        return json_out(w);
    }
    println!("{what}: {} ({})", w.record.title, w.record.id);
}

pub fn step_saved(s: &WorkshopStep, json: bool) {
    if json {
        return json_out(s);
    }
    println!(
        "Saved the output of step {} ({}), revision {}.",
        s.name, s.record.step_id, s.rev
    );
}

pub fn note_saved(n: &Note, json: bool) {
    if json {
        return json_out(n);
    }
    println!(
        "Saved note ({} characters), revision {}.",
        n.record.content.chars().count(),
        n.rev
    );
}

pub fn note(n: Option<&Note>, json: bool) {
    if json {
        return json_out(&n);
    }
    match n {
        Some(n) => print!(
            "{}{}",
            n.record.content,
            if n.record.content.ends_with('\n') {
                ""
            } else {
                "\n"
            }
        ),
        None => eprintln!("(no note yet)"),
    }
}

pub fn build_packs(rows: &[BuildPackRow], json: bool) {
    if json {
        return json_out(&rows);
    }
    for r in rows {
        println!(
            "{:<17} {:<9} {:>8} bytes  {}",
            r.kind,
            r.format,
            r.content.len(),
            r.title
        );
    }
}

pub fn exported(e: &Exported, json: bool) {
    if json {
        return json_out(
            &serde_json::json!({ "path": e.path, "title": e.title, "bytes": e.bytes }),
        );
    }
    println!(
        "Wrote {} ({} bytes): {}",
        e.path.display(),
        e.bytes,
        e.title
    );
}

pub fn members(members: &[Member], json: bool) {
    if json {
        return json_out(&members);
    }
    for m in members {
        println!(
            "{:<7} {}{}",
            m.role.as_str(),
            m.user_id,
            if m.you { "  (you)" } else { "" }
        );
    }
}
