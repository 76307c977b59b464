//! Workshop operations: create, list, read, rename, complete, trash and restore.

use wp_domain::ids::{new_id, IdKind};
use wp_domain::mutation::Can;
use wp_domain::{limits, progress, Mutation, Role};

use crate::rows::read::{find, load_steps, role_on, workshop_model, WORKSHOP_COLUMNS};
use crate::{now, Result, Store, Workshop, WorkshopDetail, WorkshopFilter, WorkshopSummary};

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
        let role = role_on(&self.conn, id, &workshop.record.owner_id, &self.user_id)?;
        // In the trash nothing changes until it is restored, which is the owner's.
        let can = if workshop.record.deleted_at.is_some() {
            Can {
                trash: Can::of(role).trash,
                ..Can::of(None)
            }
        } else {
            Can::of(role)
        };
        let states: Vec<_> = steps.iter().map(|s| s.record.state()).collect();
        Ok(WorkshopDetail {
            missing_steps: progress::missing_steps(&states),
            workshop,
            steps,
            // No role (a share that is gone, until a pull takes the copy away): read only.
            your_role: role.unwrap_or(Role::Viewer),
            can,
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
            "SELECT {WORKSHOP_COLUMNS},
                (SELECT count(*) FROM workshop_steps s WHERE s.workshop_id = w.id AND s.status = 'complete'),
                (SELECT d.name FROM workshop_steps s JOIN step_definitions d ON d.id = s.step_id
                   WHERE s.workshop_id = w.id AND s.status != 'complete' ORDER BY d.position LIMIT 1),
                max(w.updated_at, coalesce((SELECT max(s.updated_at) FROM workshop_steps s WHERE s.workshop_id = w.id), '')),
                n.scheduled_at, n.timezone
             FROM workshops w
             LEFT JOIN (SELECT s.workshop_id, s.scheduled_at, r.timezone,
                          row_number() OVER (PARTITION BY s.workshop_id ORDER BY s.scheduled_at, s.id) AS k
                        FROM sessions s LEFT JOIN series r ON r.id = s.series_id
                        WHERE s.status = 'scheduled' AND datetime(s.scheduled_at) >= datetime(?2)) n
               ON n.workshop_id = w.id AND n.k = 1
             WHERE w.deleted_at {trash} AND (?1 IS NULL OR instr(lower(w.title), lower(?1)) > 0)
             ORDER BY 14 DESC, w.id"
        );
        let search = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params![search, self.now()], |r| {
            Ok(WorkshopSummary {
                workshop: workshop_model(r)?,
                steps_complete: r.get(11)?,
                current_step: r.get(12)?,
                last_activity_at: r.get(13)?,
                next_session_at: r.get(14)?,
                next_session_zone: r.get(15)?,
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
