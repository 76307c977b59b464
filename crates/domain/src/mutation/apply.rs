//! [`apply`]: the one implementation of every mutation, a pure function of the rows it
//! reads and the mutation, returning the rows that change.

use chrono::{DateTime, Utc};

use serde_json::Value;

use super::{clamp_time, Mutation, NewStep, Resolution};
use crate::ids::{self, IdKind};
use crate::merge::{self, TextMerge};
use crate::progress::{self, StepState};
use crate::{
    limits, schema, steps, Change, ConflictKind, ConflictRecord, DomainError, MemberRecord,
    NoteRecord, Role, Rows, StepRecord, StepStatus, Visibility, WorkshopRecord, WorkshopStatus,
    STEPS,
};

/// Who applies a mutation, and when.
#[derive(Debug, Clone)]
pub struct Context {
    /// The applying side's clock; client times later than this plus the allowed skew are
    /// clamped to it.
    pub now: DateTime<Utc>,
    /// The caller's user id: the owner of a workshop they create.
    pub actor: String,
    /// The caller's role on the workshop the rows hold; `None` when they have none (the
    /// workshop then reads as missing).
    pub role: Option<Role>,
}

mod conflicts;
mod create;

use conflicts::{conflict, reopen, resolve};
use create::{create, put};

type Progress = fn(&mut [StepState], &str, DateTime<Utc>) -> Result<Vec<usize>, DomainError>;

/// Applies `mutation` to `rows` (the workshop it names, its steps in order, the caller's
/// note in its scope, the member row it names) and returns each row that changes, whole.
/// An empty list means the mutation is a no-op on these rows (completing a completed
/// workshop, saving the same title). Errors name the field and the rule; on error nothing
/// is to be written.
pub fn apply(rows: &Rows, mutation: &Mutation, ctx: &Context) -> Result<Vec<Change>, DomainError> {
    let at = |t: &DateTime<Utc>| clamp_time(*t, ctx.now).0;
    match mutation {
        Mutation::CreateWorkshop {
            workshop_id,
            title,
            original_idea,
            steps,
            at: t,
        } => create(rows, ctx, workshop_id, title, original_idea, steps, at(t)),
        Mutation::PutWorkshop {
            workshop, steps, ..
        } => put(rows, ctx, workshop, steps),
        Mutation::RenameWorkshop {
            title, base, at: t, ..
        } => {
            let mut workshop = live(rows, mutation, ctx)?;
            let title = limits::normalize_title(Some(title))?;
            if workshop.title == title {
                return Ok(vec![]);
            }
            if base.as_ref().is_some_and(|b| *b != workshop.title) {
                // The live title moved on since this change was made: the first stays.
                return Ok(vec![conflict(
                    ctx,
                    at(t),
                    ConflictKind::Title,
                    &workshop.id,
                    (&workshop.id, None, None),
                    [
                        base.clone().into(),
                        workshop.title.clone().into(),
                        title.into(),
                    ],
                )]);
            }
            workshop.title = title;
            workshop.updated_at = at(t);
            Ok(vec![Change::Workshop(workshop)])
        }
        Mutation::UpdateWorkshop {
            original_idea,
            status,
            visibility,
            at: t,
            ..
        } => {
            let mut workshop = live(rows, mutation, ctx)?;
            let before = workshop.clone();
            if let Some(idea) = original_idea {
                workshop.original_idea = idea.trim().to_string();
            }
            if let Some(status) = *status {
                let completed = WorkshopStatus::Completed;
                if status == completed {
                    return Err(DomainError::argument(
                        "status",
                        "may be draft, active or paused; a workshop is completed by completing it, once every step is complete",
                    ));
                }
                if workshop.status == completed && status != completed {
                    return Err(DomainError::argument(
                        "status",
                        "a completed workshop stays completed; revise a step to work on it again",
                    ));
                }
                workshop.status = status;
            }
            if let Some(visibility) = *visibility {
                workshop.visibility = visibility;
            }
            if workshop == before {
                return Ok(vec![]);
            }
            workshop.updated_at = at(t);
            Ok(vec![Change::Workshop(workshop)])
        }
        Mutation::SaveStepOutput {
            step_id,
            output,
            base,
            at: t,
            ..
        } => {
            let workshop = live(rows, mutation, ctx)?;
            steps::find(step_id)?;
            schema::validate(step_id, output)?;
            let mut step = step_row(rows, step_id)?;
            if step.status == StepStatus::Complete {
                return Err(DomainError::StepTransition {
                    step: step_id.clone(),
                    reason: "is complete; revise it before changing its output".into(),
                });
            }
            let live_output = step.output.clone().unwrap_or(Value::Null);
            let mut changes = Vec::new();
            let next = match base {
                Some(base) if *base != live_output => {
                    // The live output moved on since this change was made: merge by field.
                    let (merged, clashes) = merge::merge_fields(base, &live_output, output);
                    if schema::validate(step_id, &merged).is_ok() {
                        for c in clashes {
                            changes.push(conflict(
                                ctx,
                                at(t),
                                ConflictKind::OutputField,
                                &workshop.id,
                                (&step.id, Some(step_id), Some(&c.field)),
                                [c.base, c.theirs, c.mine],
                            ));
                        }
                        merged
                    } else {
                        // The merge breaks the schema: the live output stays, mine is kept whole.
                        changes.push(conflict(
                            ctx,
                            at(t),
                            ConflictKind::OutputField,
                            &workshop.id,
                            (&step.id, Some(step_id), None),
                            [base.clone(), live_output.clone(), output.clone()],
                        ));
                        live_output.clone()
                    }
                }
                _ => output.clone(),
            };
            if step.output.as_ref() != Some(&next) {
                step.output = Some(next);
                step.updated_at = at(t);
                changes.insert(0, Change::Step(step));
            }
            Ok(changes)
        }
        Mutation::StartStep { step_id, at: t, .. } => {
            run_progress(rows, mutation, ctx, step_id, at(t), progress::start)
        }
        Mutation::CompleteStep { step_id, at: t, .. } => {
            run_progress(rows, mutation, ctx, step_id, at(t), progress::complete)
        }
        Mutation::AdvanceStep { step_id, at: t, .. } => {
            run_progress(rows, mutation, ctx, step_id, at(t), progress::advance)
        }
        Mutation::ReviseStep { step_id, at: t, .. } => {
            run_progress(rows, mutation, ctx, step_id, at(t), progress::revise)
        }
        Mutation::CompleteWorkshop { at: t, .. } => {
            let mut workshop = live(rows, mutation, ctx)?;
            if workshop.status == WorkshopStatus::Completed {
                return Ok(vec![]);
            }
            let states: Vec<StepState> = rows.steps.iter().map(StepRecord::state).collect();
            progress::completion_gate(&states)?;
            workshop.status = WorkshopStatus::Completed;
            workshop.updated_at = at(t);
            Ok(vec![Change::Workshop(workshop)])
        }
        Mutation::SetNote {
            note_id,
            workshop_id,
            step_id,
            content,
            base,
            at: t,
        } => {
            limits::check_note(content)?;
            if let Some(step) = step_id {
                steps::find(step)?;
            }
            let workshop = live(rows, mutation, ctx)?;
            let Some(note) = &rows.note else {
                ids::check(IdKind::Note, "noteId", note_id)?;
                return Ok(vec![Change::Note(NoteRecord {
                    id: note_id.clone(),
                    workshop_id: workshop_id.clone(),
                    step_id: step_id.clone(),
                    content: content.clone(),
                    created_at: at(t),
                    updated_at: at(t),
                })]);
            };
            let text = match base {
                // The live note moved on since this change was made: merge line by line.
                Some(base) if *base != note.content => {
                    match merge::merge_text(base, &note.content, content) {
                        TextMerge::Clean(merged) => merged,
                        TextMerge::Conflict => {
                            return Ok(vec![conflict(
                                ctx,
                                at(t),
                                ConflictKind::Note,
                                &workshop.id,
                                (&note.id, step_id.as_deref(), None),
                                [
                                    base.clone().into(),
                                    note.content.clone().into(),
                                    content.clone().into(),
                                ],
                            )])
                        }
                    }
                }
                _ => content.clone(),
            };
            limits::check_note(&text)?;
            if text == note.content {
                return Ok(vec![]);
            }
            Ok(vec![Change::Note(NoteRecord {
                content: text,
                updated_at: at(t),
                ..note.clone()
            })])
        }
        Mutation::ResolveConflict {
            workshop_id,
            resolution,
            at: t,
            ..
        } => resolve(rows, ctx, workshop_id, resolution, at(t)),
        Mutation::ReopenConflict {
            workshop_id,
            kept,
            at: t,
            ..
        } => reopen(rows, ctx, workshop_id, kept.as_ref(), at(t)),
        Mutation::DeleteWorkshop { at: t, .. } | Mutation::RestoreWorkshop { at: t, .. } => {
            let mut workshop = visible(rows, mutation, ctx)?;
            let delete = matches!(mutation, Mutation::DeleteWorkshop { .. });
            if workshop.deleted_at.is_some() == delete {
                return Ok(vec![]);
            }
            workshop.deleted_at = delete.then(|| at(t));
            workshop.updated_at = at(t);
            Ok(vec![Change::Workshop(workshop)])
        }
        Mutation::AddMember {
            member_id,
            workshop_id,
            user_id,
            role,
            at: t,
        } => {
            let workshop = live(rows, mutation, ctx)?;
            if *role == Role::Owner {
                return Err(DomainError::argument(
                    "role",
                    "role must be one of editor, viewer",
                ));
            }
            if *user_id == workshop.owner_id {
                return Err(DomainError::argument(
                    "userId",
                    "the owner already has every right on the workshop",
                ));
            }
            let member = match &rows.member {
                Some(m) if m.role == *role => return Ok(vec![]),
                Some(m) => MemberRecord {
                    role: *role,
                    removed: false,
                    ..m.clone()
                },
                None => {
                    ids::check(IdKind::Member, "memberId", member_id)?;
                    MemberRecord {
                        id: member_id.clone(),
                        workshop_id: workshop_id.clone(),
                        user_id: user_id.clone(),
                        role: *role,
                        created_at: at(t),
                        user_name: None,
                        removed: false,
                    }
                }
            };
            Ok(vec![Change::Member(member)])
        }
        Mutation::CreateSession { .. }
        | Mutation::UpdateSession { .. }
        | Mutation::CancelSession { .. }
        | Mutation::RestoreSession { .. }
        | Mutation::CreateSeries { .. }
        | Mutation::RollSeries { .. }
        | Mutation::CancelSeries { .. }
        | Mutation::ReviseSeries { .. } => {
            let workshop = live(rows, mutation, ctx)?;
            super::schedule::apply(rows, &workshop, mutation, ctx)
        }
        Mutation::RemoveMember { user_id, .. } => {
            let workshop = live(rows, mutation, ctx)?;
            if *user_id == workshop.owner_id {
                return Err(DomainError::argument(
                    "userId",
                    "the owner's access cannot be removed",
                ));
            }
            // Not a member (any more): nothing to do, as when two devices both removed them.
            Ok(rows
                .member
                .iter()
                .map(|m| {
                    Change::Member(MemberRecord {
                        removed: true,
                        ..m.clone()
                    })
                })
                .collect())
        }
    }
}

/// The workshop, if the caller may apply `mutation` to it (trash or not).
fn visible(rows: &Rows, mutation: &Mutation, ctx: &Context) -> Result<WorkshopRecord, DomainError> {
    let (Some(workshop), Some(role)) = (&rows.workshop, ctx.role) else {
        return Err(DomainError::WorkshopNotFound(
            mutation.workshop_id().to_string(),
        ));
    };
    if let Some(needed) = mutation.access() {
        if !role.allows(needed) {
            return Err(DomainError::Forbidden {
                action: mutation.name(),
                needed,
            });
        }
    }
    Ok(workshop.clone())
}

/// The workshop, if the caller may apply `mutation` to it and it is not in the trash.
fn live(rows: &Rows, mutation: &Mutation, ctx: &Context) -> Result<WorkshopRecord, DomainError> {
    let workshop = visible(rows, mutation, ctx)?;
    if workshop.deleted_at.is_some() {
        return Err(DomainError::InTrash(workshop.id));
    }
    Ok(workshop)
}

fn step_row(rows: &Rows, step_id: &str) -> Result<StepRecord, DomainError> {
    rows.steps
        .iter()
        .find(|s| s.step_id == step_id)
        .cloned()
        .ok_or_else(|| DomainError::UnknownStep(step_id.to_string()))
}

fn run_progress(
    rows: &Rows,
    mutation: &Mutation,
    ctx: &Context,
    step_id: &str,
    at: DateTime<Utc>,
    rule: Progress,
) -> Result<Vec<Change>, DomainError> {
    let mut workshop = live(rows, mutation, ctx)?;
    let mut states: Vec<StepState> = rows.steps.iter().map(StepRecord::state).collect();
    let changed = rule(&mut states, step_id, at)?;
    let mut changes: Vec<Change> = changed
        .iter()
        .map(|&i| {
            let state = &states[i];
            Change::Step(StepRecord {
                status: state.status,
                started_at: state.started_at,
                completed_at: state.completed_at,
                updated_at: at,
                ..rows.steps[i].clone()
            })
        })
        .collect();
    // A revise reopens a completed workshop.
    if workshop.status == WorkshopStatus::Completed && progress::completion_gate(&states).is_err() {
        workshop.status = WorkshopStatus::Active;
        workshop.updated_at = at;
        changes.push(Change::Workshop(workshop));
    }
    Ok(changes)
}

#[cfg(test)]
mod tests;
