//! Private facilitator notes, one per workshop and one per workshop step, saved whole.

use rusqlite::{OptionalExtension, Row};
use serde_json::json;
use wp_domain::ids::{new_id, IdKind};
use wp_domain::{limits, steps};

use crate::workshops::{find, live};
use crate::{now, outbox, Note, Result, Store};

const COLUMNS: &str = "id, workshop_id, step_id, content, updated_at, rev";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Note> {
    Ok(Note {
        id: r.get(0)?,
        workshop_id: r.get(1)?,
        step_id: r.get(2)?,
        content: r.get(3)?,
        updated_at: r.get(4)?,
        rev: r.get(5)?,
    })
}

impl Store {
    /// Saves a note whole, replacing the previous text, on the workshop (`step_id` `None`)
    /// or on one of its steps.
    ///
    /// Errors with [`wp_domain::DomainError::NoteTooLong`] past 50,000 characters (the
    /// original server's cap), leaving the previous text as it was.
    pub fn set_note(
        &mut self,
        workshop_id: &str,
        step_id: Option<&str>,
        content: &str,
    ) -> Result<Note> {
        limits::check_note(content)?;
        if let Some(step) = step_id {
            steps::find(step)?;
        }
        let tx = self.conn.transaction()?;
        live(&tx, workshop_id)?;
        let now = now();
        let note = tx
            .prepare_cached(&format!(
                "INSERT INTO notes (id, workshop_id, step_id, content, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                 ON CONFLICT (workshop_id, coalesce(step_id, ''))
                 DO UPDATE SET content = excluded.content, updated_at = excluded.updated_at, rev = rev + 1
                 RETURNING {COLUMNS}"
            ))?
            .query_row((new_id(IdKind::Note), workshop_id, step_id, content, now), from_row)?;
        outbox::append(
            &tx,
            "note.put",
            "note",
            &note.id,
            note.rev,
            &json!({ "workshopId": workshop_id, "stepId": step_id, "content": content }),
        )?;
        tx.commit()?;
        Ok(note)
    }

    /// The note on a workshop or one of its steps; `None` if none was saved.
    pub fn note(&self, workshop_id: &str, step_id: Option<&str>) -> Result<Option<Note>> {
        find(&self.conn, workshop_id)?;
        if let Some(step) = step_id {
            steps::find(step)?;
        }
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM notes WHERE workshop_id = ?1 AND coalesce(step_id, '') = coalesce(?2, '')"
            ))?
            .query_row((workshop_id, step_id), from_row)
            .optional()?)
    }

    /// All notes of a workshop: the workshop's own first, then by step order.
    pub fn notes(&self, workshop_id: &str) -> Result<Vec<Note>> {
        find(&self.conn, workshop_id)?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT n.id, n.workshop_id, n.step_id, n.content, n.updated_at, n.rev FROM notes n
             LEFT JOIN step_definitions d ON d.id = n.step_id
             WHERE n.workshop_id = ?1 ORDER BY coalesce(d.position, 0)"
        ))?;
        let rows = stmt.query_map([workshop_id], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
