//! The rows a mutation reads and writes, as plain values: what the local store keeps in
//! SQLite and the server in PostgreSQL. No storage details (revisions, positions) here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use chrono::{NaiveDate, NaiveTime};

use crate::series::RuleForm;
use crate::{SessionStatus, StepStatus, Visibility, WorkshopStatus};

/// A workshop row.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkshopRecord {
    /// `ws_...`, made by the client that created it.
    pub id: String,
    pub owner_id: String,
    /// 1 to 100 characters, trimmed.
    pub title: String,
    pub original_idea: String,
    pub status: WorkshopStatus,
    pub visibility: Visibility,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set while the workshop is in the trash.
    pub deleted_at: Option<DateTime<Utc>>,
}

/// One of a workshop's ten step rows.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepRecord {
    /// `wst_...`, made by the client that created the workshop.
    pub id: String,
    pub workshop_id: String,
    /// The step definition's id, e.g. `persona`.
    pub step_id: String,
    pub status: StepStatus,
    /// The step output as saved (unknown fields included), `None` before the first save.
    pub output: Option<Value>,
    /// Short plain-text summary written when the step was confirmed.
    pub summary: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// A private note on a workshop (`step_id` `None`) or one of its steps. Its natural key is
/// (workshop, author, step): a database holds one author, the server many.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoteRecord {
    /// `note_...`; where two devices made the same note offline, the first id the server
    /// kept is the id everywhere.
    pub id: String,
    pub workshop_id: String,
    pub step_id: Option<String>,
    /// At most 50,000 characters.
    pub content: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A user's access to a workshop shared with them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberRecord {
    /// `wm_...`
    pub id: String,
    pub workshop_id: String,
    pub user_id: String,
    pub role: crate::Role,
    pub created_at: DateTime<Utc>,
    /// The member's display name as the server knows it (`users.name`, 1 to 100
    /// characters): in pulled rows only, so that a member list can name people offline.
    /// `None` in rows a mutation makes; a writer keeps the name it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// Set only in what [`crate::Mutation::RemoveMember`] returns: the writer deletes the row
    /// instead of writing it. Never stored, never pulled (a removed member arrives as a
    /// tombstone).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
}

/// One scheduled live meeting of a workshop (`reference/server-api.md`, "Workshop"; the
/// original WorkshopPilot's facilitation start and end are `actual_started_at`/`_ended_at`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SessionRecord {
    /// `ses_` + nanoid for a single session; `ses_` + the UUIDv5 of (series, local date)
    /// for an occurrence ([`crate::series::rolling::occurrence_id`]).
    pub id: String,
    pub workshop_id: String,
    /// The series it is an occurrence of.
    pub series_id: Option<String>,
    /// An occurrence's local date in the series' zone: its key within the series.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub local_date: Option<NaiveDate>,
    /// 3 to 200 characters.
    pub title: String,
    /// At most 5,000 characters.
    pub description: String,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub scheduled_at: DateTime<Utc>,
    /// 15 to 480.
    pub duration_minutes: u32,
    pub status: SessionStatus,
    pub is_private: bool,
    /// 2 to 500 people, or none for no limit.
    pub max_capacity: Option<u32>,
    pub attendee_count: u32,
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub actual_started_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub actual_ended_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub created_at: DateTime<Utc>,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub updated_at: DateTime<Utc>,
}

/// A recurring series of a workshop's sessions (`reference/series.md`). Its occurrences are
/// [`SessionRecord`]s linked to it. DTSTART (`start_date` at `time_of_day` in `timezone`)
/// never changes; editing the rule splits the series instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SeriesRecord {
    /// `ser_...`; also the calendar UID.
    pub id: String,
    pub workshop_id: String,
    /// 3 to 200 characters; its occurrences' title.
    pub title: String,
    /// At most 5,000 characters.
    pub description: String,
    /// The simple form the rule is built from (normalized).
    pub rule: RuleForm,
    /// The RRULE value it builds, without the `RRULE:` prefix (at most 500 characters).
    pub rrule: String,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub start_date: NaiveDate,
    /// `HH:MM:SS`, local to `timezone`.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub time_of_day: NaiveTime,
    /// IANA zone name, e.g. `America/New_York`.
    pub timezone: String,
    /// 15 to 480.
    pub duration_minutes: u32,
    /// False once cancelled from its first occurrence: no more occurrences are made.
    pub is_active: bool,
    /// Its occurrences' privacy, rolled ones included.
    pub is_private: bool,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub created_at: DateTime<Utc>,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub updated_at: DateTime<Utc>,
}

impl StepRecord {
    /// The row's progress state, for the rules of [`crate::progress`].
    pub fn state(&self) -> crate::progress::StepState {
        crate::progress::StepState {
            step_id: self.step_id.clone(),
            status: self.status,
            started_at: self.started_at,
            completed_at: self.completed_at,
            has_output: self.output.is_some(),
        }
    }
}

/// What a conflict is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum ConflictKind {
    /// A note's text: both sides changed the same lines.
    Note,
    /// One field of a step output: both sides set it to different values.
    OutputField,
    /// A workshop's title.
    Title,
}

/// Two changes to the same thing that could not both win: the first to reach the server
/// did (`theirs`, the live value), the later author's (`mine`) is kept here until they
/// resolve it. A server row, synced to all of its author's clients and to no one else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ConflictRecord {
    /// `cf_...`, made by the server.
    pub id: String,
    pub workshop_id: String,
    /// The later author, who sees and resolves it.
    pub user_id: String,
    pub kind: ConflictKind,
    /// The note, step row or workshop id.
    pub entity_id: String,
    /// The step definition's id, for a note on a step or a step output's field.
    pub step_id: Option<String>,
    /// The output field's name, for [`ConflictKind::OutputField`].
    pub field: Option<String>,
    /// The value both sides started from, theirs (live on the server), and mine.
    pub base: Value,
    pub theirs: Value,
    pub mine: Value,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Who made the live value (`theirs`) and when, as the server recorded it when it made
    /// the conflict (`crates/server/migrations/0011_conflict_authors.sql`). Absent where the
    /// server did not know (a value written before it recorded authors); the domain never
    /// sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub theirs_by: Option<ChangedBy>,
}

/// Who changed a value, from which device, and when (server time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ChangedBy {
    /// `usr_…`; absent when that user was deleted.
    pub user_id: Option<String>,
    /// Their name on the server.
    pub name: Option<String>,
    /// The device (host) name their sync client reported; absent for a change made through
    /// the REST API or by a client before devices were reported.
    pub device: Option<String>,
    pub at: DateTime<Utc>,
}

/// What a mutation reads: the workshop it names, its steps in order, and the caller's note
/// in the mutation's scope (only for [`crate::Mutation::SetNote`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    pub workshop: Option<WorkshopRecord>,
    pub steps: Vec<StepRecord>,
    pub note: Option<NoteRecord>,
    pub member: Option<MemberRecord>,
    /// For [`crate::Mutation::ResolveConflict`]: the conflict it resolves.
    pub conflict: Option<ConflictRecord>,
    /// For a series mutation: the series it names.
    pub series: Option<SeriesRecord>,
    /// For a session mutation, the session it names; for a series mutation, every
    /// occurrence of the series (cancelled ones included).
    pub sessions: Vec<SessionRecord>,
}

/// A row a mutation writes, whole: insert it, or replace the row with the same id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "entity", content = "row", rename_all = "camelCase")]
pub enum Change {
    Workshop(WorkshopRecord),
    Step(StepRecord),
    Note(NoteRecord),
    Member(MemberRecord),
    Conflict(ConflictRecord),
    Session(SessionRecord),
    Series(SeriesRecord),
}

impl Change {
    /// The workshop the row belongs to.
    pub fn workshop_id(&self) -> &str {
        match self {
            Change::Workshop(w) => &w.id,
            Change::Step(s) => &s.workshop_id,
            Change::Note(n) => &n.workshop_id,
            Change::Member(m) => &m.workshop_id,
            Change::Conflict(c) => &c.workshop_id,
            Change::Session(s) => &s.workshop_id,
            Change::Series(s) => &s.workshop_id,
        }
    }

    /// The row's entity name in the sync protocol (`workshop`, `step`, `note`, `member`,
    /// `conflict`, `session`, `series`) and its id.
    pub fn key(&self) -> (&'static str, &str) {
        match self {
            Change::Workshop(w) => ("workshop", &w.id),
            Change::Step(s) => ("step", &s.id),
            Change::Note(n) => ("note", &n.id),
            Change::Member(m) => ("member", &m.id),
            Change::Conflict(c) => ("conflict", &c.id),
            Change::Session(s) => ("session", &s.id),
            Change::Series(s) => ("series", &s.id),
        }
    }
}
