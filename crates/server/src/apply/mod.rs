//! The server's one adapter to the domain: the PostgreSQL twin of the desktop store's write
//! path. It runs the domain's read plan of a mutation ([`ReadPlan`]: the rows it reads, in
//! the order a server locks them, workshop first), runs [`wp_domain::mutation::apply`] on
//! them, and writes each row it returns ([`write`], `rev + 1`). REST routes, sync push and
//! the rolling job all go through [`apply_mutation`].
//!
//! The workshop row is read `FOR NO KEY UPDATE` ([`Lock::Turns`]): writers of one workshop
//! take turns, while inserts of its child rows, which take a key-share lock, go on.

mod write;

pub use write::Writer;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use wp_domain::mutation::plan::{Author, StepRead};
use wp_domain::mutation::{apply, Context, ReadPlan};
use wp_domain::{Change, ConflictRecord, DomainError, Mutation, Role, Rows};

use crate::rows::{select, StepRow};
use crate::ApiError;

/// Reads what one stage of a [`ReadPlan`] asks for besides the workshop row, into `rows`;
/// returns the conflict it read, if any (its kind decides the second stage).
async fn read(
    conn: &mut PgConnection,
    plan: &ReadPlan<'_>,
    user_id: &str,
    rows: &mut Rows,
) -> Result<Option<ConflictRecord>, ApiError> {
    let workshop_id = plan.workshop.id;
    let conflict = match plan.conflict {
        Some(read) => {
            let author = (read.author == Author::Actor).then_some(user_id);
            select::conflict(conn, read.id, workshop_id, author, read.lock)
                .await?
                .map(|c| c.record())
                .transpose()?
        }
        None => None,
    };
    if let Some(read) = plan.steps {
        let only = match read {
            StepRead::All => None,
            StepRead::One(step_id) => Some(step_id),
        };
        rows.steps = select::steps(conn, workshop_id, only)
            .await?
            .into_iter()
            .map(StepRow::record)
            .collect::<Result<_, _>>()?;
    }
    if let Some(scope) = plan.note {
        rows.note = select::note(conn, workshop_id, user_id, scope)
            .await?
            .map(|n| n.record());
    }
    if let Some(member) = plan.member {
        rows.member = select::member(conn, workshop_id, member)
            .await?
            .map(|m| m.record())
            .transpose()?;
    }
    if let Some(read) = plan.session {
        rows.sessions = select::session(conn, read.id, read.lock)
            .await?
            .map(|s| s.record())
            .transpose()?
            .into_iter()
            .collect();
    }
    if let Some(read) = plan.series {
        // Two runs of the rolling job take turns on the series row.
        rows.series = select::series(conn, read.id, read.lock)
            .await?
            .map(|s| s.record())
            .transpose()?
            .filter(|s| s.workshop_id == workshop_id);
        rows.sessions = select::occurrences(conn, read.id)
            .await?
            .into_iter()
            .map(|s| s.record())
            .collect::<Result<_, _>>()?;
    }
    Ok(conflict)
}

/// Runs the read plan of `mutation` (both stages for a conflict's resolution); returns the
/// rows and the caller's role ([`Role::of`]).
async fn load(
    conn: &mut PgConnection,
    mutation: &Mutation,
    user_id: &str,
) -> Result<(Rows, Option<Role>), ApiError> {
    let plan = ReadPlan::of(mutation);
    let Some(workshop) = select::workshop(conn, plan.workshop.id, plan.workshop.lock).await? else {
        return Ok((Rows::default(), None));
    };
    let workshop = workshop.record()?;
    // The owner's role needs no membership row ([`Role::of`]): one query fewer per change.
    let membership = if workshop.owner_id == user_id {
        None
    } else {
        select::member_role(conn, &workshop.id, user_id).await?
    };
    let role = Role::of(&workshop.owner_id, user_id, membership);
    let mut rows = Rows {
        workshop: Some(workshop),
        ..Rows::default()
    };
    if let Some(conflict) = read(conn, &plan, user_id, &mut rows).await? {
        if let Some(second) = ReadPlan::for_conflict(plan.workshop.id, &conflict) {
            read(conn, &second, user_id, &mut rows).await?;
        }
        rows.conflict = Some(conflict);
    }
    Ok((rows, role))
}

/// A row a mutation wrote, with its new `rev` and version (`write::write`).
pub type Written = (Change, i64, Option<String>);

/// Applies `mutation` for the writer's user inside the caller's transaction: the domain's rules
/// decide, this writes. Returns each written row with its new `rev` and version. `Ok(Err(_))` is a rule
/// the mutation broke (nothing written); `Err(_)` is the database failing.
pub async fn apply_mutation(
    conn: &mut PgConnection,
    mutation: &Mutation,
    writer: Writer<'_>,
) -> Result<Result<Vec<Written>, DomainError>, ApiError> {
    apply_mutation_at(conn, mutation, writer, Utc::now()).await
}

/// [`apply_mutation`] on a given clock: the rolling job's injected "now".
pub async fn apply_mutation_at(
    conn: &mut PgConnection,
    mutation: &Mutation,
    writer: Writer<'_>,
    now: DateTime<Utc>,
) -> Result<Result<Vec<Written>, DomainError>, ApiError> {
    let user_id = writer.user_id;
    if let Mutation::AddMember {
        user_id: member, ..
    } = mutation
    {
        if !crate::auth::user_exists(conn, member).await? {
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
    // A new conflict names who made the live value: read before this mutation writes it.
    let mut authors = Vec::with_capacity(changes.len());
    for change in &changes {
        authors.push(match change {
            Change::Conflict(c) if c.resolved_at.is_none() => write::theirs(conn, c).await?,
            _ => None,
        });
    }
    let mut written = Vec::with_capacity(changes.len());
    for (change, theirs) in changes.into_iter().zip(authors) {
        match write::write(conn, &change, writer, theirs.as_ref()).await? {
            Ok((rev, version)) => written.push((change, rev, version)),
            Err(e) => return Ok(Err(e)),
        }
    }
    Ok(Ok(written))
}
