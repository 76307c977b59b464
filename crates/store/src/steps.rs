//! Step operations: start, complete, advance, revise, and saving a step's output.

use rusqlite::{Connection, Row};
use serde_json::Value;
use wp_domain::{steps, Change, Mutation, StepRecord, StepStatus};

use crate::mutate::{bad_text, json_column, Written};
use crate::{now, Result, Store, StoreError, WorkshopDetail, WorkshopStep};

#[cfg(doc)]
use wp_domain::DomainError;

/// A step record from columns 0 to 8 of a row: `id, workshop_id, step_id, status, output,
/// summary, started_at, completed_at, updated_at`.
pub(crate) fn record_from_row(r: &Row<'_>) -> rusqlite::Result<StepRecord> {
    let status: String = r.get(3)?;
    Ok(StepRecord {
        id: r.get(0)?,
        workshop_id: r.get(1)?,
        step_id: r.get(2)?,
        status: StepStatus::parse(&status).ok_or_else(|| bad_text(3, &status))?,
        output: json_column(r, 4)?,
        summary: r.get(5)?,
        started_at: r.get(6)?,
        completed_at: r.get(7)?,
        updated_at: r.get(8)?,
    })
}

/// A workshop's steps in order (ten for every workshop the store created).
pub(crate) fn load_steps(conn: &Connection, workshop_id: &str) -> Result<Vec<WorkshopStep>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.id, s.workshop_id, s.step_id, s.status, s.output, s.summary, s.started_at,
                s.completed_at, s.updated_at, s.rev
         FROM workshop_steps s JOIN step_definitions d ON d.id = s.step_id
         WHERE s.workshop_id = ?1 ORDER BY d.position",
    )?;
    let rows = stmt.query_map([workshop_id], |r| Ok((record_from_row(r)?, r.get(9)?)))?;
    rows.map(|row| {
        let (record, rev) = row?;
        from_record(record, rev)
    })
    .collect()
}

/// The step definition's fields of a step record, with its local `rev`.
pub(crate) fn from_record(record: StepRecord, rev: i64) -> Result<WorkshopStep> {
    let def = steps::find(&record.step_id)?;
    Ok(WorkshopStep {
        record,
        order: def.order,
        name: def.name.to_string(),
        description: def.description.to_string(),
        confirm_label: def.confirm_label.map(str::to_string),
        rev,
    })
}

impl Store {
    /// Starts a step (`not_started` or `needs_regeneration` → `in_progress`).
    pub fn start_step(&mut self, workshop_id: &str, step_id: &str) -> Result<WorkshopDetail> {
        self.progress(Mutation::StartStep {
            workshop_id: workshop_id.to_string(),
            step_id: step_id.to_string(),
            at: now(),
        })
    }

    /// Completes a step; it needs a saved output. Completing a complete step changes nothing.
    pub fn complete_step(&mut self, workshop_id: &str, step_id: &str) -> Result<WorkshopDetail> {
        self.progress(Mutation::CompleteStep {
            workshop_id: workshop_id.to_string(),
            step_id: step_id.to_string(),
            at: now(),
        })
    }

    /// Completes a step and starts the next one.
    pub fn advance_step(&mut self, workshop_id: &str, step_id: &str) -> Result<WorkshopDetail> {
        self.progress(Mutation::AdvanceStep {
            workshop_id: workshop_id.to_string(),
            step_id: step_id.to_string(),
            at: now(),
        })
    }

    /// Revises a complete step: it returns to `in_progress` and every later step becomes
    /// `needs_regeneration`, outputs kept. A completed workshop becomes `active` again.
    pub fn revise_step(&mut self, workshop_id: &str, step_id: &str) -> Result<WorkshopDetail> {
        self.progress(Mutation::ReviseStep {
            workshop_id: workshop_id.to_string(),
            step_id: step_id.to_string(),
            at: now(),
        })
    }

    fn progress(&mut self, mutation: Mutation) -> Result<WorkshopDetail> {
        let id = mutation.workshop_id().to_string();
        self.mutate(mutation)?;
        self.workshop(&id)
    }

    /// Saves a step's output, whole, after validating it against the step's schema.
    ///
    /// Errors: [`DomainError::InvalidOutput`] naming every broken field rule (unknown fields
    /// are kept, not refused); [`DomainError::UnknownStep`]; a
    /// [`DomainError::StepTransition`] for a complete step, which must be revised first.
    /// On error the previous output stays.
    pub fn save_step_output(
        &mut self,
        workshop_id: &str,
        step_id: &str,
        output: Value,
    ) -> Result<WorkshopStep> {
        steps::find(step_id)?;
        let written = self.mutate(Mutation::SaveStepOutput {
            workshop_id: workshop_id.to_string(),
            step_id: step_id.to_string(),
            output,
            base: None,
            at: now(),
        })?;
        if let Some(Written {
            change: Change::Step(record),
            rev,
        }) = written.into_iter().next()
        {
            return from_record(record, rev);
        }
        // The same output again: nothing changed.
        load_steps(&self.conn, workshop_id)?
            .into_iter()
            .find(|s| s.record.step_id == step_id)
            .ok_or_else(|| StoreError::NotFound {
                entity: "workshop step",
                id: format!("{workshop_id}/{step_id}"),
            })
    }
}
