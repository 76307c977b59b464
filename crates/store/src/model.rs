//! What the store returns. Serialized in camelCase; timestamps as RFC 3339 UTC.

use chrono::{DateTime, Utc};
use serde::Serialize;
use wp_domain::{NoteRecord, StepRecord, StepStatus, WorkshopRecord};

/// A workshop row: the domain's record, and this database's revision of it. Serialized flat
/// (`{id, title, ..., rev}`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Workshop {
    #[serde(flatten)]
    pub record: WorkshopRecord,
    /// Local revision, bumped by every change to this row.
    pub rev: i64,
}

/// A workshop in a list, with its progress.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkshopSummary {
    #[serde(flatten)]
    pub workshop: Workshop,
    /// Steps complete, 0 to 10.
    pub steps_complete: u8,
    /// Name of the first step not complete, `None` when all ten are, or while a sync has
    /// brought the workshop but not yet its steps (`steps_complete` is then below 10).
    pub current_step: Option<String>,
    /// The latest change to the workshop or any of its steps.
    pub last_activity_at: DateTime<Utc>,
    /// When its next scheduled session starts (the first not cancelled, ended or live
    /// whose start is not past, on the store's clock); `None` when none is.
    pub next_session_at: Option<DateTime<Utc>>,
    /// That session's series' IANA zone, for showing it as the series does; `None` for a
    /// one-off session (shown in the user's zone) or when there is no next session.
    pub next_session_zone: Option<String>,
}

/// One of a workshop's ten steps: the domain's record, its definition's name and text, and
/// this database's revision of it. Serialized flat (`{id, stepId, ..., order, name, rev}`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkshopStep {
    #[serde(flatten)]
    pub record: StepRecord,
    /// 1 to 10. This, `name`, `description` and `confirm_label` come from the step's definition
    /// (`wp_domain::STEPS`).
    pub order: u8,
    pub name: String,
    pub description: String,
    pub confirm_label: Option<String>,
    /// Local revision, bumped by every change to this row.
    pub rev: i64,
}

/// A workshop with its ten steps in order.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkshopDetail {
    pub workshop: Workshop,
    pub steps: Vec<WorkshopStep>,
    /// The local user's role on it: owner, or editor or viewer of a shared workshop.
    pub your_role: wp_domain::Role,
    /// What the local user may do with it ([`wp_domain::mutation::Can::of`] their role);
    /// nothing but reading in the trash.
    pub can: wp_domain::mutation::Can,
    /// The steps the completion gate still waits for, by step id in step order
    /// ([`wp_domain::progress::missing_steps`]); empty when it may be completed.
    pub missing_steps: Vec<String>,
}

impl WorkshopDetail {
    /// Steps complete, 0 to 10.
    pub fn steps_complete(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.record.status == StepStatus::Complete)
            .count()
    }

    /// The step with this id; `None` for an unknown id.
    pub fn step(&self, step_id: &str) -> Option<&WorkshopStep> {
        self.steps.iter().find(|s| s.record.step_id == step_id)
    }
}

/// A private facilitator note on a workshop (`step_id` `None`) or on one of its steps: the
/// domain's record, and this database's revision of it. Serialized flat
/// (`{id, workshopId, stepId, content, ..., rev}`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    #[serde(flatten)]
    pub record: NoteRecord,
    /// Local revision, bumped by every change to this row.
    pub rev: i64,
}

/// Which workshops a list shows.
#[derive(Debug, Clone, Default)]
pub struct WorkshopFilter {
    /// Show the trash (soft-deleted workshops) instead of the live ones.
    pub trash: bool,
    /// Keep only titles containing this text, case-insensitively.
    pub search: Option<String>,
}

/// A stored build-pack document (one row per workshop, kind and format).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildPackRow {
    /// `bp_...`
    pub id: String,
    pub workshop_id: String,
    /// `pack`, `prd`, `validation-plan` or `workshop-summary`.
    pub kind: String,
    /// `markdown`, `html` or `json`.
    pub format: String,
    pub title: String,
    pub content: String,
    pub updated_at: DateTime<Utc>,
}

/// A mutation waiting to be pushed by sync, in the order it was made.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    /// The per-database mutation id: 1, 2, 3... with no gaps.
    pub mutation_id: i64,
    pub mutation: wp_domain::Mutation,
    pub workshop_id: String,
    /// The server revision of the row the change was made against; `None` before it synced.
    pub base_rev: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// The mutation's own id (`mut_…`), kept across client id renewals; `None` only for a
    /// row a migration could not give one (none: `0013_mutation_uid.sql` gives every row one).
    pub uid: Option<String>,
    /// On a value offered again after a server restore: the row version it stands for
    /// (docs/sync.md, "Lost versions"); the server applies it only if it lost that version.
    pub lost: Option<wp_domain::protocol::LostVersion>,
}
