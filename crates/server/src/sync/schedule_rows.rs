//! Sessions and series on PostgreSQL: their rows as the domain sees them, what a scheduling
//! mutation reads (the session it names; a series with all its occurrences, locked), and
//! their writes. Part of the one write path of [`super::rows`].

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sqlx::PgConnection;
use wp_domain::{Mutation, Rows, SeriesRecord, SessionRecord, SessionStatus};

use crate::ApiError;

fn count(value: i32, what: &str) -> Result<u32, ApiError> {
    u32::try_from(value)
        .map_err(|_| ApiError::internal(format!("stored {what} {value} is negative")))
}

#[derive(sqlx::FromRow)]
pub(crate) struct SessionDb {
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
}

impl SessionDb {
    pub fn record(self) -> Result<SessionRecord, ApiError> {
        Ok(SessionRecord {
            status: SessionStatus::parse(&self.status).ok_or_else(|| {
                ApiError::internal(format!("stored status \"{}\" is not valid", self.status))
            })?,
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

#[derive(sqlx::FromRow)]
pub(crate) struct SeriesDb {
    pub id: String,
    pub workshop_id: String,
    pub title: String,
    pub description: String,
    pub rule: sqlx::types::Json<wp_domain::series::RuleForm>,
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
}

impl SeriesDb {
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

pub(crate) const SESSION_SELECT: &str = "SELECT id, workshop_id, series_id, local_date, title, description, scheduled_at, duration_minutes, status, is_private, max_capacity, attendee_count, actual_started_at, actual_ended_at, created_at, updated_at, rev FROM sessions";
pub(crate) const SERIES_SELECT: &str = "SELECT id, workshop_id, title, description, rule, rrule, start_date, time_of_day, timezone, duration_minutes, is_active, is_private, created_at, updated_at, rev FROM series";

/// Fills in what a scheduling mutation reads: the session it names, or the series (locked
/// `FOR UPDATE`, so two runs of the rolling job take turns) with all its occurrences.
pub(crate) async fn load(
    conn: &mut PgConnection,
    mutation: &Mutation,
    rows: &mut Rows,
) -> Result<(), ApiError> {
    let workshop_id = mutation.workshop_id();
    if let Some(session_id) = mutation.session_id() {
        let found: Option<SessionDb> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SESSION_SELECT} WHERE id = $1 FOR UPDATE"
        )))
        .bind(session_id)
        .fetch_optional(&mut *conn)
        .await?;
        rows.sessions = found
            .map(SessionDb::record)
            .transpose()?
            .into_iter()
            .collect();
    }
    if let Some(series_id) = mutation.series_id() {
        let found: Option<SeriesDb> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SERIES_SELECT} WHERE id = $1 FOR UPDATE"
        )))
        .bind(series_id)
        .fetch_optional(&mut *conn)
        .await?;
        rows.series = found
            .map(SeriesDb::record)
            .transpose()?
            .filter(|s| s.workshop_id == workshop_id);
        let sessions: Vec<SessionDb> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SESSION_SELECT} WHERE series_id = $1 ORDER BY local_date"
        )))
        .bind(series_id)
        .fetch_all(&mut *conn)
        .await?;
        rows.sessions = sessions
            .into_iter()
            .map(SessionDb::record)
            .collect::<Result<_, _>>()?;
    }
    Ok(())
}

/// Writes a session whole; `None` when its id is another workshop's.
pub(crate) async fn write_session(
    conn: &mut PgConnection,
    s: &SessionRecord,
) -> Result<Option<i64>, ApiError> {
    let int = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    Ok(sqlx::query_scalar(
        "INSERT INTO sessions (id, workshop_id, series_id, local_date, title, description, scheduled_at, duration_minutes,
           status, is_private, max_capacity, attendee_count, actual_started_at, actual_ended_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, description = excluded.description,
           scheduled_at = excluded.scheduled_at, duration_minutes = excluded.duration_minutes,
           status = excluded.status, is_private = excluded.is_private, max_capacity = excluded.max_capacity,
           attendee_count = excluded.attendee_count, actual_started_at = excluded.actual_started_at,
           actual_ended_at = excluded.actual_ended_at, updated_at = excluded.updated_at, rev = sessions.rev + 1
         WHERE sessions.workshop_id = excluded.workshop_id
         RETURNING rev",
    )
    .bind(&s.id)
    .bind(&s.workshop_id)
    .bind(&s.series_id)
    .bind(s.local_date)
    .bind(&s.title)
    .bind(&s.description)
    .bind(s.scheduled_at)
    .bind(int(s.duration_minutes))
    .bind(s.status.as_str())
    .bind(s.is_private)
    .bind(s.max_capacity.map(int))
    .bind(int(s.attendee_count))
    .bind(s.actual_started_at)
    .bind(s.actual_ended_at)
    .bind(s.created_at)
    .bind(s.updated_at)
    .fetch_optional(conn)
    .await?)
}

/// Writes a series whole; `None` when its id is another workshop's.
pub(crate) async fn write_series(
    conn: &mut PgConnection,
    s: &SeriesRecord,
) -> Result<Option<i64>, ApiError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO series (id, workshop_id, title, description, rule, rrule, start_date, time_of_day, timezone,
           duration_minutes, is_active, is_private, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, description = excluded.description,
           rule = excluded.rule, rrule = excluded.rrule, start_date = excluded.start_date,
           time_of_day = excluded.time_of_day, timezone = excluded.timezone,
           duration_minutes = excluded.duration_minutes, is_active = excluded.is_active,
           is_private = excluded.is_private, updated_at = excluded.updated_at, rev = series.rev + 1
         WHERE series.workshop_id = excluded.workshop_id
         RETURNING rev",
    )
    .bind(&s.id)
    .bind(&s.workshop_id)
    .bind(&s.title)
    .bind(&s.description)
    .bind(sqlx::types::Json(&s.rule))
    .bind(&s.rrule)
    .bind(s.start_date)
    .bind(s.time_of_day)
    .bind(&s.timezone)
    .bind(i32::try_from(s.duration_minutes).unwrap_or(i32::MAX))
    .bind(s.is_active)
    .bind(s.is_private)
    .bind(s.created_at)
    .bind(s.updated_at)
    .fetch_optional(conn)
    .await?)
}
