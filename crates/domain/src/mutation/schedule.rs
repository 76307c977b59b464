//! The scheduling mutations (sessions and series, `reference/series.md`): pure functions of
//! the workshop, the series and its sessions, returning the rows that change.

use chrono::{DateTime, Duration, Utc};

use super::{Context, Mutation, SeriesForm};
use crate::ids::{self, IdKind};
use crate::series::rolling::{self, MIN_LEAD_MINUTES};
use crate::series::{parse_zone, resolve, End, Schedule};
use crate::{
    limits, Change, DomainError, Rows, SeriesRecord, SessionRecord, SessionStatus, WorkshopRecord,
};

/// A stored series' schedule; errors name the field (a stored zone this build does not know
/// reads as `timezone`).
pub fn schedule_of(series: &SeriesRecord) -> Result<Schedule, DomainError> {
    Schedule::new(
        &series.rule,
        series.start_date,
        series.time_of_day,
        parse_zone(&series.timezone)?,
    )
}

/// Applies a session or series mutation to a live workshop the caller may schedule in.
pub(super) fn apply(
    rows: &Rows,
    workshop: &WorkshopRecord,
    mutation: &Mutation,
    ctx: &Context,
) -> Result<Vec<Change>, DomainError> {
    let at = |t: &DateTime<Utc>| super::clamp_time(*t, ctx.now).0;
    match mutation {
        Mutation::CreateSession {
            session_id,
            session,
            at: t,
            ..
        } => {
            ids::check(IdKind::Session, "sessionId", session_id)?;
            if let Some(existing) = rows.sessions.iter().find(|s| s.id == *session_id) {
                return same_workshop(existing.workshop_id == workshop.id, "sessionId");
            }
            let t = at(t);
            check_lead(session.scheduled_at, t, "scheduledAt")?;
            let title = match &session.title {
                Some(title) => limits::session_title(title)?,
                None => default_title(workshop, session.scheduled_at),
            };
            limits::check_session_fields(
                &session.description,
                session.duration_minutes,
                session.max_capacity,
            )?;
            Ok(vec![Change::Session(SessionRecord {
                id: session_id.clone(),
                workshop_id: workshop.id.clone(),
                series_id: None,
                local_date: None,
                title,
                description: session.description.trim().to_string(),
                scheduled_at: session.scheduled_at,
                duration_minutes: session.duration_minutes,
                status: SessionStatus::Scheduled,
                is_private: session.is_private,
                max_capacity: session.max_capacity,
                attendee_count: 0,
                actual_started_at: None,
                actual_ended_at: None,
                created_at: t,
                updated_at: t,
            })])
        }
        Mutation::UpdateSession {
            session_id,
            session,
            at: t,
            ..
        } => {
            let current = session_row(rows, session_id)?;
            if current.status != SessionStatus::Scheduled {
                return Err(DomainError::argument(
                    "status",
                    format!("a {} session cannot be changed", current.status),
                ));
            }
            let t = at(t);
            if session.scheduled_at != current.scheduled_at {
                check_lead(session.scheduled_at, t, "scheduledAt")?;
            }
            let title = match &session.title {
                Some(title) => limits::session_title(title)?,
                None => current.title.clone(),
            };
            limits::check_session_fields(
                &session.description,
                session.duration_minutes,
                session.max_capacity,
            )?;
            let next = SessionRecord {
                title,
                description: session.description.trim().to_string(),
                scheduled_at: session.scheduled_at,
                duration_minutes: session.duration_minutes,
                is_private: session.is_private,
                max_capacity: session.max_capacity,
                ..current.clone()
            };
            if next == current {
                return Ok(vec![]);
            }
            Ok(vec![Change::Session(SessionRecord {
                updated_at: t,
                ..next
            })])
        }
        Mutation::CancelSession {
            session_id, at: t, ..
        } => {
            let current = session_row(rows, session_id)?;
            Ok(cancel(&current, at(t))?.into_iter().collect())
        }
        Mutation::RestoreSession {
            session_id, at: t, ..
        } => {
            let current = session_row(rows, session_id)?;
            if current.status != SessionStatus::Cancelled {
                return Ok(vec![]);
            }
            Ok(vec![Change::Session(SessionRecord {
                status: SessionStatus::Scheduled,
                updated_at: at(t),
                ..current
            })])
        }
        Mutation::CreateSeries {
            series_id,
            series,
            at: t,
            ..
        } => {
            if let Some(existing) = &rows.series {
                return same_workshop(existing.workshop_id == workshop.id, "seriesId");
            }
            create_series(workshop, series_id, series, at(t))
        }
        Mutation::RollSeries { at: t, .. } => {
            let series = series_row(rows)?;
            roll(rows, &series, at(t))
        }
        Mutation::CancelSeries {
            from_session_id,
            at: t,
            ..
        } => {
            let series = series_row(rows)?;
            let from = match from_session_id {
                Some(id) => {
                    let session = session_row(rows, id)?;
                    match (session.series_id.as_deref(), session.local_date) {
                        (Some(s), Some(date)) if s == series.id => Some(date),
                        _ => {
                            return Err(DomainError::argument(
                                "fromSessionId",
                                "this session is not an occurrence of the series",
                            ))
                        }
                    }
                }
                None => None,
            };
            cut(rows, &series, from, at(t))
        }
        Mutation::ReviseSeries {
            new_series_id,
            series: form,
            at: t,
            ..
        } => {
            let t = at(t);
            let series = series_row(rows)?;
            if *new_series_id == series.id {
                return Err(DomainError::argument(
                    "newSeriesId",
                    "the new part of a split series needs its own id",
                ));
            }
            // The new part first: nothing changes when its form is refused.
            let mut changes = create_series(workshop, new_series_id, form, t)?;
            let next = schedule_of(&series)?
                .between(t, t + Duration::days(365 * 100), 1)?
                .into_iter()
                .next();
            if let Some(next) = next {
                changes.extend(cut(rows, &series, Some(next.local_date), t)?);
            }
            Ok(changes)
        }
        _ => Err(DomainError::argument(
            "name",
            format!("{} is not a scheduling change", mutation.name()),
        )),
    }
}

/// A retried create of a row that exists: nothing to do when it is this workshop's.
fn same_workshop(same: bool, field: &str) -> Result<Vec<Change>, DomainError> {
    if same {
        Ok(vec![])
    } else {
        Err(DomainError::argument(
            field,
            "this id belongs to another workshop's row",
        ))
    }
}

/// "At least 15 minutes from now": the change's own time, so a session scheduled offline
/// stays valid when it syncs later.
fn check_lead(when: DateTime<Utc>, now: DateTime<Utc>, field: &str) -> Result<(), DomainError> {
    if when < now + Duration::minutes(MIN_LEAD_MINUTES) {
        return Err(DomainError::argument(
            field,
            format!("a session must start at least {MIN_LEAD_MINUTES} minutes from now"),
        ));
    }
    Ok(())
}

/// "PawPal · 3 Mar 2026" (the date in UTC; the app passes a title made in the user's zone).
fn default_title(workshop: &WorkshopRecord, when: DateTime<Utc>) -> String {
    format!("{} · {}", workshop.title, when.format("%-d %b %Y"))
}

fn session_row(rows: &Rows, id: &str) -> Result<SessionRecord, DomainError> {
    rows.sessions
        .iter()
        .find(|s| s.id == id)
        .cloned()
        .ok_or_else(|| DomainError::argument("sessionId", format!("no session \"{id}\"")))
}

fn series_row(rows: &Rows) -> Result<SeriesRecord, DomainError> {
    rows.series
        .clone()
        .ok_or_else(|| DomainError::argument("seriesId", "no such series in this workshop"))
}

/// The session cancelled, or `None` when it already is; a live or ended one is refused.
fn cancel(session: &SessionRecord, at: DateTime<Utc>) -> Result<Option<Change>, DomainError> {
    match session.status {
        SessionStatus::Cancelled => Ok(None),
        SessionStatus::Live | SessionStatus::Ended => Err(DomainError::argument(
            "status",
            format!("a {} session cannot be cancelled", session.status),
        )),
        SessionStatus::Scheduled | SessionStatus::Lobby => {
            Ok(Some(Change::Session(SessionRecord {
                status: SessionStatus::Cancelled,
                updated_at: at,
                ..session.clone()
            })))
        }
    }
}

fn create_series(
    workshop: &WorkshopRecord,
    series_id: &str,
    form: &SeriesForm,
    at: DateTime<Utc>,
) -> Result<Vec<Change>, DomainError> {
    ids::check(IdKind::Series, "seriesId", series_id)?;
    let title = limits::session_title(&form.title)?;
    limits::check_session_fields(&form.description, form.duration_minutes, None)?;
    let zone = parse_zone(&form.timezone)?;
    let schedule = Schedule::new(&form.rule, form.start_date, form.time_of_day, zone)?;
    let rrule = schedule.rrule_text();
    if rrule.chars().count() > limits::RRULE_MAX_CHARS {
        return Err(DomainError::argument(
            "rrule",
            format!(
                "the rule is longer than {} characters",
                limits::RRULE_MAX_CHARS
            ),
        ));
    }
    rolling::check_new(&schedule, at)?;
    let series = SeriesRecord {
        id: series_id.to_string(),
        workshop_id: workshop.id.clone(),
        title,
        description: form.description.trim().to_string(),
        rule: schedule.rule.clone(),
        rrule,
        start_date: form.start_date,
        time_of_day: form.time_of_day,
        timezone: zone.name().to_string(),
        duration_minutes: form.duration_minutes,
        is_active: true,
        is_private: form.is_private,
        created_at: at,
        updated_at: at,
    };
    let rows = Rows {
        series: Some(series.clone()),
        ..Rows::default()
    };
    let mut changes = vec![Change::Series(series.clone())];
    changes.extend(roll(&rows, &series, at)?);
    Ok(changes)
}

/// The occurrences [`rolling::due`] asks for that the series lacks.
fn roll(rows: &Rows, series: &SeriesRecord, at: DateTime<Utc>) -> Result<Vec<Change>, DomainError> {
    if !series.is_active {
        return Ok(vec![]);
    }
    let schedule = schedule_of(series)?;
    let latest = rows
        .sessions
        .iter()
        .filter_map(|s| s.local_date)
        .max()
        .map(|date| resolve(schedule.zone, date.and_time(schedule.time_of_day)));
    let planned = rolling::due(&schedule, &series.id, series.is_private, latest, at)?;
    Ok(planned
        .into_iter()
        .filter(|p| !rows.sessions.iter().any(|s| s.id == p.id))
        .map(|p| {
            Change::Session(SessionRecord {
                id: p.id,
                workshop_id: series.workshop_id.clone(),
                series_id: Some(series.id.clone()),
                local_date: Some(p.local_date),
                title: series.title.clone(),
                description: series.description.clone(),
                scheduled_at: p.at,
                duration_minutes: series.duration_minutes,
                status: SessionStatus::Scheduled,
                is_private: p.is_private,
                max_capacity: None,
                attendee_count: 0,
                actual_started_at: None,
                actual_ended_at: None,
                created_at: at,
                updated_at: at,
            })
        })
        .collect())
}

/// Ends a series before its occurrence on `from` and cancels the scheduled rows from there
/// on; from the first occurrence, or with no date (from `at` on), it becomes inactive.
fn cut(
    rows: &Rows,
    series: &SeriesRecord,
    from: Option<chrono::NaiveDate>,
    at: DateTime<Utc>,
) -> Result<Vec<Change>, DomainError> {
    let schedule = schedule_of(series)?;
    let first = schedule.all(1)?.into_iter().next().map(|o| o.local_date);
    let mut next = series.clone();
    match (from, first) {
        (Some(date), Some(first)) if date > first => {
            let earlier_cut = matches!(series.rule.end, End::Cut { date: d, .. } if d <= date);
            if !earlier_cut {
                next.rule.end = End::Cut {
                    date,
                    at: resolve(schedule.zone, date.and_time(schedule.time_of_day)),
                };
                next.rrule = schedule_of(&next)?.rrule_text();
            }
        }
        _ => next.is_active = false,
    }
    let cancelled = rows.sessions.iter().filter(|s| {
        s.series_id.as_deref() == Some(series.id.as_str())
            && s.status == SessionStatus::Scheduled
            && match from {
                Some(date) => s.local_date.is_some_and(|d| d >= date),
                None => s.scheduled_at >= at,
            }
    });
    let mut changes = Vec::new();
    for s in cancelled {
        changes.extend(cancel(s, at)?);
    }
    if next != *series {
        next.updated_at = at;
        changes.insert(0, Change::Series(next));
    }
    Ok(changes)
}
