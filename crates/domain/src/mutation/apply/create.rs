//! Creating a workshop: from the client's step rows (`createWorkshop`), or whole, as a value
//! a client holds (`putWorkshop`).

use super::*;

pub(super) fn create(
    rows: &Rows,
    ctx: &Context,
    workshop_id: &str,
    title: &str,
    original_idea: &str,
    new_steps: &[NewStep],
    at: DateTime<Utc>,
) -> Result<Vec<Change>, DomainError> {
    ids::check(IdKind::Workshop, "workshopId", workshop_id)?;
    if let Some(existing) = &rows.workshop {
        if existing.owner_id == ctx.actor {
            // The same create again (a retry, or a change offered again): already done.
            return Ok(vec![]);
        }
        return Err(DomainError::argument(
            "workshopId",
            "this id belongs to another user's workshop",
        ));
    }
    let title = limits::normalize_title(Some(title))?;
    if new_steps.len() != STEPS.len() {
        return Err(DomainError::argument(
            "steps",
            format!(
                "a workshop has exactly {} steps (got {})",
                STEPS.len(),
                new_steps.len()
            ),
        ));
    }
    let workshop = WorkshopRecord {
        id: workshop_id.to_string(),
        owner_id: ctx.actor.clone(),
        title,
        original_idea: original_idea.trim().to_string(),
        status: WorkshopStatus::Active,
        visibility: Visibility::Private,
        created_at: at,
        updated_at: at,
        deleted_at: None,
    };
    let mut changes = vec![Change::Workshop(workshop)];
    for (i, state) in progress::initial(at).into_iter().enumerate() {
        let field = format!("steps[{i}]");
        let Some(new) = new_steps.iter().find(|s| s.step_id == state.step_id) else {
            return Err(DomainError::argument(
                "steps",
                format!("step \"{}\" is missing", state.step_id),
            ));
        };
        ids::check(IdKind::WorkshopStep, &format!("{field}.id"), &new.id)?;
        if new_steps.iter().filter(|s| s.id == new.id).count() > 1 {
            return Err(DomainError::argument(
                format!("{field}.id"),
                "step ids must differ",
            ));
        }
        if let Some(output) = &new.output {
            schema::validate(&new.step_id, output)?;
        }
        changes.push(Change::Step(StepRecord {
            id: new.id.clone(),
            workshop_id: workshop_id.to_string(),
            step_id: state.step_id,
            status: state.status,
            output: new.output.clone(),
            summary: new.summary.clone(),
            started_at: state.started_at,
            completed_at: state.completed_at,
            updated_at: at,
        }));
    }
    Ok(changes)
}

pub(super) fn put(
    rows: &Rows,
    ctx: &Context,
    workshop: &WorkshopRecord,
    steps: &[StepRecord],
) -> Result<Vec<Change>, DomainError> {
    if workshop.owner_id != ctx.actor {
        // A member's copy of a shared workshop the server lost is not theirs to re-create.
        return Err(DomainError::argument(
            "workshop.ownerId",
            "only a workshop's owner can offer it again",
        ));
    }
    let new_steps: Vec<NewStep> = steps
        .iter()
        .map(|s| NewStep {
            id: s.id.clone(),
            step_id: s.step_id.clone(),
            output: s.output.clone(),
            summary: s.summary.clone(),
        })
        .collect();
    // The same checks as a create (ids, title, one row per step, outputs), then the values.
    let created = create(
        rows,
        ctx,
        &workshop.id,
        &workshop.title,
        &workshop.original_idea,
        &new_steps,
        workshop.created_at,
    )?;
    if created.is_empty() {
        return Ok(created);
    }
    let clamp = |t: DateTime<Utc>| clamp_time(t, ctx.now).0;
    Ok(created
        .into_iter()
        .map(|change| match change {
            Change::Workshop(w) => Change::Workshop(WorkshopRecord {
                status: workshop.status,
                visibility: workshop.visibility,
                created_at: clamp(workshop.created_at),
                updated_at: clamp(workshop.updated_at),
                deleted_at: workshop.deleted_at.map(clamp),
                ..w
            }),
            Change::Step(s) => {
                let given = steps.iter().find(|g| g.id == s.id).unwrap_or(&s);
                Change::Step(StepRecord {
                    status: given.status,
                    started_at: given.started_at.map(clamp),
                    completed_at: given.completed_at.map(clamp),
                    updated_at: clamp(given.updated_at),
                    ..s
                })
            }
            other => other,
        })
        .collect())
}
