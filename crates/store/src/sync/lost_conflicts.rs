//! After a server restore: the open conflicts the server lost. A conflict holds the user's
//! value that lost to an earlier change (`mine`); a reset's full pull that no longer brings
//! it would drop that value silently with the conflict row. Each is sent again instead, as
//! the change that made it, made against the value both sides started from (`base`), so
//! that the server's rules decide again: a conflict again while the live value differs
//! from `base`, applied where the restore took the other side's value too. Called by
//! [`super::recovery::offer_unseen`] before it drops the conflicts the pull did not bring.

use rusqlite::Connection;
use serde_json::{Map, Value};
use wp_domain::{ConflictKind, ConflictRecord, Mutation};

use super::outbox;
use super::recovery::unseen_ids;
use crate::rows::read::{conflict_record, step_records};
use crate::{now, Result};

/// The mutation that makes the losing side of `c` again, against its `base`; `None` when
/// its values are not of its kind (a title or a note that is not text: nothing to send).
fn remade(conn: &Connection, c: &ConflictRecord) -> Result<Option<Mutation>> {
    let text = |v: &Value| v.as_str().map(str::to_string);
    let workshop_id = c.workshop_id.clone();
    Ok(match c.kind {
        ConflictKind::Title => text(&c.mine).map(|title| Mutation::RenameWorkshop {
            workshop_id,
            title,
            base: text(&c.base),
            at: now(),
        }),
        ConflictKind::Note => text(&c.mine).map(|content| Mutation::SetNote {
            note_id: c.entity_id.clone(),
            workshop_id,
            step_id: c.step_id.clone(),
            content,
            base: text(&c.base),
            at: now(),
        }),
        ConflictKind::OutputField => {
            let Some(step_id) = c.step_id.clone() else {
                return Ok(None);
            };
            let (output, base) = match &c.field {
                // The whole output lost (a merge would have broken the schema).
                None => (c.mine.clone(), c.base.clone()),
                // One field: the output as the server has it now, with that field as mine,
                // made against the same output with the field as it was at the start.
                Some(field) => {
                    let live = step_records(conn, &workshop_id, Some(&step_id))?
                        .into_iter()
                        .next()
                        .and_then(|(step, _)| step.output);
                    let mut mine = match live {
                        Some(Value::Object(fields)) => fields,
                        _ => Map::new(),
                    };
                    let mut base = mine.clone();
                    mine.insert(field.clone(), c.mine.clone());
                    base.insert(field.clone(), c.base.clone());
                    (Value::Object(mine), Value::Object(base))
                }
            };
            Some(Mutation::SaveStepOutput {
                workshop_id,
                step_id,
                output,
                base: Some(base),
                at: now(),
            })
        }
    })
}

/// Queues again the losing side of every open conflict the server had (a server revision
/// here), that the reset's full pull did not bring, on a workshop the server still has.
/// Returns how many it queued.
pub(crate) fn offer_lost_conflicts(conn: &Connection) -> Result<usize> {
    let mut offered = 0;
    for id in unseen_ids(
        conn,
        "conflicts",
        "conflict",
        "t.server_rev IS NOT NULL",
        "AND t.resolved_at IS NULL",
    )? {
        let Some(conflict) = conflict_record(conn, &id)? else {
            continue;
        };
        if let Some(mutation) = remade(conn, &conflict)? {
            outbox::append(conn, &mutation, None)?;
            offered += 1;
        }
    }
    Ok(offered)
}
