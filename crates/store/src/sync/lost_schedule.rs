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
//!   again. Occurrences a series the server still has made after the backup, and moved or
//!   cancelled here, are made again by rolling the series, then moved or cancelled again
//!   ([`offer_unseen_occurrences`]); the others are left to the rolling job, which makes
//!   them again with the same ids.
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

/// What takes a scheduled session to this desktop's `mine`: moved (or edited) again where
/// `moved`, then cancelled again if it is cancelled here (a cancelled session keeps the time
/// it was moved to before).
fn moved_and_cancelled(mine: &SessionRecord, moved: bool) -> Vec<Mutation> {
    let (session_id, workshop_id) = (mine.id.clone(), mine.workshop_id.clone());
    let mut changes = vec![];
    if moved {
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

/// What takes the server's session `theirs` to this desktop's `mine`
/// ([`moved_and_cancelled`]); nothing when they agree on what a user can change, or the
/// server's is cancelled already.
fn session_changes(mine: &SessionRecord, theirs: &SessionRecord) -> Vec<Mutation> {
    if theirs.status != SessionStatus::Scheduled {
        return vec![];
    }
    moved_and_cancelled(mine, session_form(mine) != session_form(theirs))
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
    for o in occurrences(conn, &series.id)? {
        offers.extend(moved_and_cancelled(&o, o.updated_at > o.created_at));
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
    let mut queued = queue(conn, &series, &sessions)?;
    queued += offer_unseen_occurrences(conn)?;
    Ok(queued)
}

/// At the end of a reset's full pull: occurrences moved or cancelled here that the pull did
/// not bring, of a series it did bring (the series' rolling made them after the backup, and
/// the restore took them): the series is rolled again (`rollSeries`, which makes them
/// again with the same ids), then each is moved, and cancelled, again. Returns how many
/// mutations it queued.
fn offer_unseen_occurrences(conn: &Connection) -> Result<usize> {
    let changed: Vec<String> = conn
        .prepare(
            "SELECT o.id FROM sessions o
             WHERE o.series_id IS NOT NULL
               AND (o.updated_at > o.created_at OR o.status = 'cancelled')
               AND NOT EXISTS (SELECT 1 FROM sync_seen_rows s WHERE s.entity = 'session' AND s.id = o.id)
               AND EXISTS (SELECT 1 FROM sync_seen_rows s WHERE s.entity = 'series' AND s.id = o.series_id)
             ORDER BY o.series_id, o.scheduled_at, o.id",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut offers = Vec::new();
    let mut rolled: Vec<String> = Vec::new();
    for id in &changed {
        let Some(o) = session_record(conn, id)? else {
            continue;
        };
        let Some(series_id) = o.series_id.clone() else {
            continue;
        };
        if !rolled.contains(&series_id) {
            offers.push(Mutation::RollSeries {
                series_id: series_id.clone(),
                workshop_id: o.workshop_id.clone(),
                at: crate::now(),
            });
            rolled.push(series_id);
        }
        offers.extend(moved_and_cancelled(&o, true));
    }
    for mutation in &offers {
        outbox::append(conn, mutation, None)?;
    }
    Ok(offers.len())
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

/// For a copy of another user's workshop that a reset's full pull drops
/// (`lost_copies::offer_changes_of_lost_copies` does its outputs): its single sessions and
/// series this database had from the server, offered again as the mutations that make them,
/// each naming the version held here. The server drops each where its history holds that
/// version (the share was removed: nothing was lost), and refuses the rest for want of
/// access (the restore took the share with them), which lists them for the user instead of
/// letting them go with the copy unseen. Returns how many it queued.
pub(crate) fn offer_lost_copy(conn: &Connection, workshop_id: &str) -> Result<usize> {
    let held = |table: &str, also: &str| -> Result<Vec<(String, i64, String)>> {
        Ok(conn
            .prepare(&format!(
                "SELECT id, server_rev, server_version FROM {table}
                 WHERE workshop_id = ?1 AND server_version IS NOT NULL AND server_rev IS NOT NULL {also}
                 ORDER BY created_at, id"
            ))?
            .query_map([workshop_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?)
    };
    let mut queued = 0;
    for (entity, (id, rev, version)) in held("series", "")?
        .into_iter()
        .map(|h| ("series", h))
        .chain(
            held("sessions", "AND series_id IS NULL")?
                .into_iter()
                .map(|h| ("session", h)),
        )
    {
        let offers = match entity {
            "series" => match series_record(conn, &id)? {
                Some(series) => series_offers(conn, &series)?,
                None => continue,
            },
            _ => match session_record(conn, &id)? {
                Some(session) => session_offers(&session),
                None => continue,
            },
        };
        let lost = wp_domain::protocol::LostVersion {
            entity: entity.into(),
            id,
            rev,
            version,
        };
        for offer in &offers {
            outbox::append_offer(conn, offer, None, Some(&lost))?;
            queued += 1;
        }
    }
    Ok(queued)
}
