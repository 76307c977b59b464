//! The step progress rules of steps.md as pure functions over a workshop's ten step states.
//!
//! Each operation takes the states in step order, changes them in place and returns the
//! indices of the states it changed (empty when the operation was a no-op), so the store
//! writes, and records in its outbox, exactly the rows that changed.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{DomainError, StepStatus, STEPS};

/// One workshop step's progress.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepState {
    /// The step definition's id, e.g. `persona`.
    pub step_id: String,
    pub status: StepStatus,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// Whether the step has a saved output; completing a step needs one.
    pub has_output: bool,
}

impl StepState {
    /// Sets the status and applies the timestamp rule of steps.md: `complete` stamps
    /// `completed_at` (and `started_at` if it was never set), `in_progress` stamps
    /// `started_at` and clears `completed_at`, the other two clear both.
    pub fn set_status(&mut self, status: StepStatus, now: DateTime<Utc>) {
        self.status = status;
        match status {
            StepStatus::Complete => {
                self.completed_at = Some(now);
                self.started_at.get_or_insert(now);
            }
            StepStatus::InProgress => {
                self.started_at = Some(now);
                self.completed_at = None;
            }
            StepStatus::NotStarted | StepStatus::NeedsRegeneration => {
                self.started_at = None;
                self.completed_at = None;
            }
        }
    }
}

/// The ten states of a new workshop: the first step `in_progress` (started now), the rest
/// `not_started`.
pub fn initial(now: DateTime<Utc>) -> Vec<StepState> {
    STEPS
        .iter()
        .enumerate()
        .map(|(i, def)| {
            let mut state = StepState {
                step_id: def.id.to_string(),
                status: StepStatus::NotStarted,
                started_at: None,
                completed_at: None,
                has_output: false,
            };
            if i == 0 {
                state.set_status(StepStatus::InProgress, now);
            }
            state
        })
        .collect()
}

fn position(states: &[StepState], step_id: &str) -> Result<usize, DomainError> {
    crate::steps::find(step_id)?;
    states
        .iter()
        .position(|s| s.step_id == step_id)
        .ok_or_else(|| DomainError::UnknownStep(step_id.to_string()))
}

fn transition_error(step_id: &str, reason: &str) -> DomainError {
    DomainError::StepTransition {
        step: step_id.to_string(),
        reason: reason.to_string(),
    }
}

/// Starts a step: `not_started` or `needs_regeneration` becomes `in_progress`.
///
/// Starting a step already in progress changes nothing. A complete step must be revised
/// instead ([`DomainError::StepTransition`]).
pub fn start(
    states: &mut [StepState],
    step_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<usize>, DomainError> {
    let i = position(states, step_id)?;
    match states[i].status {
        StepStatus::InProgress => Ok(vec![]),
        StepStatus::Complete => Err(transition_error(
            step_id,
            "is complete; revise it to work on it again",
        )),
        StepStatus::NotStarted | StepStatus::NeedsRegeneration => {
            states[i].set_status(StepStatus::InProgress, now);
            Ok(vec![i])
        }
    }
}

/// Completes a step. It needs a saved output; completing a complete step changes nothing.
pub fn complete(
    states: &mut [StepState],
    step_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<usize>, DomainError> {
    let i = position(states, step_id)?;
    if states[i].status == StepStatus::Complete {
        return Ok(vec![]);
    }
    if !states[i].has_output {
        return Err(transition_error(
            step_id,
            "has no output yet; save its output before completing it",
        ));
    }
    states[i].set_status(StepStatus::Complete, now);
    Ok(vec![i])
}

/// Advances from a step: it becomes `complete` and the next step, unless it is already
/// in progress or complete, becomes `in_progress`. Advancing from the last step completes it.
pub fn advance(
    states: &mut [StepState],
    step_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<usize>, DomainError> {
    let mut changed = complete(states, step_id, now)?;
    let i = position(states, step_id)?;
    if let Some(next) = states.get_mut(i + 1) {
        if matches!(
            next.status,
            StepStatus::NotStarted | StepStatus::NeedsRegeneration
        ) {
            next.set_status(StepStatus::InProgress, now);
            changed.push(i + 1);
        }
    }
    Ok(changed)
}

/// Revises a complete step ("Revise this step"): it returns to `in_progress` with
/// `completed_at` cleared, and every later step becomes `needs_regeneration` (steps.md and
/// the original's cascade: whatever its status), with both timestamps cleared. Outputs are kept.
pub fn revise(
    states: &mut [StepState],
    step_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<usize>, DomainError> {
    let i = position(states, step_id)?;
    if states[i].status != StepStatus::Complete {
        return Err(transition_error(
            step_id,
            "is not complete; only a complete step can be revised",
        ));
    }
    states[i].set_status(StepStatus::InProgress, now);
    let mut changed = vec![i];
    for (j, later) in states.iter_mut().enumerate().skip(i + 1) {
        if later.status != StepStatus::NeedsRegeneration {
            later.set_status(StepStatus::NeedsRegeneration, now);
            changed.push(j);
        }
    }
    Ok(changed)
}

/// The steps the completion gate still waits for, in step order: those with no row or no
/// `completed_at`. Empty when the workshop may be completed.
pub fn missing_steps(states: &[StepState]) -> Vec<String> {
    STEPS
        .iter()
        .filter(|def| {
            !states
                .iter()
                .any(|s| s.step_id == def.id && s.completed_at.is_some())
        })
        .map(|def| def.id.to_string())
        .collect()
}

/// The workshop completion gate: all ten step rows exist and each has `completed_at`.
/// Errors with [`DomainError::StepsIncomplete`] naming the missing steps in order
/// ([`missing_steps`]).
pub fn completion_gate(states: &[StepState]) -> Result<(), DomainError> {
    let missing = missing_steps(states);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(DomainError::StepsIncomplete { missing })
    }
}

/// How many of the ten steps are complete.
pub fn complete_count(states: &[StepState]) -> usize {
    states
        .iter()
        .filter(|s| s.status == StepStatus::Complete)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(sec: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + sec, 0).unwrap()
    }

    fn with_outputs() -> Vec<StepState> {
        let mut s = initial(t(0));
        s.iter_mut().for_each(|s| s.has_output = true);
        s
    }

    #[test]
    fn a_new_workshop_starts_at_the_first_step() {
        let s = initial(t(0));
        assert_eq!(s.len(), 10);
        assert_eq!(s[0].status, StepStatus::InProgress);
        assert_eq!(s[0].started_at, Some(t(0)));
        assert!(s[1..]
            .iter()
            .all(|s| s.status == StepStatus::NotStarted && s.started_at.is_none()));
    }

    #[test]
    fn completing_stamps_completed_at_and_needs_an_output() {
        let mut s = initial(t(0));
        let err = complete(&mut s, "challenge", t(1)).unwrap_err();
        assert!(err.to_string().contains("has no output yet"), "{err}");
        assert_eq!(
            s[0].status,
            StepStatus::InProgress,
            "state untouched on error"
        );
        s[0].has_output = true;
        assert_eq!(complete(&mut s, "challenge", t(1)).unwrap(), vec![0]);
        assert_eq!(
            (s[0].status, s[0].completed_at, s[0].started_at),
            (StepStatus::Complete, Some(t(1)), Some(t(0)))
        );
        assert_eq!(
            complete(&mut s, "challenge", t(2)).unwrap(),
            Vec::<usize>::new(),
            "idempotent"
        );
        assert_eq!(s[0].completed_at, Some(t(1)));
    }

    #[test]
    fn advancing_completes_the_step_and_starts_the_next() {
        let mut s = with_outputs();
        assert_eq!(advance(&mut s, "challenge", t(5)).unwrap(), vec![0, 1]);
        assert_eq!(s[1].status, StepStatus::InProgress);
        assert_eq!(s[1].started_at, Some(t(5)));
        for def in &STEPS[1..] {
            advance(&mut s, def.id, t(6)).unwrap();
        }
        assert_eq!(complete_count(&s), 10);
        assert!(completion_gate(&s).is_ok());
    }

    #[test]
    fn starting_a_complete_step_is_refused_and_in_progress_is_a_no_op() {
        let mut s = with_outputs();
        assert!(start(&mut s, "challenge", t(1)).unwrap().is_empty());
        complete(&mut s, "challenge", t(2)).unwrap();
        assert!(matches!(
            start(&mut s, "challenge", t(3)),
            Err(DomainError::StepTransition { .. })
        ));
        assert_eq!(start(&mut s, "persona", t(3)).unwrap(), vec![4]);
        assert_eq!(s[4].started_at, Some(t(3)));
    }

    #[test]
    fn revising_marks_later_steps_for_regeneration_and_clears_their_timestamps() {
        let mut s = with_outputs();
        for def in &STEPS[..4] {
            advance(&mut s, def.id, t(1)).unwrap();
        }
        // challenge..sense-making complete, persona in progress, the rest not started with outputs.
        s[9].has_output = false;
        let changed = revise(&mut s, "user-research", t(9)).unwrap();
        assert_eq!(changed, vec![2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(
            (s[2].status, s[2].started_at, s[2].completed_at),
            (StepStatus::InProgress, Some(t(9)), None)
        );
        for later in &s[3..] {
            assert_eq!(
                (later.status, later.started_at, later.completed_at),
                (StepStatus::NeedsRegeneration, None, None)
            );
        }
        assert!(s[3..9].iter().all(|l| l.has_output), "outputs are kept");
        assert_eq!(
            s[0].status,
            StepStatus::Complete,
            "earlier steps are untouched"
        );
        assert!(matches!(
            revise(&mut s, "persona", t(9)),
            Err(DomainError::StepTransition { .. })
        ));
        // A step needing regeneration can be started again, which stamps started_at.
        assert_eq!(start(&mut s, "sense-making", t(10)).unwrap(), vec![3]);
        assert_eq!(s[3].started_at, Some(t(10)));
    }

    #[test]
    fn the_completion_gate_names_missing_steps() {
        let mut s = with_outputs();
        for def in &STEPS[..8] {
            complete(&mut s, def.id, t(1)).unwrap();
        }
        assert_eq!(
            completion_gate(&s),
            Err(DomainError::StepsIncomplete {
                missing: vec!["concept".into(), "validate".into()]
            })
        );
        assert!(
            completion_gate(&s[..3]).is_err(),
            "fewer than ten rows never pass"
        );
        assert!(completion_gate(&s)
            .unwrap_err()
            .to_string()
            .starts_with("All steps must be completed before finishing the workshop"));
    }

    #[test]
    fn unknown_steps_are_named() {
        let mut s = initial(t(0));
        assert_eq!(
            start(&mut s, "summary", t(1)),
            Err(DomainError::UnknownStep("summary".into()))
        );
    }
}
