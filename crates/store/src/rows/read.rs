//! The row readers: one column list and one SELECT per record kind, each giving the domain
//! record with its local `rev` (bumped by every write here) and its `server_rev` (the
//! server's revision this copy is of; `None` until the server has it). The store's
//! operations, the mutation pipeline and sync all read rows through these.

use rusqlite::{Connection, OptionalExtension, Row};
use serde_json::Value;
use wp_domain::{
    steps, ConflictRecord, MemberRecord, NoteRecord, Role, StepRecord, StepStatus, Visibility,
    WorkshopRecord, WorkshopStatus,
};

use super::codec::{bad_text, json_column};
use crate::{Note, Result, StoreError, Workshop, WorkshopStep};

/// A record as stored here: the domain's record, its local `rev` and its `server_rev`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stored<T> {
    pub record: T,
    pub rev: i64,
    pub server_rev: Option<i64>,
}

impl<T> Stored<T> {
    /// The record with its `server_rev`, as the pipeline and sync use it.
    pub fn with_server_rev(self) -> (T, Option<i64>) {
        (self.record, self.server_rev)
    }
}

/// A workshop row's columns, in the order [`workshop_from_row`] reads them, then `rev` and
/// `server_rev`. Aliased `w`, so the workshop list can join to it.
pub(crate) const WORKSHOP_COLUMNS: &str = "w.id, w.owner_id, w.title, w.original_idea, w.status, w.visibility, w.created_at, w.updated_at, w.deleted_at, w.rev, w.server_rev";

/// A workshop's record from columns 0 to 8 of a row ([`WORKSHOP_COLUMNS`]).
pub(crate) fn workshop_from_row(r: &Row<'_>) -> rusqlite::Result<WorkshopRecord> {
    let status: String = r.get(4)?;
    let visibility: String = r.get(5)?;
    Ok(WorkshopRecord {
        id: r.get(0)?,
        owner_id: r.get(1)?,
        title: r.get(2)?,
        original_idea: r.get(3)?,
        status: WorkshopStatus::parse(&status).ok_or_else(|| bad_text(4, &status))?,
        visibility: Visibility::parse(&visibility).ok_or_else(|| bad_text(5, &visibility))?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
        deleted_at: r.get(8)?,
    })
}

/// A workshop from a row of [`WORKSHOP_COLUMNS`], with its local `rev`.
pub(crate) fn workshop_model(r: &Row<'_>) -> rusqlite::Result<Workshop> {
    Ok(Workshop {
        record: workshop_from_row(r)?,
        rev: r.get(9)?,
    })
}

/// One workshop row, in the trash or not.
pub(crate) fn workshop_row(conn: &Connection, id: &str) -> Result<Option<Stored<WorkshopRecord>>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {WORKSHOP_COLUMNS} FROM workshops w WHERE w.id = ?1"
        ))?
        .query_row([id], |r| {
            Ok(Stored {
                record: workshop_from_row(r)?,
                rev: r.get(9)?,
                server_rev: r.get(10)?,
            })
        })
        .optional()?)
}

/// A workshop row with its `server_rev`, or `None`.
pub(crate) fn workshop_record(
    conn: &Connection,
    id: &str,
) -> Result<Option<(WorkshopRecord, Option<i64>)>> {
    Ok(workshop_row(conn, id)?.map(Stored::with_server_rev))
}

/// Reads a workshop whether or not it is in the trash; [`StoreError::NotFound`] if missing.
pub(crate) fn find(conn: &Connection, id: &str) -> Result<Workshop> {
    workshop_row(conn, id)?
        .map(|s| Workshop {
            record: s.record,
            rev: s.rev,
        })
        .ok_or_else(|| StoreError::NotFound {
            entity: "workshop",
            id: id.to_string(),
        })
}

/// Reads a workshop that may be changed: not missing, not in the trash.
pub(crate) fn live(conn: &Connection, id: &str) -> Result<Workshop> {
    let workshop = find(conn, id)?;
    if workshop.record.deleted_at.is_some() {
        return Err(StoreError::InTrash(id.to_string()));
    }
    Ok(workshop)
}

/// A step record from columns 0 to 8 of a row: `id, workshop_id, step_id, status, output,
/// summary, started_at, completed_at, updated_at`.
fn step_from_row(r: &Row<'_>) -> rusqlite::Result<StepRecord> {
    let status: String = r.get(3)?;
    Ok(StepRecord {
        id: r.get(0)?,
        workshop_id: r.get(1)?,
        step_id: r.get(2)?,
        status: StepStatus::parse(&status).ok_or_else(|| bad_text(3, &status))?,
        output: json_column(r, 4)?,
        summary: r.get(5)?,
        started_at: r.get(6)?,
        completed_at: r.get(7)?,
        updated_at: r.get(8)?,
    })
}

/// A workshop's step rows in step order, or only the step `only` when given.
pub(crate) fn step_rows(
    conn: &Connection,
    workshop_id: &str,
    only: Option<&str>,
) -> Result<Vec<Stored<StepRecord>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.id, s.workshop_id, s.step_id, s.status, s.output, s.summary, s.started_at, s.completed_at,
                s.updated_at, s.rev, s.server_rev
         FROM workshop_steps s JOIN step_definitions d ON d.id = s.step_id
         WHERE s.workshop_id = ?1 AND (?2 IS NULL OR s.step_id = ?2) ORDER BY d.position",
    )?;
    let rows = stmt.query_map((workshop_id, only), |r| {
        Ok(Stored {
            record: step_from_row(r)?,
            rev: r.get(9)?,
            server_rev: r.get(10)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A workshop's step records in order (or only `only`), with their `server_rev`.
pub(crate) fn step_records(
    conn: &Connection,
    workshop_id: &str,
    only: Option<&str>,
) -> Result<Vec<(StepRecord, Option<i64>)>> {
    Ok(step_rows(conn, workshop_id, only)?
        .into_iter()
        .map(Stored::with_server_rev)
        .collect())
}

/// A workshop's steps in order (ten for every workshop the store created), with their
/// definitions.
pub(crate) fn load_steps(conn: &Connection, workshop_id: &str) -> Result<Vec<WorkshopStep>> {
    step_rows(conn, workshop_id, None)?
        .into_iter()
        .map(|s| from_record(s.record, s.rev))
        .collect()
}

/// The step definition's fields of a step record, with its local `rev`.
pub(crate) fn from_record(record: StepRecord, rev: i64) -> Result<WorkshopStep> {
    let def = steps::find(&record.step_id)?;
    Ok(WorkshopStep {
        record,
        order: def.order,
        name: def.name.to_string(),
        description: def.description.to_string(),
        confirm_label: def.confirm_label.map(str::to_string),
        rev,
    })
}

/// A note row's columns, its record's first, then `rev` and `server_rev`. Aliased `n`.
const NOTE_COLUMNS: &str =
    "n.id, n.workshop_id, n.step_id, n.content, n.created_at, n.updated_at, n.rev, n.server_rev";

fn note_from_row(r: &Row<'_>) -> rusqlite::Result<Stored<NoteRecord>> {
    Ok(Stored {
        record: NoteRecord {
            id: r.get(0)?,
            workshop_id: r.get(1)?,
            step_id: r.get(2)?,
            content: r.get(3)?,
            created_at: r.get(4)?,
            updated_at: r.get(5)?,
        },
        rev: r.get(6)?,
        server_rev: r.get(7)?,
    })
}

fn note_model(s: Stored<NoteRecord>) -> Note {
    Note {
        record: s.record,
        rev: s.rev,
    }
}

/// The note in a scope: the workshop's (`step_id` `None`) or a step's. A database holds its
/// one user's notes.
pub(crate) fn note_row(
    conn: &Connection,
    workshop_id: &str,
    step_id: Option<&str>,
) -> Result<Option<Stored<NoteRecord>>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {NOTE_COLUMNS} FROM notes n
             WHERE n.workshop_id = ?1 AND coalesce(n.step_id, '') = coalesce(?2, '')"
        ))?
        .query_row((workshop_id, step_id), note_from_row)
        .optional()?)
}

/// The note in a scope with its `server_rev`.
pub(crate) fn note_record(
    conn: &Connection,
    workshop_id: &str,
    step_id: Option<&str>,
) -> Result<Option<(NoteRecord, Option<i64>)>> {
    Ok(note_row(conn, workshop_id, step_id)?.map(Stored::with_server_rev))
}

/// The note in a scope, as the UI gets it.
pub(crate) fn note(
    conn: &Connection,
    workshop_id: &str,
    step_id: Option<&str>,
) -> Result<Option<Note>> {
    Ok(note_row(conn, workshop_id, step_id)?.map(note_model))
}

/// All notes of a workshop: the workshop's own first, then by step order.
pub(crate) fn notes(conn: &Connection, workshop_id: &str) -> Result<Vec<Note>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {NOTE_COLUMNS} FROM notes n LEFT JOIN step_definitions d ON d.id = n.step_id
         WHERE n.workshop_id = ?1 ORDER BY coalesce(d.position, 0)"
    ))?;
    let rows = stmt.query_map([workshop_id], note_from_row)?;
    rows.map(|row| Ok(note_model(row?))).collect()
}

/// The membership of `user_id` on a workshop, if any.
pub(crate) fn member_record(
    conn: &Connection,
    workshop_id: &str,
    user_id: &str,
) -> Result<Option<MemberRecord>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, workshop_id, user_id, role, created_at, user_name FROM workshop_members
             WHERE workshop_id = ?1 AND user_id = ?2",
        )?
        .query_row((workshop_id, user_id), |r| {
            let role: String = r.get(3)?;
            Ok(MemberRecord {
                id: r.get(0)?,
                workshop_id: r.get(1)?,
                user_id: r.get(2)?,
                role: Role::parse(&role).ok_or_else(|| bad_text(3, &role))?,
                created_at: r.get(4)?,
                user_name: r.get(5)?,
                removed: false,
            })
        })
        .optional()?)
}

/// The local user's role on a workshop ([`Role::of`]): owner, the role it was shared with,
/// or `None` (a share that is gone: the copy stays until a pull takes it away).
pub(crate) fn role_on(
    conn: &Connection,
    workshop_id: &str,
    owner_id: &str,
    user_id: &str,
) -> Result<Option<Role>> {
    let membership = member_record(conn, workshop_id, user_id)?.map(|m| m.role);
    Ok(Role::of(owner_id, user_id, membership))
}

/// A conflict row's columns, in the order [`conflict_from_row`] reads them.
pub(crate) const CONFLICT_COLUMNS: &str = "id, workshop_id, user_id, kind, entity_id, step_id, field, base, theirs, mine, created_at, resolved_at, theirs_by";

pub(crate) fn conflict_from_row(r: &Row<'_>) -> rusqlite::Result<ConflictRecord> {
    let kind: String = r.get(3)?;
    let json =
        |i: usize| -> rusqlite::Result<Value> { Ok(json_column(r, i)?.unwrap_or(Value::Null)) };
    Ok(ConflictRecord {
        id: r.get(0)?,
        workshop_id: r.get(1)?,
        user_id: r.get(2)?,
        kind: serde_json::from_value(Value::String(kind.clone()))
            .map_err(|_| bad_text(3, &kind))?,
        entity_id: r.get(4)?,
        step_id: r.get(5)?,
        field: r.get(6)?,
        base: json(7)?,
        theirs: json(8)?,
        mine: json(9)?,
        created_at: r.get(10)?,
        resolved_at: r.get(11)?,
        theirs_by: json_column(r, 12)?
            .map(serde_json::from_value)
            .transpose()
            .map_err(|_| bad_text(12, "theirs_by"))?,
    })
}

/// Conflicts of this database, open ones only or all, newest first.
pub(crate) fn conflict_records(conn: &Connection, open_only: bool) -> Result<Vec<ConflictRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CONFLICT_COLUMNS} FROM conflicts WHERE (?1 = 0 OR resolved_at IS NULL) ORDER BY created_at DESC, id"
    ))?;
    let rows = stmt.query_map([open_only], conflict_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn conflict_record(conn: &Connection, id: &str) -> Result<Option<ConflictRecord>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {CONFLICT_COLUMNS} FROM conflicts WHERE id = ?1"
        ))?
        .query_row([id], conflict_from_row)
        .optional()?)
}
