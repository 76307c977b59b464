//! Calendar files (RFC 5545 `.ics`) for a workshop's sessions and recurring series, so the
//! schedule reaches the calendar apps people already use (issue 10, "Calendar files").
//!
//! - A series is one VEVENT with its stored `RRULE`, a `DURATION` (not DTEND), a stable
//!   `UID`, `DTSTART;TZID=<zone>` at its first occurrence, an `EXDATE;TZID=<zone>` for each
//!   occurrence that does not happen, and one override VEVENT (`RECURRENCE-ID`) for each
//!   edited occurrence, with a VTIMEZONE for the zone computed from chrono-tz.
//! - A single session is one plain VEVENT with DTSTART in UTC.
//!
//! The VEVENTs are written with the `icalendar` crate (TEXT escaping, folding at 75 octets,
//! CRLF); the VTIMEZONE, which that crate cannot write, by [`vtimezone`]. No I/O and no
//! clock: "now" (the `DTSTAMP`) is an argument. Writing the file (atomically, through the
//! save dialog) is the caller's.

mod event;
mod vtimezone;

use chrono::{DateTime, Duration, Utc};
use icalendar::{Calendar, Event, Property};
use wp_domain::mutation::schedule_of;
use wp_domain::{DomainError, SeriesRecord, SessionRecord};

/// The `PRODID` of every file (RFC 5545 §3.7.3).
pub const PRODID: &str = "-//WorkshopPilot//WorkshopPilot Desktop//EN";

/// Why a calendar file could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    /// The series' stored rule, dates or zone do not make a schedule (for example a zone
    /// this build's tzdata does not know); the domain error names the field.
    #[error("the series' schedule is not valid: {0}")]
    Schedule(#[from] DomainError),
    /// The stored `rrule` text is not the one the series' rule form builds: the file would
    /// say one rule while its EXDATEs and VTIMEZONE follow another.
    #[error("the series' stored rule \"{stored}\" is not the one its form builds (\"{built}\")")]
    RuleMismatch { stored: String, built: String },
    /// The rule has no occurrence at all (for example an UNTIL before its first match), so
    /// there is no DTSTART to write.
    #[error("series \"{series_id}\" has no occurrence to export")]
    NoOccurrence { series_id: String },
    /// Formatting the calendar failed (not expected: the output is a `String`).
    #[error("could not write the calendar: {0}")]
    Write(#[from] std::fmt::Error),
}

/// One VCALENDAR (UTF-8 text, CRLF line ends, lines folded at 75 octets) with one VEVENT
/// for the series, one override VEVENT for each edited occurrence, and a VTIMEZONE.
///
/// - `UID` is `{series.id}@workshoppilot`, the same on every export and on the overrides.
/// - `DTSTART;TZID=<series.timezone>` is the rule's first occurrence at `time_of_day`:
///   `start_date` when the rule matches it, else the rule's first match (RFC 5545 counts
///   DTSTART as an occurrence; the app's expansion does not count a non-matching start).
/// - `RRULE` is `series.rrule` as stored (checked against the rule form: see
///   [`CalendarError::RuleMismatch`]); `DURATION` is `duration_minutes`; `SUMMARY` the title;
///   `DESCRIPTION` the description, when not empty; `DTSTAMP` is `now`;
///   `STATUS:CANCELLED` when the series is no longer active.
/// - `EXDATE;TZID=<zone>:<local date at time_of_day>` for each occurrence of the rule whose
///   row (`sessions` with `series_id == series.id`, keyed by `local_date`) is cancelled,
///   and for each occurrence with no row that is before `now` or not after the latest row's
///   date: the rolling job never creates an instant it finds past (it still counts toward
///   COUNT), so such an occurrence never happens.
/// - An occurrence whose row differs from the series in `scheduled_at` (against the rule's
///   instant, [`wp_domain::series::resolve`]), `duration_minutes`, title or description is
///   an override VEVENT: `RECURRENCE-ID;TZID=<zone>:<its local date at time_of_day>`,
///   `DTSTART` at the row's `scheduled_at` in UTC, and the row's duration, title and
///   description.
/// - The VTIMEZONE holds the zone's offsets (from chrono-tz's tzdata) from the observance in
///   effect at DTSTART through the last occurrence (UNTIL, or the COUNTth), or, for a series
///   without end, through two years past the latest of DTSTART, `now` and the latest row.
///
/// Rows of other series, rows without a local date and rows on dates the rule does not
/// give are ignored. Errors: [`CalendarError::Schedule`] when the stored rule or zone is not
/// valid, [`CalendarError::RuleMismatch`], [`CalendarError::NoOccurrence`].
pub fn series_calendar(
    series: &SeriesRecord,
    sessions: &[SessionRecord],
    now: DateTime<Utc>,
) -> Result<String, CalendarError> {
    let schedule = schedule_of(series)?;
    let built = schedule.rrule_text();
    if built != series.rrule {
        return Err(CalendarError::RuleMismatch {
            stored: series.rrule.clone(),
            built,
        });
    }
    let first = schedule
        .all(1)?
        .into_iter()
        .next()
        .ok_or_else(|| CalendarError::NoOccurrence {
            series_id: series.id.clone(),
        })?;
    let plan = event::plan(series, &schedule, first, sessions, now)?;
    let tzid = schedule.zone.name();
    let zone = vtimezone::vtimezone(
        schedule.zone,
        tzid,
        plan.first.at - Duration::days(1),
        plan.last + Duration::days(1),
    );
    let events = event::series_events(series, tzid, &plan, now);
    calendar(events, Some(&zone))
}

/// One VCALENDAR with one plain VEVENT for a session: `UID` `{session.id}@workshoppilot`,
/// `DTSTART` at `scheduled_at` in UTC (so no VTIMEZONE is needed), `DURATION` of
/// `duration_minutes`, `SUMMARY` the title, `DESCRIPTION` the description when not empty,
/// `DTSTAMP` `now`, and `STATUS:CANCELLED` when the session is cancelled. An occurrence of
/// a series exported alone is such a plain event too. Errors only if formatting fails.
pub fn session_calendar(
    session: &SessionRecord,
    now: DateTime<Utc>,
) -> Result<String, CalendarError> {
    calendar(vec![event::session_event(session, now)], None)
}

/// A file name for a calendar file made from a title: letters and digits kept (any
/// script), every run of other characters one `-`, at most 64 characters before `.ics`,
/// e.g. "Weekly sprint" → `Weekly-sprint.ics`; `calendar.ics` when nothing is left. Names
/// Windows reserves (`CON`, `NUL`, `COM1`, ...) get `-calendar` appended.
pub fn file_name(title: &str) -> String {
    let mut stem = String::new();
    for c in title.chars() {
        if c.is_alphanumeric() {
            stem.push(c);
        } else if !stem.is_empty() && !stem.ends_with('-') {
            stem.push('-');
        }
    }
    let mut stem: String = stem.chars().take(64).collect();
    while stem.ends_with('-') {
        stem.pop();
    }
    if stem.is_empty() {
        stem.push_str("calendar");
    }
    let upper = stem.to_uppercase();
    let reserved = matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (upper.len() == 4
            && (upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.as_bytes()[3].is_ascii_digit());
    if reserved {
        stem.push_str("-calendar");
    }
    format!("{stem}.ics")
}

/// The VCALENDAR text: the crate writes the calendar and its events; the VTIMEZONE block is
/// placed before the first VEVENT, where readers that read in one pass expect it.
fn calendar(events: Vec<Event>, vtimezone: Option<&str>) -> Result<String, CalendarError> {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", PRODID))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"));
    for event in events {
        calendar.push(event);
    }
    let mut text = String::new();
    std::fmt::write(&mut text, format_args!("{calendar}"))?;
    if let Some(block) = vtimezone {
        // Every TEXT value is escaped (no raw line break), so the first line that is
        // exactly BEGIN:VEVENT is the first event.
        let at = text
            .find("\r\nBEGIN:VEVENT\r\n")
            .map_or(text.len(), |i| i + 2);
        text.insert_str(at, block);
    }
    Ok(text)
}
