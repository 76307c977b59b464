//! The writes of [`super::apply_mutation`]: each [`Change`] the domain returns, written whole
//! (insert, or replace the row with the same id) with `rev + 1`, as checked queries.

use sqlx::types::Json;
use sqlx::PgConnection;
use wp_domain::ids::{new_id, IdKind};
use wp_domain::{Change, ConflictKind, ConflictRecord, DomainError, SeriesRecord, SessionRecord};

use crate::ApiError;

/// The tables whose rows two devices may make "the same" of offline, under different ids.
#[derive(Clone, Copy)]
enum Keyed {
    /// `notes`: one per user and scope.
    Note,
    /// `workshop_members`: one per workshop and user.
    Member,
}

/// `id` if no row of the table has it yet, else a new one: two devices that made "the
/// same" note or member offline gave it different ids, and the server keeps the first.
async fn free_id(conn: &mut PgConnection, table: Keyed, id: &str) -> Result<String, ApiError> {
    let (taken, kind) = match table {
        Keyed::Note => (
            sqlx::query_scalar!(
                r#"SELECT EXISTS (SELECT 1 FROM notes WHERE id = $1) AS "taken!""#,
                id
            )
            .fetch_one(&mut *conn)
            .await?,
            IdKind::Note,
        ),
        Keyed::Member => (
            sqlx::query_scalar!(
                r#"SELECT EXISTS (SELECT 1 FROM workshop_members WHERE id = $1) AS "taken!""#,
                id
            )
            .fetch_one(&mut *conn)
            .await?,
            IdKind::Member,
        ),
    };
    Ok(if taken { new_id(kind) } else { id.to_string() })
}

/// Who writes: the caller, and the sync client that pushed the change (`None` for a REST
/// route or the rolling job). Rows a conflict can be about keep both as their author.
#[derive(Clone, Copy)]
pub struct Writer<'a> {
    pub user_id: &'a str,
    pub client_id: Option<&'a str>,
}

/// Who made the live value a new conflict is about: its row's author, device and time.
pub(super) struct Theirs {
    user_id: Option<String>,
    device: Option<String>,
    at: chrono::DateTime<chrono::Utc>,
}

/// The author of the live value `conflict` is about, read before the mutation writes
/// anything (its own write of the row would name the caller). `None` where the row has no
/// recorded author (written before `0011_conflict_authors.sql`).
pub(super) async fn theirs(
    conn: &mut PgConnection,
    conflict: &ConflictRecord,
) -> Result<Option<Theirs>, ApiError> {
    let row = match conflict.kind {
        ConflictKind::Title => sqlx::query!(
            "SELECT w.changed_by, c.device, w.changed_at AS \"at?\" FROM workshops w
             LEFT JOIN sync_clients c ON c.id = w.changed_client WHERE w.id = $1",
            conflict.entity_id
        )
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| (r.changed_by, r.device, r.at)),
        ConflictKind::OutputField => sqlx::query!(
            "SELECT s.changed_by, c.device, s.changed_at AS \"at?\" FROM workshop_steps s
             LEFT JOIN sync_clients c ON c.id = s.changed_client WHERE s.id = $1",
            conflict.entity_id
        )
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| (r.changed_by, r.device, r.at)),
        ConflictKind::Note => sqlx::query!(
            "SELECT n.user_id AS \"changed_by?\", c.device, n.changed_at AS \"at?\" FROM notes n
             LEFT JOIN sync_clients c ON c.id = n.changed_client
             WHERE n.workshop_id = $1 AND n.user_id = $2 AND n.step_id IS NOT DISTINCT FROM $3",
            conflict.workshop_id,
            conflict.user_id,
            conflict.step_id
        )
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| (r.changed_by, r.device, r.at)),
    };
    Ok(row.and_then(|(user_id, device, at)| {
        at.map(|at| Theirs {
            user_id,
            device,
            at,
        })
    }))
}

/// A count the domain holds unsigned, into its `integer` column (saturating: the domain's
/// limits keep it far below).
fn int(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// Writes a changed row whole: insert, or replace the row with the same id (a note: the
/// caller's note in the same scope), bumping `rev`. `user_id` is the caller, a note's or a
/// conflict's author. Returns the row's new `rev` and, for all but a conflict, the version
/// the write gave it (`migrations/0009_row_versions.sql`, `0010_schedule_versions.sql`).
/// `Ok(Err(_))` when a workshop, step, session or series id is already another workshop's
/// (or a workshop id another owner's).
pub(super) async fn write(
    conn: &mut PgConnection,
    change: &Change,
    writer: Writer<'_>,
    theirs: Option<&Theirs>,
) -> Result<Result<(i64, Option<String>), DomainError>, ApiError> {
    let Writer { user_id, client_id } = writer;
    let written = match change {
        Change::Workshop(w) => sqlx::query!(
            "INSERT INTO workshops (id, owner_id, title, original_idea, status, visibility, created_at, updated_at, deleted_at,
               changed_by, changed_client, changed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())
             ON CONFLICT (id) DO UPDATE SET title = excluded.title, original_idea = excluded.original_idea,
               status = excluded.status, visibility = excluded.visibility, updated_at = excluded.updated_at,
               deleted_at = excluded.deleted_at, rev = workshops.rev + 1,
               changed_by = CASE WHEN workshops.title <> excluded.title THEN excluded.changed_by ELSE workshops.changed_by END,
               changed_client = CASE WHEN workshops.title <> excluded.title THEN excluded.changed_client ELSE workshops.changed_client END,
               changed_at = CASE WHEN workshops.title <> excluded.title THEN excluded.changed_at ELSE workshops.changed_at END
             WHERE workshops.owner_id = excluded.owner_id
             RETURNING rev, version::text AS version",
            w.id,
            w.owner_id,
            w.title,
            w.original_idea,
            w.status.as_str(),
            w.visibility.as_str(),
            w.created_at,
            w.updated_at,
            w.deleted_at,
            user_id,
            client_id
        )
        .fetch_optional(conn)
        .await?
        .map(|r| (r.rev, r.version))
        .ok_or("workshopId"),
        Change::Step(s) => sqlx::query!(
            "INSERT INTO workshop_steps (id, workshop_id, step_id, status, output, summary, started_at, completed_at, updated_at,
               changed_by, changed_client, changed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())
             ON CONFLICT (id) DO UPDATE SET status = excluded.status, output = excluded.output,
               summary = excluded.summary, started_at = excluded.started_at, completed_at = excluded.completed_at,
               updated_at = excluded.updated_at, rev = workshop_steps.rev + 1,
               changed_by = CASE WHEN workshop_steps.output IS DISTINCT FROM excluded.output
                 THEN excluded.changed_by ELSE workshop_steps.changed_by END,
               changed_client = CASE WHEN workshop_steps.output IS DISTINCT FROM excluded.output
                 THEN excluded.changed_client ELSE workshop_steps.changed_client END,
               changed_at = CASE WHEN workshop_steps.output IS DISTINCT FROM excluded.output
                 THEN excluded.changed_at ELSE workshop_steps.changed_at END
             WHERE workshop_steps.workshop_id = excluded.workshop_id
             RETURNING rev, version::text AS version",
            s.id,
            s.workshop_id,
            s.step_id,
            s.status.as_str(),
            s.output.as_ref().map(Json) as _,
            s.summary,
            s.started_at,
            s.completed_at,
            s.updated_at,
            user_id,
            client_id
        )
        .fetch_optional(conn)
        .await?
        .map(|r| (r.rev, r.version))
        .ok_or("steps.id"),
        Change::Note(n) => {
            let id = free_id(conn, Keyed::Note, &n.id).await?;
            Ok(sqlx::query!(
                "INSERT INTO notes (id, workshop_id, user_id, step_id, content, created_at, updated_at, changed_client, changed_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
                 ON CONFLICT (workshop_id, user_id, step_id) DO UPDATE SET content = excluded.content,
                   updated_at = excluded.updated_at, rev = notes.rev + 1,
                   changed_client = excluded.changed_client, changed_at = excluded.changed_at
                 RETURNING rev, version::text AS version",
                id,
                n.workshop_id,
                user_id,
                n.step_id,
                n.content,
                n.created_at,
                n.updated_at,
                client_id
            )
            .fetch_optional(conn)
            .await?
            .map_or((0, None), |r| (r.rev, r.version)))
        }
        Change::Conflict(c) => {
            let id = if c.id.is_empty() {
                new_id(IdKind::Conflict)
            } else {
                c.id.clone()
            };
            let kind = serde_json::to_value(c.kind).map_err(ApiError::internal)?;
            let kind = kind
                .as_str()
                .ok_or_else(|| ApiError::internal("a conflict kind is not a name"))?;
            Ok(sqlx::query_scalar!(
                "INSERT INTO conflicts (id, workshop_id, user_id, kind, entity_id, step_id, field, base, theirs, mine, created_at, resolved_at,
                   theirs_by, theirs_device, theirs_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
                 ON CONFLICT (id) DO UPDATE SET resolved_at = excluded.resolved_at, rev = conflicts.rev + 1
                 WHERE conflicts.user_id = excluded.user_id
                 RETURNING rev",
                id,
                c.workshop_id,
                user_id,
                kind,
                c.entity_id,
                c.step_id,
                c.field,
                &c.base,
                &c.theirs,
                &c.mine,
                c.created_at,
                c.resolved_at,
                theirs.and_then(|t| t.user_id.as_deref()),
                theirs.and_then(|t| t.device.as_deref()),
                theirs.map(|t| t.at)
            )
            .fetch_optional(conn)
            .await?
            .map_or((0, None), |rev| (rev, None)))
        }
        Change::Session(session) => write_session(conn, session).await?.ok_or("sessionId"),
        Change::Series(series) => write_series(conn, series).await?.ok_or("seriesId"),
        // A removed member (`removeMember`): the row goes (the log keeps a tombstone, which
        // the removed user pulls too, so their copies let the workshop go).
        Change::Member(m) if m.removed => Ok(sqlx::query_scalar!(
            "DELETE FROM workshop_members WHERE workshop_id = $1 AND user_id = $2 RETURNING rev",
            m.workshop_id,
            m.user_id
        )
        .fetch_optional(conn)
        .await?
        .map_or((0, None), |rev| (rev, None))),
        Change::Member(m) => {
            let id = free_id(conn, Keyed::Member, &m.id).await?;
            Ok(sqlx::query!(
                "INSERT INTO workshop_members (id, workshop_id, user_id, role, created_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (workshop_id, user_id) DO UPDATE SET role = excluded.role, rev = workshop_members.rev + 1
                 RETURNING rev, version::text AS version",
                id,
                m.workshop_id,
                m.user_id,
                m.role.as_str(),
                m.created_at
            )
            .fetch_optional(conn)
            .await?
            .map_or((0, None), |r| (r.rev, r.version)))
        }
    };
    Ok(
        written
            .map_err(|field| DomainError::argument(field, "this id belongs to another workshop")),
    )
}

/// Writes a session whole: its new `rev` and version; `None` when its id is another
/// workshop's.
async fn write_session(
    conn: &mut PgConnection,
    s: &SessionRecord,
) -> Result<Option<(i64, Option<String>)>, ApiError> {
    Ok(sqlx::query!(
        "INSERT INTO sessions (id, workshop_id, series_id, local_date, title, description, scheduled_at, duration_minutes,
           status, is_private, max_capacity, attendee_count, actual_started_at, actual_ended_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, description = excluded.description,
           scheduled_at = excluded.scheduled_at, duration_minutes = excluded.duration_minutes,
           status = excluded.status, is_private = excluded.is_private, max_capacity = excluded.max_capacity,
           attendee_count = excluded.attendee_count, actual_started_at = excluded.actual_started_at,
           actual_ended_at = excluded.actual_ended_at, updated_at = excluded.updated_at, rev = sessions.rev + 1
         WHERE sessions.workshop_id = excluded.workshop_id
         RETURNING rev, version::text AS version",
        s.id,
        s.workshop_id,
        s.series_id,
        s.local_date,
        s.title,
        s.description,
        s.scheduled_at,
        int(s.duration_minutes),
        s.status.as_str(),
        s.is_private,
        s.max_capacity.map(int),
        int(s.attendee_count),
        s.actual_started_at,
        s.actual_ended_at,
        s.created_at,
        s.updated_at
    )
    .fetch_optional(conn)
    .await?
    .map(|r| (r.rev, r.version)))
}

/// Writes a series whole: its new `rev` and version; `None` when its id is another
/// workshop's.
async fn write_series(
    conn: &mut PgConnection,
    s: &SeriesRecord,
) -> Result<Option<(i64, Option<String>)>, ApiError> {
    Ok(sqlx::query!(
        "INSERT INTO series (id, workshop_id, title, description, rule, rrule, start_date, time_of_day, timezone,
           duration_minutes, is_active, is_private, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, description = excluded.description,
           rule = excluded.rule, rrule = excluded.rrule, start_date = excluded.start_date,
           time_of_day = excluded.time_of_day, timezone = excluded.timezone,
           duration_minutes = excluded.duration_minutes, is_active = excluded.is_active,
           is_private = excluded.is_private, updated_at = excluded.updated_at, rev = series.rev + 1
         WHERE series.workshop_id = excluded.workshop_id
         RETURNING rev, version::text AS version",
        s.id,
        s.workshop_id,
        s.title,
        s.description,
        Json(&s.rule) as _,
        s.rrule,
        s.start_date,
        s.time_of_day,
        s.timezone,
        int(s.duration_minutes),
        s.is_active,
        s.is_private,
        s.created_at,
        s.updated_at
    )
    .fetch_optional(conn)
    .await?
    .map(|r| (r.rev, r.version)))
}
