//! Live sessions and recurring series (`reference/series.md`): their rows in SQLite, and the
//! store's scheduling operations. Every change is a scheduling mutation of `wp_domain`
//! (`createSession`, `createSeries`, `cancelSeries`, ...), run by [`Store::mutate`], so it
//! syncs like any other. The rolling horizon runs here too, offline ([`Store::roll_series`]).

use chrono::{DateTime, Utc};
use serde::Serialize;
use wp_domain::ids::{new_id, IdKind};
use wp_domain::mutation::{schedule_of, Can, SeriesForm, SessionForm};
use wp_domain::series::{zone_label, Schedule};
use wp_domain::{Mutation, Role, SeriesRecord, SessionRecord, SessionStatus};

use crate::rows::read::{find, role_on};
use crate::rows::schedule::{
    occurrences, series_from_row, series_record, session_from_row, session_record, SERIES_COLUMNS,
    SESSION_COLUMNS,
};
use crate::{Result, Store, StoreError};

/// A series as the Schedule tab shows it: the row, its rule in words, and what is next.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeriesItem {
    pub series: SeriesRecord,
    /// "every 2 weeks on Monday at 19:00 (New York time)".
    pub description: String,
    /// The next scheduled occurrence's instant, if any.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub next_at: Option<DateTime<Utc>>,
    /// How many occurrences exist now (cancelled ones included).
    pub occurrences: u32,
}

/// A workshop's schedule: its series and its sessions (occurrences and single ones), by time.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkshopSchedule {
    pub series: Vec<SeriesItem>,
    pub sessions: Vec<SessionRecord>,
    /// The local user may schedule here (owner or editor).
    pub can_schedule: bool,
}

/// One upcoming session in the Agenda, across workshops.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgendaItem {
    pub session: SessionRecord,
    pub workshop_title: String,
    /// The series' zone (IANA name) and its label ("New York"), for an occurrence.
    pub series_timezone: Option<String>,
    pub series_zone_label: Option<String>,
}

/// What the series form shows as the user types: the rule in words, the RRULE, and the
/// next occurrences (instants, up to 5), or the first error naming its field.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeriesPreview {
    pub description: String,
    pub rrule: String,
    /// The series' first session, past or not (`None`: the rule has none on or after its
    /// start): a new series' must be at least 15 minutes from now
    /// (`wp_domain::series::rolling::check_new`), so the form says so as the user types
    /// without working out the rule itself.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub first: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "ts", ts(type = "Array<string>"))]
    pub next: Vec<DateTime<Utc>>,
}

/// What a calendar file holds: one series (with its occurrences' exceptions) or one session.
#[derive(Debug, Clone, PartialEq)]
pub enum CalendarTarget {
    Series(String),
    Session(String),
}

/// How many occurrences a preview lists.
pub const PREVIEW_COUNT: u16 = 5;

/// The preview of a series form at `now`: no database needed.
pub fn preview_series(form: &SeriesForm, now: DateTime<Utc>) -> Result<SeriesPreview> {
    let zone = wp_domain::series::parse_zone(&form.timezone)?;
    let schedule = Schedule::new(&form.rule, form.start_date, form.time_of_day, zone)?;
    let next = schedule
        .between(now, now + chrono::Duration::days(365 * 10), PREVIEW_COUNT)?
        .into_iter()
        .map(|o| o.at)
        .collect();
    Ok(SeriesPreview {
        description: schedule.describe(),
        rrule: schedule.rrule_text(),
        first: schedule.all(1)?.into_iter().next().map(|o| o.at),
        next,
    })
}

impl Store {
    /// Schedules a single session; returns it. Errors name the field and the limit
    /// (title 3 to 200 characters, 15 to 480 minutes, at least 15 minutes from now, ...).
    pub fn create_session(
        &mut self,
        workshop_id: &str,
        form: SessionForm,
    ) -> Result<SessionRecord> {
        let id = new_id(IdKind::Session);
        self.mutate(Mutation::CreateSession {
            session_id: id.clone(),
            workshop_id: workshop_id.to_string(),
            session: form,
            at: self.now(),
        })?;
        self.session(&id)
    }

    /// Changes a scheduled session (an occurrence then stands apart from its rule).
    pub fn update_session(
        &mut self,
        workshop_id: &str,
        session_id: &str,
        form: SessionForm,
    ) -> Result<SessionRecord> {
        self.mutate(Mutation::UpdateSession {
            session_id: session_id.to_string(),
            workshop_id: workshop_id.to_string(),
            session: form,
            at: self.now(),
        })?;
        self.session(session_id)
    }

    /// Cancels one session; the row stays, cancelled.
    pub fn cancel_session(&mut self, workshop_id: &str, session_id: &str) -> Result<SessionRecord> {
        self.mutate(Mutation::CancelSession {
            session_id: session_id.to_string(),
            workshop_id: workshop_id.to_string(),
            at: self.now(),
        })?;
        self.session(session_id)
    }

    /// Takes back a session's cancellation (undo): scheduled again at its time.
    pub fn restore_session(
        &mut self,
        workshop_id: &str,
        session_id: &str,
    ) -> Result<SessionRecord> {
        self.mutate(Mutation::RestoreSession {
            session_id: session_id.to_string(),
            workshop_id: workshop_id.to_string(),
            at: self.now(),
        })?;
        self.session(session_id)
    }

    /// Creates a series and its occurrences for the next 90 days.
    pub fn create_series(&mut self, workshop_id: &str, form: SeriesForm) -> Result<SeriesRecord> {
        let id = new_id(IdKind::Series);
        self.mutate(Mutation::CreateSeries {
            series_id: id.clone(),
            workshop_id: workshop_id.to_string(),
            series: form,
            at: self.now(),
        })?;
        self.series(&id)
    }

    /// Cancels a series' occurrence and all that follow (`from_session_id`), or the whole
    /// series from now on (`None`).
    pub fn cancel_series(
        &mut self,
        workshop_id: &str,
        series_id: &str,
        from_session_id: Option<&str>,
    ) -> Result<SeriesRecord> {
        self.mutate(Mutation::CancelSeries {
            series_id: series_id.to_string(),
            workshop_id: workshop_id.to_string(),
            from_session_id: from_session_id.map(str::to_string),
            at: self.now(),
        })?;
        self.series(series_id)
    }

    /// Changes a series: the past stays as it was, and the new part is a new series (a new
    /// calendar UID), returned.
    pub fn revise_series(
        &mut self,
        workshop_id: &str,
        series_id: &str,
        form: SeriesForm,
    ) -> Result<SeriesRecord> {
        let id = new_id(IdKind::Series);
        self.mutate(Mutation::ReviseSeries {
            series_id: series_id.to_string(),
            new_series_id: id.clone(),
            workshop_id: workshop_id.to_string(),
            series: form,
            at: self.now(),
        })?;
        self.series(&id)
    }

    /// The rolling horizon, offline: for every active series of a workshop the local user
    /// may schedule in that may be due (its latest occurrence before
    /// [`wp_domain::series::rolling::not_due_from`], the server job's rule too), makes the
    /// occurrences that are due (`rollSeries`); returns how many sessions were made. A
    /// visit with nothing due reads one query and writes nothing. The server's job makes
    /// the same rows (same ids) online.
    pub fn roll_series(&mut self) -> Result<usize> {
        let from = wp_domain::series::rolling::not_due_from(self.now());
        let due: Vec<(String, String)> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT s.id, s.workshop_id FROM series s JOIN workshops w ON w.id = s.workshop_id
                 WHERE s.is_active = 1 AND w.deleted_at IS NULL
                   AND coalesce((SELECT max(o.local_date) FROM sessions o WHERE o.series_id = s.id), '') < ?1",
            )?;
            let rows = stmt.query_map([from], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut made = 0;
        for (series_id, workshop_id) in due {
            let workshop = find(&self.conn, &workshop_id)?;
            let role = role_on(
                &self.conn,
                &workshop_id,
                &workshop.record.owner_id,
                &self.user_id,
            )?;
            if !Can::of(role).schedule {
                continue;
            }
            let written = self.mutate(Mutation::RollSeries {
                series_id,
                workshop_id,
                at: self.now(),
            })?;
            made += written.len();
        }
        Ok(made)
    }

    /// One session.
    pub fn session(&self, id: &str) -> Result<SessionRecord> {
        session_record(&self.conn, id)?.ok_or_else(|| StoreError::NotFound {
            entity: "session",
            id: id.to_string(),
        })
    }

    /// One series.
    pub fn series(&self, id: &str) -> Result<SeriesRecord> {
        series_record(&self.conn, id)?.ok_or_else(|| StoreError::NotFound {
            entity: "series",
            id: id.to_string(),
        })
    }

    /// The calendar file (`.ics`, RFC 5545) of a series or a session of `workshop_id`, and
    /// the file name to suggest ("Design-sprint.ics").
    pub fn calendar(&self, workshop_id: &str, target: &CalendarTarget) -> Result<(String, String)> {
        let now = self.now();
        let (title, text) = match target {
            CalendarTarget::Series(id) => {
                let (series, sessions) = self.series_with_sessions(id)?;
                if series.workshop_id != workshop_id {
                    return Err(StoreError::NotFound {
                        entity: "series",
                        id: id.clone(),
                    });
                }
                let text = wp_calendar::series_calendar(&series, &sessions, now)?;
                (series.title, text)
            }
            CalendarTarget::Session(id) => {
                let session = self.session(id)?;
                if session.workshop_id != workshop_id {
                    return Err(StoreError::NotFound {
                        entity: "session",
                        id: id.clone(),
                    });
                }
                let text = wp_calendar::session_calendar(&session, now)?;
                (session.title, text)
            }
        };
        Ok((wp_calendar::file_name(&title), text))
    }

    /// Writes the calendar file of a series or session to `out` (a file, or a directory to
    /// write the suggested name into), atomically: a crash leaves the old file or the new.
    pub fn export_calendar(
        &self,
        workshop_id: &str,
        target: &CalendarTarget,
        out: &std::path::Path,
    ) -> Result<crate::Exported> {
        let (name, text) = self.calendar(workshop_id, target)?;
        let path = if out.is_dir() {
            out.join(&name)
        } else {
            out.to_path_buf()
        };
        wp_build_pack::write_atomically(&path, text.as_bytes())?;
        Ok(crate::Exported {
            title: name.trim_end_matches(".ics").to_string(),
            path,
            bytes: text.len(),
        })
    }

    /// A series and its occurrences, for a calendar file.
    pub fn series_with_sessions(&self, id: &str) -> Result<(SeriesRecord, Vec<SessionRecord>)> {
        let series = self.series(id)?;
        let sessions = occurrences(&self.conn, id)?;
        Ok((series, sessions))
    }

    /// A workshop's schedule: its series (newest first) and all its sessions by time.
    pub fn schedule(&self, workshop_id: &str) -> Result<WorkshopSchedule> {
        let workshop = find(&self.conn, workshop_id)?;
        // No role (a share that is gone, until a pull takes the copy away): read only.
        let role = role_on(
            &self.conn,
            workshop_id,
            &workshop.record.owner_id,
            &self.user_id,
        )?
        .unwrap_or(Role::Viewer);
        let now = self.now();
        let series: Vec<SeriesRecord> = {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {SERIES_COLUMNS} FROM series WHERE workshop_id = ?1 ORDER BY created_at DESC, id"
            ))?;
            let rows = stmt.query_map([workshop_id], series_from_row)?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let sessions: Vec<SessionRecord> = {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {SESSION_COLUMNS} FROM sessions WHERE workshop_id = ?1 ORDER BY scheduled_at, id"
            ))?;
            let rows = stmt.query_map([workshop_id], session_from_row)?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let series = series
            .into_iter()
            .map(|s| {
                let mine = sessions
                    .iter()
                    .filter(|o| o.series_id.as_deref() == Some(s.id.as_str()));
                let next_at = mine
                    .clone()
                    .filter(|o| o.status == SessionStatus::Scheduled && o.scheduled_at >= now)
                    .map(|o| o.scheduled_at)
                    .min();
                let occurrences = mine.count() as u32;
                let description = schedule_of(&s)
                    .map(|sch| sch.describe())
                    .unwrap_or_else(|e| e.to_string());
                SeriesItem {
                    series: s,
                    description,
                    next_at,
                    occurrences,
                }
            })
            .collect();
        Ok(WorkshopSchedule {
            series,
            sessions,
            can_schedule: Can::of(Some(role)).schedule && workshop.record.deleted_at.is_none(),
        })
    }

    /// Upcoming sessions across workshops (not in the trash, not cancelled, not ended), by
    /// time, at most `limit`.
    pub fn agenda(&self, limit: u32) -> Result<Vec<AgendaItem>> {
        let now = self.now();
        let cols = SESSION_COLUMNS
            .split(", ")
            .map(|c| format!("s.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {cols}, w.title, r.timezone FROM sessions s
             JOIN workshops w ON w.id = s.workshop_id
             LEFT JOIN series r ON r.id = s.series_id
             WHERE w.deleted_at IS NULL AND s.status IN ('scheduled', 'lobby', 'live')
               AND datetime(s.scheduled_at, '+' || s.duration_minutes || ' minutes') >= datetime(?1)
             ORDER BY s.scheduled_at, s.id LIMIT ?2"
        ))?;
        let rows = stmt.query_map((now, limit), |r| {
            let zone: Option<String> = r.get(17)?;
            Ok(AgendaItem {
                session: session_from_row(r)?,
                workshop_title: r.get(16)?,
                series_zone_label: zone.as_deref().and_then(|z| z.parse().ok()).map(zone_label),
                series_timezone: zone,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
