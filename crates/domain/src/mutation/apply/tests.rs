//! `apply`'s rules, one mutation kind at a time.

use super::*;
use chrono::TimeZone;
use serde_json::json;

fn t(sec: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + sec, 0).unwrap()
}

fn ctx(role: Option<Role>) -> Context {
    Context {
        now: t(100),
        actor: "usr_a".into(),
        role,
    }
}

fn created() -> Rows {
    let m = Mutation::CreateWorkshop {
        workshop_id: "ws_1".into(),
        title: " PawPal ".into(),
        original_idea: String::new(),
        steps: Mutation::new_steps(),
        at: t(0),
    };
    let mut rows = Rows::default();
    for change in apply(&rows.clone(), &m, &ctx(None)).unwrap() {
        match change {
            Change::Workshop(w) => rows.workshop = Some(w),
            Change::Step(s) => rows.steps.push(s),
            _ => unreachable!(),
        }
    }
    rows
}

#[test]
fn create_makes_the_workshop_and_ten_steps_with_the_clients_ids_and_time() {
    let rows = created();
    let w = rows.workshop.as_ref().unwrap();
    assert_eq!(
        (w.id.as_str(), w.title.as_str(), w.owner_id.as_str()),
        ("ws_1", "PawPal", "usr_a")
    );
    assert_eq!(w.created_at, t(0), "the client's time is kept");
    assert_eq!(rows.steps.len(), 10);
    assert_eq!(rows.steps[0].status, StepStatus::InProgress);
    assert!(rows.steps.iter().all(|s| s.id.starts_with("wst_")));
}

#[test]
fn a_time_from_the_future_is_clamped() {
    let rows = created();
    let m = Mutation::RenameWorkshop {
        workshop_id: "ws_1".into(),
        title: "Later".into(),
        base: None,
        at: t(100) + chrono::Duration::hours(2),
    };
    let changes = apply(&rows, &m, &ctx(Some(Role::Owner))).unwrap();
    let [Change::Workshop(w)] = changes.as_slice() else {
        panic!("{changes:?}")
    };
    assert_eq!(w.updated_at, t(100));
}

#[test]
fn roles_follow_the_rest_twin() {
    let rows = created();
    let note = Mutation::SetNote {
        note_id: "note_x".into(),
        workshop_id: "ws_1".into(),
        step_id: None,
        content: "mine".into(),
        base: None,
        at: t(1),
    };
    assert_eq!(
        apply(&rows, &note, &ctx(Some(Role::Viewer))).unwrap().len(),
        1
    );
    let output = Mutation::SaveStepOutput {
        workshop_id: "ws_1".into(),
        step_id: "challenge".into(),
        output: json!({}),
        base: None,
        at: t(1),
    };
    assert!(matches!(
        apply(&rows, &output, &ctx(Some(Role::Viewer))),
        Err(DomainError::Forbidden {
            needed: Role::Editor,
            ..
        })
    ));
    let rename = Mutation::RenameWorkshop {
        workshop_id: "ws_1".into(),
        title: "x".into(),
        base: None,
        at: t(1),
    };
    assert!(matches!(
        apply(&rows, &rename, &ctx(Some(Role::Editor))),
        Err(DomainError::Forbidden {
            needed: Role::Owner,
            ..
        })
    ));
    assert_eq!(
        apply(&rows, &rename, &ctx(None)),
        Err(DomainError::WorkshopNotFound("ws_1".into()))
    );
}

#[test]
fn the_owner_removes_a_member_and_a_repeat_is_a_no_op() {
    let mut rows = created();
    let owner = rows.workshop.as_ref().unwrap().owner_id.clone();
    let remove = |user: &str| Mutation::RemoveMember {
        workshop_id: "ws_1".into(),
        user_id: user.into(),
        at: t(1),
    };
    // Not a member: nothing changes (two devices removing the same member).
    assert_eq!(
        apply(&rows, &remove("usr_b"), &ctx(Some(Role::Owner))),
        Ok(vec![])
    );
    rows.member = Some(MemberRecord {
        id: "wm_1".into(),
        workshop_id: "ws_1".into(),
        user_id: "usr_b".into(),
        role: Role::Editor,
        created_at: t(0),
        user_name: None,
        removed: false,
    });
    let changes = apply(&rows, &remove("usr_b"), &ctx(Some(Role::Owner))).unwrap();
    assert!(
        matches!(&changes[..], [Change::Member(m)] if m.removed && m.id == "wm_1"),
        "{changes:?}"
    );
    // Only the owner removes, and the owner cannot be removed.
    assert!(matches!(
        apply(&rows, &remove("usr_b"), &ctx(Some(Role::Editor))),
        Err(DomainError::Forbidden {
            needed: Role::Owner,
            ..
        })
    ));
    assert!(matches!(
        apply(&rows, &remove(&owner), &ctx(Some(Role::Owner))),
        Err(DomainError::InvalidArgument { field, .. }) if field == "userId"
    ));
    // The flag never travels unless set.
    let plain = serde_json::to_value(rows.member.as_ref().unwrap()).unwrap();
    assert!(plain.get("removed").is_none(), "{plain}");
}

#[test]
fn a_create_with_someone_elses_id_is_refused_and_a_repeat_is_a_no_op() {
    let rows = created();
    let m = Mutation::CreateWorkshop {
        workshop_id: "ws_1".into(),
        title: "Mine".into(),
        original_idea: String::new(),
        steps: Mutation::new_steps(),
        at: t(0),
    };
    assert!(apply(&rows, &m, &ctx(None)).unwrap().is_empty());
    let other = Context {
        actor: "usr_b".into(),
        ..ctx(None)
    };
    assert!(matches!(
        apply(&rows, &m, &other),
        Err(DomainError::InvalidArgument { field, .. }) if field == "workshopId"
    ));
}

#[test]
fn a_put_workshop_keeps_the_offered_progress_and_times_and_is_a_no_op_when_present() {
    let mut rows = created();
    rows.steps[0].status = StepStatus::Complete;
    rows.steps[0].output = Some(json!({
        "problemStatement": "p", "targetUser": "u", "desiredOutcome": "d", "hmwStatement": "h"
    }));
    rows.steps[0].completed_at = Some(t(50));
    let m = Mutation::PutWorkshop {
        workshop: rows.workshop.clone().unwrap(),
        steps: rows.steps.clone(),
        at: t(60),
    };
    let changes = apply(&Rows::default(), &m, &ctx(None)).unwrap();
    let Change::Step(first) = &changes[1] else {
        panic!("{changes:?}")
    };
    assert_eq!(
        (first.status, first.completed_at),
        (StepStatus::Complete, Some(t(50)))
    );
    assert!(apply(&rows, &m, &ctx(Some(Role::Owner)))
        .unwrap()
        .is_empty());
}

fn with_note(rows: &mut Rows, text: &str) {
    rows.note = Some(NoteRecord {
        id: "note_a".into(),
        workshop_id: "ws_1".into(),
        step_id: None,
        content: text.into(),
        created_at: t(0),
        updated_at: t(0),
    });
}

fn set_note(content: &str, base: &str) -> Mutation {
    Mutation::SetNote {
        note_id: "note_b".into(),
        workshop_id: "ws_1".into(),
        step_id: None,
        content: content.into(),
        base: Some(base.into()),
        at: t(5),
    }
}

#[test]
fn a_note_changed_meanwhile_merges_by_line_or_becomes_a_conflict() {
    let mut rows = created();
    with_note(&mut rows, "one changed\ntwo\nthree\nfour\n");
    let owner = ctx(Some(Role::Owner));
    let merged = apply(
        &rows,
        &set_note("one\ntwo\nthree\nfour!\n", "one\ntwo\nthree\nfour\n"),
        &owner,
    )
    .unwrap();
    assert!(
        matches!(&merged[..], [Change::Note(n)] if n.content == "one changed\ntwo\nthree\nfour!\n" && n.id == "note_a"),
        "{merged:?}"
    );
    let clash = apply(
        &rows,
        &set_note("one mine\ntwo\nthree\nfour\n", "one\ntwo\nthree\nfour\n"),
        &owner,
    )
    .unwrap();
    let [Change::Conflict(c)] = &clash[..] else {
        panic!("{clash:?}")
    };
    assert_eq!(
        (c.kind, c.theirs.as_str(), c.mine.as_str()),
        (
            ConflictKind::Note,
            Some("one changed\ntwo\nthree\nfour\n"),
            Some("one mine\ntwo\nthree\nfour\n")
        )
    );
    assert_eq!(c.user_id, "usr_a", "the later author keeps it");
    // Resolving: keep mine sets the note (no base: it simply wins) and closes the conflict.
    rows.conflict = Some(ConflictRecord {
        id: "cf_1".into(),
        ..c.clone()
    });
    let resolve = Mutation::ResolveConflict {
        conflict_id: "cf_1".into(),
        workshop_id: "ws_1".into(),
        resolution: Resolution::Mine,
        at: t(9),
    };
    let done = apply(&rows, &resolve, &owner).unwrap();
    assert!(
        matches!(&done[..], [Change::Note(n), Change::Conflict(c)] if n.content == "one mine\ntwo\nthree\nfour\n" && c.resolved_at == Some(t(9))),
        "{done:?}"
    );
    let other = Context {
        actor: "usr_b".into(),
        ..owner
    };
    assert!(
        apply(&rows, &resolve, &other).is_err(),
        "only its author resolves it"
    );
}

#[test]
fn an_output_changed_meanwhile_merges_by_field_and_a_title_keeps_the_first() {
    let mut rows = created();
    let base = json!({"problemStatement": "p", "targetUser": "u", "desiredOutcome": "d", "hmwStatement": "h"});
    let mut theirs = base.clone();
    theirs["targetUser"] = json!("their user");
    theirs["hmwStatement"] = json!("their hmw");
    rows.steps[0].output = Some(theirs);
    let mut mine = base.clone();
    mine["desiredOutcome"] = json!("my outcome");
    mine["hmwStatement"] = json!("my hmw");
    let m = Mutation::SaveStepOutput {
        workshop_id: "ws_1".into(),
        step_id: "challenge".into(),
        output: mine,
        base: Some(base),
        at: t(3),
    };
    let changes = apply(&rows, &m, &ctx(Some(Role::Editor))).unwrap();
    let [Change::Step(step), Change::Conflict(c)] = &changes[..] else {
        panic!("{changes:?}")
    };
    let out = step.output.as_ref().unwrap();
    assert_eq!(
        (
            out["targetUser"].as_str(),
            out["desiredOutcome"].as_str(),
            out["hmwStatement"].as_str()
        ),
        (Some("their user"), Some("my outcome"), Some("their hmw"))
    );
    assert_eq!(
        (c.field.as_deref(), c.mine.as_str()),
        (Some("hmwStatement"), Some("my hmw"))
    );

    let rename = Mutation::RenameWorkshop {
        workshop_id: "ws_1".into(),
        title: "Mine".into(),
        base: Some("Before".into()),
        at: t(4),
    };
    let changes = apply(&rows, &rename, &ctx(Some(Role::Owner))).unwrap();
    assert!(
        matches!(&changes[..], [Change::Conflict(c)] if c.kind == ConflictKind::Title && c.theirs == "PawPal" && c.mine == "Mine"),
        "{changes:?}"
    );
}

#[test]
fn mutations_round_trip_as_name_and_args() {
    let m = Mutation::AdvanceStep {
        workshop_id: "ws_1".into(),
        step_id: "persona".into(),
        at: t(0),
    };
    let v = serde_json::to_value(&m).unwrap();
    assert_eq!(v["name"], "advanceStep");
    assert_eq!(v["args"]["stepId"], "persona");
    assert_eq!(serde_json::from_value::<Mutation>(v).unwrap(), m);
}

#[test]
fn every_name_is_listed_once_and_serializes_as_itself() {
    let (ws, st, at) = ("ws_1".to_string(), "persona".to_string(), t(0));
    let session_form = crate::mutation::SessionForm {
        title: Some("Kick-off".into()),
        description: String::new(),
        scheduled_at: at,
        duration_minutes: 60,
        is_private: false,
        max_capacity: None,
    };
    let series_form = crate::mutation::SeriesForm {
        title: "Sprint".into(),
        description: String::new(),
        rule: crate::series::RuleForm {
            frequency: crate::series::Frequency::Monthly,
            days: vec![],
            monthly: Some(crate::series::MonthlyDay::Weekday {
                nth: -1,
                weekday: chrono::Weekday::Fri,
            }),
            end: crate::series::End::Until {
                date: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            },
        },
        start_date: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
        time_of_day: chrono::NaiveTime::from_hms_opt(19, 0, 0).unwrap(),
        timezone: "Europe/London".into(),
        duration_minutes: 60,
        is_private: true,
    };
    let all = [
        Mutation::CreateWorkshop {
            workshop_id: ws.clone(),
            title: "t".into(),
            original_idea: String::new(),
            steps: vec![],
            at,
        },
        Mutation::PutWorkshop {
            workshop: created().workshop.unwrap(),
            steps: created().steps,
            at,
        },
        Mutation::RenameWorkshop {
            workshop_id: ws.clone(),
            title: "t".into(),
            base: None,
            at,
        },
        Mutation::SaveStepOutput {
            workshop_id: ws.clone(),
            step_id: st.clone(),
            output: json!({}),
            base: None,
            at,
        },
        Mutation::StartStep {
            workshop_id: ws.clone(),
            step_id: st.clone(),
            at,
        },
        Mutation::CompleteStep {
            workshop_id: ws.clone(),
            step_id: st.clone(),
            at,
        },
        Mutation::AdvanceStep {
            workshop_id: ws.clone(),
            step_id: st.clone(),
            at,
        },
        Mutation::ReviseStep {
            workshop_id: ws.clone(),
            step_id: st.clone(),
            at,
        },
        Mutation::CompleteWorkshop {
            workshop_id: ws.clone(),
            at,
        },
        Mutation::SetNote {
            note_id: "note_1".into(),
            workshop_id: ws.clone(),
            step_id: None,
            content: String::new(),
            base: None,
            at,
        },
        Mutation::DeleteWorkshop {
            workshop_id: ws.clone(),
            at,
        },
        Mutation::RestoreWorkshop {
            workshop_id: ws.clone(),
            at,
        },
        Mutation::AddMember {
            member_id: "wm_1".into(),
            workshop_id: ws.clone(),
            user_id: "usr_b".into(),
            role: Role::Editor,
            at,
        },
        Mutation::RemoveMember {
            workshop_id: ws.clone(),
            user_id: "usr_b".into(),
            at,
        },
        Mutation::ResolveConflict {
            conflict_id: "cf_1".into(),
            workshop_id: ws.clone(),
            resolution: Resolution::Mine,
            at,
        },
        Mutation::ReopenConflict {
            conflict_id: "cf_1".into(),
            workshop_id: ws.clone(),
            kept: Some(serde_json::json!("kept")),
            at,
        },
        Mutation::CreateSession {
            session_id: "ses_1".into(),
            workshop_id: ws.clone(),
            session: session_form.clone(),
            at,
        },
        Mutation::UpdateSession {
            session_id: "ses_1".into(),
            workshop_id: ws.clone(),
            session: session_form,
            at,
        },
        Mutation::CancelSession {
            session_id: "ses_1".into(),
            workshop_id: ws.clone(),
            at,
        },
        Mutation::RestoreSession {
            session_id: "ses_1".into(),
            workshop_id: ws.clone(),
            at,
        },
        Mutation::CreateSeries {
            series_id: "ser_1".into(),
            workshop_id: ws.clone(),
            series: series_form.clone(),
            at,
        },
        Mutation::RollSeries {
            series_id: "ser_1".into(),
            workshop_id: ws.clone(),
            at,
        },
        Mutation::CancelSeries {
            series_id: "ser_1".into(),
            workshop_id: ws.clone(),
            from_session_id: None,
            at,
        },
        Mutation::ReviseSeries {
            series_id: "ser_1".into(),
            new_series_id: "ser_2".into(),
            workshop_id: ws.clone(),
            series: series_form,
            at,
        },
        Mutation::UpdateWorkshop {
            workshop_id: ws.clone(),
            original_idea: Some("i".into()),
            status: Some(WorkshopStatus::Paused),
            visibility: Some(Visibility::Shared),
            at,
        },
    ];
    // The test's list holds one mutation of every variant: their names are the enum's.
    let mut names: Vec<&str> = all.iter().map(Mutation::name).collect();
    names.sort();
    let mut known = Mutation::NAMES.to_vec();
    known.sort();
    assert_eq!(names, known);
    for m in &all {
        let wire = m.to_wire().unwrap();
        assert_eq!(&Mutation::from_wire(wire.name, wire.args).unwrap(), m);
    }
    for m in &all {
        let back: Mutation = serde_json::from_value(serde_json::to_value(m).unwrap()).unwrap();
        assert_eq!(&back, m, "{} round-trips", m.name());
    }
    for m in &all {
        assert_eq!(serde_json::to_value(m).unwrap()["name"], m.name());
    }
}

fn update(
    idea: Option<&str>,
    status: Option<WorkshopStatus>,
    visibility: Option<Visibility>,
) -> Mutation {
    Mutation::UpdateWorkshop {
        workshop_id: "ws_1".into(),
        original_idea: idea.map(str::to_string),
        status,
        visibility,
        at: t(50),
    }
}

#[test]
fn update_workshop_changes_the_given_fields_only_and_a_repeat_is_a_no_op() {
    let rows = created();
    let owner = ctx(Some(Role::Owner));
    let m = update(
        Some("  Dogs need walks  "),
        Some(WorkshopStatus::Paused),
        None,
    );
    let changes = apply(&rows, &m, &owner).unwrap();
    let [Change::Workshop(w)] = changes.as_slice() else {
        panic!("one workshop row: {changes:?}");
    };
    assert_eq!(w.original_idea, "Dogs need walks", "trimmed");
    assert_eq!(w.status, WorkshopStatus::Paused);
    assert_eq!(w.visibility, Visibility::Private, "absent: kept");
    assert_eq!((w.title.as_str(), w.updated_at), ("PawPal", t(50)));

    let mut after = rows.clone();
    after.workshop = Some(w.clone());
    assert!(
        apply(&after, &m, &owner).unwrap().is_empty(),
        "the same again"
    );
    let shared = apply(
        &after,
        &update(None, None, Some(Visibility::Shared)),
        &owner,
    )
    .unwrap();
    assert!(matches!(&shared[..], [Change::Workshop(w)] if w.visibility == Visibility::Shared));
}

#[test]
fn update_workshop_never_completes_or_reopens_a_workshop_and_is_the_owners() {
    let rows = created();
    let owner = ctx(Some(Role::Owner));
    let err = apply(
        &rows,
        &update(None, Some(WorkshopStatus::Completed), None),
        &owner,
    )
    .unwrap_err();
    assert_eq!(err.field(), Some("status"), "{err}");

    let mut completed = rows.clone();
    if let Some(w) = completed.workshop.as_mut() {
        w.status = WorkshopStatus::Completed;
    }
    let err = apply(
        &completed,
        &update(None, Some(WorkshopStatus::Active), None),
        &owner,
    )
    .unwrap_err();
    assert_eq!(err.field(), Some("status"));
    let again = apply(
        &completed,
        &update(None, Some(WorkshopStatus::Completed), None),
        &owner,
    );
    assert!(
        again.is_err(),
        "completed is never a status to set, even again"
    );
    assert!(err.to_string().contains("stays completed"), "{err}");
    // Its idea may still change.
    assert_eq!(
        apply(&completed, &update(Some("later"), None, None), &owner)
            .unwrap()
            .len(),
        1
    );

    for role in [Role::Editor, Role::Viewer] {
        let err = apply(&rows, &update(Some("x"), None, None), &ctx(Some(role))).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorCode::Forbidden, "{role:?}: {err}");
    }
}
