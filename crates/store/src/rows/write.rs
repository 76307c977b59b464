//! The one row write: a changed row, whole, with its local `rev` bumped. Every path that
//! changes a row goes through [`write`]: the mutation pipeline, pulled pages, recovery.

use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;
use wp_domain::Change;

use super::read::CONFLICT_COLUMNS;
use super::schedule::{write_series, write_session};
use crate::Result;

/// A row a mutation changed, with its local `rev` after the write.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub change: Change,
    pub rev: i64,
}

/// Writes a changed row whole (insert, or replace the row with its id), bumping its `rev`;
/// returns the new `rev`.
pub(crate) fn write(conn: &Connection, change: &Change) -> Result<i64> {
    write_stamped(conn, change, None)
}

/// The server's revision and version of a pulled row, written with it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ServerStamp<'a> {
    pub rev: i64,
    pub version: Option<&'a str>,
}

/// Whether [`write_stamped`] writes `entity`'s server stamp in its one statement: the
/// workshops, steps and notes, nearly every row of a first sync (a step's row holds its
/// whole output, and writing it a second time for the stamp doubled a sync's writing).
pub(crate) fn stamps_in_write(entity: &str) -> bool {
    matches!(entity, "workshop" | "step" | "note")
}

/// [`write`], and for a pulled row of a table [`stamps_in_write`] names, its server stamp
/// in the same statement; other tables ignore `server` (the caller stamps them).
pub(crate) fn write_stamped(
    conn: &Connection,
    change: &Change,
    server: Option<ServerStamp>,
) -> Result<i64> {
    let (stamped, server_rev, server_version) = match server {
        Some(s) => (true, Some(s.rev), s.version),
        None => (false, None, None),
    };
    let rev: rusqlite::Result<i64> = match change {
        Change::Workshop(w) => {
            conn.prepare_cached(
                "INSERT INTO workshops (id, owner_id, title, original_idea, status, visibility, created_at, updated_at, deleted_at,
                   server_rev, server_version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (id) DO UPDATE SET owner_id = excluded.owner_id, title = excluded.title,
                   original_idea = excluded.original_idea, status = excluded.status, visibility = excluded.visibility,
                   created_at = excluded.created_at, updated_at = excluded.updated_at, deleted_at = excluded.deleted_at,
                   server_rev = iif(?12, excluded.server_rev, server_rev),
                   server_version = iif(?12, excluded.server_version, server_version),
                   rev = rev + 1 RETURNING rev",
            )?
            .query_row((
                &w.id,
                &w.owner_id,
                &w.title,
                &w.original_idea,
                w.status.as_str(),
                w.visibility.as_str(),
                w.created_at,
                w.updated_at,
                w.deleted_at,
                server_rev,
                server_version,
                stamped,
            ), |r| r.get(0))
        }
        Change::Step(s) => {
            let output = s.output.as_ref().map(Value::to_string);
            conn.prepare_cached(
                "INSERT INTO workshop_steps (id, workshop_id, step_id, status, output, summary, started_at, completed_at, updated_at,
                   server_rev, server_version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (id) DO UPDATE SET status = excluded.status, output = excluded.output,
                   summary = excluded.summary, started_at = excluded.started_at, completed_at = excluded.completed_at,
                   updated_at = excluded.updated_at,
                   server_rev = iif(?12, excluded.server_rev, server_rev),
                   server_version = iif(?12, excluded.server_version, server_version),
                   rev = rev + 1 RETURNING rev",
            )?
            .query_row((
                &s.id,
                &s.workshop_id,
                &s.step_id,
                s.status.as_str(),
                output,
                &s.summary,
                s.started_at,
                s.completed_at,
                s.updated_at,
                server_rev,
                server_version,
                stamped,
            ), |r| r.get(0))
        }
        Change::Note(n) => {
            conn.prepare_cached(
                "INSERT INTO notes (id, workshop_id, step_id, content, created_at, updated_at, server_rev, server_version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (workshop_id, coalesce(step_id, '')) DO UPDATE SET id = excluded.id,
                   content = excluded.content, updated_at = excluded.updated_at,
                   server_rev = iif(?9, excluded.server_rev, server_rev),
                   server_version = iif(?9, excluded.server_version, server_version),
                   rev = rev + 1 RETURNING rev",
            )?
            .query_row((
                &n.id,
                &n.workshop_id,
                &n.step_id,
                &n.content,
                n.created_at,
                n.updated_at,
                server_rev,
                server_version,
                stamped,
            ), |r| r.get(0))
        }
        Change::Conflict(c) => {
            let json = |v: &Value| v.to_string();
            let kind = serde_json::to_value(c.kind)?;
            conn.prepare_cached(&format!(
                "INSERT INTO conflicts ({CONFLICT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (id) DO UPDATE SET theirs = excluded.theirs, mine = excluded.mine,
                   resolved_at = excluded.resolved_at, theirs_by = coalesce(excluded.theirs_by, theirs_by),
                   rev = rev + 1 RETURNING rev"
            ))?
            .query_row(
                rusqlite::params![
                    &c.id,
                    &c.workshop_id,
                    &c.user_id,
                    kind.as_str(),
                    &c.entity_id,
                    &c.step_id,
                    &c.field,
                    json(&c.base),
                    json(&c.theirs),
                    json(&c.mine),
                    c.created_at,
                    c.resolved_at,
                    c.theirs_by.as_ref().map(serde_json::to_string).transpose()?,
                ],
                |r| r.get(0),
            )
        }
        // A removed member (`removeMember`): the row goes; its last revision is returned.
        Change::Member(m) if m.removed => conn
            .prepare_cached(
                "DELETE FROM workshop_members WHERE workshop_id = ?1 AND user_id = ?2 RETURNING rev",
            )?
            .query_row((&m.workshop_id, &m.user_id), |r| r.get(0))
            .optional()
            .map(|rev| rev.unwrap_or(0)),
        Change::Session(s) => write_session(conn, s),
        Change::Series(s) => write_series(conn, s),
        Change::Member(m) => {
            conn.prepare_cached(
                "INSERT INTO workshop_members (id, workshop_id, user_id, role, created_at, user_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (workshop_id, user_id) DO UPDATE SET role = excluded.role,
                   user_name = coalesce(excluded.user_name, user_name), rev = rev + 1 RETURNING rev",
            )?
            .query_row(
                (&m.id, &m.workshop_id, &m.user_id, m.role.as_str(), m.created_at, &m.user_name),
                |r| r.get(0),
            )
        }
    };
    Ok(rev?)
}
