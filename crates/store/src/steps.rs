//! Step operations: start, complete, advance, revise, and saving a step's output.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row};
use serde_json::{json, Value};
use wp_domain::progress::{self, StepState};
use wp_domain::{schema, steps, DomainError, StepStatus, WorkshopStatus};

use crate::workshops::{live, set_status};
use crate::{now, outbox, Result, Store, StoreError, WorkshopDetail, WorkshopStep};

const COLUMNS: &str = "s.id, s.workshop_id, s.step_id, d.position, d.name, d.description, d.confirm_label, s.status, s.output, s.summary, s.started_at, s.completed_at, s.updated_at, s.rev";
/// [`COLUMNS`] with `NULL` in place of the output, for callers that already hold it.
const COLUMNS_WITHOUT_OUTPUT: &str = "s.id, s.workshop_id, s.step_id, d.position, d.name, d.description, d.confirm_label, s.status, NULL, s.summary, s.started_at, s.completed_at, s.updated_at, s.rev";

fn from_row(r: &Row<'_>) -> rusqlite::Result<WorkshopStep> {
    let output: Option<String> = r.get(8)?;
    let output = output
        .map(|text| serde_json::from_str::<Value>(&text))
        .transpose()
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(8, rusqlite::types::Type::Text, e.into())
        })?;
    from_row_with(r, output)
}

fn from_row_with(r: &Row<'_>, output: Option<Value>) -> rusqlite::Result<WorkshopStep> {
    let status: String = r.get(7)?;
    Ok(WorkshopStep {
        id: r.get(0)?,
        workshop_id: r.get(1)?,
        step_id: r.get(2)?,
        order: r.get(3)?,
        name: r.get(4)?,
        description: r.get(5)?,
        confirm_label: r.get(6)?,
        status: StepStatus::parse(&status).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                7,
                rusqlite::types::Type::Text,
                format!("unexpected status {status}").into(),
            )
        })?,
        output,
        summary: r.get(9)?,
        started_at: r.get(10)?,
        completed_at: r.get(11)?,
        updated_at: r.get(12)?,
        rev: r.get(13)?,
    })
}

/// A workshop's steps in order (ten for every workshop the store created).
pub(crate) fn load_steps(conn: &Connection, workshop_id: &str) -> Result<Vec<WorkshopStep>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM workshop_steps s JOIN step_definitions d ON d.id = s.step_id
         WHERE s.workshop_id = ?1 ORDER BY d.position"
    ))?;
    let rows = stmt.query_map([workshop_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The progress states of loaded steps, for the rules of `wp_domain::progress`.
pub(crate) fn states_of(steps: &[WorkshopStep]) -> Vec<StepState> {
    steps
        .iter()
        .map(|s| StepState {
            step_id: s.step_id.clone(),
            status: s.status,
            started_at: s.started_at,
            completed_at: s.completed_at,
            has_output: s.output.is_some(),
        })
        .collect()
}

type ProgressRule = fn(&mut [StepState], &str, DateTime<Utc>) -> Result<Vec<usize>, DomainError>;

impl Store {
    /// Starts a step (`not_started` or `needs_regeneration` → `in_progress`).
    pub fn start_step(&mut self, workshop_id: &str, step_id: &str) -> Result<WorkshopDetail> {
        self.apply_progress(workshop_id, step_id, progress::start)
    }

    /// Completes a step; it needs a saved output. Completing a complete step changes nothing.
    pub fn complete_step(&mut self, workshop_id: &str, step_id: &str) -> Result<WorkshopDetail> {
        self.apply_progress(workshop_id, step_id, progress::complete)
    }

    /// Completes a step and starts the next one.
    pub fn advance_step(&mut self, workshop_id: &str, step_id: &str) -> Result<WorkshopDetail> {
        self.apply_progress(workshop_id, step_id, progress::advance)
    }

    /// Revises a complete step: it returns to `in_progress` and every later step becomes
    /// `needs_regeneration`, outputs kept. A completed workshop becomes `active` again.
    pub fn revise_step(&mut self, workshop_id: &str, step_id: &str) -> Result<WorkshopDetail> {
        self.apply_progress(workshop_id, step_id, progress::revise)
    }

    fn apply_progress(
        &mut self,
        workshop_id: &str,
        step_id: &str,
        rule: ProgressRule,
    ) -> Result<WorkshopDetail> {
        let tx = self.conn.transaction()?;
        let mut workshop = live(&tx, workshop_id)?;
        let mut steps = load_steps(&tx, workshop_id)?;
        let mut states = states_of(&steps);
        let now = now();
        let changed = rule(&mut states, step_id, now)?;
        let mut update = tx.prepare_cached(
            "UPDATE workshop_steps SET status = ?2, started_at = ?3, completed_at = ?4, updated_at = ?5, rev = rev + 1
             WHERE id = ?1 RETURNING rev",
        )?;
        for &i in &changed {
            let (state, step) = (&states[i], &mut steps[i]);
            step.rev = update.query_row(
                (
                    &step.id,
                    state.status.as_str(),
                    state.started_at,
                    state.completed_at,
                    now,
                ),
                |r| r.get(0),
            )?;
            step.status = state.status;
            step.started_at = state.started_at;
            step.completed_at = state.completed_at;
            step.updated_at = now;
            outbox::append(
                &tx,
                "step.status",
                "workshop_step",
                &step.id,
                step.rev,
                &json!({
                    "workshopId": workshop_id, "stepId": step.step_id, "status": state.status,
                    "startedAt": state.started_at, "completedAt": state.completed_at,
                }),
            )?;
        }
        drop(update);
        let reopened = workshop.status == WorkshopStatus::Completed
            && progress::completion_gate(&states).is_err();
        if reopened {
            set_status(&tx, &mut workshop, WorkshopStatus::Active)?;
        }
        tx.commit()?;
        Ok(WorkshopDetail { workshop, steps })
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
        schema::validate(step_id, &output)?;
        let text = serde_json::value::RawValue::from_string(output.to_string())?;
        let tx = self.conn.transaction()?;
        let found = tx
            .prepare_cached(&format!(
                "SELECT {COLUMNS_WITHOUT_OUTPUT}, w.deleted_at IS NOT NULL FROM workshop_steps s
                 JOIN step_definitions d ON d.id = s.step_id JOIN workshops w ON w.id = s.workshop_id
                 WHERE s.workshop_id = ?1 AND s.step_id = ?2"
            ))?
            .query_row((workshop_id, step_id), |r| Ok((from_row_with(r, None)?, r.get::<_, bool>(14)?)))
            .optional()?;
        let mut step = match found {
            Some((_, true)) => return Err(StoreError::InTrash(workshop_id.to_string())),
            Some((step, false)) => step,
            // No step row: the workshop is missing (every workshop has its ten steps).
            None => {
                live(&tx, workshop_id)?;
                return Err(StoreError::NotFound {
                    entity: "workshop step",
                    id: format!("{workshop_id}/{step_id}"),
                });
            }
        };
        if step.status == StepStatus::Complete {
            return Err(DomainError::StepTransition {
                step: step_id.to_string(),
                reason: "is complete; revise it before changing its output".into(),
            }
            .into());
        }
        step.updated_at = now();
        step.rev = tx
            .prepare_cached("UPDATE workshop_steps SET output = ?2, updated_at = ?3, rev = rev + 1 WHERE id = ?1 RETURNING rev")?
            .query_row((&step.id, text.get(), step.updated_at), |r| r.get(0))?;
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Payload<'a> {
            workshop_id: &'a str,
            step_id: &'a str,
            output: &'a serde_json::value::RawValue,
        }
        let payload = Payload {
            workshop_id,
            step_id,
            output: &text,
        };
        outbox::append(
            &tx,
            "step.output",
            "workshop_step",
            &step.id,
            step.rev,
            &payload,
        )?;
        step.output = Some(output);
        tx.commit()?;
        Ok(step)
    }
}
