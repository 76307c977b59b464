//! Conflicts: recording the later of two clashing changes for its author, and resolving one.

use super::*;

/// A conflict record for the caller (the later author); the writer gives it its id.
pub(super) fn conflict(
    ctx: &Context,
    at: DateTime<Utc>,
    kind: ConflictKind,
    workshop_id: &str,
    (entity_id, step_id, field): (&str, Option<&str>, Option<&String>),
    [base, theirs, mine]: [Value; 3],
) -> Change {
    Change::Conflict(ConflictRecord {
        id: String::new(),
        workshop_id: workshop_id.to_string(),
        user_id: ctx.actor.clone(),
        kind,
        entity_id: entity_id.to_string(),
        step_id: step_id.map(str::to_string),
        field: field.cloned(),
        base,
        theirs,
        mine,
        created_at: at,
        resolved_at: None,
        theirs_by: None,
    })
}

/// The conflict the mutation names, if it is the caller's; else an error naming `conflictId`.
fn yours<'a>(rows: &'a Rows, ctx: &Context) -> Result<&'a ConflictRecord, DomainError> {
    rows.conflict
        .as_ref()
        .filter(|c| c.user_id == ctx.actor)
        .ok_or_else(|| DomainError::argument("conflictId", "no such conflict of yours"))
}

/// Resolves the caller's conflict: the value kept goes through the change it stands for
/// (with that change's rights and rules), with no base, so it simply wins; then the
/// conflict is marked resolved. Resolving a resolved conflict changes nothing.
pub(super) fn resolve(
    rows: &Rows,
    ctx: &Context,
    workshop_id: &str,
    resolution: &Resolution,
    at: DateTime<Utc>,
) -> Result<Vec<Change>, DomainError> {
    let record = yours(rows, ctx)?;
    if record.resolved_at.is_some() {
        return Ok(vec![]);
    }
    let value = match resolution {
        Resolution::Theirs => None,
        Resolution::Mine => Some(record.mine.clone()),
        Resolution::Merged { value } => Some(value.clone()),
    };
    let mut changes = match value {
        Some(value) => keep(rows, ctx, workshop_id, record, value, at)?,
        None => Vec::new(),
    };
    changes.push(Change::Conflict(ConflictRecord {
        resolved_at: Some(at),
        ..record.clone()
    }));
    Ok(changes)
}

/// Takes the caller's resolution of a conflict back (undo): the value goes back to the
/// live value the conflict recorded (`theirs`) where the resolution kept another, with no
/// base, as a resolution writes; then the conflict is open again. Reopening an open
/// conflict changes nothing.
pub(super) fn reopen(
    rows: &Rows,
    ctx: &Context,
    workshop_id: &str,
    kept: Option<&Value>,
    at: DateTime<Utc>,
) -> Result<Vec<Change>, DomainError> {
    let record = yours(rows, ctx)?;
    if record.resolved_at.is_none() {
        return Ok(vec![]);
    }
    // Only a value that still is what the resolution wrote goes back: a newer one (a
    // partner's, or the caller's own later edit) is never overwritten by an undo.
    let mut changes = match kept {
        Some(kept) if live_value(rows, record).as_ref() == Some(kept) => {
            keep(rows, ctx, workshop_id, record, record.theirs.clone(), at)?
        }
        _ => Vec::new(),
    };
    changes.push(Change::Conflict(ConflictRecord {
        resolved_at: None,
        ..record.clone()
    }));
    Ok(changes)
}

/// The conflict's note, title or output field (or whole output) as the rows hold it now.
fn live_value(rows: &Rows, record: &ConflictRecord) -> Option<Value> {
    match record.kind {
        ConflictKind::Note => rows.note.as_ref().map(|n| Value::String(n.content.clone())),
        ConflictKind::Title => rows
            .workshop
            .as_ref()
            .map(|w| Value::String(w.title.clone())),
        ConflictKind::OutputField => {
            let step_id = record.step_id.as_deref()?;
            let output = rows
                .steps
                .iter()
                .find(|s| s.step_id == step_id)?
                .output
                .clone()?;
            match &record.field {
                Some(field) => output.get(field).cloned(),
                None => Some(output),
            }
        }
    }
}

/// The change that makes `value` the conflict's note, title or output field: the change it
/// stands for (with that change's rights and rules), with no base, so it simply wins. No
/// change where the value is already that.
fn keep(
    rows: &Rows,
    ctx: &Context,
    workshop_id: &str,
    record: &ConflictRecord,
    value: Value,
    at: DateTime<Utc>,
) -> Result<Vec<Change>, DomainError> {
    let text = |v: &Value, field: &str| {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| DomainError::argument(field, "must be text"))
    };
    let inner = match record.kind {
        ConflictKind::Note => Mutation::SetNote {
            note_id: record.entity_id.clone(),
            workshop_id: workshop_id.to_string(),
            step_id: record.step_id.clone(),
            content: text(&value, "resolution.value")?,
            base: None,
            at,
        },
        ConflictKind::Title => Mutation::RenameWorkshop {
            workshop_id: workshop_id.to_string(),
            title: text(&value, "resolution.value")?,
            base: None,
            at,
        },
        ConflictKind::OutputField => {
            let step_id = record.step_id.clone().unwrap_or_default();
            let output = match &record.field {
                // One field: the live output with that field set.
                Some(field) => {
                    let mut live = step_row(rows, &step_id)?
                        .output
                        .unwrap_or_else(|| Value::Object(Default::default()));
                    if let Value::Object(map) = &mut live {
                        map.insert(field.clone(), value);
                    }
                    live
                }
                None => value,
            };
            Mutation::SaveStepOutput {
                workshop_id: workshop_id.to_string(),
                step_id,
                output,
                base: None,
                at,
            }
        }
    };
    apply(rows, &inner, ctx)
}
