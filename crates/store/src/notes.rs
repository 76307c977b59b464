//! Private facilitator notes, one per workshop and one per workshop step, saved whole.

use rusqlite::{OptionalExtension, Row};
use wp_domain::ids::{new_id, IdKind};
use wp_domain::{steps, Change, Mutation, NoteRecord};

use crate::mutate::Written;
use crate::workshops::find;
use crate::{now, Note, Result, Store, StoreError};

/// A note row's columns, its record's first and its local `rev` last.
const COLUMNS: &str =
    "n.id, n.workshop_id, n.step_id, n.content, n.created_at, n.updated_at, n.rev";

/// A note's record from columns 0 to 5 of a row, in the order of [`COLUMNS`].
pub(crate) fn record_from_row(r: &Row<'_>) -> rusqlite::Result<NoteRecord> {
    Ok(NoteRecord {
        id: r.get(0)?,
        workshop_id: r.get(1)?,
        step_id: r.get(2)?,
        content: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Note> {
    Ok(Note {
        record: record_from_row(r)?,
        rev: r.get(6)?,
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
        let written = self.mutate(Mutation::SetNote {
            note_id: new_id(IdKind::Note),
            workshop_id: workshop_id.to_string(),
            step_id: step_id.map(str::to_string),
            content: content.to_string(),
            base: None,
            at: now(),
        })?;
        if let Some(Written {
            change: Change::Note(n),
            rev,
        }) = written.into_iter().next()
        {
            return Ok(Note { record: n, rev });
        }
        // The same text again: nothing changed.
        self.note(workshop_id, step_id)?
            .ok_or_else(|| StoreError::NotFound {
                entity: "note",
                id: workshop_id.to_string(),
            })
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
                "SELECT {COLUMNS} FROM notes n WHERE workshop_id = ?1 AND coalesce(step_id, '') = coalesce(?2, '')"
            ))?
            .query_row((workshop_id, step_id), from_row)
            .optional()?)
    }

    /// All notes of a workshop: the workshop's own first, then by step order.
    pub fn notes(&self, workshop_id: &str) -> Result<Vec<Note>> {
        find(&self.conn, workshop_id)?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM notes n LEFT JOIN step_definitions d ON d.id = n.step_id
             WHERE n.workshop_id = ?1 ORDER BY coalesce(d.position, 0)"
        ))?;
        let rows = stmt.query_map([workshop_id], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
