//! What a mutation reads before [`super::apply`] runs: a read plan, as data, so that the
//! desktop store and the server load the same rows for it, and the rule for which row a
//! change is made against (its `baseRev`) is written once.
//!
//! A plan is run by a store's one small adapter: the desktop's (`wp-store`, SQLite, which has
//! one writer and ignores [`Lock`]) and the server's (PostgreSQL, which takes the locks in
//! the order the fields are listed here: workshop, conflict, steps, note, member, session,
//! series). [`Author::Actor`] rows are the caller's own: a server holds every user's notes
//! and conflicts, a desktop database only its user's.
//!
//! `ResolveConflict` plans in two stages: what it reads besides the conflict depends on the
//! conflict's kind, so [`ReadPlan::for_conflict`] gives the second stage once the conflict
//! row is read.

use super::Mutation;
use crate::{ConflictKind, ConflictRecord};

/// How a row is read on a store with concurrent writers (the server's PostgreSQL); the
/// desktop store, one writer under an IMMEDIATE transaction, ignores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// A plain read.
    None,
    /// Writers of the row take turns, while rows that only reference it may still be
    /// inserted (`FOR NO KEY UPDATE`): the workshop row, which every change of a workshop reads.
    Turns,
    /// The row is locked for update (`FOR UPDATE`): a conflict, a session, a series.
    Update,
}

/// Whose rows a read is limited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    /// Any user's row.
    Anyone,
    /// Only the caller's own (notes and conflicts belong to one user).
    Actor,
}

/// Which of a workshop's step rows a mutation reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepRead<'a> {
    /// All ten, in step order.
    All,
    /// The one with this step definition id.
    One(&'a str),
}

/// The row whose server revision a queued change carries as its `baseRev`: the row the
/// change was made against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseRow {
    /// The workshop row.
    Workshop,
    /// The one step row read ([`StepRead::One`]).
    Step,
    /// The note read.
    Note,
    /// None: scheduling changes carry no base.
    None,
}

/// A read of one row by id, with its lock and author scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowRead<'a> {
    pub id: &'a str,
    pub lock: Lock,
    pub author: Author,
}

/// What a mutation reads, in the order a server locks it. The workshop row and the caller's
/// membership of it (for [`crate::Role::of`]) are always read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadPlan<'a> {
    /// The workshop, locked [`Lock::Turns`].
    pub workshop: RowRead<'a>,
    /// The conflict being resolved (the caller's own, of this workshop, locked).
    pub conflict: Option<RowRead<'a>>,
    /// Step rows.
    pub steps: Option<StepRead<'a>>,
    /// The caller's note in a scope: `Some(None)` the workshop note, `Some(Some(step))` a
    /// step's.
    pub note: Option<Option<&'a str>>,
    /// The membership row of this user id.
    pub member: Option<&'a str>,
    /// A single session, locked.
    pub session: Option<RowRead<'a>>,
    /// A series of this workshop (locked) and its occurrences in date order.
    pub series: Option<RowRead<'a>>,
    /// The row whose server revision is the change's `baseRev`.
    pub base: BaseRow,
}

impl<'a> ReadPlan<'a> {
    fn of_workshop(workshop_id: &'a str) -> Self {
        ReadPlan {
            workshop: RowRead {
                id: workshop_id,
                lock: Lock::Turns,
                author: Author::Anyone,
            },
            conflict: None,
            steps: None,
            note: None,
            member: None,
            session: None,
            series: None,
            base: BaseRow::Workshop,
        }
    }

    /// The first (for most mutations the only) stage: what `mutation` reads.
    pub fn of(mutation: &'a Mutation) -> Self {
        let mut plan = ReadPlan::of_workshop(mutation.workshop_id());
        let locked = |id: &'a str| RowRead {
            id,
            lock: Lock::Update,
            author: Author::Anyone,
        };
        match mutation {
            Mutation::SaveStepOutput { step_id, .. } => {
                plan.steps = Some(StepRead::One(step_id));
                plan.base = BaseRow::Step;
            }
            Mutation::StartStep { .. }
            | Mutation::CompleteStep { .. }
            | Mutation::AdvanceStep { .. }
            | Mutation::ReviseStep { .. }
            | Mutation::CompleteWorkshop { .. } => plan.steps = Some(StepRead::All),
            Mutation::SetNote { step_id, .. } => {
                plan.note = Some(step_id.as_deref());
                plan.base = BaseRow::Note;
            }
            Mutation::AddMember { user_id, .. } | Mutation::RemoveMember { user_id, .. } => {
                plan.member = Some(user_id);
            }
            Mutation::ResolveConflict { conflict_id, .. }
            | Mutation::ReopenConflict { conflict_id, .. } => {
                plan.conflict = Some(RowRead {
                    id: conflict_id,
                    lock: Lock::Update,
                    author: Author::Actor,
                });
            }
            Mutation::CreateSession { session_id, .. }
            | Mutation::UpdateSession { session_id, .. }
            | Mutation::CancelSession { session_id, .. }
            | Mutation::RestoreSession { session_id, .. } => {
                plan.session = Some(locked(session_id));
                plan.base = BaseRow::None;
            }
            Mutation::CreateSeries { series_id, .. }
            | Mutation::RollSeries { series_id, .. }
            | Mutation::CancelSeries { series_id, .. }
            | Mutation::ReviseSeries { series_id, .. } => {
                plan.series = Some(locked(series_id));
            }
            Mutation::CreateWorkshop { .. }
            | Mutation::PutWorkshop { .. }
            | Mutation::RenameWorkshop { .. }
            | Mutation::UpdateWorkshop { .. }
            | Mutation::DeleteWorkshop { .. }
            | Mutation::RestoreWorkshop { .. } => {}
        }
        plan
    }

    /// The second stage of a `ResolveConflict`: what the conflict's kind needs besides the
    /// conflict row (a note conflict the caller's note in its scope, a field conflict every
    /// step row); only the parts not read yet. `None` when nothing more is needed.
    pub fn for_conflict(workshop_id: &'a str, conflict: &'a ConflictRecord) -> Option<Self> {
        let mut plan = ReadPlan::of_workshop(workshop_id);
        match conflict.kind {
            ConflictKind::Note => plan.note = Some(conflict.step_id.as_deref()),
            ConflictKind::OutputField => plan.steps = Some(StepRead::All),
            _ => return None,
        }
        Some(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn a_step_output_reads_its_one_step_and_is_made_against_it() {
        let m = Mutation::SaveStepOutput {
            workshop_id: "ws_1".into(),
            step_id: "persona".into(),
            output: serde_json::json!({}),
            base: None,
            at: Utc::now(),
        };
        let plan = ReadPlan::of(&m);
        assert_eq!(plan.workshop.id, "ws_1");
        assert_eq!(plan.workshop.lock, Lock::Turns);
        assert_eq!(plan.steps, Some(StepRead::One("persona")));
        assert_eq!(plan.base, BaseRow::Step);
        assert_eq!((plan.note, plan.member, plan.conflict), (None, None, None));
    }

    #[test]
    fn a_conflict_is_read_as_the_callers_own_then_what_its_kind_needs() {
        let m = Mutation::ResolveConflict {
            conflict_id: "cf_1".into(),
            workshop_id: "ws_1".into(),
            resolution: crate::mutation::Resolution::Theirs,
            at: Utc::now(),
        };
        let plan = ReadPlan::of(&m);
        let conflict = plan.conflict.expect("the conflict row");
        assert_eq!(
            (conflict.id, conflict.lock, conflict.author),
            ("cf_1", Lock::Update, Author::Actor)
        );
        assert_eq!(plan.steps, None);

        let record = |kind, step_id: Option<&str>| ConflictRecord {
            id: "cf_1".into(),
            workshop_id: "ws_1".into(),
            user_id: "u".into(),
            kind,
            entity_id: "x".into(),
            step_id: step_id.map(str::to_string),
            field: None,
            base: serde_json::Value::Null,
            theirs: serde_json::Value::Null,
            mine: serde_json::Value::Null,
            created_at: Utc::now(),
            resolved_at: None,
            theirs_by: None,
        };
        let note = record(ConflictKind::Note, Some("persona"));
        let second = ReadPlan::for_conflict("ws_1", &note).unwrap();
        assert_eq!(second.note, Some(Some("persona")));
        assert_eq!(second.steps, None);
        let field = record(ConflictKind::OutputField, Some("persona"));
        let second = ReadPlan::for_conflict("ws_1", &field).unwrap();
        assert_eq!((second.steps, second.note), (Some(StepRead::All), None));
    }

    #[test]
    fn scheduling_reads_its_session_or_series_locked_and_carries_no_base() {
        let m = Mutation::CancelSession {
            session_id: "se_1".into(),
            workshop_id: "ws_1".into(),
            at: Utc::now(),
        };
        let plan = ReadPlan::of(&m);
        assert_eq!(
            plan.session.map(|s| (s.id, s.lock)),
            Some(("se_1", Lock::Update))
        );
        assert_eq!(plan.base, BaseRow::None);
        let m = Mutation::RollSeries {
            series_id: "sr_1".into(),
            workshop_id: "ws_1".into(),
            at: Utc::now(),
        };
        let plan = ReadPlan::of(&m);
        assert_eq!(plan.series.map(|s| s.id), Some("sr_1"));
        assert_eq!(plan.base, BaseRow::Workshop);
    }
}
