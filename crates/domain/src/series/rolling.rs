//! The rolling horizon (`reference/series.md`): a series has its occurrences for the next
//! 90 days; when its latest one is less than 30 days away, the next 90 days are made, from
//! the later of that occurrence and now. Pure: the job (server) and the app (offline) call
//! [`due`] with their "now" and create what it returns if absent. An occurrence's id comes
//! from its key (series, local date), so every caller makes the same row.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use super::Schedule;
use crate::DomainError;

/// How far ahead occurrences exist: 90 days.
pub const HORIZON_DAYS: i64 = 90;
/// The job makes more when the latest occurrence is less than this far away: 30 days.
pub const REFILL_DAYS: i64 = 30;
/// A new series' first occurrence is at least this far from now: 15 minutes (a new session
/// too).
pub const MIN_LEAD_MINUTES: i64 = 15;

/// The namespace of occurrence ids (UUIDv5 of "{series id}/{local date}").
const OCCURRENCE_NAMESPACE: Uuid = Uuid::from_u128(0x5e55_1011_7a3f_4c1e_9b0d_6f2a_80c4_d215);

/// An occurrence to create: its id, local date and instant, and the series' privacy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// `ses_` + the UUIDv5 of (series id, local date).
    pub id: String,
    pub local_date: NaiveDate,
    pub at: DateTime<Utc>,
    /// The series' own: rolled occurrences keep it.
    pub is_private: bool,
}

/// The id of a series' occurrence on a local date: the same wherever it is computed.
pub fn occurrence_id(series_id: &str, local_date: NaiveDate) -> String {
    let key = format!("{series_id}/{local_date}");
    format!(
        "ses_{}",
        Uuid::new_v5(&OCCURRENCE_NAMESPACE, key.as_bytes()).hyphenated()
    )
}

/// Checks a new series: its first occurrence must be at least [`MIN_LEAD_MINUTES`] from
/// `now` (errors name `startDate`).
pub fn check_new(schedule: &Schedule, now: DateTime<Utc>) -> Result<(), DomainError> {
    let first = schedule.all(1)?.into_iter().next();
    match first {
        Some(o) if o.at >= now + Duration::minutes(MIN_LEAD_MINUTES) => Ok(()),
        Some(_) => Err(DomainError::argument(
            "startDate",
            "the first session must start at least 15 minutes from now",
        )),
        None => Err(DomainError::argument(
            "startDate",
            "this rule has no session on or after the start date",
        )),
    }
}

/// The local date from which a series is not due at `now`: one whose latest occurrence (by
/// local date, as `rollSeries` reads it) is on or after this date has nothing [`due`]; one
/// before it may have, and `rollSeries` decides exactly (a series with nothing due changes
/// nothing). [`REFILL_DAYS`] plus 2 days, since a local date lies within a day of its UTC
/// instant either way. The server's job and the app both pick series to roll by it, in SQL,
/// so neither skips a series the other would roll (a session moved later changes no local
/// date).
pub fn not_due_from(now: DateTime<Utc>) -> NaiveDate {
    (now + Duration::days(REFILL_DAYS + 2)).date_naive()
}

/// What to create for a series at `now`, given its latest occurrence (`None` before the
/// first run): nothing while that is [`REFILL_DAYS`] or more away; else the occurrences
/// after it (or from now, if later) for [`HORIZON_DAYS`]. Never one in the past: those still
/// count toward COUNT (the expansion always starts at the series' start).
pub fn due(
    schedule: &Schedule,
    series_id: &str,
    is_private: bool,
    latest: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Vec<Planned>, DomainError> {
    let from = match latest {
        Some(latest) if latest - now >= Duration::days(REFILL_DAYS) => return Ok(Vec::new()),
        Some(latest) => (latest + Duration::seconds(1)).max(now),
        None => now,
    };
    let to = from + Duration::days(HORIZON_DAYS);
    Ok(schedule
        .between(from, to, u16::MAX)?
        .into_iter()
        .map(|o| Planned {
            id: occurrence_id(series_id, o.local_date),
            local_date: o.local_date,
            at: o.at,
            is_private,
        })
        .collect())
}
