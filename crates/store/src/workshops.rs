//! Workshop operations: create, list, read, rename, complete, trash and restore.

use rusqlite::{Connection, OptionalExtension, Row};
use wp_domain::ids::{new_id, IdKind};
use wp_domain::{limits, Mutation, Role, Visibility, WorkshopRecord, WorkshopStatus};

use crate::mutate::bad_text;
use crate::steps::load_steps;
use crate::{
    now, Result, Store, StoreError, Workshop, WorkshopDetail, WorkshopFilter, WorkshopSummary,
};

/// A workshop row's columns, its record's first and its local `rev` last.
const COLUMNS: &str = "w.id, w.owner_id, w.title, w.original_idea, w.status, w.visibility, w.created_at, w.updated_at, w.deleted_at, w.rev";

/// A workshop's record from columns 0 to 8 of a row, in the order of [`COLUMNS`].
pub(crate) fn record_from_row(r: &Row<'_>) -> rusqlite::Result<WorkshopRecord> {
    let status: String = r.get(4)?;
    let visibility: String = r.get(5)?;
    Ok(WorkshopRecord {
        id: r.get(0)?,
        owner_id: r.get(1)?,
        title: r.get(2)?,
        original_idea: r.get(3)?,
        status: WorkshopStatus::parse(&status).ok_or_else(|| bad_text(4, &status))?,
        visibility: Visibility::parse(&visibility).ok_or_else(|| bad_text(5, &visibility))?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
        deleted_at: r.get(8)?,
    })
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Workshop> {
    Ok(Workshop {
        record: record_from_row(r)?,
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
    if workshop.record.deleted_at.is_some() {
        return Err(StoreError::InTrash(id.to_string()));
    }
    Ok(workshop)
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
        let id = new_id(IdKind::Workshop);
        self.mutate(Mutation::CreateWorkshop {
            workshop_id: id.clone(),
            title,
            original_idea: original_idea.trim().to_string(),
            steps: Mutation::new_steps(),
            at: now(),
        })?;
        self.workshop(&id)
    }

    /// A workshop with its ten steps, in the trash or not; [`StoreError::NotFound`] if missing.
    pub fn workshop(&self, id: &str) -> Result<WorkshopDetail> {
        let workshop = find(&self.conn, id)?;
        let steps = load_steps(&self.conn, id)?;
        // No role (a share that is gone, until a pull takes the copy away): read only.
        let your_role =
            crate::members::role_on(&self.conn, id, &workshop.record.owner_id, &self.user_id)?
                .unwrap_or(Role::Viewer);
        Ok(WorkshopDetail {
            workshop,
            steps,
            your_role,
        })
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
        self.mutate(Mutation::RenameWorkshop {
            workshop_id: id.to_string(),
            title: title.to_string(),
            base: None,
            at: now(),
        })?;
        find(&self.conn, id)
    }

    /// Completes a workshop: all ten steps must have `completed_at`, else
    /// [`wp_domain::DomainError::StepsIncomplete`] names the missing ones. Completing a
    /// completed workshop succeeds and writes nothing (idempotent).
    pub fn complete_workshop(&mut self, id: &str) -> Result<Workshop> {
        self.mutate(Mutation::CompleteWorkshop {
            workshop_id: id.to_string(),
            at: now(),
        })?;
        find(&self.conn, id)
    }

    /// Moves a workshop to the trash (soft delete). Trashing a trashed workshop changes nothing.
    pub fn delete_workshop(&mut self, id: &str) -> Result<Workshop> {
        self.mutate(Mutation::DeleteWorkshop {
            workshop_id: id.to_string(),
            at: now(),
        })?;
        find(&self.conn, id)
    }

    /// Brings a workshop back from the trash. Restoring a live workshop changes nothing.
    pub fn restore_workshop(&mut self, id: &str) -> Result<Workshop> {
        self.mutate(Mutation::RestoreWorkshop {
            workshop_id: id.to_string(),
            at: now(),
        })?;
        find(&self.conn, id)
    }
}
