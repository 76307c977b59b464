//! Durable saves against a bare rusqlite transaction, and build-pack rendering against bare
//! pulldown-cmark, on the PawPal workshop.

use std::time::{Duration, Instant};

use rusqlite::Connection;
use serde_json::Value;
use wp_build_pack::{render, Format, Kind};
use wp_store::Store;

use crate::report::{machine, ms, ratio, write_section, Samples};

const PAWPAL: &str = include_str!("../../../tests/fixtures/pawpal.workshop.json");

/// A bare rusqlite database with the store's pragmas: one UPDATE plus one INSERT per
/// transaction, prepared statements cached.
struct Bare {
    conn: Connection,
}

impl Bare {
    fn open(path: &std::path::Path) -> Bare {
        let conn = Connection::open(path).unwrap();
        conn.busy_timeout(Duration::from_secs(5)).unwrap();
        conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
            .unwrap();
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;
             CREATE TABLE doc (id INTEGER PRIMARY KEY, content TEXT NOT NULL, updated_at TEXT NOT NULL, rev INTEGER NOT NULL);
             CREATE TABLE log (seq INTEGER PRIMARY KEY AUTOINCREMENT, doc_id INTEGER NOT NULL, content TEXT NOT NULL, at TEXT NOT NULL);
             INSERT INTO doc VALUES (1, '', '', 1);",
        )
        .unwrap();
        Bare { conn }
    }

    fn save(&mut self, content: &str) {
        let tx = self.conn.transaction().unwrap();
        tx.prepare_cached(
            "UPDATE doc SET content = ?1, updated_at = ?2, rev = rev + 1 WHERE id = 1",
        )
        .unwrap()
        .execute((content, "2026-11-22T00:00:00.000Z"))
        .unwrap();
        tx.prepare_cached("INSERT INTO log (doc_id, content, at) VALUES (1, ?1, ?2)")
            .unwrap()
            .execute((content, "2026-11-22T00:00:00.000Z"))
            .unwrap();
        tx.commit().unwrap();
    }
}

fn time(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

pub fn run(iterations: usize) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("bench.db")).unwrap();
    let workshop = store.import_workshop(PAWPAL).unwrap();
    let id = workshop.workshop.record.id.clone();
    let persona: Value = workshop
        .step("persona")
        .unwrap()
        .record
        .output
        .clone()
        .unwrap();
    let mut bare = Bare::open(&dir.path().join("bare.db"));
    let note_text = "Facilitator note: Sarah's morning routine breaks on meeting days. ".repeat(30);
    let output_text = persona.to_string();

    // Interleaved in rounds so that both see the same disk and machine load.
    let (mut note, mut bare_note, mut output, mut bare_output) = (vec![], vec![], vec![], vec![]);
    for i in 0..iterations {
        let text = format!("{i} {note_text}");
        note.push(time(|| {
            store.set_note(&id, None, &text).unwrap();
        }));
        bare_note.push(time(|| bare.save(&text)));
        let mut changed = persona.clone();
        changed["quote"] = Value::from(format!("Take {i}: I need a project manager for my pets."));
        output.push(time(|| {
            store.save_step_output(&id, "persona", changed).unwrap();
        }));
        let changed_text = format!("{i}{output_text}");
        bare_output.push(time(|| bare.save(&changed_text)));
    }
    let [note, bare_note, output, bare_output] =
        [note, bare_note, output, bare_output].map(Samples::new);

    // Build-pack rendering: the pack's Markdown, our renderer against bare pulldown-cmark.
    let pack = store.build_pack(&id, false).unwrap();
    let markdown = pack.render(Kind::Pack, Format::Markdown).unwrap().content;
    let render_runs = iterations.max(200);
    let (mut ours, mut bare_md, mut full) = (vec![], vec![], vec![]);
    for _ in 0..render_runs {
        ours.push(time(|| {
            std::hint::black_box(render::to_html(&markdown, "d"));
        }));
        bare_md.push(time(|| {
            let mut html = String::new();
            pulldown_cmark::html::push_html(
                &mut html,
                pulldown_cmark::Parser::new_ext(&markdown, render::markdown_options()),
            );
            std::hint::black_box(html);
        }));
        full.push(time(|| {
            std::hint::black_box(pack.render(Kind::Pack, Format::Html).unwrap());
        }));
    }
    let mut gen = vec![];
    for _ in 0..render_runs.min(500) {
        gen.push(time(|| {
            std::hint::black_box(store.build_pack(&id, false).unwrap());
        }));
    }
    let [ours, bare_md, full, gen] = [ours, bare_md, full, gen].map(Samples::new);

    let row = |name: &str, s: &Samples, base: &Samples| {
        format!(
            "| {name} | {} | {} | {} | {} |",
            ms(s.percentile(50.0)),
            ms(s.percentile(99.0)),
            ratio(s.percentile(50.0), base.percentile(50.0)),
            ratio(s.percentile(99.0), base.percentile(99.0))
        )
    };
    let body = format!(
        "## Core: durable saves and build-pack rendering\n\n\
         Command: `cargo run --release -p wp-bench -- core --iterations {iterations}`  \n\
         Machine: {machine}; the database in a temporary directory on the machine's disk.\n\n\
         ### Durable saves ({n} each, interleaved with the baseline)\n\n\
         Baseline: a bare rusqlite transaction with the same pragmas (WAL, `synchronous=FULL`, foreign keys, \
         busy timeout): one UPDATE plus one INSERT, prepared statements cached, same text sizes.\n\n\
         | operation | p50 ms | p99 ms | p50 vs bare | p99 vs bare |\n|---|---|---|---|---|\n\
         {r1}\n{r2}\n{r3}\n{r4}\n\n\
         Targets: within 1.5x of the bare transaction, p99 under 10 ms.\n\n\
         ### Build-pack rendering of PawPal ({m} runs; Markdown of the whole pack, {bytes} bytes)\n\n\
         | operation | p50 ms | p99 ms | p50 vs bare | p99 vs bare |\n|---|---|---|---|---|\n\
         {r5}\n{r6}\n{r7}\n{r8}\n\n\
         Targets: within 1.5x of bare pulldown-cmark, under 5 ms.\n",
        machine = machine(),
        n = note.len(),
        m = ours.len(),
        bytes = markdown.len(),
        r1 = row("note save (`Store::set_note`)", &note, &bare_note),
        r2 = row("bare UPDATE + INSERT (note size)", &bare_note, &bare_note),
        r3 = row("step-output save (`Store::save_step_output`, validated)", &output, &bare_output),
        r4 = row("bare UPDATE + INSERT (output size)", &bare_output, &bare_output),
        r5 = row("bare pulldown-cmark `push_html`", &bare_md, &bare_md),
        r6 = row("`render::to_html` (pulldown-cmark + raw HTML as text + ammonia)", &ours, &bare_md),
        r7 = row("standalone HTML file (cover, TOC, styles, all documents)", &full, &bare_md),
        r8 = row("generate the pack from the stored outputs (read + build Markdown)", &gen, &bare_md),
    );
    write_section("core", &body);
}
