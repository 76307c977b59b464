//! Workshop operations: create, list, read, rename, complete, trash and restore.

use rusqlite::{Connection, OptionalExtension, Row};
use serde_json::{json, Value};
use wp_domain::ids::{new_id, IdKind};
use wp_domain::{limits, progress, Visibility, WorkshopStatus};

use crate::steps::{load_steps, states_of};
use crate::{
    now, outbox, Result, Store, StoreError, Workshop, WorkshopDetail, WorkshopFilter,
    WorkshopSummary,
};

const COLUMNS: &str = "w.id, w.owner_id, w.title, w.original_idea, w.status, w.visibility, w.created_at, w.updated_at, w.deleted_at, w.rev";

fn bad_text(column: usize, text: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        column,
        rusqlite::types::Type::Text,
        format!("unexpected value \"{text}\"").into(),
    )
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Workshop> {
    let status: String = r.get(4)?;
    let visibility: String = r.get(5)?;
    Ok(Workshop {
        id: r.get(0)?,
        owner_id: r.get(1)?,
        title: r.get(2)?,
        original_idea: r.get(3)?,
        status: WorkshopStatus::parse(&status).ok_or_else(|| bad_text(4, &status))?,
        visibility: Visibility::parse(&visibility).ok_or_else(|| bad_text(5, &visibility))?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
        deleted_at: r.get(8)?,
        rev: r.get(9)?,
    })
}

/// Reads a workshop whether or not it is in the trash; [`StoreError::NotFound`] if missing.
pub(crate) fn find(conn: &Connection, id: &str) -> Result<Workshop> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM workshops w WHERE w.id = ?1"
    ))?
    .query_row([id], from_row)
    .optional()?
    .ok_or_else(|| StoreError::NotFound {
        entity: "workshop",
        id: id.to_string(),
    })
}

/// Reads a workshop that may be changed: not missing, not in the trash.
pub(crate) fn live(conn: &Connection, id: &str) -> Result<Workshop> {
    let workshop = find(conn, id)?;
    if workshop.deleted_at.is_some() {
        return Err(StoreError::InTrash(id.to_string()));
    }
    Ok(workshop)
}

/// Writes a workshop's status, bumps its rev and records the change in the outbox.
pub(crate) fn set_status(
    conn: &Connection,
    workshop: &mut Workshop,
    status: WorkshopStatus,
) -> Result<()> {
    let now = now();
    workshop.rev = conn.query_row(
        "UPDATE workshops SET status = ?2, updated_at = ?3, rev = rev + 1 WHERE id = ?1 RETURNING rev",
        (&workshop.id, status.as_str(), now),
        |r| r.get(0),
    )?;
    workshop.status = status;
    workshop.updated_at = now;
    outbox::append(
        conn,
        "workshop.status",
        "workshop",
        &workshop.id,
        workshop.rev,
        &json!({ "status": status }),
    )
}

/// Inserts a new workshop and its ten steps (the first in progress), with optional outputs
/// and summaries by step id, and records it in the outbox. Call inside a transaction.
pub(crate) fn insert(
    conn: &Connection,
    owner_id: &str,
    title: &str,
    original_idea: &str,
    outputs: &[(String, Option<Value>, Option<String>)],
) -> Result<String> {
    let now = now();
    let id = new_id(IdKind::Workshop);
    conn.execute(
        "INSERT INTO workshops (id, owner_id, title, original_idea, status, visibility, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'active', 'private', ?5, ?5)",
        (&id, owner_id, title, original_idea, now),
    )?;
    outbox::append(
        conn,
        "workshop.create",
        "workshop",
        &id,
        1,
        &json!({ "title": title, "originalIdea": original_idea, "status": "active", "visibility": "private", "createdAt": now }),
    )?;
    let mut insert_step = conn.prepare_cached(
        "INSERT INTO workshop_steps (id, workshop_id, step_id, status, output, summary, started_at, completed_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for state in progress::initial(now) {
        let step_row = new_id(IdKind::WorkshopStep);
        let (output, summary) = outputs
            .iter()
            .find(|(step, _, _)| *step == state.step_id)
            .map(|(_, o, s)| (o.as_ref().map(Value::to_string), s.clone()))
            .unwrap_or_default();
        insert_step.execute((
            &step_row,
            &id,
            &state.step_id,
            state.status.as_str(),
            &output,
            &summary,
            state.started_at,
            state.completed_at,
            now,
        ))?;
        outbox::append(
            conn,
            "step.create",
            "workshop_step",
            &step_row,
            1,
            &json!({
                "workshopId": id, "stepId": state.step_id, "status": state.status,
                "startedAt": state.started_at, "output": output.as_deref().map(serde_json::from_str::<Value>).transpose()?,
                "summary": summary,
            }),
        )?;
    }
    Ok(id)
}

impl Store {
    /// Creates a workshop with its ten steps: the first `in_progress`, the rest `not_started`.
    ///
    /// `title` is trimmed and must be 1 to 100 characters; `None` gives "New Workshop".
    pub fn create_workshop(
        &mut self,
        title: Option<&str>,
        original_idea: &str,
    ) -> Result<WorkshopDetail> {
        let title = limits::normalize_title(title)?;
        let tx = self.conn.transaction()?;
        let id = insert(&tx, &self.user_id, &title, original_idea.trim(), &[])?;
        tx.commit()?;
        self.workshop(&id)
    }

    /// A workshop with its ten steps, in the trash or not; [`StoreError::NotFound`] if missing.
    pub fn workshop(&self, id: &str) -> Result<WorkshopDetail> {
        let workshop = find(&self.conn, id)?;
        let steps = load_steps(&self.conn, id)?;
        Ok(WorkshopDetail { workshop, steps })
    }

    /// Lists workshops, most recently active first, with their progress.
    pub fn list_workshops(&self, filter: &WorkshopFilter) -> Result<Vec<WorkshopSummary>> {
        let trash = if filter.trash {
            "IS NOT NULL"
        } else {
            "IS NULL"
        };
        let sql = format!(
            "SELECT {COLUMNS},
                (SELECT count(*) FROM workshop_steps s WHERE s.workshop_id = w.id AND s.status = 'complete'),
                (SELECT d.name FROM workshop_steps s JOIN step_definitions d ON d.id = s.step_id
                   WHERE s.workshop_id = w.id AND s.status != 'complete' ORDER BY d.position LIMIT 1),
                max(w.updated_at, coalesce((SELECT max(s.updated_at) FROM workshop_steps s WHERE s.workshop_id = w.id), ''))
             FROM workshops w
             WHERE w.deleted_at {trash} AND (?1 IS NULL OR instr(lower(w.title), lower(?1)) > 0)
             ORDER BY 13 DESC, w.id"
        );
        let search = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([search], |r| {
            Ok(WorkshopSummary {
                workshop: from_row(r)?,
                steps_complete: r.get(10)?,
                current_step: r.get(11)?,
                last_activity_at: r.get(12)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Renames a workshop. The title is trimmed and must be 1 to 100 characters
    /// ([`wp_domain::DomainError::InvalidTitle`]); on error the old title stays.
    pub fn rename_workshop(&mut self, id: &str, title: &str) -> Result<Workshop> {
        let title = limits::normalize_title(Some(title))?;
        let tx = self.conn.transaction()?;
        live(&tx, id)?;
        let rev: i64 = tx.query_row(
            "UPDATE workshops SET title = ?2, updated_at = ?3, rev = rev + 1 WHERE id = ?1 RETURNING rev",
            (id, &title, now()),
            |r| r.get(0),
        )?;
        outbox::append(
            &tx,
            "workshop.rename",
            "workshop",
            id,
            rev,
            &json!({ "title": title }),
        )?;
        tx.commit()?;
        find(&self.conn, id)
    }

    /// Completes a workshop: all ten steps must have `completed_at`, else
    /// [`wp_domain::DomainError::StepsIncomplete`] names the missing ones. Completing a
    /// completed workshop succeeds and writes nothing (idempotent).
    pub fn complete_workshop(&mut self, id: &str) -> Result<Workshop> {
        let tx = self.conn.transaction()?;
        let mut workshop = live(&tx, id)?;
        if workshop.status == WorkshopStatus::Completed {
            return Ok(workshop);
        }
        progress::completion_gate(&states_of(&load_steps(&tx, id)?))?;
        set_status(&tx, &mut workshop, WorkshopStatus::Completed)?;
        tx.commit()?;
        Ok(workshop)
    }

    /// Moves a workshop to the trash (soft delete). Trashing a trashed workshop changes nothing.
    pub fn delete_workshop(&mut self, id: &str) -> Result<Workshop> {
        self.set_deleted(id, true)
    }

    /// Brings a workshop back from the trash. Restoring a live workshop changes nothing.
    pub fn restore_workshop(&mut self, id: &str) -> Result<Workshop> {
        self.set_deleted(id, false)
    }

    fn set_deleted(&mut self, id: &str, deleted: bool) -> Result<Workshop> {
        let tx = self.conn.transaction()?;
        let workshop = find(&tx, id)?;
        if workshop.deleted_at.is_some() == deleted {
            return Ok(workshop);
        }
        let now = now();
        let deleted_at = deleted.then_some(now);
        let rev: i64 = tx.query_row(
            "UPDATE workshops SET deleted_at = ?2, updated_at = ?3, rev = rev + 1 WHERE id = ?1 RETURNING rev",
            (id, deleted_at, now),
            |r| r.get(0),
        )?;
        let mutation = if deleted {
            "workshop.delete"
        } else {
            "workshop.restore"
        };
        outbox::append(
            &tx,
            mutation,
            "workshop",
            id,
            rev,
            &json!({ "deletedAt": deleted_at }),
        )?;
        tx.commit()?;
        find(&self.conn, id)
    }
}
