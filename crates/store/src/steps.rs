//! Step operations: start, complete, advance, revise, and saving a step's output.

use serde_json::Value;
use wp_domain::{steps, Change, Mutation};

use crate::rows::read::{from_record, load_steps};
use crate::rows::write::Written;
use crate::{now, Result, Store, StoreError, WorkshopDetail, WorkshopStep};

#[cfg(doc)]
use wp_domain::DomainError;

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
        self.save_output(workshop_id, step_id, output, None)
    }

    /// [`Store::save_step_output`] from an editor: `started_from` is the output the editor
    /// showed when the user began (`None`: the step had no output yet). A change that
    /// arrived meanwhile (a partner's, pulled while the form was open) is merged by field
    /// with this one, as the server merges (docs/sync.md, "Conflicts"): fields only the
    /// user changed are theirs, fields only the partner changed stay the partner's, and a
    /// field both changed keeps the partner's value here while the server records the
    /// user's as a conflict. Without it, the base would be the local row at save time, and
    /// the save would silently put back every field the partner had changed.
    pub fn save_step_output_from(
        &mut self,
        workshop_id: &str,
        step_id: &str,
        output: Value,
        started_from: Option<Value>,
    ) -> Result<WorkshopStep> {
        let base = Some(started_from.unwrap_or(Value::Null));
        self.save_output(workshop_id, step_id, output, base)
    }

    /// Saves an output made from `base` (`None`: the local row's output when it is saved).
    fn save_output(
        &mut self,
        workshop_id: &str,
        step_id: &str,
        output: Value,
        base: Option<Value>,
    ) -> Result<WorkshopStep> {
        steps::find(step_id)?;
        let written = self.mutate(Mutation::SaveStepOutput {
            workshop_id: workshop_id.to_string(),
            step_id: step_id.to_string(),
            output,
            base,
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
