//! The reads of every table, checked at build time (`crates/server/.sqlx`, docs/server.md):
//! one column list per table, in the `select_*!` macros below, each a static query whose
//! tail (`WHERE`, a join, a lock) is a literal too, so sqlx checks the whole text against
//! the migrated schema. Aliases: `w` workshops, `s` steps (`d` their definitions), `n`
//! notes, `m` members, `c` conflicts, `o` sessions, `r` series.
//!
//! What a mutation reads ([`crate::apply`]) and what a pull sends (`crate::sync::pull`)
//! go through the functions here.

use sqlx::PgConnection;
use wp_domain::mutation::plan::Lock;
use wp_domain::Role;

use super::{ConflictRow, MemberRow, NoteRow, SeriesRow, SessionRow, StepRow, WorkshopRow};
use crate::ApiError;

macro_rules! select_workshops {
    ($tail:literal $(+ $more:literal)*, $($arg:expr),* $(,)?) => {
        sqlx::query_as!(
            $crate::rows::WorkshopRow,
            "SELECT w.id, w.owner_id, w.title, w.original_idea, w.status, w.visibility,
                    w.created_at, w.updated_at, w.deleted_at, w.rev, w.version::text AS version
             FROM workshops w " + $tail $(+ $more)*,
            $($arg),*
        )
    };
}

macro_rules! select_steps {
    ($tail:literal $(+ $more:literal)*, $($arg:expr),* $(,)?) => {
        sqlx::query_as!(
            $crate::rows::StepRow,
            r#"SELECT s.id, s.workshop_id, s.step_id, d.position AS "order", d.name, s.status,
                    s.output AS "output: sqlx::types::Json<Box<serde_json::value::RawValue>>",
                    s.summary, s.started_at, s.completed_at, s.updated_at, s.rev, s.version::text AS version
             FROM workshop_steps s JOIN step_definitions d ON d.id = s.step_id "# + $tail $(+ $more)*,
            $($arg),*
        )
    };
}

macro_rules! select_notes {
    ($tail:literal $(+ $more:literal)*, $($arg:expr),* $(,)?) => {
        sqlx::query_as!(
            $crate::rows::NoteRow,
            "SELECT n.id, n.workshop_id, n.step_id, n.content, n.created_at, n.updated_at, n.rev, n.version::text AS version
             FROM notes n " + $tail $(+ $more)*,
            $($arg),*
        )
    };
}

macro_rules! select_members {
    ($tail:literal $(+ $more:literal)*, $($arg:expr),* $(,)?) => {
        sqlx::query_as!(
            $crate::rows::MemberRow,
            "SELECT m.id, m.workshop_id, m.user_id, m.role, m.created_at, m.rev, m.version::text AS version,
                    (SELECT u.name FROM users u WHERE u.id = m.user_id) AS user_name
             FROM workshop_members m " + $tail $(+ $more)*,
            $($arg),*
        )
    };
}

macro_rules! select_conflicts {
    ($tail:literal $(+ $more:literal)*, $($arg:expr),* $(,)?) => {
        sqlx::query_as!(
            $crate::rows::ConflictRow,
            "SELECT c.id, c.workshop_id, c.user_id, c.kind, c.entity_id, c.step_id, c.field,
                    c.base, c.theirs, c.mine, c.created_at, c.resolved_at, c.rev,
                    c.theirs_by, (SELECT u.name FROM users u WHERE u.id = c.theirs_by) AS theirs_name,
                    c.theirs_device, c.theirs_at
             FROM conflicts c " + $tail $(+ $more)*,
            $($arg),*
        )
    };
}

macro_rules! select_sessions {
    ($tail:literal $(+ $more:literal)*, $($arg:expr),* $(,)?) => {
        sqlx::query_as!(
            $crate::rows::SessionRow,
            "SELECT o.id, o.workshop_id, o.series_id, o.local_date, o.title, o.description,
                    o.scheduled_at, o.duration_minutes, o.status, o.is_private, o.max_capacity,
                    o.attendee_count, o.actual_started_at, o.actual_ended_at, o.created_at,
                    o.updated_at, o.rev, o.version::text AS version
             FROM sessions o " + $tail $(+ $more)*,
            $($arg),*
        )
    };
}

macro_rules! select_series {
    ($tail:literal $(+ $more:literal)*, $($arg:expr),* $(,)?) => {
        sqlx::query_as!(
            $crate::rows::SeriesRow,
            r#"SELECT r.id, r.workshop_id, r.title, r.description,
                    r.rule AS "rule: sqlx::types::Json<wp_domain::series::RuleForm>",
                    r.rrule, r.start_date, r.time_of_day, r.timezone, r.duration_minutes,
                    r.is_active, r.is_private, r.created_at, r.updated_at, r.rev,
                    r.version::text AS version
             FROM series r "# + $tail $(+ $more)*,
            $($arg),*
        )
    };
}

/// One read of one row under the plan's [`Lock`]: three static queries, the same but for
/// their lock clause (`FOR NO KEY UPDATE` for [`Lock::Turns`], `FOR UPDATE` for
/// [`Lock::Update`]).
macro_rules! by_lock {
    ($lock:expr, $conn:expr, $select:ident!($tail:literal, $($arg:expr),*)) => {
        match $lock {
            Lock::None => $select!($tail, $($arg),*).fetch_optional(&mut *$conn).await?,
            Lock::Turns => {
                $select!($tail + " FOR NO KEY UPDATE", $($arg),*).fetch_optional(&mut *$conn).await?
            }
            Lock::Update => {
                $select!($tail + " FOR UPDATE", $($arg),*).fetch_optional(&mut *$conn).await?
            }
        }
    };
}

pub(crate) use select_sessions;

/// A workshop by id, trashed or not.
pub async fn workshop(
    conn: &mut PgConnection,
    id: &str,
    lock: Lock,
) -> Result<Option<WorkshopRow>, ApiError> {
    Ok(by_lock!(
        lock,
        conn,
        select_workshops!("WHERE w.id = $1", id)
    ))
}

/// A workshop `user_id` may read (the access view `workshop_roles`, migration 0006), not in
/// the trash: what every REST read starts from.
pub async fn readable_workshop(
    conn: &mut PgConnection,
    id: &str,
    user_id: &str,
) -> Result<Option<WorkshopRow>, ApiError> {
    Ok(select_workshops!(
        "WHERE w.id = $1 AND w.deleted_at IS NULL
           AND EXISTS (SELECT 1 FROM workshop_roles a WHERE a.workshop_id = w.id AND a.user_id = $2)",
        id,
        user_id
    )
    .fetch_optional(conn)
    .await?)
}

/// `user_id`'s membership role on a workshop they do not own, if they are a member.
pub async fn member_role(
    conn: &mut PgConnection,
    workshop_id: &str,
    user_id: &str,
) -> Result<Option<Role>, ApiError> {
    let role = sqlx::query_scalar!(
        "SELECT role FROM workshop_members WHERE workshop_id = $1 AND user_id = $2",
        workshop_id,
        user_id
    )
    .fetch_optional(conn)
    .await?;
    role.map(|r| Role::parse(&r).ok_or_else(|| super::bad("role", &r)))
        .transpose()
}

/// A conflict of a workshop by id; only `author`'s own when given.
pub async fn conflict(
    conn: &mut PgConnection,
    id: &str,
    workshop_id: &str,
    author: Option<&str>,
    lock: Lock,
) -> Result<Option<ConflictRow>, ApiError> {
    Ok(by_lock!(
        lock,
        conn,
        select_conflicts!(
            "WHERE c.id = $1 AND c.workshop_id = $2 AND ($3::text IS NULL OR c.user_id = $3)",
            id,
            workshop_id,
            author
        )
    ))
}

/// A workshop's step rows in step order; only the one with step definition `only` if given.
pub async fn steps(
    conn: &mut PgConnection,
    workshop_id: &str,
    only: Option<&str>,
) -> Result<Vec<StepRow>, ApiError> {
    Ok(select_steps!(
        "WHERE s.workshop_id = $1 AND ($2::text IS NULL OR s.step_id = $2) ORDER BY d.position",
        workshop_id,
        only
    )
    .fetch_all(conn)
    .await?)
}

/// `user_id`'s note on a workshop in a scope: the workshop (`None`) or a step.
pub async fn note(
    conn: &mut PgConnection,
    workshop_id: &str,
    user_id: &str,
    step_id: Option<&str>,
) -> Result<Option<NoteRow>, ApiError> {
    Ok(select_notes!(
        "WHERE n.workshop_id = $1 AND n.user_id = $2 AND n.step_id IS NOT DISTINCT FROM $3",
        workshop_id,
        user_id,
        step_id
    )
    .fetch_optional(conn)
    .await?)
}

/// `user_id`'s membership row of a workshop.
pub async fn member(
    conn: &mut PgConnection,
    workshop_id: &str,
    user_id: &str,
) -> Result<Option<MemberRow>, ApiError> {
    Ok(select_members!(
        "WHERE m.workshop_id = $1 AND m.user_id = $2",
        workshop_id,
        user_id
    )
    .fetch_optional(conn)
    .await?)
}

/// A session by id.
pub async fn session(
    conn: &mut PgConnection,
    id: &str,
    lock: Lock,
) -> Result<Option<SessionRow>, ApiError> {
    Ok(by_lock!(
        lock,
        conn,
        select_sessions!("WHERE o.id = $1", id)
    ))
}

/// A series by id.
pub async fn series(
    conn: &mut PgConnection,
    id: &str,
    lock: Lock,
) -> Result<Option<SeriesRow>, ApiError> {
    Ok(by_lock!(lock, conn, select_series!("WHERE r.id = $1", id)))
}

/// Every occurrence of a series (cancelled ones included), by local date.
pub async fn occurrences(
    conn: &mut PgConnection,
    series_id: &str,
) -> Result<Vec<SessionRow>, ApiError> {
    Ok(
        select_sessions!("WHERE o.series_id = $1 ORDER BY o.local_date", series_id)
            .fetch_all(conn)
            .await?,
    )
}

/// The ids a page of the change log names, per table, and the workshops the caller joined
/// in it (which come whole).
#[derive(Debug, Default)]
pub struct PageIds {
    pub workshops: Vec<String>,
    pub steps: Vec<String>,
    pub notes: Vec<String>,
    pub members: Vec<String>,
    pub conflicts: Vec<String>,
    pub series: Vec<String>,
    pub sessions: Vec<String>,
    pub joined: Vec<String>,
}

/// The current rows behind a page of the change log: one query per table for the rows the
/// page names and every row of a joined workshop (notes and conflicts: `user_id`'s own).
#[derive(Debug)]
pub struct Page {
    pub workshops: Vec<WorkshopRow>,
    pub steps: Vec<StepRow>,
    pub notes: Vec<NoteRow>,
    pub members: Vec<MemberRow>,
    pub conflicts: Vec<ConflictRow>,
    pub series: Vec<SeriesRow>,
    pub sessions: Vec<SessionRow>,
}

impl Page {
    pub async fn read(
        conn: &mut PgConnection,
        ids: &PageIds,
        user_id: &str,
    ) -> Result<Page, ApiError> {
        let joined = &ids.joined;
        Ok(Page {
            workshops: select_workshops!(
                "WHERE w.id = ANY($1) OR w.id = ANY($2)",
                &ids.workshops,
                joined
            )
            .fetch_all(&mut *conn)
            .await?,
            steps: select_steps!(
                "WHERE s.id = ANY($1) OR s.workshop_id = ANY($2) ORDER BY s.workshop_id, d.position",
                &ids.steps,
                joined
            )
            .fetch_all(&mut *conn)
            .await?,
            notes: select_notes!(
                "WHERE n.user_id = $3 AND (n.id = ANY($1) OR n.workshop_id = ANY($2))",
                &ids.notes,
                joined,
                user_id
            )
            .fetch_all(&mut *conn)
            .await?,
            members: select_members!(
                "WHERE m.id = ANY($1) OR m.workshop_id = ANY($2)",
                &ids.members,
                joined
            )
            .fetch_all(&mut *conn)
            .await?,
            conflicts: select_conflicts!(
                "WHERE c.user_id = $3 AND (c.id = ANY($1) OR c.workshop_id = ANY($2))",
                &ids.conflicts,
                joined,
                user_id
            )
            .fetch_all(&mut *conn)
            .await?,
            series: select_series!(
                "WHERE r.id = ANY($1) OR r.workshop_id = ANY($2) ORDER BY r.created_at, r.id",
                &ids.series,
                joined
            )
            .fetch_all(&mut *conn)
            .await?,
            sessions: select_sessions!(
                "WHERE o.id = ANY($1) OR o.workshop_id = ANY($2) ORDER BY o.scheduled_at, o.id",
                &ids.sessions,
                joined
            )
            .fetch_all(&mut *conn)
            .await?,
        })
    }
}
