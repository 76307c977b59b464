//! The VEVENTs: a series' one recurring event, with its EXDATEs and its edited occurrences
//! as RECURRENCE-ID overrides, and a single session's plain event. Written with the
//! `icalendar` crate, which escapes TEXT values and folds lines.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use icalendar::{CalendarDateTime, Component, Event, EventLike, EventStatus};
use wp_domain::series::{resolve, Occurrence, Schedule};
use wp_domain::{SeriesRecord, SessionRecord, SessionStatus};

/// The calendar UID of a series or a session: its id at `workshoppilot`. Stable: the same
/// series exported twice replaces itself in a calendar app; a split series has a new id and
/// so a new UID.
pub(crate) fn uid(id: &str) -> String {
    format!("{id}@workshoppilot")
}

/// What a series' VEVENT says beyond its rule.
pub(crate) struct Plan<'a> {
    /// DTSTART: the rule's first occurrence (RFC 5545 counts DTSTART as one).
    pub first: Occurrence,
    /// Local dates of the occurrences that do not happen: cancelled, or never created.
    pub exdates: Vec<NaiveDate>,
    /// Edited occurrences: their rows, keyed by their local date.
    pub overrides: Vec<(NaiveDate, &'a SessionRecord)>,
    /// The latest instant a reader needs the zone for (the VTIMEZONE covers up to it).
    pub last: DateTime<Utc>,
}

/// Compares a series' occurrences with its rows: see [`crate::series_calendar`] for the rules.
pub(crate) fn plan<'a>(
    series: &SeriesRecord,
    schedule: &Schedule,
    first: Occurrence,
    sessions: &'a [SessionRecord],
    now: DateTime<Utc>,
) -> Result<Plan<'a>, wp_domain::DomainError> {
    let rows: BTreeMap<NaiveDate, &SessionRecord> = sessions
        .iter()
        .filter(|s| s.series_id.as_deref() == Some(series.id.as_str()))
        .filter_map(|s| s.local_date.map(|d| (d, s)))
        .collect();
    let latest_row = rows.keys().next_back().copied();
    let latest_row_at =
        latest_row.map(|d| resolve(schedule.zone, d.and_time(schedule.time_of_day)));
    let upto = latest_row_at.map_or(now, |at| at.max(now));

    let mut exdates = Vec::new();
    let mut overrides = Vec::new();
    for occurrence in schedule.between(first.at, upto, u16::MAX)? {
        let date = occurrence.local_date;
        match rows.get(&date) {
            Some(row) if row.status == SessionStatus::Cancelled => exdates.push(date),
            Some(row) if edited(series, row, occurrence.at) => overrides.push((date, *row)),
            Some(_) => {}
            // No row: the rolling job never creates an instant it finds past, and every
            // occurrence up to the latest row was rolled, so this one will never happen.
            None if latest_row.is_some_and(|l| date <= l) || occurrence.at < now => {
                exdates.push(date)
            }
            None => {}
        }
    }

    let last = match schedule.until_utc() {
        Some(until) => until,
        None => match schedule.rule.end {
            wp_domain::series::End::Count { .. } => {
                schedule.all(u16::MAX)?.last().map_or(first.at, |o| o.at)
            }
            // No end: two years past the latest of the start, now and the latest row.
            _ => upto.max(first.at) + Duration::days(731),
        },
    };
    Ok(Plan {
        first,
        exdates,
        overrides,
        last,
    })
}

/// An occurrence whose time, length, title or description is not the series'.
fn edited(series: &SeriesRecord, row: &SessionRecord, rule_at: DateTime<Utc>) -> bool {
    row.scheduled_at != rule_at
        || row.duration_minutes != series.duration_minutes
        || row.title != series.title
        || row.description != series.description
}

/// A local date and time in the series' zone, written `;TZID=<tzid>:YYYYMMDDTHHMMSS`.
fn zoned(local: NaiveDateTime, tzid: &str) -> CalendarDateTime {
    CalendarDateTime::WithTimezone {
        date_time: local,
        tzid: tzid.to_string(),
    }
}

/// RFC 5545 §3.3.6 `DURATION` of whole minutes: `PT1H30M`, `PT45M`, `PT2H`.
pub(crate) fn duration(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("PT{m}M"),
        (h, 0) => format!("PT{h}H"),
        (h, m) => format!("PT{h}H{m}M"),
    }
}

/// User text made fit for a TEXT value: line breaks as `\n` (the crate escapes them), and
/// no other control characters (RFC 5545 §3.3.11 allows only HTAB among them).
pub(crate) fn clean_text(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| *c == '\n' || *c == '\t' || !c.is_control())
        .collect()
}

/// The fields every VEVENT here has: UID, DTSTAMP, SUMMARY, DESCRIPTION (when there is
/// one), DURATION.
fn base(uid_text: &str, now: DateTime<Utc>, title: &str, description: &str, minutes: u32) -> Event {
    let mut event = Event::new();
    event
        .uid(uid_text)
        .timestamp(now)
        .summary(&clean_text(title))
        .add_property("DURATION", duration(minutes));
    let description = clean_text(description);
    if !description.trim().is_empty() {
        event.description(&description);
    }
    event
}

/// The series' VEVENT and one override VEVENT per edited occurrence.
pub(crate) fn series_events(
    series: &SeriesRecord,
    tzid: &str,
    plan: &Plan,
    now: DateTime<Utc>,
) -> Vec<Event> {
    let uid_text = uid(&series.id);
    let time = series.time_of_day;
    let mut main = base(
        &uid_text,
        now,
        &series.title,
        &series.description,
        series.duration_minutes,
    );
    main.starts(zoned(plan.first.local_date.and_time(time), tzid))
        .add_property("RRULE", series.rrule.as_str());
    for date in &plan.exdates {
        main.exdate(zoned(date.and_time(time), tzid));
    }
    if !series.is_active {
        main.status(EventStatus::Cancelled);
    }
    let mut events = vec![main];
    for (date, row) in &plan.overrides {
        let mut event = base(
            &uid_text,
            now,
            &row.title,
            &row.description,
            row.duration_minutes,
        );
        event
            .recurrence_id(zoned(date.and_time(time), tzid))
            // UTC, so an edited time inside a fold or gap of the zone is exact.
            .starts(CalendarDateTime::Utc(row.scheduled_at));
        events.push(event);
    }
    events
}

/// A single session's VEVENT: DTSTART in UTC, DURATION, STATUS:CANCELLED when cancelled.
pub(crate) fn session_event(session: &SessionRecord, now: DateTime<Utc>) -> Event {
    let mut event = base(
        &uid(&session.id),
        now,
        &session.title,
        &session.description,
        session.duration_minutes,
    );
    event.starts(CalendarDateTime::Utc(session.scheduled_at));
    if session.status == SessionStatus::Cancelled {
        event.status(EventStatus::Cancelled);
    }
    event
}
