//! After a server restore: sessions and series the server lost, offered again from this
//! desktop as the scheduling mutations that make them, each at the time the user made the
//! change (a lost session's creation at its `created_at`, so the domain's 15-minute lead is
//! checked against the moment it was scheduled, as it was then).
//!
//! - During the reset's full pull, a pulled session or series in another version than this
//!   desktop's copy, which the restore took or may have (`recovery::lost_copy`; the offers
//!   name the version, and the server drops them where its history holds it):
//!   ([`lost_changes`]): a session moved here is moved again (`updateSession`), one
//!   cancelled here is cancelled again; a series ended here is ended again (`cancelSeries`).
//! - At the pull's end, the sessions and series the pull did not bring on a workshop it did
//!   ([`offer_unseen`]): a lost single session is created again (and cancelled again if it
//!   was); a lost series is created again, which makes its occurrences with the same ids
//!   (`occurrence_id`), and its occurrences moved or cancelled here are moved or cancelled
//!   again. Occurrences a series the server still has made after the backup are left to
//!   the rolling job, which makes them again with the same ids.
//!
//! What the server refuses (a workshop in the trash, a role) is listed with the refusals.

use rusqlite::Connection;
use wp_domain::mutation::{MutationKind, SeriesForm, SessionForm};
use wp_domain::{Mutation, SeriesRecord, SessionRecord, SessionStatus};

use super::outbox;
use super::recovery::unseen_ids;
use crate::rows::schedule::{occurrences, series_record, session_record};
use crate::Result;

/// The form that schedules `s` as it is.
fn session_form(s: &SessionRecord) -> SessionForm {
    SessionForm {
        title: Some(s.title.clone()),
        description: s.description.clone(),
        scheduled_at: s.scheduled_at,
        duration_minutes: s.duration_minutes,
        is_private: s.is_private,
        max_capacity: s.max_capacity,
    }
}

/// The form that makes the series `s` again.
fn series_form(s: &SeriesRecord) -> SeriesForm {
    SeriesForm {
        title: s.title.clone(),
        description: s.description.clone(),
        rule: s.rule.clone(),
        start_date: s.start_date,
        time_of_day: s.time_of_day,
        timezone: s.timezone.clone(),
        duration_minutes: s.duration_minutes,
        is_private: s.is_private,
    }
}

/// What takes the server's session `theirs` to this desktop's `mine`: moved (or edited)
/// again, then cancelled again (a cancelled session keeps the time it was moved to before);
/// nothing when they agree on what a user can change.
fn session_changes(mine: &SessionRecord, theirs: &SessionRecord) -> Vec<Mutation> {
    let (session_id, workshop_id) = (mine.id.clone(), mine.workshop_id.clone());
    if theirs.status != SessionStatus::Scheduled {
        return vec![];
    }
    let mut changes = vec![];
    if session_form(mine) != session_form(theirs) {
        changes.push(Mutation::UpdateSession {
            session_id: session_id.clone(),
            workshop_id: workshop_id.clone(),
            session: session_form(mine),
            at: mine.updated_at,
        });
    }
    if mine.status == SessionStatus::Cancelled {
        changes.push(Mutation::CancelSession {
            session_id,
            workshop_id,
            at: mine.updated_at,
        });
    }
    changes
}

/// For a session or series row of a reset's full pull whose copy here the server lost
/// (`recovery::lost_copy`): the changes that take it back to this desktop's copy.
pub(crate) fn lost_changes(conn: &Connection, pulled: &wp_domain::Change) -> Result<Vec<Mutation>> {
    use wp_domain::Change;
    Ok(match pulled {
        Change::Session(theirs) => match session_record(conn, &theirs.id)? {
            Some(mine) => session_changes(&mine, theirs),
            None => vec![],
        },
        Change::Series(theirs) => match series_record(conn, &theirs.id)? {
            Some(mine) if !mine.is_active && theirs.is_active => vec![Mutation::CancelSeries {
                series_id: mine.id.clone(),
                workshop_id: mine.workshop_id.clone(),
                from_session_id: None,
                at: mine.updated_at,
            }],
            _ => vec![],
        },
        _ => vec![],
    })
}

/// The mutations that make the series `series` again as this desktop holds it: created at
/// the time the user made it (its occurrences come with the same ids), its occurrences
/// moved or cancelled here moved or cancelled again, and ended again if it was.
fn series_offers(conn: &Connection, series: &SeriesRecord) -> Result<Vec<Mutation>> {
    let mut offers = vec![Mutation::CreateSeries {
        series_id: series.id.clone(),
        workshop_id: series.workshop_id.clone(),
        series: series_form(series),
        at: series.created_at,
    }];
    // Moved (or edited) first, then cancelled: a cancelled occurrence keeps the time it was
    // moved to before.
    for o in occurrences(conn, &series.id)? {
        if o.updated_at > o.created_at {
            offers.push(Mutation::UpdateSession {
                session_id: o.id.clone(),
                workshop_id: o.workshop_id.clone(),
                session: session_form(&o),
                at: o.updated_at,
            });
        }
        if o.status == SessionStatus::Cancelled {
            offers.push(Mutation::CancelSession {
                session_id: o.id.clone(),
                workshop_id: o.workshop_id.clone(),
                at: o.updated_at,
            });
        }
    }
    if !series.is_active {
        offers.push(Mutation::CancelSeries {
            series_id: series.id.clone(),
            workshop_id: series.workshop_id.clone(),
            from_session_id: None,
            at: series.updated_at,
        });
    }
    Ok(offers)
}

/// The mutations that make the single session `session` again as this desktop holds it:
/// created at the time the user made it, and cancelled again if it was.
fn session_offers(session: &SessionRecord) -> Vec<Mutation> {
    let mut offers = vec![Mutation::CreateSession {
        session_id: session.id.clone(),
        workshop_id: session.workshop_id.clone(),
        session: session_form(session),
        at: session.created_at,
    }];
    if session.status == SessionStatus::Cancelled {
        offers.push(Mutation::CancelSession {
            session_id: session.id.clone(),
            workshop_id: session.workshop_id.clone(),
            at: session.updated_at,
        });
    }
    offers
}

/// Queues the offers that make again the series `series` and the single sessions
/// `sessions` (ids) as this desktop holds them; returns how many mutations.
fn queue(conn: &Connection, series: &[String], sessions: &[String]) -> Result<usize> {
    let mut offers = Vec::new();
    for id in series {
        if let Some(series) = series_record(conn, id)? {
            offers.extend(series_offers(conn, &series)?);
        }
    }
    for id in sessions {
        if let Some(session) = session_record(conn, id)? {
            offers.extend(session_offers(&session));
        }
    }
    for mutation in &offers {
        outbox::append(conn, mutation, None)?;
    }
    Ok(offers.len())
}

/// At the end of a reset's full pull after a restore: queues again the sessions and series
/// the server lost (module docs); the rows lose their server revision here, so that a
/// refusal of what makes them again takes them away, as for rows never synced. Returns how
/// many mutations it queued.
pub(crate) fn offer_unseen(conn: &Connection) -> Result<usize> {
    // The server had it: a revision here, or its creation no longer queued (acknowledged,
    // perhaps as a duplicate of a push whose answer was lost, which brings no revision).
    let had = |creation: MutationKind, key: &str| {
        format!(
            "t.server_rev IS NOT NULL OR NOT EXISTS (SELECT 1 FROM outbox o
                 WHERE o.name = '{}' AND json_extract(o.args, '$.{key}') = t.id)",
            creation.name()
        )
    };
    let series = unseen_ids(
        conn,
        "series",
        "series",
        &had(MutationKind::CreateSeries, "seriesId"),
        "",
    )?;
    let sessions = unseen_ids(
        conn,
        "sessions",
        "session",
        &had(MutationKind::CreateSession, "sessionId"),
        "AND t.series_id IS NULL",
    )?;
    for (table, entity) in [("series", "series"), ("sessions", "session")] {
        conn.execute(
            &format!(
                "UPDATE {table} SET server_rev = NULL WHERE server_rev IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM sync_seen_rows s WHERE s.entity = '{entity}' AND s.id = {table}.id)
                   AND EXISTS (SELECT 1 FROM sync_seen s WHERE s.workshop_id = {table}.workshop_id)"
            ),
            [],
        )?;
    }
    queue(conn, &series, &sessions)
}

/// For a workshop offered again whole (`putWorkshop`, whose snapshot replaced every queued
/// change to it): queues its series and single sessions as this desktop holds them, after
/// it. Returns how many mutations it queued.
pub(crate) fn offer_workshop(conn: &Connection, workshop_id: &str) -> Result<usize> {
    let ids = |table: &str, also: &str| -> Result<Vec<String>> {
        Ok(conn
            .prepare(&format!(
                "SELECT id FROM {table} WHERE workshop_id = ?1 {also} ORDER BY created_at, id"
            ))?
            .query_map([workshop_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    };
    let series = ids("series", "")?;
    let sessions = ids("sessions", "AND series_id IS NULL")?;
    for table in ["series", "sessions"] {
        conn.execute(
            &format!("UPDATE {table} SET server_rev = NULL WHERE workshop_id = ?1"),
            [workshop_id],
        )?;
    }
    queue(conn, &series, &sessions)
}
