//! After a server restore, a copy of another user's shared workshop that the reset's full
//! pull no longer shows this user (the restore took the share, or the owner removed it):
//! before the copy goes, what this user changed on it is sent again, so that nothing of
//! theirs goes with it unseen. The server takes it where the share is back, drops what its
//! history holds (a removed share: nothing was lost), and refuses the rest, which lists it
//! with the refusals for the user to send again.

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use wp_domain::protocol::LostVersion;
use wp_domain::Mutation;

use super::outbox;
use crate::Result;
use wp_domain::mutation::MutationKind;

/// After a server restore, before the full pull's end drops the copies of shared workshops
/// it no longer shows this user ([`super::recovery::offer_unsynced`]): queues again the user's notes on those
/// copies that the server had (a server revision here) and no queued save will write. The
/// restore may have lost the share and the notes with it; the owner's desktop offers the share
/// again. A note the server takes after that is back; one it refuses (no access yet, or ever)
/// is listed with the refusals, its text kept, instead of going with the copy unseen. Returns
/// how many it queued.
pub(crate) fn offer_notes_of_lost_copies(conn: &Connection, user_id: &str) -> Result<usize> {
    let notes: Vec<String> = conn
        .prepare(&format!(
            "SELECT n.id FROM notes n JOIN workshops w ON w.id = n.workshop_id
             WHERE {} AND n.server_rev IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.workshop_id = n.workshop_id
                   AND {})",
            lost_copy_of("w"),
            note_save_queued("n")
        ))?
        .query_map([user_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in &notes {
        queue_note(conn, id)?;
    }
    Ok(notes.len())
}

/// Like [`offer_notes_of_lost_copies`], for the other changes on those copies: each step
/// output this database had from the server (a `server_version`) is queued as a
/// `saveStepOutput` with no base, naming that version, and so are their sessions and series
/// (`lost_schedule::offer_lost_copy`). The server drops it where its history holds the
/// version (the share was removed; nothing of the user's was lost), and where the restore
/// took it (the user's edit on a share the restore lost) the server refuses it for want of
/// access and it is listed with the refusals, its output kept, instead of going with the
/// copy unseen. Returns how many it queued.
pub(crate) fn offer_changes_of_lost_copies(conn: &Connection, user_id: &str) -> Result<usize> {
    type Held = (String, String, String, String, i64, String, DateTime<Utc>);
    let held: Vec<Held> = conn
        .prepare(&format!(
            "SELECT s.id, s.workshop_id, s.step_id, s.output, s.server_rev, s.server_version, s.updated_at
             FROM workshop_steps s JOIN workshops w ON w.id = s.workshop_id
             WHERE {} AND s.output IS NOT NULL AND s.server_version IS NOT NULL
               AND s.server_rev IS NOT NULL",
            lost_copy_of("w")
        ))?
        .query_map([user_id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (id, workshop_id, step_id, output, rev, version, at) in &held {
        let mutation = Mutation::SaveStepOutput {
            workshop_id: workshop_id.clone(),
            step_id: step_id.clone(),
            output: serde_json::from_str(output)?,
            base: None,
            at: *at,
        };
        let lost = LostVersion {
            entity: "step".into(),
            id: id.clone(),
            rev: *rev,
            version: version.clone(),
        };
        outbox::append_offer(conn, &mutation, Some(*rev), Some(&lost))?;
    }
    let mut queued = held.len();
    let copies: Vec<String> = conn
        .prepare(&format!(
            "SELECT id FROM workshops w WHERE {}",
            lost_copy_of("w")
        ))?
        .query_map([user_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for workshop_id in &copies {
        queued += super::lost_schedule::offer_lost_copy(conn, workshop_id)?;
    }
    Ok(queued)
}

/// SQL: the workshop row `{w}` is a copy of another user's (`?1`) workshop that a reset's
/// full pull no longer shows this user: it did not bring the workshop, or it brought no
/// membership of theirs with it (a full pull cut short can bring the workshop in one page,
/// and by its next page the share was removed: the membership's tombstone then names a row
/// this database never had, and only this finds the copy).
pub(crate) fn lost_copy_of(w: &str) -> String {
    format!(
        "{w}.owner_id <> ?1
         AND (NOT EXISTS (SELECT 1 FROM sync_seen s WHERE s.workshop_id = {w}.id)
              OR NOT EXISTS (SELECT 1 FROM workshop_members m
                             WHERE m.workshop_id = {w}.id AND m.user_id = ?1))"
    )
}

/// SQL: the outbox row `o` saves the note `notes` row `{note}` (same scope). The caller
/// matches the workshop.
pub(crate) fn note_save_queued(note: &str) -> String {
    format!(
        "o.name = '{}' AND coalesce(json_extract(o.args, '$.stepId'), '') = coalesce({note}.step_id, '')",
        MutationKind::SetNote.name()
    )
}

/// Queues the note `id` as it is here, as a `setNote` with no base: sent again whole.
pub(crate) fn queue_note(conn: &Connection, id: &str) -> Result<()> {
    let (workshop_id, step_id, content, at): (String, Option<String>, String, DateTime<Utc>) = conn
        .query_row(
            "SELECT workshop_id, step_id, content, updated_at FROM notes WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
    let mutation = Mutation::SetNote {
        note_id: id.to_string(),
        workshop_id,
        step_id,
        content,
        base: None,
        at,
    };
    outbox::append(conn, &mutation, None)?;
    Ok(())
}
