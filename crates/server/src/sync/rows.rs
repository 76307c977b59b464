//! The PostgreSQL twin of the desktop store's write path: load the rows a [`Mutation`]
//! reads (the workshop row locked `FOR NO KEY UPDATE`: writers of one workshop take turns, while inserts of its child rows, which take a key-share lock, go on), run [`wp_domain::mutation::apply`], write the rows it
//! returns, each `rev + 1`. REST routes and sync push both go through [`apply_mutation`].

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use wp_domain::ids::{new_id, IdKind};
use wp_domain::mutation::{apply, Context};
use wp_domain::{
    Change, ConflictKind, ConflictRecord, DomainError, MemberRecord, Mutation, NoteRecord, Role,
    Rows, StepRecord, StepStatus, Visibility, WorkshopRecord, WorkshopStatus,
};

use crate::ApiError;

fn bad(what: &str, value: &str) -> ApiError {
    ApiError::internal(format!("stored {what} \"{value}\" is not valid"))
}

#[derive(sqlx::FromRow)]
pub(crate) struct WorkshopDb {
    pub id: String,
    pub owner_id: String,
    pub title: String,
    pub original_idea: String,
    pub status: String,
    pub visibility: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub rev: i64,
}

impl WorkshopDb {
    pub fn record(self) -> Result<WorkshopRecord, ApiError> {
        Ok(WorkshopRecord {
            status: WorkshopStatus::parse(&self.status)
                .ok_or_else(|| bad("status", &self.status))?,
            visibility: Visibility::parse(&self.visibility)
                .ok_or_else(|| bad("visibility", &self.visibility))?,
            id: self.id,
            owner_id: self.owner_id,
            title: self.title,
            original_idea: self.original_idea,
            created_at: self.created_at,
            updated_at: self.updated_at,
            deleted_at: self.deleted_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct StepDb {
    pub id: String,
    pub workshop_id: String,
    pub step_id: String,
    pub status: String,
    pub output: Option<sqlx::types::Json<Value>>,
    pub summary: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub rev: i64,
}

impl StepDb {
    pub fn record(self) -> Result<StepRecord, ApiError> {
        Ok(StepRecord {
            status: StepStatus::parse(&self.status).ok_or_else(|| bad("status", &self.status))?,
            id: self.id,
            workshop_id: self.workshop_id,
            step_id: self.step_id,
            output: self.output.map(|j| j.0),
            summary: self.summary,
            started_at: self.started_at,
            completed_at: self.completed_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct NoteDb {
    pub id: String,
    pub workshop_id: String,
    pub step_id: Option<String>,
    pub content: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub rev: i64,
}

impl NoteDb {
    pub fn record(self) -> NoteRecord {
        NoteRecord {
            id: self.id,
            workshop_id: self.workshop_id,
            step_id: self.step_id,
            content: self.content,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MemberDb {
    pub id: String,
    pub workshop_id: String,
    pub user_id: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub rev: i64,
    pub user_name: Option<String>,
}

impl MemberDb {
    pub fn record(self) -> Result<MemberRecord, ApiError> {
        Ok(MemberRecord {
            role: Role::parse(&self.role).ok_or_else(|| bad("role", &self.role))?,
            id: self.id,
            workshop_id: self.workshop_id,
            user_id: self.user_id,
            created_at: self.created_at,
            user_name: self.user_name,
            removed: false,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ConflictDb {
    pub id: String,
    pub workshop_id: String,
    pub user_id: String,
    pub kind: String,
    pub entity_id: String,
    pub step_id: Option<String>,
    pub field: Option<String>,
    pub base: sqlx::types::Json<Value>,
    pub theirs: sqlx::types::Json<Value>,
    pub mine: sqlx::types::Json<Value>,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub rev: i64,
}

impl ConflictDb {
    pub fn record(self) -> Result<ConflictRecord, ApiError> {
        Ok(ConflictRecord {
            kind: serde_json::from_value(Value::String(self.kind.clone()))
                .map_err(|_| bad("conflict kind", &self.kind))?,
            id: self.id,
            workshop_id: self.workshop_id,
            user_id: self.user_id,
            entity_id: self.entity_id,
            step_id: self.step_id,
            field: self.field,
            base: self.base.0,
            theirs: self.theirs.0,
            mine: self.mine.0,
            created_at: self.created_at,
            resolved_at: self.resolved_at,
        })
    }
}

pub(crate) const CONFLICT_SELECT: &str = "SELECT id, workshop_id, user_id, kind, entity_id, step_id, field, base, theirs, mine, created_at, resolved_at, rev FROM conflicts";

pub(crate) const WORKSHOP_SELECT: &str = "SELECT id, owner_id, title, original_idea, status, visibility, created_at, updated_at, deleted_at, rev FROM workshops";
pub(crate) const STEP_SELECT: &str = "SELECT s.id, s.workshop_id, s.step_id, s.status, s.output, s.summary, s.started_at, s.completed_at, s.updated_at, s.rev FROM workshop_steps s";
pub(crate) const NOTE_SELECT: &str =
    "SELECT id, workshop_id, step_id, content, created_at, updated_at, rev FROM notes";
/// With the member's name (`users.name`), so that pulled memberships name people.
pub(crate) const MEMBER_SELECT: &str = "SELECT id, workshop_id, user_id, role, created_at, rev,
       (SELECT u.name FROM users u WHERE u.id = workshop_members.user_id) AS user_name
     FROM workshop_members";

/// Loads what `mutation` reads, locking the workshop row (`FOR UPDATE`) so that writers of
/// one workshop take turns; returns the rows and the caller's role.
async fn load(
    conn: &mut PgConnection,
    mutation: &Mutation,
    user_id: &str,
) -> Result<(Rows, Option<Role>), ApiError> {
    let workshop_id = mutation.workshop_id();
    let workshop: Option<WorkshopDb> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{WORKSHOP_SELECT} WHERE id = $1 FOR NO KEY UPDATE"
    )))
    .bind(workshop_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(workshop) = workshop else {
        return Ok((Rows::default(), None));
    };
    let workshop = workshop.record()?;
    // The owner's role needs no membership row ([`Role::of`]): one query fewer per change.
    let membership = if workshop.owner_id == user_id {
        None
    } else {
        let role: Option<String> = sqlx::query_scalar(
            "SELECT role FROM workshop_members WHERE workshop_id = $1 AND user_id = $2",
        )
        .bind(workshop_id)
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
        role.map(|r| Role::parse(&r).ok_or_else(|| bad("role", &r)))
            .transpose()?
    };
    let role = Role::of(&workshop.owner_id, user_id, membership);
    let mut rows = Rows {
        workshop: Some(workshop),
        ..Rows::default()
    };
    if let Mutation::ResolveConflict { conflict_id, .. } = mutation {
        let found: Option<ConflictDb> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{CONFLICT_SELECT} WHERE id = $1 AND workshop_id = $2 AND user_id = $3 FOR UPDATE"
        )))
        .bind(conflict_id)
        .bind(workshop_id)
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
        rows.conflict = found.map(ConflictDb::record).transpose()?;
    }
    let conflict_kind = rows.conflict.as_ref().map(|c| c.kind);
    let only_step = match mutation {
        Mutation::SaveStepOutput { step_id, .. } => Some(step_id.as_str()),
        _ => None,
    };
    if conflict_kind == Some(ConflictKind::OutputField)
        || matches!(
            mutation,
            Mutation::SaveStepOutput { .. }
                | Mutation::StartStep { .. }
                | Mutation::CompleteStep { .. }
                | Mutation::AdvanceStep { .. }
                | Mutation::ReviseStep { .. }
                | Mutation::CompleteWorkshop { .. }
        )
    {
        let steps: Vec<StepDb> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{STEP_SELECT} JOIN step_definitions d ON d.id = s.step_id
             WHERE s.workshop_id = $1 AND ($2::text IS NULL OR s.step_id = $2) ORDER BY d.position"
        )))
        .bind(workshop_id)
        .bind(only_step)
        .fetch_all(&mut *conn)
        .await?;
        rows.steps = steps
            .into_iter()
            .map(StepDb::record)
            .collect::<Result<_, _>>()?;
    }
    let note_scope = match mutation {
        Mutation::SetNote { step_id, .. } => Some(step_id.clone()),
        _ if conflict_kind == Some(ConflictKind::Note) => {
            Some(rows.conflict.as_ref().and_then(|c| c.step_id.clone()))
        }
        _ => None,
    };
    if let Some(step_id) = note_scope {
        let note: Option<NoteDb> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{NOTE_SELECT} WHERE workshop_id = $1 AND user_id = $2 AND step_id IS NOT DISTINCT FROM $3"
        )))
        .bind(workshop_id)
        .bind(user_id)
        .bind(step_id)
        .fetch_optional(&mut *conn)
        .await?;
        rows.note = note.map(NoteDb::record);
    }
    if let Mutation::AddMember {
        user_id: member, ..
    }
    | Mutation::RemoveMember {
        user_id: member, ..
    } = mutation
    {
        let found: Option<MemberDb> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{MEMBER_SELECT} WHERE workshop_id = $1 AND user_id = $2"
        )))
        .bind(workshop_id)
        .bind(member)
        .fetch_optional(&mut *conn)
        .await?;
        rows.member = found.map(MemberDb::record).transpose()?;
    }
    super::schedule_rows::load(conn, mutation, &mut rows).await?;
    Ok((rows, role))
}

/// `id` if no row of `table` has it yet, else a new one of `kind`: two devices that made
/// "the same" note or member offline gave it different ids, and the server keeps the first.
async fn free_id(
    conn: &mut PgConnection,
    table: &str,
    id: &str,
    kind: IdKind,
) -> Result<String, ApiError> {
    let taken: Option<i32> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT 1 FROM {table} WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match taken {
        Some(_) => new_id(kind),
        None => id.to_string(),
    })
}

/// Writes a changed row whole: insert, or replace the row with the same id (a note: the
/// caller's note in the same scope), bumping `rev`. `user_id` is the caller, a note's author.
/// `Ok(Err(_))` when a workshop or step id is already another workshop's.
async fn write(
    conn: &mut PgConnection,
    change: &Change,
    user_id: &str,
) -> Result<Result<i64, DomainError>, ApiError> {
    let taken = |field: &str| {
        Ok(Err(DomainError::argument(
            field,
            "this id belongs to another workshop",
        )))
    };
    let rev = match change {
        Change::Workshop(w) => {
            let done: Option<i64> = sqlx::query_scalar(
                "INSERT INTO workshops (id, owner_id, title, original_idea, status, visibility, created_at, updated_at, deleted_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (id) DO UPDATE SET title = excluded.title, original_idea = excluded.original_idea,
                   status = excluded.status, visibility = excluded.visibility, updated_at = excluded.updated_at,
                   deleted_at = excluded.deleted_at, rev = workshops.rev + 1
                 WHERE workshops.owner_id = excluded.owner_id
                 RETURNING rev",
            )
            .bind(&w.id)
            .bind(&w.owner_id)
            .bind(&w.title)
            .bind(&w.original_idea)
            .bind(w.status.as_str())
            .bind(w.visibility.as_str())
            .bind(w.created_at)
            .bind(w.updated_at)
            .bind(w.deleted_at)
            .fetch_optional(conn)
            .await?;
            let Some(rev) = done else {
                return taken("workshopId");
            };
            rev
        }
        Change::Step(s) => {
            let done: Option<i64> = sqlx::query_scalar(
                "INSERT INTO workshop_steps (id, workshop_id, step_id, status, output, summary, started_at, completed_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (id) DO UPDATE SET status = excluded.status, output = excluded.output,
                   summary = excluded.summary, started_at = excluded.started_at, completed_at = excluded.completed_at,
                   updated_at = excluded.updated_at, rev = workshop_steps.rev + 1
                 WHERE workshop_steps.workshop_id = excluded.workshop_id
                 RETURNING rev",
            )
            .bind(&s.id)
            .bind(&s.workshop_id)
            .bind(&s.step_id)
            .bind(s.status.as_str())
            .bind(s.output.as_ref().map(sqlx::types::Json))
            .bind(&s.summary)
            .bind(s.started_at)
            .bind(s.completed_at)
            .bind(s.updated_at)
            .fetch_optional(conn)
            .await?;
            let Some(rev) = done else {
                return taken("steps.id");
            };
            rev
        }
        Change::Note(n) => {
            let id = free_id(conn, "notes", &n.id, IdKind::Note).await?;
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO notes (id, workshop_id, user_id, step_id, content, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (workshop_id, user_id, step_id) DO UPDATE SET content = excluded.content,
                   updated_at = excluded.updated_at, rev = notes.rev + 1
                 RETURNING rev",
            )
            .bind(&id)
            .bind(&n.workshop_id)
            .bind(user_id)
            .bind(&n.step_id)
            .bind(&n.content)
            .bind(n.created_at)
            .bind(n.updated_at)
            .fetch_optional(conn)
            .await?
            .unwrap_or(0)
        }
        Change::Conflict(c) => {
            let id = if c.id.is_empty() {
                new_id(IdKind::Conflict)
            } else {
                c.id.clone()
            };
            let kind = serde_json::to_value(c.kind).map_err(ApiError::internal)?;
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO conflicts (id, workshop_id, user_id, kind, entity_id, step_id, field, base, theirs, mine, created_at, resolved_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                 ON CONFLICT (id) DO UPDATE SET resolved_at = excluded.resolved_at, rev = conflicts.rev + 1
                 WHERE conflicts.user_id = excluded.user_id
                 RETURNING rev",
            )
            .bind(&id)
            .bind(&c.workshop_id)
            .bind(user_id)
            .bind(kind.as_str())
            .bind(&c.entity_id)
            .bind(&c.step_id)
            .bind(&c.field)
            .bind(sqlx::types::Json(&c.base))
            .bind(sqlx::types::Json(&c.theirs))
            .bind(sqlx::types::Json(&c.mine))
            .bind(c.created_at)
            .bind(c.resolved_at)
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or(0)
        }
        Change::Session(session) => {
            let Some(rev) = super::schedule_rows::write_session(conn, session).await? else {
                return taken("sessionId");
            };
            rev
        }
        Change::Series(series) => {
            let Some(rev) = super::schedule_rows::write_series(conn, series).await? else {
                return taken("seriesId");
            };
            rev
        }
        // A removed member (`removeMember`): the row goes (the log keeps a tombstone, which
        // the removed user pulls too, so their copies let the workshop go).
        Change::Member(m) if m.removed => sqlx::query_scalar::<_, i64>(
            "DELETE FROM workshop_members WHERE workshop_id = $1 AND user_id = $2 RETURNING rev",
        )
        .bind(&m.workshop_id)
        .bind(&m.user_id)
        .fetch_optional(conn)
        .await?
        .unwrap_or(0),
        Change::Member(m) => {
            let id = free_id(conn, "workshop_members", &m.id, IdKind::Member).await?;
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO workshop_members (id, workshop_id, user_id, role, created_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (workshop_id, user_id) DO UPDATE SET role = excluded.role, rev = workshop_members.rev + 1
                 RETURNING rev",
            )
            .bind(&id)
            .bind(&m.workshop_id)
            .bind(&m.user_id)
            .bind(m.role.as_str())
            .bind(m.created_at)
            .fetch_optional(conn)
            .await?
            .unwrap_or(0)
        }
    };
    Ok(Ok(rev))
}

/// Applies `mutation` for `user_id` inside the caller's transaction: the domain's rules
/// decide, this writes. Returns each written row with its new `rev`. `Ok(Err(_))` is a rule the mutation broke (nothing written);
/// `Err(_)` is the database failing.
pub async fn apply_mutation(
    conn: &mut PgConnection,
    mutation: &Mutation,
    user_id: &str,
) -> Result<Result<Vec<(Change, i64)>, DomainError>, ApiError> {
    apply_mutation_at(conn, mutation, user_id, Utc::now()).await
}

/// [`apply_mutation`] on a given clock: the rolling job's injected "now".
pub async fn apply_mutation_at(
    conn: &mut PgConnection,
    mutation: &Mutation,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<Result<Vec<(Change, i64)>, DomainError>, ApiError> {
    if let Mutation::AddMember {
        user_id: member, ..
    } = mutation
    {
        let exists: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
            .bind(member)
            .fetch_optional(&mut *conn)
            .await?;
        if exists.is_none() {
            return Ok(Err(DomainError::argument("userId", "no such user")));
        }
    }
    let (rows, role) = load(conn, mutation, user_id).await?;
    let ctx = Context {
        now,
        actor: user_id.to_string(),
        role,
    };
    let changes = match apply(&rows, mutation, &ctx) {
        Ok(changes) => changes,
        Err(e) => return Ok(Err(e)),
    };
    let mut written = Vec::with_capacity(changes.len());
    for change in changes {
        match write(conn, &change, user_id).await? {
            Ok(rev) => written.push((change, rev)),
            Err(e) => return Ok(Err(e)),
        }
    }
    Ok(Ok(written))
}
