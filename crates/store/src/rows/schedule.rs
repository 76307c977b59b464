//! Session and series rows: their columns, readers and writes (`reference/series.md`).

use rusqlite::{Connection, OptionalExtension, Row};
use wp_domain::{SeriesRecord, SessionRecord, SessionStatus};

use crate::Result;

/// A session row's columns, in the order [`session_from_row`] reads them.
pub(crate) const SESSION_COLUMNS: &str = "id, workshop_id, series_id, local_date, title, description, scheduled_at, duration_minutes, status, is_private, max_capacity, attendee_count, actual_started_at, actual_ended_at, created_at, updated_at";

/// A series row's columns, in the order [`series_from_row`] reads them.
pub(crate) const SERIES_COLUMNS: &str = "id, workshop_id, title, description, rule, rrule, start_date, time_of_day, timezone, duration_minutes, is_active, is_private, created_at, updated_at";

fn bad(column: usize, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
}

/// A session record from a row of [`SESSION_COLUMNS`].
pub(crate) fn session_from_row(r: &Row<'_>) -> rusqlite::Result<SessionRecord> {
    let status: String = r.get(8)?;
    Ok(SessionRecord {
        id: r.get(0)?,
        workshop_id: r.get(1)?,
        series_id: r.get(2)?,
        local_date: r.get(3)?,
        title: r.get(4)?,
        description: r.get(5)?,
        scheduled_at: r.get(6)?,
        duration_minutes: r.get(7)?,
        status: SessionStatus::parse(&status).ok_or_else(|| {
            bad(
                8,
                std::io::Error::other(format!("unexpected status \"{status}\"")),
            )
        })?,
        is_private: r.get(9)?,
        max_capacity: r.get(10)?,
        attendee_count: r.get(11)?,
        actual_started_at: r.get(12)?,
        actual_ended_at: r.get(13)?,
        created_at: r.get(14)?,
        updated_at: r.get(15)?,
    })
}

/// A series record from a row of [`SERIES_COLUMNS`].
pub(crate) fn series_from_row(r: &Row<'_>) -> rusqlite::Result<SeriesRecord> {
    let rule: String = r.get(4)?;
    Ok(SeriesRecord {
        id: r.get(0)?,
        workshop_id: r.get(1)?,
        title: r.get(2)?,
        description: r.get(3)?,
        rule: serde_json::from_str(&rule).map_err(|e| bad(4, e))?,
        rrule: r.get(5)?,
        start_date: r.get(6)?,
        time_of_day: r.get(7)?,
        timezone: r.get(8)?,
        duration_minutes: r.get(9)?,
        is_active: r.get(10)?,
        is_private: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
    })
}

/// One session by id.
pub(crate) fn session_record(conn: &Connection, id: &str) -> Result<Option<SessionRecord>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1"
        ))?
        .query_row([id], session_from_row)
        .optional()?)
}

/// One series by id.
pub(crate) fn series_record(conn: &Connection, id: &str) -> Result<Option<SeriesRecord>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {SERIES_COLUMNS} FROM series WHERE id = ?1"
        ))?
        .query_row([id], series_from_row)
        .optional()?)
}

/// A series' occurrences, cancelled ones included, by local date.
pub(crate) fn occurrences(conn: &Connection, series_id: &str) -> Result<Vec<SessionRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SESSION_COLUMNS} FROM sessions WHERE series_id = ?1 ORDER BY local_date"
    ))?;
    let rows = stmt.query_map([series_id], session_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Writes a session whole (insert, or replace the row with its id), `rev + 1`.
pub(crate) fn write_session(conn: &Connection, s: &SessionRecord) -> rusqlite::Result<i64> {
    conn.prepare_cached(&format!(
        "INSERT INTO sessions ({SESSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, description = excluded.description,
           scheduled_at = excluded.scheduled_at, duration_minutes = excluded.duration_minutes,
           status = excluded.status, is_private = excluded.is_private, max_capacity = excluded.max_capacity,
           attendee_count = excluded.attendee_count, actual_started_at = excluded.actual_started_at,
           actual_ended_at = excluded.actual_ended_at, updated_at = excluded.updated_at, rev = rev + 1
         RETURNING rev"
    ))?
    .query_row(
        rusqlite::params![
            &s.id,
            &s.workshop_id,
            &s.series_id,
            &s.local_date,
            &s.title,
            &s.description,
            s.scheduled_at,
            s.duration_minutes,
            s.status.as_str(),
            s.is_private,
            s.max_capacity,
            s.attendee_count,
            s.actual_started_at,
            s.actual_ended_at,
            s.created_at,
            s.updated_at,
        ],
        |r| r.get(0),
    )
}

/// Writes a series whole, `rev + 1`.
pub(crate) fn write_series(conn: &Connection, s: &SeriesRecord) -> rusqlite::Result<i64> {
    let rule = serde_json::to_string(&s.rule).map_err(|e| bad(4, e))?;
    conn.prepare_cached(&format!(
        "INSERT INTO series ({SERIES_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, description = excluded.description,
           rule = excluded.rule, rrule = excluded.rrule, start_date = excluded.start_date,
           time_of_day = excluded.time_of_day, timezone = excluded.timezone,
           duration_minutes = excluded.duration_minutes, is_active = excluded.is_active,
           is_private = excluded.is_private, updated_at = excluded.updated_at, rev = rev + 1
         RETURNING rev"
    ))?
    .query_row(
        rusqlite::params![
            &s.id,
            &s.workshop_id,
            &s.title,
            &s.description,
            rule,
            &s.rrule,
            s.start_date,
            s.time_of_day,
            &s.timezone,
            s.duration_minutes,
            s.is_active,
            s.is_private,
            s.created_at,
            s.updated_at,
        ],
        |r| r.get(0),
    )
}
