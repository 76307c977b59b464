//! Series and session rows for the calendar tests, built as the domain builds them.
#![allow(dead_code)]

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use wp_domain::series::rolling::occurrence_id;
use wp_domain::series::{parse_zone, End, Frequency, Occurrence, RuleForm, Schedule};
use wp_domain::{SeriesRecord, SessionRecord, SessionStatus};

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

pub fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// A series row as `createSeries` makes it: the normalized form and the RRULE it builds.
pub fn series(
    id: &str,
    form: RuleForm,
    start: NaiveDate,
    time: NaiveTime,
    zone: &str,
    minutes: u32,
    title: &str,
) -> SeriesRecord {
    let schedule = Schedule::new(&form, start, time, parse_zone(zone).unwrap()).unwrap();
    let created: DateTime<Utc> = "2024-12-01T00:00:00Z".parse().unwrap();
    SeriesRecord {
        id: id.to_string(),
        workshop_id: "ws_calendar".to_string(),
        title: title.to_string(),
        description: String::new(),
        rrule: schedule.rrule_text(),
        rule: schedule.rule,
        start_date: start,
        time_of_day: time,
        timezone: zone.to_string(),
        duration_minutes: minutes,
        is_active: true,
        is_private: false,
        created_at: created,
        updated_at: created,
    }
}

pub fn schedule(series: &SeriesRecord) -> Schedule {
    wp_domain::mutation::schedule_of(series).unwrap()
}

/// The series' occurrences whose instant lies in `[from, to]`.
pub fn occurrences(
    series: &SeriesRecord,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Occurrence> {
    schedule(series).between(from, to, u16::MAX).unwrap()
}

/// One scheduled row per occurrence, as the rolling job makes them.
pub fn rows(series: &SeriesRecord, occurrences: &[Occurrence]) -> Vec<SessionRecord> {
    occurrences
        .iter()
        .map(|o| SessionRecord {
            id: occurrence_id(&series.id, o.local_date),
            workshop_id: series.workshop_id.clone(),
            series_id: Some(series.id.clone()),
            local_date: Some(o.local_date),
            title: series.title.clone(),
            description: series.description.clone(),
            scheduled_at: o.at,
            duration_minutes: series.duration_minutes,
            status: SessionStatus::Scheduled,
            is_private: series.is_private,
            max_capacity: None,
            attendee_count: 0,
            actual_started_at: None,
            actual_ended_at: None,
            created_at: series.created_at,
            updated_at: series.created_at,
        })
        .collect()
}

/// The row of the occurrence on `date`.
pub fn row(rows: &mut [SessionRecord], date: NaiveDate) -> &mut SessionRecord {
    rows.iter_mut()
        .find(|r| r.local_date == Some(date))
        .unwrap_or_else(|| panic!("no row on {date}"))
}

/// A single session (no series).
pub fn session(title: &str, at: DateTime<Utc>, minutes: u32) -> SessionRecord {
    SessionRecord {
        id: "ses_single0000000000000".to_string(),
        workshop_id: "ws_calendar".to_string(),
        series_id: None,
        local_date: None,
        title: title.to_string(),
        description: String::new(),
        scheduled_at: at,
        duration_minutes: minutes,
        status: SessionStatus::Scheduled,
        is_private: false,
        max_capacity: None,
        attendee_count: 0,
        actual_started_at: None,
        actual_ended_at: None,
        created_at: at - Duration::days(7),
        updated_at: at - Duration::days(7),
    }
}

/// Every week on `days` (the start date's weekday when empty).
pub fn weekly(days: &[Weekday], end: End) -> RuleForm {
    RuleForm {
        frequency: Frequency::Weekly,
        days: days.to_vec(),
        monthly: None,
        end,
    }
}

/// Every day.
pub fn daily(end: End) -> RuleForm {
    RuleForm {
        frequency: Frequency::Daily,
        days: vec![],
        monthly: None,
        end,
    }
}
