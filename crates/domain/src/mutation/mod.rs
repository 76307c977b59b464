//! The one vocabulary of changes to a workshop: typed intents that the local store applies
//! to SQLite, the outbox queues, sync pushes and the server re-runs on PostgreSQL, all
//! through [`apply`].
//!
//! A mutation serializes as `{"name": "renameWorkshop", "args": {...}}` (camelCase). Times a
//! user's action sets (`at`) travel with the mutation and are kept, clamped by [`clamp_time`].
//! Progress changes are intents (`advanceStep`), not raw statuses: the side applying them
//! checks them again with [`crate::progress`].

mod apply;
pub mod plan;
mod schedule;
mod wire;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use apply::{apply, Context};
pub use plan::ReadPlan;
pub use schedule::schedule_of;
pub use wire::{Wire, WireError};
// `MutationKind` is generated from `Mutation` (strum's EnumDiscriminants).

use crate::series::RuleForm;
use crate::{Role, StepRecord, Visibility, WorkshopRecord, WorkshopStatus};

/// The fields of a new series, as its form gives them (`reference/series.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SeriesForm {
    /// 3 to 200 characters.
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub rule: RuleForm,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub start_date: NaiveDate,
    /// `HH:MM` (or `HH:MM:SS`), local to `timezone`.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub time_of_day: NaiveTime,
    /// IANA zone name.
    pub timezone: String,
    /// 15 to 480.
    pub duration_minutes: u32,
    #[serde(default)]
    pub is_private: bool,
}

/// The fields of a single session, new or edited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SessionForm {
    /// 3 to 200 characters; absent for the default, the workshop's title and the date.
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: String,
    /// At least 15 minutes after the change is made.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub scheduled_at: DateTime<Utc>,
    /// 15 to 480.
    pub duration_minutes: u32,
    #[serde(default)]
    pub is_private: bool,
    /// 2 to 500, or none for no limit.
    #[serde(default)]
    pub max_capacity: Option<u32>,
}

/// What a user may do with a workshop, from their role: what a UI offers, so it never
/// offers what the store and the server would refuse ([`Mutation::access`] asks the same
/// roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Can {
    /// Rename the workshop (`renameWorkshop`).
    pub rename: bool,
    /// Share it and take access back (`addMember`, `removeMember`).
    pub share: bool,
    /// Complete the workshop once every step is (`completeWorkshop`).
    pub complete: bool,
    /// Move it to the trash and back (`deleteWorkshop`, `restoreWorkshop`).
    pub trash: bool,
    /// Work on its steps: start, save outputs, complete, revise.
    pub edit: bool,
    /// Schedule its sessions and series.
    pub schedule: bool,
}

impl Can {
    /// The role renaming needs, and changing the workshop's other own fields (its idea,
    /// status and visibility): the owner.
    pub const RENAME: Role = Role::Owner;
    /// The role sharing needs: the owner.
    pub const SHARE: Role = Role::Owner;
    /// The role completing the workshop needs: the owner.
    pub const COMPLETE: Role = Role::Owner;
    /// The role trashing and restoring need: the owner.
    pub const TRASH: Role = Role::Owner;
    /// The role step work needs: an editor.
    pub const EDIT: Role = Role::Editor;
    /// The role scheduling needs: an editor, a co-facilitator.
    pub const SCHEDULE: Role = Role::Editor;
    /// The role keeping one's own notes (and resolving one's conflicts) needs: any reader.
    pub const OWN_NOTES: Role = Role::Viewer;

    /// What `role` may do; no role (a share that is gone) may do nothing.
    pub fn of(role: Option<Role>) -> Can {
        let may = |needed: Role| role.is_some_and(|r| r.allows(needed));
        Can {
            rename: may(Can::RENAME),
            share: may(Can::SHARE),
            complete: may(Can::COMPLETE),
            trash: may(Can::TRASH),
            edit: may(Can::EDIT),
            schedule: may(Can::SCHEDULE),
        }
    }
}

/// Version of the mutation vocabulary and the sync bodies; a server answers "upgrade
/// required" to a mutation it does not know.
pub const PROTOCOL_VERSION: u32 = 1;

/// How far in the future a client's time may be before it is clamped to the applying
/// side's clock: 5 minutes.
pub const MAX_CLOCK_SKEW: Duration = Duration::minutes(5);

/// A new workshop's step row, as the client made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewStep {
    /// `wst_...`
    pub id: String,
    /// The step definition's id.
    pub step_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// How a conflict is resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "keep", rename_all = "camelCase")]
pub enum Resolution {
    /// The later author's value replaces the live one.
    Mine,
    /// The live value stays.
    Theirs,
    /// A value made from both (a note's text, a field's value, a title).
    Merged { value: Value },
}

/// One intent. Every variant names its workshop; see [`Mutation::access`] for who may apply it.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantNames,
    strum::EnumDiscriminants,
)]
#[serde(tag = "name", content = "args", rename_all = "camelCase")]
#[strum(serialize_all = "camelCase")]
#[strum_discriminants(
    name(MutationKind),
    vis(pub),
    derive(Hash, strum::IntoStaticStr, strum::EnumString),
    strum(serialize_all = "camelCase"),
    doc = "Which mutation, without its arguments: to name one where there is no value of it (SQL over the outbox, a stored name). Its names are the wire names."
)]
pub enum Mutation {
    /// A workshop with its ten step rows (ids made by the client, one per step definition),
    /// the first in progress; outputs and summaries optional (an import carries them).
    #[serde(rename_all = "camelCase")]
    CreateWorkshop {
        workshop_id: String,
        title: String,
        #[serde(default)]
        original_idea: String,
        steps: Vec<NewStep>,
        at: DateTime<Utc>,
    },
    /// A whole workshop as this client holds it, offered as a value, not an intent: a
    /// workshop made before the first sign-in, or one a restored server lost. Where the
    /// workshop does not exist it is created as given (owner: the caller; outputs validated);
    /// where the caller's workshop exists it changes nothing.
    #[serde(rename_all = "camelCase")]
    PutWorkshop {
        workshop: WorkshopRecord,
        steps: Vec<StepRecord>,
        at: DateTime<Utc>,
    },
    /// Renames a workshop. `base` is the title the change was made from: where the live
    /// title has moved on from it, the live title stays and this one becomes a conflict.
    #[serde(rename_all = "camelCase")]
    RenameWorkshop {
        workshop_id: String,
        title: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base: Option<String>,
        at: DateTime<Utc>,
    },
    /// Changes a workshop's own fields besides its title (the REST `PATCH`): its idea, its
    /// status, who may see it. Absent fields stay. `status` is draft, active or paused,
    /// never completed, even again: completing is `completeWorkshop`'s (the completion
    /// gate), and a completed workshop stays completed (revising a step reopens it). The
    /// owner's.
    #[serde(rename_all = "camelCase")]
    UpdateWorkshop {
        workshop_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        original_idea: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<WorkshopStatus>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        visibility: Option<Visibility>,
        at: DateTime<Utc>,
    },
    /// Saves a step's output whole, validated against the step's schema. `base` is the
    /// output the change was made from (`null` for none, which is not the same as no
    /// `base`): where the live output has moved on, the two merge field by field and
    /// clashing fields become conflicts. Without a base the output is set as it is.
    #[serde(rename_all = "camelCase")]
    SaveStepOutput {
        workshop_id: String,
        step_id: String,
        output: Value,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "present"
        )]
        base: Option<Value>,
        at: DateTime<Utc>,
    },
    #[serde(rename_all = "camelCase")]
    StartStep {
        workshop_id: String,
        step_id: String,
        at: DateTime<Utc>,
    },
    #[serde(rename_all = "camelCase")]
    CompleteStep {
        workshop_id: String,
        step_id: String,
        at: DateTime<Utc>,
    },
    /// Completes a step and starts the next.
    #[serde(rename_all = "camelCase")]
    AdvanceStep {
        workshop_id: String,
        step_id: String,
        at: DateTime<Utc>,
    },
    /// Returns a complete step to work; later steps need regeneration.
    #[serde(rename_all = "camelCase")]
    ReviseStep {
        workshop_id: String,
        step_id: String,
        at: DateTime<Utc>,
    },
    #[serde(rename_all = "camelCase")]
    CompleteWorkshop {
        workshop_id: String,
        at: DateTime<Utc>,
    },
    /// Saves the caller's note on the workshop (`step_id` absent) or a step, whole. `base`
    /// is the text the change was made from: where the live note has moved on, the two
    /// merge line by line, and clashing lines make the whole text a conflict.
    #[serde(rename_all = "camelCase")]
    SetNote {
        note_id: String,
        workshop_id: String,
        #[serde(default)]
        step_id: Option<String>,
        content: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base: Option<String>,
        at: DateTime<Utc>,
    },
    /// Resolves one of the caller's conflicts: keep mine, take theirs, or a merged value.
    /// Keeping or merging is the change it stands for (a note, a field, a title), with that
    /// change's rights.
    #[serde(rename_all = "camelCase")]
    ResolveConflict {
        conflict_id: String,
        workshop_id: String,
        resolution: Resolution,
        at: DateTime<Utc>,
    },
    /// Takes one of the caller's conflict resolutions back (undo): the conflict is open
    /// again, and the value it is about goes back to the live value it recorded (`theirs`)
    /// if it still is what the resolution wrote (`kept`: mine, or the merge; absent when the
    /// resolution took theirs). A value that moved on since (a partner saved it meanwhile)
    /// is left as it is: only the conflict opens again. Reopening an open conflict changes
    /// nothing.
    #[serde(rename_all = "camelCase")]
    ReopenConflict {
        conflict_id: String,
        workshop_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kept: Option<Value>,
        at: DateTime<Utc>,
    },
    /// Moves a workshop to the trash.
    #[serde(rename_all = "camelCase")]
    DeleteWorkshop {
        workshop_id: String,
        at: DateTime<Utc>,
    },
    #[serde(rename_all = "camelCase")]
    RestoreWorkshop {
        workshop_id: String,
        at: DateTime<Utc>,
    },
    /// Shares a workshop with a user as editor or viewer (again: changes the role).
    #[serde(rename_all = "camelCase")]
    AddMember {
        member_id: String,
        workshop_id: String,
        user_id: String,
        role: Role,
        at: DateTime<Utc>,
    },
    /// Takes a user's access to a shared workshop away. Their copies lose the workshop at
    /// their next pull; their own notes stay on the server, out of reach until shared again.
    #[serde(rename_all = "camelCase")]
    RemoveMember {
        workshop_id: String,
        user_id: String,
        at: DateTime<Utc>,
    },
    /// Schedules a single live session of a workshop, at least 15 minutes after `at`.
    #[serde(rename_all = "camelCase")]
    CreateSession {
        session_id: String,
        workshop_id: String,
        session: SessionForm,
        at: DateTime<Utc>,
    },
    /// Changes a scheduled session (an occurrence too: it then stands apart from its rule,
    /// exported with RECURRENCE-ID).
    #[serde(rename_all = "camelCase")]
    UpdateSession {
        session_id: String,
        workshop_id: String,
        session: SessionForm,
        at: DateTime<Utc>,
    },
    /// Cancels one session; the row is kept (an occurrence is exported as an EXDATE).
    #[serde(rename_all = "camelCase")]
    CancelSession {
        session_id: String,
        workshop_id: String,
        at: DateTime<Utc>,
    },
    /// Takes back a session's cancellation (the undo of [`Mutation::CancelSession`]): a
    /// cancelled session is scheduled again at its time; one not cancelled is left as it
    /// is. An occurrence is again part of its series' calendar.
    #[serde(rename_all = "camelCase")]
    RestoreSession {
        session_id: String,
        workshop_id: String,
        at: DateTime<Utc>,
    },
    /// Creates a series and its occurrences for the next 90 days; its first occurrence is
    /// at least 15 minutes after `at`.
    #[serde(rename_all = "camelCase")]
    CreateSeries {
        series_id: String,
        workshop_id: String,
        series: SeriesForm,
        at: DateTime<Utc>,
    },
    /// Makes a series' missing occurrences for the rolling horizon
    /// ([`crate::series::rolling::due`] at `at`). The app runs it offline, the server's job
    /// online; both make the same rows.
    #[serde(rename_all = "camelCase")]
    RollSeries {
        series_id: String,
        workshop_id: String,
        at: DateTime<Utc>,
    },
    /// Cancels an occurrence and all that follow: the rule ends just before it (UNTIL, in
    /// place of COUNT) and the later rows are cancelled. From the first occurrence, or with
    /// no session named (from now on), the series becomes inactive instead.
    #[serde(rename_all = "camelCase")]
    CancelSeries {
        series_id: String,
        workshop_id: String,
        #[serde(default)]
        from_session_id: Option<String>,
        at: DateTime<Utc>,
    },
    /// Changes a series' rule, time, zone, start or details: it is split. The old series
    /// ends before its first occurrence after `at` (as [`Mutation::CancelSeries`]); the new
    /// part is a new series (`new_series_id`, a new calendar UID) from the form.
    #[serde(rename_all = "camelCase")]
    ReviseSeries {
        series_id: String,
        new_series_id: String,
        workshop_id: String,
        series: SeriesForm,
        at: DateTime<Utc>,
    },
}

impl Mutation {
    /// The workshop the mutation changes.
    pub fn workshop_id(&self) -> &str {
        match self {
            Mutation::PutWorkshop { workshop, .. } => &workshop.id,
            Mutation::CreateWorkshop { workshop_id, .. }
            | Mutation::RenameWorkshop { workshop_id, .. }
            | Mutation::UpdateWorkshop { workshop_id, .. }
            | Mutation::SaveStepOutput { workshop_id, .. }
            | Mutation::StartStep { workshop_id, .. }
            | Mutation::CompleteStep { workshop_id, .. }
            | Mutation::AdvanceStep { workshop_id, .. }
            | Mutation::ReviseStep { workshop_id, .. }
            | Mutation::CompleteWorkshop { workshop_id, .. }
            | Mutation::SetNote { workshop_id, .. }
            | Mutation::DeleteWorkshop { workshop_id, .. }
            | Mutation::RestoreWorkshop { workshop_id, .. }
            | Mutation::AddMember { workshop_id, .. }
            | Mutation::RemoveMember { workshop_id, .. }
            | Mutation::ResolveConflict { workshop_id, .. }
            | Mutation::ReopenConflict { workshop_id, .. }
            | Mutation::CreateSession { workshop_id, .. }
            | Mutation::UpdateSession { workshop_id, .. }
            | Mutation::CancelSession { workshop_id, .. }
            | Mutation::RestoreSession { workshop_id, .. }
            | Mutation::CreateSeries { workshop_id, .. }
            | Mutation::RollSeries { workshop_id, .. }
            | Mutation::CancelSeries { workshop_id, .. }
            | Mutation::ReviseSeries { workshop_id, .. } => workshop_id,
        }
    }

    /// The role a mutation needs, that of its REST twin: a note is the caller's own (any
    /// reader, viewers included); step work needs an editor; rename, trash, restore,
    /// completing the workshop and members need the owner; scheduling (sessions, series)
    /// needs an editor, a co-facilitator. Creating needs nothing. The roles are
    /// [`Can`]'s, so a UI offers exactly what will be accepted.
    pub fn access(&self) -> Option<Role> {
        match self {
            Mutation::CreateWorkshop { .. } | Mutation::PutWorkshop { .. } => None,
            Mutation::SetNote { .. }
            | Mutation::ResolveConflict { .. }
            | Mutation::ReopenConflict { .. } => Some(Can::OWN_NOTES),
            Mutation::SaveStepOutput { .. }
            | Mutation::StartStep { .. }
            | Mutation::CompleteStep { .. }
            | Mutation::AdvanceStep { .. }
            | Mutation::ReviseStep { .. } => Some(Can::EDIT),
            Mutation::CreateSession { .. }
            | Mutation::UpdateSession { .. }
            | Mutation::CancelSession { .. }
            | Mutation::RestoreSession { .. }
            | Mutation::CreateSeries { .. }
            | Mutation::RollSeries { .. }
            | Mutation::CancelSeries { .. }
            | Mutation::ReviseSeries { .. } => Some(Can::SCHEDULE),
            Mutation::RenameWorkshop { .. } | Mutation::UpdateWorkshop { .. } => Some(Can::RENAME),
            Mutation::CompleteWorkshop { .. } => Some(Can::COMPLETE),
            Mutation::DeleteWorkshop { .. } | Mutation::RestoreWorkshop { .. } => Some(Can::TRASH),
            Mutation::AddMember { .. } | Mutation::RemoveMember { .. } => Some(Can::SHARE),
        }
    }

    /// The step a mutation names, if any.
    pub fn step_id(&self) -> Option<&str> {
        match self {
            Mutation::SaveStepOutput { step_id, .. }
            | Mutation::StartStep { step_id, .. }
            | Mutation::CompleteStep { step_id, .. }
            | Mutation::AdvanceStep { step_id, .. }
            | Mutation::ReviseStep { step_id, .. } => Some(step_id),
            Mutation::SetNote { step_id, .. } => step_id.as_deref(),
            _ => None,
        }
    }

    /// The series a mutation names, if any.
    pub fn series_id(&self) -> Option<&str> {
        match self {
            Mutation::RollSeries { series_id, .. }
            | Mutation::CancelSeries { series_id, .. }
            | Mutation::ReviseSeries { series_id, .. }
            | Mutation::CreateSeries { series_id, .. } => Some(series_id),
            _ => None,
        }
    }

    /// The single session a mutation names, if any.
    pub fn session_id(&self) -> Option<&str> {
        match self {
            Mutation::CreateSession { session_id, .. }
            | Mutation::UpdateSession { session_id, .. }
            | Mutation::CancelSession { session_id, .. }
            | Mutation::RestoreSession { session_id, .. } => Some(session_id),
            _ => None,
        }
    }

    /// The ten [`NewStep`]s of a new workshop, with fresh `wst_` ids and no outputs.
    pub fn new_steps() -> Vec<NewStep> {
        crate::STEPS
            .iter()
            .map(|def| NewStep {
                id: crate::ids::new_id(crate::ids::IdKind::WorkshopStep),
                step_id: def.id.to_string(),
                output: None,
                summary: None,
            })
            .collect()
    }
}

/// A field that may be absent (`None`) or present, `null` included (`Some(Value::Null)`):
/// serde reads a present `null` as `None` for an `Option`, which would take a base of
/// "no output yet" for no base at all.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// A client's time for a user's action, kept unless it is out of bounds: later than `now`
/// plus [`MAX_CLOCK_SKEW`], or before 2000-01-01, gives `now`. The flag says it was clamped.
/// Client times are shown to people; they never order or decide anything.
pub fn clamp_time(at: DateTime<Utc>, now: DateTime<Utc>) -> (DateTime<Utc>, bool) {
    let earliest = Utc
        .with_ymd_and_hms(2000, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(now);
    if at > now + MAX_CLOCK_SKEW || at < earliest {
        (now, true)
    } else {
        (at, false)
    }
}
