//! One row type per table, as the checked queries of [`select`] read it: the REST routes
//! serialize them (camelCase JSON, `reference/server-api.md`'s shapes), and [`apply`] and
//! the pull turn them into the domain's records with `record()`. A stored value the domain
//! does not know (a status, a role) is an internal error, never guessed.
//!
//! [`apply`]: crate::apply

pub mod select;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;
use sqlx::types::Json;
use wp_domain::series::RuleForm;
use wp_domain::{
    ChangedBy, ConflictRecord, MemberRecord, NoteRecord, Role, SeriesRecord, SessionRecord,
    SessionStatus, StepRecord, StepStatus, Visibility, WorkshopRecord, WorkshopStatus,
};

use crate::ApiError;

fn bad(what: &str, value: &str) -> ApiError {
    ApiError::internal(format!("stored {what} \"{value}\" is not valid"))
}

/// A count the domain holds unsigned (minutes, a capacity) from its `integer` column.
fn count(value: i32, what: &str) -> Result<u32, ApiError> {
    u32::try_from(value)
        .map_err(|_| ApiError::internal(format!("stored {what} {value} is negative")))
}

/// A `workshops` row. REST leaves `deleted_at` out: a trashed workshop is not found there.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkshopRow {
    pub id: String,
    pub owner_id: String,
    pub title: String,
    pub original_idea: String,
    pub status: String,
    pub visibility: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(skip)]
    pub deleted_at: Option<DateTime<Utc>>,
    pub rev: i64,
    /// The version of the row's last write (`wp_domain::protocol::RowRev::version`).
    #[serde(skip)]
    pub version: Option<String>,
}

impl WorkshopRow {
    /// The domain's record; an unknown status or visibility is an internal error.
    pub fn record(self) -> Result<WorkshopRecord, ApiError> {
        Ok(WorkshopRecord {
            status: WorkshopStatus::parse(&self.status)
                .ok_or_else(|| bad("status", &self.status))?,
            visibility: Visibility::parse(&self.visibility)
                .ok_or_else(|| bad("visibility", &self.visibility))?,
            id: self.id,
            owner_id: self.owner_id,
            title: self.title,
            original_idea: self.original_idea,
            created_at: self.created_at,
            updated_at: self.updated_at,
            deleted_at: self.deleted_at,
        })
    }
}

/// A `workshop_steps` row with its definition's position (`order`, 1 to 10) and name.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepRow {
    pub id: String,
    #[serde(skip)]
    pub workshop_id: String,
    pub step_id: String,
    pub order: i32,
    pub name: String,
    pub status: String,
    /// The output as PostgreSQL returns it, copied into a REST response as JSON text:
    /// parsing it into a tree only to write it out again was most of a GET's own CPU
    /// (BENCHMARKS.md, "Server").
    pub output: Option<Json<Box<RawValue>>>,
    pub summary: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub rev: i64,
    /// The version of the row's last write (`wp_domain::protocol::RowRev::version`).
    #[serde(skip)]
    pub version: Option<String>,
}

impl StepRow {
    /// The domain's record, its output parsed.
    pub fn record(self) -> Result<StepRecord, ApiError> {
        let output = match self.output {
            Some(Json(raw)) => {
                Some(serde_json::from_str::<Value>(raw.get()).map_err(ApiError::internal)?)
            }
            None => None,
        };
        Ok(StepRecord {
            status: StepStatus::parse(&self.status).ok_or_else(|| bad("status", &self.status))?,
            id: self.id,
            workshop_id: self.workshop_id,
            step_id: self.step_id,
            output,
            summary: self.summary,
            started_at: self.started_at,
            completed_at: self.completed_at,
            updated_at: self.updated_at,
        })
    }
}

/// A `notes` row: one user's note on a workshop (`step_id` NULL) or on one of its steps.
#[derive(Debug)]
pub struct NoteRow {
    pub id: String,
    pub workshop_id: String,
    pub step_id: Option<String>,
    pub content: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub rev: i64,
    /// The version of the row's last write (`wp_domain::protocol::RowRev::version`).
    pub version: Option<String>,
}

impl NoteRow {
    pub fn record(self) -> NoteRecord {
        NoteRecord {
            id: self.id,
            workshop_id: self.workshop_id,
            step_id: self.step_id,
            content: self.content,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// A `workshop_members` row with the member's name (`users.name`), so that pulled
/// memberships name people.
#[derive(Debug)]
pub struct MemberRow {
    pub id: String,
    pub workshop_id: String,
    pub user_id: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub rev: i64,
    /// The version of the row's last write (`wp_domain::protocol::RowRev::version`).
    pub version: Option<String>,
    pub user_name: Option<String>,
}

impl MemberRow {
    pub fn record(self) -> Result<MemberRecord, ApiError> {
        Ok(MemberRecord {
            role: Role::parse(&self.role).ok_or_else(|| bad("role", &self.role))?,
            id: self.id,
            workshop_id: self.workshop_id,
            user_id: self.user_id,
            created_at: self.created_at,
            user_name: self.user_name,
            removed: false,
        })
    }
}

/// A `conflicts` row: a later author's change that lost, kept for them to resolve.
#[derive(Debug)]
pub struct ConflictRow {
    pub id: String,
    pub workshop_id: String,
    pub user_id: String,
    pub kind: String,
    pub entity_id: String,
    pub step_id: Option<String>,
    pub field: Option<String>,
    pub base: Value,
    pub theirs: Value,
    pub mine: Value,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub rev: i64,
    /// Who made the live value (`0011_conflict_authors.sql`), their name now, their device.
    pub theirs_by: Option<String>,
    pub theirs_name: Option<String>,
    pub theirs_device: Option<String>,
    pub theirs_at: Option<DateTime<Utc>>,
}

impl ConflictRow {
    pub fn record(self) -> Result<ConflictRecord, ApiError> {
        Ok(ConflictRecord {
            kind: serde_json::from_value(Value::String(self.kind.clone()))
                .map_err(|_| bad("conflict kind", &self.kind))?,
            id: self.id,
            workshop_id: self.workshop_id,
            user_id: self.user_id,
            entity_id: self.entity_id,
            step_id: self.step_id,
            field: self.field,
            base: self.base,
            theirs: self.theirs,
            mine: self.mine,
            created_at: self.created_at,
            resolved_at: self.resolved_at,
            theirs_by: self.theirs_at.map(|at| ChangedBy {
                user_id: self.theirs_by,
                name: self.theirs_name,
                device: self.theirs_device,
                at,
            }),
        })
    }
}

/// A `sessions` row: one scheduled session, alone or an occurrence of a series.
#[derive(Debug)]
pub struct SessionRow {
    pub id: String,
    pub workshop_id: String,
    pub series_id: Option<String>,
    pub local_date: Option<NaiveDate>,
    pub title: String,
    pub description: String,
    pub scheduled_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub status: String,
    pub is_private: bool,
    pub max_capacity: Option<i32>,
    pub attendee_count: i32,
    pub actual_started_at: Option<DateTime<Utc>>,
    pub actual_ended_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub rev: i64,
    /// The version of the row's last write (`wp_domain::protocol::RowRev::version`).
    pub version: Option<String>,
}

impl SessionRow {
    pub fn record(self) -> Result<SessionRecord, ApiError> {
        Ok(SessionRecord {
            status: SessionStatus::parse(&self.status)
                .ok_or_else(|| bad("status", &self.status))?,
            duration_minutes: count(self.duration_minutes, "duration")?,
            max_capacity: self
                .max_capacity
                .map(|c| count(c, "capacity"))
                .transpose()?,
            attendee_count: count(self.attendee_count, "attendee count")?,
            id: self.id,
            workshop_id: self.workshop_id,
            series_id: self.series_id,
            local_date: self.local_date,
            title: self.title,
            description: self.description,
            scheduled_at: self.scheduled_at,
            is_private: self.is_private,
            actual_started_at: self.actual_started_at,
            actual_ended_at: self.actual_ended_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A `series` row: a recurring rule (its form and its RRULE text) in a time zone.
#[derive(Debug)]
pub struct SeriesRow {
    pub id: String,
    pub workshop_id: String,
    pub title: String,
    pub description: String,
    pub rule: Json<RuleForm>,
    pub rrule: String,
    pub start_date: NaiveDate,
    pub time_of_day: NaiveTime,
    pub timezone: String,
    pub duration_minutes: i32,
    pub is_active: bool,
    pub is_private: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub rev: i64,
    /// The version of the row's last write (`wp_domain::protocol::RowRev::version`).
    pub version: Option<String>,
}

impl SeriesRow {
    pub fn record(self) -> Result<SeriesRecord, ApiError> {
        Ok(SeriesRecord {
            duration_minutes: count(self.duration_minutes, "duration")?,
            id: self.id,
            workshop_id: self.workshop_id,
            title: self.title,
            description: self.description,
            rule: self.rule.0,
            rrule: self.rrule,
            start_date: self.start_date,
            time_of_day: self.time_of_day,
            timezone: self.timezone,
            is_active: self.is_active,
            is_private: self.is_private,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}
