//! The outbox: the queue of [`Mutation`]s waiting for the server, one row per user change,
//! appended in the change's own transaction.

use rusqlite::Connection;
use wp_domain::ids::{new_id, IdKind};
use wp_domain::mutation::MutationKind;
use wp_domain::protocol::LostVersion;
use wp_domain::Mutation;

use crate::{now, OutboxEntry, Result, Store};

/// Appends a mutation with the next mutation id (1, 2, 3... with no gaps, never reused), a
/// new uid (`mut_…`, kept across client id renewals) and the server revision it was made
/// against. Call inside the transaction that made the change.
pub(crate) fn append(conn: &Connection, mutation: &Mutation, base_rev: Option<i64>) -> Result<i64> {
    if let Some(id) = coalesce(conn, mutation)? {
        return Ok(id);
    }
    insert(conn, mutation, base_rev)
}

/// Queues a value offered again after a server restore (`offered_again`), never folded into
/// a queued change: with `lost`, the row version it stands for, which the server judges it
/// by (docs/sync.md, "Lost versions"), so a later save is not folded into it either.
pub(crate) fn append_offer(
    conn: &Connection,
    mutation: &Mutation,
    base_rev: Option<i64>,
    lost: Option<&LostVersion>,
) -> Result<i64> {
    let id = insert(conn, mutation, base_rev)?;
    let lost = lost.map(serde_json::to_string).transpose()?;
    conn.prepare_cached("UPDATE outbox SET offered_again = 1, lost = ?2 WHERE mutation_id = ?1")?
        .execute((id, lost))?;
    Ok(id)
}

fn insert(conn: &Connection, mutation: &Mutation, base_rev: Option<i64>) -> Result<i64> {
    let id: i64 = conn.query_row(
        "UPDATE local_profile SET next_mutation_id = next_mutation_id + 1 WHERE id = 1
         RETURNING next_mutation_id - 1",
        [],
        |r| r.get(0),
    )?;
    let wire = mutation.to_wire()?;
    conn.prepare_cached(
        "INSERT INTO outbox (mutation_id, name, args, workshop_id, base_rev, created_at, uid)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute((
        id,
        wire.name,
        wire.args.to_string(),
        mutation.workshop_id(),
        base_rev,
        now(),
        new_id(IdKind::Mutation),
    ))?;
    Ok(id)
}

/// A workshop completion the server refused while step changes to the same workshop that a
/// reset offered again (what a server restore lost) are queued behind it goes to the end of
/// the queue, after them, under the next mutation id; returns whether it did. The server
/// processed (refused) its old id, so the new one keeps the ids gapless and the completion
/// takes effect at most once. Such a queue comes from a restore: the user completed the
/// workshop after the restore lost a step's completion, and the reset's pull queued that
/// step again behind it. Behind the user's own step changes it stays refused: those come
/// after the completion in the user's order (a revision reopens the workshop), and only
/// offered-again changes are queued out of it. Each move needs offered-again changes behind
/// the completion's new place, so it moves at most once per reset. The moved completion
/// takes a new uid too: the server answered its old one, and would answer it "refused" again.
pub(crate) fn requeue_refused_completion(conn: &Connection, mutation_id: i64) -> Result<bool> {
    use MutationKind::{AdvanceStep, CompleteStep, ReviseStep, SaveStepOutput, StartStep};
    let step_work = [
        SaveStepOutput,
        StartStep,
        CompleteStep,
        AdvanceStep,
        ReviseStep,
    ];
    let offered_behind: bool = conn
        .prepare_cached(&format!(
            "SELECT EXISTS (SELECT 1 FROM outbox c JOIN outbox s ON s.workshop_id = c.workshop_id
                 AND s.mutation_id > c.mutation_id AND s.acked_at IS NULL AND s.offered_again = 1
                 AND s.name IN ({})
             WHERE c.mutation_id = ?1 AND c.name = '{}')",
            MutationKind::sql_list(&step_work),
            MutationKind::CompleteWorkshop.name()
        ))?
        .query_row([mutation_id], |r| r.get(0))?;
    if offered_behind {
        conn.execute(
            "UPDATE outbox SET mutation_id = (SELECT next_mutation_id FROM local_profile WHERE id = 1),
                 uid = ?2
             WHERE mutation_id = ?1",
            (mutation_id, new_id(IdKind::Mutation)),
        )?;
        conn.execute(
            "UPDATE local_profile SET next_mutation_id = next_mutation_id + 1 WHERE id = 1",
            [],
        )?;
    }
    Ok(offered_behind)
}

/// The scope a save replaces whole: a note (workshop, step) or a step's output.
fn save_scope(mutation: &Mutation) -> Option<(MutationKind, &str, Option<&str>)> {
    match mutation {
        Mutation::SetNote {
            workshop_id,
            step_id,
            ..
        } => Some((MutationKind::SetNote, workshop_id, step_id.as_deref())),
        Mutation::SaveStepOutput {
            workshop_id,
            step_id,
            ..
        } => Some((MutationKind::SaveStepOutput, workshop_id, Some(step_id))),
        _ => None,
    }
}

/// How far back coalescing looks for an unsent save of the same scope: 200 queued changes.
const COALESCE_LOOKBACK: u32 = 200;

/// Coalescing (docs/sync.md): when an unsent save of the same note or step output is queued,
/// every change queued after it concerns another workshop or saves another note or output,
/// and `mutation` was made from the queued save's value, `mutation` replaces its value and
/// time in place, keeping the earlier one's `base`
/// and `baseRev` (the value both saves were made from), and no new id is taken. A change to
/// the same workshop of another kind in between (completing the step, resolving a conflict,
/// trashing) keeps them apart, so no save moves past a change it could matter to. Only
/// changes a push never took (`sent_at`, nor under an earlier client id: `sent_before`) are
/// looked at, so what the server may have applied is never rewritten, nor an offer that
/// names a lost version (`lost`), which the server may find stale and drop. Returns the id folded
/// into.
fn coalesce(conn: &Connection, mutation: &Mutation) -> Result<Option<i64>> {
    let Some(scope) = save_scope(mutation) else {
        return Ok(None);
    };
    let queued: Vec<(i64, String, String, String, bool)> = conn
        .prepare_cached(
            "SELECT mutation_id, name, args, workshop_id,
                    sent_at IS NOT NULL OR sent_before OR lost IS NOT NULL
             FROM outbox ORDER BY mutation_id DESC LIMIT ?1",
        )?
        .query_map([COALESCE_LOOKBACK], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut found = None;
    for (id, name, args, workshop_id, sent) in queued {
        if sent {
            return Ok(None);
        }
        let earlier = Mutation::from_stored(&name, &args)?;
        match save_scope(&earlier) {
            Some(other) if other == scope => {
                found = Some((id, earlier));
                break;
            }
            Some(_) => continue,
            None if workshop_id != scope.1 => continue,
            None => return Ok(None),
        }
    }
    let Some((id, earlier)) = found else {
        return Ok(None);
    };
    // Folded only when the new save was made on top of the queued one's value: if a pull
    // changed the row in between (a partner's change taken into the form), the new save's
    // base says so, and folding it into the older base would hide that change from the
    // server's merge (a revert of the partner's value would vanish without a conflict).
    let made_on_top = match (&earlier, mutation) {
        (
            Mutation::SetNote {
                content: queued, ..
            },
            Mutation::SetNote { base, .. },
        ) => base.as_deref() == Some(queued.as_str()),
        (
            Mutation::SaveStepOutput { output: queued, .. },
            Mutation::SaveStepOutput { base, .. },
        ) => base.as_ref() == Some(queued),
        _ => false,
    };
    if !made_on_top {
        return Ok(None);
    }
    let merged = match (earlier, mutation.clone()) {
        (
            Mutation::SetNote { note_id, base, .. },
            Mutation::SetNote {
                workshop_id,
                step_id,
                content,
                at,
                ..
            },
        ) => Mutation::SetNote {
            note_id,
            workshop_id,
            step_id,
            content,
            base,
            at,
        },
        (
            Mutation::SaveStepOutput { base, .. },
            Mutation::SaveStepOutput {
                workshop_id,
                step_id,
                output,
                at,
                ..
            },
        ) => Mutation::SaveStepOutput {
            workshop_id,
            step_id,
            output,
            base,
            at,
        },
        _ => return Ok(None),
    };
    let wire = merged.to_wire()?;
    conn.prepare_cached("UPDATE outbox SET args = ?2 WHERE mutation_id = ?1")?
        .execute((id, wire.args.to_string()))?;
    Ok(Some(id))
}

impl Store {
    /// The unsent mutations a push is about to send, in order, at most `limit`, marked as
    /// taken (`sent_at`) in the same transaction: a later save of the same note or output
    /// then queues a new mutation instead of rewriting one the server may apply.
    pub fn take_for_push(&mut self, limit: u32) -> Result<Vec<OutboxEntry>> {
        self.write(|tx| {
            let entries = outbox_rows(tx, None, true, 0, limit)?;
            if let (Some(first), Some(last)) = (entries.first(), entries.last()) {
                tx.execute(
                    "UPDATE outbox SET sent_at = coalesce(sent_at, ?3)
                     WHERE mutation_id BETWEEN ?1 AND ?2",
                    (first.mutation_id, last.mutation_id, now()),
                )?;
            }
            Ok(entries)
        })
    }

    /// Outbox entries (sent or not) with a mutation id greater than `after`, oldest first,
    /// at most `limit`.
    pub fn outbox(&self, after: i64, limit: u32) -> Result<Vec<OutboxEntry>> {
        outbox_rows(&self.conn, None, false, after, limit)
    }

    /// How many mutations wait in the outbox.
    pub fn outbox_len(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?)
    }
}

/// Gives the queued mutations the ids 1, 2, 3... in the order of `ordered` (their current
/// ids) and moves the next id after them. Only for mutations never sent under this client id.
pub(crate) fn renumber(conn: &Connection, ordered: &[i64]) -> Result<()> {
    renumber_from(conn, 1, ordered)
}

/// Gives the queued mutations `ordered` (their current ids, every queued one from `first`
/// on) the ids `first`, `first + 1`... and moves the next id after them. Only for mutations
/// never sent under this client id.
pub(crate) fn renumber_from(conn: &Connection, first: i64, ordered: &[i64]) -> Result<()> {
    let mut negate =
        conn.prepare("UPDATE outbox SET mutation_id = -mutation_id WHERE mutation_id = ?1")?;
    for old in ordered {
        negate.execute([old])?;
    }
    let mut update = conn.prepare("UPDATE outbox SET mutation_id = ?1 WHERE mutation_id = ?2")?;
    for (i, old) in ordered.iter().enumerate() {
        update.execute((first + i as i64, -old))?;
    }
    conn.execute(
        "UPDATE local_profile SET next_mutation_id = ?1 WHERE id = 1",
        [first + ordered.len() as i64],
    )?;
    Ok(())
}

/// After queued mutations were dropped from the middle of the queue, gives the ones no push
/// has taken consecutive ids again, from one past the last id a push took or the server
/// processed: the server takes a client's mutations only without gaps, and would wait
/// forever for a dropped one.
pub(crate) fn close_gaps(conn: &Connection) -> Result<()> {
    let floor: i64 = conn.query_row(
        "SELECT max(
             coalesce((SELECT max(mutation_id) FROM outbox
                       WHERE sent_at IS NOT NULL OR acked_at IS NOT NULL), 0),
             coalesce((SELECT acked_through FROM sync_state WHERE id = 1), 0))",
        [],
        |r| r.get(0),
    )?;
    let tail = queued_ids(conn, &format!("mutation_id > {floor}"))?;
    renumber_from(conn, floor + 1, &tail)
}

pub(crate) fn queued_ids(conn: &Connection, condition: &str) -> Result<Vec<i64>> {
    Ok(conn
        .prepare(&format!(
            "SELECT mutation_id FROM outbox WHERE {condition} ORDER BY mutation_id"
        ))?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// The ids of the workshops with a queued mutation numbered above `after` (the server's
/// `lastMutationId`, which it had processed when it read a page): those whose mutations a
/// pulled page's rebase re-applies. One range read of the outbox's key.
pub(crate) fn workshops_queued_after(
    conn: &Connection,
    after: i64,
) -> Result<std::collections::HashSet<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT DISTINCT workshop_id FROM outbox WHERE mutation_id > ?1")?;
    let ids = stmt
        .query_map([after], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// Outbox rows in mutation id order: of one workshop or all, unsent only or all, with an
/// id above `after`, at most `limit`.
pub(crate) fn outbox_rows(
    conn: &Connection,
    workshop_id: Option<&str>,
    unsent_only: bool,
    after: i64,
    limit: u32,
) -> Result<Vec<OutboxEntry>> {
    // Two statements, not `(?1 IS NULL OR workshop_id = ?1)`: with the OR, SQLite cannot
    // use `outbox_by_workshop` and reads every queued mutation, which made a pulled page's
    // rebase (one query per workshop it touched) hold the write lock for milliseconds each.
    let mut stmt = conn.prepare_cached(if workshop_id.is_some() {
        "SELECT mutation_id, name, args, workshop_id, base_rev, created_at, uid, lost FROM outbox
         WHERE workshop_id = ?1 AND (?2 = 0 OR acked_at IS NULL) AND mutation_id > ?3
         ORDER BY mutation_id LIMIT ?4"
    } else {
        "SELECT mutation_id, name, args, workshop_id, base_rev, created_at, uid, lost FROM outbox
         WHERE ?1 IS NULL AND (?2 = 0 OR acked_at IS NULL) AND mutation_id > ?3
         ORDER BY mutation_id LIMIT ?4"
    })?;
    let rows = stmt.query_map((workshop_id, unsent_only, after, limit), |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<i64>>(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get::<_, Option<String>>(7)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (mutation_id, name, args, workshop_id, base_rev, created_at, uid, lost) = row?;
        let mutation = Mutation::from_stored(&name, &args)?;
        let lost = lost.map(|l| serde_json::from_str(&l)).transpose()?;
        out.push(OutboxEntry {
            mutation_id,
            mutation,
            workshop_id,
            base_rev,
            created_at,
            uid,
            lost,
        });
    }
    Ok(out)
}
