//! Workshop, step and note operations on a real database file: the rules of steps.md, bad
//! input refused with the field and limit named, and the previous state intact afterwards.

mod common;

use serde_json::json;
use wp_domain::{DomainError, Mutation, StepStatus, WorkshopStatus, STEPS};
use wp_store::{ErrorCode, Store, StoreError, WorkshopFilter};

fn outbox_len(store: &Store) -> usize {
    store.outbox(0, 10_000).unwrap().len()
}

#[test]
fn creating_a_workshop_creates_ten_steps_with_the_first_in_progress() {
    let (_dir, mut store) = common::store();
    let ws = store.create_workshop(None, " A pet app ").unwrap();
    assert_eq!(ws.workshop.record.title, "New Workshop");
    assert_eq!(ws.workshop.record.original_idea, "A pet app");
    assert_eq!(ws.workshop.record.status, WorkshopStatus::Active);
    assert_eq!(ws.workshop.record.owner_id, store.user_id());
    assert!(ws.workshop.record.id.starts_with("ws_"));
    assert_eq!(ws.steps.len(), 10);
    assert_eq!(
        ws.steps
            .iter()
            .map(|s| s.record.step_id.as_str())
            .collect::<Vec<_>>(),
        STEPS.iter().map(|d| d.id).collect::<Vec<_>>()
    );
    assert_eq!(ws.steps[0].record.status, StepStatus::InProgress);
    assert!(ws.steps[0].record.started_at.is_some());
    assert!(ws.steps[1..]
        .iter()
        .all(|s| s.record.status == StepStatus::NotStarted
            && s.record.started_at.is_none()
            && s.record.id.starts_with("wst_")));
    let outbox = store.outbox(0, 100).unwrap();
    assert_eq!(outbox.len(), 1, "one createWorkshop mutation");
    assert_eq!(outbox[0].mutation_id, 1);
    assert_eq!(outbox[0].mutation.name(), "createWorkshop");
    assert_eq!(outbox[0].workshop_id, ws.workshop.record.id);
    let Mutation::CreateWorkshop { steps, .. } = &outbox[0].mutation else {
        panic!("{:?}", outbox[0].mutation)
    };
    assert_eq!(
        steps.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ws.steps
            .iter()
            .map(|s| s.record.id.as_str())
            .collect::<Vec<_>>(),
        "the step rows' ids travel with the mutation"
    );
}

#[test]
fn titles_are_trimmed_and_limited_and_a_bad_rename_keeps_the_old_title() {
    let (_dir, mut store) = common::store();
    let id = store
        .create_workshop(Some("  Kickoff  "), "")
        .unwrap()
        .workshop
        .record
        .id;
    assert_eq!(
        store.workshop(&id).unwrap().workshop.record.title,
        "Kickoff"
    );
    let before = outbox_len(&store);
    for bad in ["x".repeat(101), "   ".to_string()] {
        let err = store.rename_workshop(&id, &bad).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert!(
            err.to_string()
                .starts_with("title must be 1 to 100 characters"),
            "{err}"
        );
    }
    assert!(matches!(
        store.create_workshop(Some(&"y".repeat(101)), ""),
        Err(StoreError::Domain(DomainError::InvalidTitle {
            len: 101,
            max: 100
        }))
    ));
    let w = store.workshop(&id).unwrap().workshop;
    assert_eq!((w.record.title.as_str(), w.rev), ("Kickoff", 1));
    assert_eq!(outbox_len(&store), before, "refused changes write nothing");
    let renamed = store.rename_workshop(&id, "Kickoff — day 2").unwrap();
    assert_eq!(
        (renamed.record.title.as_str(), renamed.rev),
        ("Kickoff — day 2", 2)
    );
    let last = store.outbox(0, 100).unwrap().pop().unwrap();
    assert!(
        matches!(&last.mutation, Mutation::RenameWorkshop { title, .. } if title == "Kickoff — day 2"),
        "{:?}",
        last.mutation
    );
    assert_eq!(last.mutation_id, 2, "mutation ids have no gaps");
}

#[test]
fn unknown_workshops_and_steps_are_named() {
    let (_dir, mut store) = common::store();
    let id = store.create_workshop(None, "").unwrap().workshop.record.id;
    let err = store.complete_step("ws_missing", "challenge").unwrap_err();
    assert_eq!(
        (err.code(), err.to_string()),
        (
            ErrorCode::NotFound,
            "workshop \"ws_missing\" not found".to_string()
        )
    );
    let err = store.start_step(&id, "brainstorm").unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert!(
        err.to_string().starts_with("unknown step \"brainstorm\""),
        "{err}"
    );
    assert!(store
        .save_step_output(&id, "brainstorm", json!({}))
        .is_err());
    assert!(store.set_note(&id, Some("brainstorm"), "x").is_err());
    assert!(store.note("ws_missing", None).is_err());
}

#[test]
fn saving_an_invalid_output_names_the_step_and_field_and_keeps_the_previous_output() {
    let (_dir, mut store) = common::store();
    let ws = common::pawpal(&mut store);
    let id = ws.workshop.record.id;
    let before = store
        .workshop(&id)
        .unwrap()
        .step("persona")
        .unwrap()
        .clone();
    let mut bad = before.record.output.clone().unwrap();
    bad["age"] = json!(12);
    bad["goals"] = json!([]);
    let err = store.save_step_output(&id, "persona", bad).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert_eq!(
        err.to_string(),
        "invalid output for step \"persona\": age must be a whole number from 18 to 100, got 12; goals must have 1 to 5 items, has 0"
    );
    assert_eq!(
        store.workshop(&id).unwrap().step("persona").unwrap(),
        &before,
        "nothing changed"
    );
}

#[test]
fn a_saved_output_keeps_unknown_fields_and_bumps_the_revision() {
    let (_dir, mut store) = common::store();
    let id = store
        .create_workshop(Some("Fields"), "")
        .unwrap()
        .workshop
        .record
        .id;
    let mut output = common::pawpal_json()["steps"]["challenge"]["artifact"].clone();
    output["facilitatorTag"] = json!({"nested": [1, 2, 3]});
    let step = store
        .save_step_output(&id, "challenge", output.clone())
        .unwrap();
    assert_eq!(step.record.output.as_ref(), Some(&output));
    assert_eq!(step.rev, 2);
    let reread = store.workshop(&id).unwrap();
    assert_eq!(
        reread
            .step("challenge")
            .unwrap()
            .record
            .output
            .as_ref()
            .unwrap()["facilitatorTag"]["nested"],
        json!([1, 2, 3])
    );
    let last = store.outbox(0, 100).unwrap().pop().unwrap();
    assert!(
        matches!(&last.mutation, Mutation::SaveStepOutput { step_id, output: o, .. }
            if step_id == "challenge" && *o == output),
        "{:?}",
        last.mutation
    );
}

#[test]
fn steps_follow_the_progress_rules() {
    let (_dir, mut store) = common::store();
    let id = common::pawpal(&mut store).workshop.record.id;
    // Advancing: the current step becomes complete, the next in progress.
    let ws = store.advance_step(&id, "challenge").unwrap();
    assert_eq!(ws.steps[0].record.status, StepStatus::Complete);
    assert!(ws.steps[0].record.completed_at.is_some());
    assert_eq!(ws.steps[1].record.status, StepStatus::InProgress);
    assert!(ws.steps[1].record.started_at.is_some());
    assert_eq!(
        store.workshop(&id).unwrap(),
        ws,
        "what the operation returned is what was stored"
    );
    // Completing stamps completed_at; completing again writes nothing.
    store.complete_step(&id, "stakeholder-mapping").unwrap();
    let before = outbox_len(&store);
    store.complete_step(&id, "stakeholder-mapping").unwrap();
    assert_eq!(outbox_len(&store), before);
    // A complete step cannot be started or edited, only revised.
    let err = store.start_step(&id, "challenge").unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    let challenge = store.workshop(&id).unwrap().steps[0]
        .record
        .output
        .clone()
        .unwrap();
    assert!(store
        .save_step_output(&id, "challenge", challenge)
        .unwrap_err()
        .to_string()
        .contains("revise it"));
    // Starting stamps started_at.
    let ws = store.start_step(&id, "persona").unwrap();
    assert_eq!(ws.steps[4].record.status, StepStatus::InProgress);
    assert!(ws.steps[4].record.started_at.is_some());
    // Revising: back in progress, every later step needs regeneration, outputs kept.
    let ws = store.revise_step(&id, "challenge").unwrap();
    assert_eq!(
        (ws.steps[0].record.status, ws.steps[0].record.completed_at),
        (StepStatus::InProgress, None)
    );
    for later in &ws.steps[1..] {
        assert_eq!(
            (
                later.record.status,
                later.record.started_at,
                later.record.completed_at
            ),
            (StepStatus::NeedsRegeneration, None, None),
            "{}",
            later.record.step_id
        );
        assert!(later.record.output.is_some(), "outputs are kept");
    }
}

#[test]
fn a_step_without_output_cannot_be_completed() {
    let (_dir, mut store) = common::store();
    let id = store.create_workshop(None, "").unwrap().workshop.record.id;
    let err = store.complete_step(&id, "challenge").unwrap_err();
    assert_eq!(
        err.to_string(),
        "step \"challenge\" has no output yet; save its output before completing it"
    );
    assert_eq!(
        store.workshop(&id).unwrap().steps[0].record.status,
        StepStatus::InProgress
    );
}

#[test]
fn completing_a_workshop_needs_every_step_and_is_idempotent() {
    let (_dir, mut store) = common::store();
    let id = common::pawpal(&mut store).workshop.record.id;
    for def in &STEPS[..7] {
        store.advance_step(&id, def.id).unwrap();
    }
    let before = store.workshop(&id).unwrap();
    let err = store.complete_workshop(&id).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert_eq!(
        err.to_string(),
        "All steps must be completed before finishing the workshop; not complete: ideation, concept, validate"
    );
    assert_eq!(store.workshop(&id).unwrap(), before, "nothing changed");
    for def in &STEPS[7..] {
        store.advance_step(&id, def.id).unwrap();
    }
    let done = store.complete_workshop(&id).unwrap();
    assert_eq!(done.record.status, WorkshopStatus::Completed);
    let outbox = outbox_len(&store);
    assert_eq!(store.complete_workshop(&id).unwrap(), done, "idempotent");
    assert_eq!(outbox_len(&store), outbox, "and writes nothing");
    // Revising a step reopens a completed workshop.
    let ws = store.revise_step(&id, "validate").unwrap();
    assert_eq!(ws.workshop.record.status, WorkshopStatus::Active);
    assert_eq!(
        store.workshop(&id).unwrap().workshop.record.status,
        WorkshopStatus::Active
    );
}

#[test]
fn notes_are_saved_whole_and_an_over_long_note_keeps_the_previous_text() {
    let (_dir, mut store) = common::store();
    let id = store
        .create_workshop(Some("Notes"), "")
        .unwrap()
        .workshop
        .record
        .id;
    assert_eq!(store.note(&id, None).unwrap(), None);
    let first = store.set_note(&id, None, "Bring sticky notes").unwrap();
    assert!(first.record.id.starts_with("note_"));
    let second = store
        .set_note(&id, None, "Bring sticky notes and markers")
        .unwrap();
    assert_eq!(
        (second.record.id.as_str(), second.rev),
        (first.record.id.as_str(), 2),
        "one note per workshop, replaced whole"
    );
    store
        .set_note(&id, Some("persona"), "Sarah is a composite")
        .unwrap();
    let at_limit = "é".repeat(50_000);
    store.set_note(&id, Some("persona"), &at_limit).unwrap();
    let before = outbox_len(&store);
    let err = store
        .set_note(&id, Some("persona"), &format!("{at_limit}!"))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert_eq!(
        err.to_string(),
        "note is 50001 characters; notes are limited to 50000 characters"
    );
    assert_eq!(
        store
            .note(&id, Some("persona"))
            .unwrap()
            .unwrap()
            .record
            .content,
        at_limit,
        "the previous text stays"
    );
    assert_eq!(
        store.note(&id, None).unwrap().unwrap().record.content,
        "Bring sticky notes and markers"
    );
    assert_eq!(outbox_len(&store), before);
    let notes = store.notes(&id).unwrap();
    assert_eq!(
        notes
            .iter()
            .map(|n| n.record.step_id.as_deref())
            .collect::<Vec<_>>(),
        vec![None, Some("persona")]
    );
}

#[test]
fn trash_and_restore() {
    let (_dir, mut store) = common::store();
    let keep = store
        .create_workshop(Some("Keep"), "")
        .unwrap()
        .workshop
        .record
        .id;
    let gone = store
        .create_workshop(Some("Gone"), "")
        .unwrap()
        .workshop
        .record
        .id;
    store.delete_workshop(&gone).unwrap();
    let live: Vec<String> = store
        .list_workshops(&WorkshopFilter::default())
        .unwrap()
        .into_iter()
        .map(|w| w.workshop.record.title)
        .collect();
    assert_eq!(live, vec!["Keep"]);
    let trash = store
        .list_workshops(&WorkshopFilter {
            trash: true,
            search: None,
        })
        .unwrap();
    assert_eq!(trash.len(), 1);
    assert!(trash[0].workshop.record.deleted_at.is_some());
    let err = store.rename_workshop(&gone, "Back?").unwrap_err();
    assert_eq!(
        (err.code(), err.to_string()),
        (
            ErrorCode::Conflict,
            format!("workshop \"{gone}\" is in the trash; restore it first")
        )
    );
    assert!(store.set_note(&gone, None, "x").is_err());
    let restored = store.restore_workshop(&gone).unwrap();
    assert_eq!(restored.record.deleted_at, None);
    assert_eq!(
        store
            .list_workshops(&WorkshopFilter::default())
            .unwrap()
            .len(),
        2
    );
    let _ = keep;
}

#[test]
fn the_list_shows_progress_and_searches_titles() {
    let (_dir, mut store) = common::store();
    let id = common::pawpal(&mut store).workshop.record.id;
    store
        .create_workshop(Some("Onboarding revamp"), "")
        .unwrap();
    for def in &STEPS[..3] {
        store.advance_step(&id, def.id).unwrap();
    }
    let list = store.list_workshops(&WorkshopFilter::default()).unwrap();
    assert_eq!(
        list[0].workshop.record.title, "PawPal",
        "most recently active first"
    );
    assert_eq!(
        (list[0].steps_complete, list[0].current_step.as_deref()),
        (3, Some("Research Sense Making"))
    );
    assert_eq!(
        (list[1].steps_complete, list[1].current_step.as_deref()),
        (0, Some("Challenge"))
    );
    let found = store
        .list_workshops(&WorkshopFilter {
            trash: false,
            search: Some("pawp".into()),
        })
        .unwrap();
    assert_eq!(found.len(), 1);
    assert!(
        store
            .list_workshops(&WorkshopFilter {
                trash: false,
                search: Some("%".into())
            })
            .unwrap()
            .is_empty(),
        "no LIKE wildcards"
    );
}

#[test]
fn importing_pawpal_keeps_every_output_and_summary() {
    let (_dir, mut store) = common::store();
    let ws = common::pawpal(&mut store);
    let file = common::pawpal_json();
    assert_eq!(ws.workshop.record.title, "PawPal");
    for step in &ws.steps {
        assert_eq!(
            step.record.output.as_ref(),
            Some(&file["steps"][&step.record.step_id]["artifact"]),
            "{}",
            step.record.step_id
        );
        assert_eq!(
            step.record.summary.as_deref(),
            file["steps"][&step.record.step_id]["summary"].as_str()
        );
    }
    assert_eq!(ws.steps[0].record.status, StepStatus::InProgress);
    assert_eq!(ws.steps_complete(), 0);
}

#[test]
fn an_import_with_an_invalid_step_output_imports_nothing() {
    let (_dir, mut store) = common::store();
    let mut file = common::pawpal_json();
    file["steps"]["concept"]["artifact"]["concepts"][1]["feasibility"]["business"] = json!(9);
    file["steps"]["journey-mapping"]["artifact"]["stages"][0]["emotions"] = json!("ecstatic");
    let before = outbox_len(&store);
    let err = store.import_workshop(&file.to_string()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    let text = err.to_string();
    assert!(text.contains("invalid output for step \"concept\": concepts[1].feasibility.business must be a whole number from 1 to 5, got 9"), "{text}");
    assert!(text.contains("invalid output for step \"journey-mapping\": stages[0].emotions must be one of positive, neutral, negative"), "{text}");
    assert!(store
        .list_workshops(&WorkshopFilter::default())
        .unwrap()
        .is_empty());
    assert_eq!(outbox_len(&store), before);

    let mut unknown = common::pawpal_json();
    unknown["steps"]["brainwriting"] = json!({"artifact": {}});
    assert!(store
        .import_workshop(&unknown.to_string())
        .unwrap_err()
        .to_string()
        .contains("unknown step \"brainwriting\""));
    assert!(store
        .import_workshop("{ not json")
        .unwrap_err()
        .to_string()
        .starts_with("cannot import: not a workshop file"));
    let mut long_title = common::pawpal_json();
    long_title["title"] = json!("t".repeat(101));
    assert!(store
        .import_workshop(&long_title.to_string())
        .unwrap_err()
        .to_string()
        .contains("title must be 1 to 100"));
    assert!(store
        .list_workshops(&WorkshopFilter::default())
        .unwrap()
        .is_empty());
}

#[test]
fn build_packs_are_stored_once_per_kind_and_format_and_exported_atomically() {
    let (dir, mut store) = common::store();
    let id = common::pawpal(&mut store).workshop.record.id;
    store
        .set_note(&id, None, "Private: client budget is tight")
        .unwrap();
    let rows = store.generate_build_packs(&id).unwrap();
    assert_eq!(
        rows.len(),
        9,
        "pack, prd and workshop summary in markdown, html and json"
    );
    assert!(
        rows.iter().all(|r| !r.content.contains("client budget")),
        "stored packs never hold notes"
    );
    let outbox = outbox_len(&store);
    assert_eq!(
        store.generate_build_packs(&id).unwrap(),
        rows,
        "unchanged outputs, unchanged rows"
    );
    assert_eq!(outbox_len(&store), outbox, "and nothing to sync");

    let out = dir.path().join("exports");
    std::fs::create_dir(&out).unwrap();
    let request = |format, include_notes| wp_store::ExportRequest {
        kind: wp_store::BuildPackKind::Pack,
        format,
        out: out.clone(),
        include_notes,
    };
    let md = store
        .export_build_pack(&id, &request(wp_store::ExportFormat::Markdown, false))
        .unwrap();
    assert_eq!(md.path, out.join("pawpal-build-pack.md"));
    let text = std::fs::read_to_string(&md.path).unwrap();
    assert_eq!(text.len(), md.bytes);
    assert!(text.contains("Sarah Chen") && !text.contains("client budget"));
    let with_notes = store
        .export_build_pack(&id, &request(wp_store::ExportFormat::Html, true))
        .unwrap();
    assert!(
        std::fs::read_to_string(&with_notes.path)
            .unwrap()
            .contains("client budget"),
        "notes when asked for"
    );
    let file = out.join("named.json");
    let json = store
        .export_build_pack(
            &id,
            &wp_store::ExportRequest {
                out: file.clone(),
                ..request(wp_store::ExportFormat::Json, false)
            },
        )
        .unwrap();
    assert_eq!(json.path, file);
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 3, "no temporary files left: {names:?}");
    // Changing an output regenerates the pack.
    store.save_step_output(&id, "challenge", json!({
        "problemStatement": "p", "targetUser": "Night-shift nurses", "desiredOutcome": "o", "hmwStatement": "h"
    })).unwrap();
    let rows = store.generate_build_packs(&id).unwrap();
    assert!(rows
        .iter()
        .find(|r| r.kind == "prd" && r.format == "markdown")
        .unwrap()
        .content
        .contains("Night-shift nurses"));
}
