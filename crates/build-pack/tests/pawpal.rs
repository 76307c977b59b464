//! Build packs of the real PawPal workshop, and of hostile step outputs.

use serde_json::{json, Value};
use wp_build_pack::{
    generate, render, write_atomically, BuildPackError, Format, Kind, Options, Source, SourceNote,
    SourceStep,
};
use wp_domain::STEPS;

fn pawpal() -> Value {
    serde_json::from_str(include_str!("../../../tests/fixtures/pawpal.workshop.json")).unwrap()
}

fn source_from(file: &Value) -> Source {
    Source {
        workshop_title: file["title"].as_str().unwrap().to_string(),
        steps: STEPS
            .iter()
            .map(|def| SourceStep {
                step_id: def.id.into(),
                order: def.order,
                name: def.name.into(),
                output: file["steps"][def.id].get("artifact").cloned(),
                summary: file["steps"][def.id]["summary"].as_str().map(String::from),
                confirmed: true,
            })
            .collect(),
        notes: vec![SourceNote {
            label: "Workshop".into(),
            content: "Private: Sarah's budget is **tight**.".into(),
        }],
    }
}

fn markdown(kind: Kind, source: &Source) -> String {
    generate(source, &Options::default())
        .render(kind, Format::Markdown)
        .unwrap()
        .content
}

#[test]
fn the_prd_holds_what_a_client_needs() {
    let md = markdown(Kind::Prd, &source_from(&pawpal()));
    assert!(
        md.starts_with("# PawPal Autopilot — Product Requirements Document\n"),
        "{md}"
    );
    assert!(md.contains("### Sarah Chen — Product Manager at a mid-size tech company"));
    assert!(md.contains("Given that busy multi-pet owners use 4+ disconnected tools and feel guilt when tasks slip, how might we help Sarah Chen"));
    assert!(md.contains("| Stakeholder | Category | Power | Interest | Notes |"));
    for name in [
        "Pet Owners (Primary Users)",
        "Veterinarians",
        "Pet Food Brands",
        "Pet Sitters / Dog Walkers",
        "Pet Insurance Companies",
        "Local Pet Stores",
    ] {
        assert!(
            md.lines().any(|l| l.starts_with(&format!("| {name} |"))),
            "stakeholder row {name}"
        );
    }
    for concept in ["PawPal Autopilot", "PawPal At-a-Glance"] {
        assert!(
            md.contains(&format!("#### SWOT — {concept}")),
            "{concept} SWOT"
        );
        assert!(
            md.contains(&format!("#### Feasibility — {concept}")),
            "{concept} feasibility"
        );
    }
    assert!(
        md.contains("| Technical | 4/5 |")
            && md.contains("| User desirability | 5/5 |")
            && md.contains("| Business | 3/5 |")
    );
    assert!(md.contains("## 14. Recommended Next Steps") || md.contains("Recommended Next Steps"));
    assert!(
        !md.contains("Technical Architecture"),
        "a section without a source is left out"
    );
    let numbered: Vec<&str> = md.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(numbered.len(), 13, "{numbered:#?}");
}

#[test]
fn the_same_outputs_give_the_same_pack() {
    let source = source_from(&pawpal());
    let a = generate(&source, &Options::default()).renderings();
    let b = generate(&source, &Options::default()).renderings();
    assert_eq!(a, b);
    assert_eq!(
        a.len(),
        3 * 3,
        "pack, PRD and summary (PawPal has no validation plans) in three formats"
    );
}

#[test]
fn sections_drawn_from_unconfirmed_steps_say_draft_and_name_them() {
    let mut source = source_from(&pawpal());
    assert!(
        !markdown(Kind::Prd, &source).contains("Draft"),
        "all ten confirmed: no draft"
    );
    for s in source.steps.iter_mut() {
        s.confirmed = !matches!(s.step_id.as_str(), "persona" | "validate");
    }
    let md = markdown(Kind::Prd, &source);
    let section = |md: &str, heading: &str| -> String {
        let start = md.find(&format!(". {heading}\n")).unwrap();
        let rest = &md[start..];
        rest[..rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3)].to_string()
    };
    assert!(section(&md, "Target Users").contains(
        "> **Draft:** from the step Persona Development, not confirmed yet; it may still change."
    ));
    assert!(section(&md, "Success Metrics").contains("from the step Validate,"));
    assert!(section(&md, "Assumptions & Risks").contains("from the step Validate,"));
    for confirmed in ["Stakeholder Analysis", "User Journey", "Solution Overview"] {
        assert!(!section(&md, confirmed).contains("Draft"), "{confirmed}");
    }
    // The JSON names them too; the summary marks what it draws from Validate.
    let pack = generate(&source, &Options::default());
    let prd = &pack.render(Kind::Pack, Format::Json).unwrap().content;
    let json: Value = serde_json::from_str(prd).unwrap();
    assert_eq!(
        json["documents"][0]["content"]["drafts"][0],
        json!({"section": "Target Users", "steps": ["Persona Development"]})
    );
    let summary = markdown(Kind::WorkshopSummary, &source);
    assert!(section(&summary, "Recommended Next Steps").contains("from the step Validate,"));
}

#[test]
fn a_section_whose_step_has_no_output_is_left_out() {
    let mut source = source_from(&pawpal());
    source
        .steps
        .iter_mut()
        .filter(|s| s.step_id == "stakeholder-mapping")
        .for_each(|s| s.output = None);
    let md = markdown(Kind::Prd, &source);
    assert!(!md.contains("Stakeholder Analysis"));
    source.steps.iter_mut().for_each(|s| s.output = None);
    let md = markdown(Kind::Prd, &source);
    assert_eq!(
        md, "# PawPal — Product Requirements Document\n",
        "without a concept the workshop title stands in"
    );
}

#[test]
fn notes_stay_out_unless_asked_for() {
    let source = source_from(&pawpal());
    for format in Format::ALL {
        let without = generate(&source, &Options::default())
            .render(Kind::Pack, format)
            .unwrap()
            .content;
        assert!(!without.contains("budget"), "{format:?}");
        let with = generate(
            &source,
            &Options {
                include_notes: true,
            },
        )
        .render(Kind::Pack, format)
        .unwrap()
        .content;
        assert!(with.contains("budget"), "{format:?}");
    }
}

#[test]
fn the_html_export_is_a_standalone_printable_document() {
    let pack = generate(&source_from(&pawpal()), &Options::default());
    let html = pack.render(Kind::Pack, Format::Html).unwrap();
    assert_eq!(html.file_name(), "pawpal-build-pack.html");
    let h = &html.content;
    assert!(h.starts_with("<!DOCTYPE html>"));
    assert!(h.contains("<header class=\"cover\">") && h.contains("<nav class=\"toc\""));
    assert!(h.contains("counter(page)") && h.contains("break-before: page"));
    assert!(h.contains("<a href=\"#d1-1\">PawPal Autopilot — Product Requirements Document</a>"));
    assert!(h.contains("<li><a href=\"#d1-6\">4. Stakeholder Analysis</a></li>"));
    assert!(
        h.contains("<h2 id=\"d1-6\">4. Stakeholder Analysis</h2>"),
        "TOC targets exist"
    );
    assert!(h.contains("<table>"));
    assert!(!h.to_lowercase().contains("<script"));
    let json: Value =
        serde_json::from_str(&pack.render(Kind::Pack, Format::Json).unwrap().content).unwrap();
    assert_eq!(
        json["documents"][0]["content"]["targetUsers"]["name"],
        "Sarah Chen"
    );
    assert_eq!(
        json["documents"][0]["content"]["stakeholders"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
}

#[test]
fn hostile_step_outputs_render_as_harmless_text() {
    let mut file = pawpal();
    file["steps"]["persona"]["artifact"]["name"] = json!("<script>alert('persona')</script>");
    file["steps"]["persona"]["artifact"]["bio"] =
        json!("<img src=x onerror=alert(1)> and [click me](javascript:alert(2))");
    let pack = generate(&source_from(&file), &Options::default());
    let html = pack.render(Kind::Pack, Format::Html).unwrap().content;
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "no script element");
    assert!(!lower.contains("<img"), "no img element");
    assert!(!lower.contains("href=\"javascript"), "no javascript: link");
    assert!(
        html.contains("&lt;script&gt;alert('persona')&lt;/script&gt;"),
        "shown as the text typed"
    );
    assert!(
        html.contains("onerror=alert(1)&gt;"),
        "the handler is inert text"
    );
    assert!(html.contains("[click me](javascript:alert(2))"));
}

#[test]
fn the_renderer_neutralizes_raw_markdown_attacks() {
    let hostile = "# Notes\n\n<script>alert(1)</script>\n\n<img src=x onerror=\"alert(2)\">\n\n\
                   [link](javascript:alert(3)) and <a href=\"javascript:alert(4)\">a</a>\n\n\
                   - [x] done\n\n| a |\n|---|\n| <b onclick=x>b</b> |\n\nFootnote[^1].\n\n[^1]: here\n";
    let out = render::to_html(hostile, "n");
    let lower = out.html.to_lowercase();
    for bad in [
        "<script",
        "<img",
        "<b onclick",
        "<a href=\"javascript",
        "<a rel=\"noopener noreferrer\" href=\"javascript",
    ] {
        assert!(!lower.contains(bad), "{bad} in {}", out.html);
    }
    assert!(
        out.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "raw HTML shows as text: {}",
        out.html
    );
    assert!(
        out.html
            .contains("<input disabled=\"\" type=\"checkbox\" checked=\"\">")
            || out.html.contains("type=\"checkbox\""),
        "{}",
        out.html
    );
    assert!(out.html.contains("<table>") && out.html.contains("footnote-definition"));
    assert!(
        !out.html.contains("href=\"javascript:alert(3)"),
        "the Markdown link lost its href"
    );
    assert_eq!(out.headings[0].text, "Notes");
}

#[test]
fn validation_plans_render_in_the_original_layout() {
    let mut file = pawpal();
    file["steps"]["validate"]["artifact"]["validationPlans"] = json!([
        {"conceptName": "PawPal Autopilot", "outputType": "app_digital", "assumption": "Owners will connect their calendar",
         "lens": "desirability", "artifactLabel": "Clickable prototype",
         "signal": {"metric": "owners who connect a calendar", "metricType": "count", "target": 8, "sampleSize": 10, "killThreshold": 4},
         "result": {"actual": 9, "score": 100, "verdict": "validated"}},
        {"conceptName": "PawPal At-a-Glance", "outputType": "app_digital", "assumption": "A widget is enough", "lens": "viability",
         "artifactLabel": "Fake door test", "signal": {"metric": "reaction", "metricType": "qualitative", "sampleSize": 5}}
    ]);
    let pack = generate(&source_from(&file), &Options::default());
    let md = pack
        .render(Kind::ValidationPlan, Format::Markdown)
        .unwrap()
        .content;
    assert!(md.starts_with("# Validation Plan\n\nDesign thinking validates an assumption"));
    assert!(md.contains("_The validation score is a decision aid"));
    assert!(md.contains("## PawPal Autopilot — Desirability\n\n- **Output type:** App / Digital\n- **Riskiest assumption:** Owners will connect their calendar\n- **Lens:** Desirability\n- **Test:** Clickable prototype\n- **Success signal:** owners who connect a calendar — target 8 of 10, pivot at ≤4\n\n**Result:** 9 measured → score 100/100 — Validated."));
    assert!(
        md.contains("reaction — judged qualitatively with 5 people\n\n_No result recorded yet._")
    );
    assert_eq!(
        pack.kinds(),
        vec![
            Kind::Pack,
            Kind::Prd,
            Kind::ValidationPlan,
            Kind::WorkshopSummary
        ]
    );
    let without = generate(&source_from(&pawpal()), &Options::default());
    assert!(matches!(
        without.render(Kind::ValidationPlan, Format::Html),
        Err(BuildPackError::NotAvailable(Kind::ValidationPlan))
    ));
}

#[test]
fn the_workshop_summary_has_one_line_per_step() {
    let md = markdown(Kind::WorkshopSummary, &source_from(&pawpal()));
    assert!(md.starts_with("# PawPal — Workshop Summary\n\nWhat started as a vague frustration"));
    assert_eq!(
        md.lines()
            .filter(|l| l.starts_with("- **") && l.contains(". "))
            .count(),
        10
    );
    assert!(md.contains("**7/10** — research quality: thin."));
}

#[test]
fn exports_replace_files_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pack.md");
    std::fs::write(&path, "old").unwrap();
    write_atomically(&path, b"new content").unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "new content");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");
    let missing_dir = dir.path().join("no/such/dir/pack.md");
    assert!(matches!(
        write_atomically(&missing_dir, b"x"),
        Err(BuildPackError::Io { .. })
    ));
}

#[test]
#[ignore = "prints the PawPal pack for a person to read"]
fn dump() {
    let pack = generate(&source_from(&pawpal()), &Options::default());
    for r in pack.renderings() {
        std::fs::write(format!("/tmp/{}", r.file_name()), &r.content).unwrap();
    }
}
