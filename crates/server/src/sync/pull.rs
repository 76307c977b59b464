//! `GET /api/sync/pull`: every change the caller may see since their cursor, in commit order.

use std::collections::{HashMap, HashSet};

use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use sqlx::PgConnection;
use wp_domain::protocol::{PullResponse, PulledChange, PutRow, Tombstone};
use wp_domain::Change;

use crate::auth::User;
use crate::rows::select::{Page, PageIds};
use crate::{ApiError, AppState};

/// Rows per page when the client does not say: 500.
pub const DEFAULT_LIMIT: i64 = 500;
/// Most rows per page: 2,000.
pub const MAX_LIMIT: i64 = 2_000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullQuery {
    cursor: Option<String>,
    /// The `seen` of an earlier answer: the newest change the client may hold the effects of.
    seen: Option<String>,
    limit: Option<i64>,
    client_id: Option<String>,
}

/// A position in the change log and the id of the change there: `"{position}.{changeId}"`.
struct Cursor {
    position: i64,
    change_id: String,
}

impl Cursor {
    fn parse(text: &str) -> Option<Cursor> {
        let (position, change_id) = text.split_once('.')?;
        Some(Cursor {
            position: position.parse().ok().filter(|p| *p > 0)?,
            change_id: change_id.to_string(),
        })
    }

    fn text(&self) -> String {
        format!("{}.{}", self.position, self.change_id)
    }
}

/// A `sync_log` entry: what changed (an entity and its id), where, and whose it is.
struct Entry {
    position: i64,
    change_id: String,
    entity: String,
    entity_id: String,
    workshop_id: String,
    user_id: Option<String>,
    deleted: bool,
}

/// Whether a cursor and a `seen` can be served ([`served`]).
pub(super) enum Served {
    /// Yes: read the log after this position (0 without a cursor).
    From(i64),
    /// No: the client starts over from a full pull; `expired` when only the trim is why.
    Reset { expired: bool },
}

/// Checks a cursor and a `seen` against the log as `tx` sees it. Both must name changes this
/// log still holds, at their positions. A change the log holds under another id, or a
/// position past its end, is rewritten history (a restore): that is checked first, wherever
/// the entry is still there. A position at or below the horizon of trimmed entries whose
/// entry is gone may have missed a trimmed tombstone: an expired reset.
pub(super) async fn served(
    tx: &mut PgConnection,
    cursor: Option<&str>,
    seen: Option<&str>,
) -> Result<Served, ApiError> {
    let horizon = super::retention::horizon(&mut *tx).await?;
    let mut from = 0;
    let mut expired = false;
    for (i, text) in [cursor, seen].into_iter().enumerate() {
        let Some(text) = text.filter(|c| !c.is_empty()) else {
            continue;
        };
        let Some(cursor) = Cursor::parse(text) else {
            return Ok(Served::Reset { expired: false });
        };
        let held = sqlx::query_scalar!(
            r#"SELECT change_id::text AS "change_id!" FROM sync_log WHERE position = $1"#,
            cursor.position
        )
        .fetch_optional(&mut *tx)
        .await?;
        match held {
            Some(id) if id != cursor.change_id => return Ok(Served::Reset { expired: false }),
            None if cursor.position > horizon => return Ok(Served::Reset { expired: false }),
            _ => {}
        }
        // Entries between a position at or below the horizon and the horizon may be gone.
        expired |= cursor.position <= horizon;
        if i == 0 {
            from = cursor.position;
        }
    }
    Ok(if expired {
        Served::Reset { expired: true }
    } else {
        Served::From(from)
    })
}

/// The log's end as `tx` sees it, `"{position}.{changeId}"`; empty for an empty log.
pub(super) async fn log_end(tx: &mut PgConnection) -> Result<String, ApiError> {
    Ok(sqlx::query!(
        r#"SELECT position, change_id::text AS "change_id!" FROM sync_log ORDER BY position DESC LIMIT 1"#
    )
    .fetch_optional(tx)
    .await?
    .map(|e| format!("{}.{}", e.position, e.change_id))
    .unwrap_or_default())
}

/// `GET /api/sync/pull?cursor=&limit=&clientId=` → 200 [`PullResponse`].
///
/// Reads in one REPEATABLE READ snapshot. A cursor names a position and the change there; if
/// that change is not what the log holds (a restored backup rewrote history), the position
/// is past the log's end, or the cursor is malformed, the answer is `reset: true` and the
/// client rebuilds from a full pull. `seen` is checked the same way: rows come with their
/// current values, so a client may hold effects of changes past its cursor, up to the
/// `seen` of the answer that brought them. A cursor at or below the horizon of trimmed
/// entries ([`super::retention`]) gets `reset` with `expired`. Within a page, each row comes once, at its first
/// position, with its current value; a workshop the caller just gained access to comes whole.
pub async fn pull(
    State(state): State<AppState>,
    user: User,
    Query(query): Query<PullQuery>,
) -> Result<Json<PullResponse>, ApiError> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let mut tx = state
        .pool
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await?;
    let last_mutation_id: i64 = match &query.client_id {
        Some(client) => sqlx::query_scalar!(
            "SELECT last_mutation_id FROM sync_clients WHERE id = $1 AND user_id = $2",
            client,
            user.id
        )
        .fetch_optional(&mut *tx)
        .await?
        .unwrap_or(0),
        None => 0,
    };
    let reset = |expired: bool| {
        Json(PullResponse {
            reset: true,
            expired,
            cursor: String::new(),
            has_more: true,
            last_mutation_id,
            changes: vec![],
            seen: String::new(),
            workshops: None,
        })
    };
    let from = match served(&mut tx, query.cursor.as_deref(), query.seen.as_deref()).await? {
        Served::From(position) => position,
        Served::Reset { expired } => return Ok(reset(expired)),
    };
    // Rows come with their current values, which may include changes past the cursor: the
    // log's end in this snapshot is the newest change the client may hold after this page.
    let end = sqlx::query!(
        r#"SELECT position, change_id::text AS "change_id!" FROM sync_log ORDER BY position DESC LIMIT 1"#
    )
    .fetch_optional(&mut *tx)
    .await?
    .map(|e| (e.position, e.change_id));
    // Who can see a log entry: the workshop's owner and members (the access view); a note
    // or a conflict only its author; and a removed member the tombstone of their own
    // membership, so that their copies let the workshop go.
    let entries = sqlx::query_as!(
        Entry,
        r#"SELECT l.position, l.change_id::text AS "change_id!", l.entity, l.entity_id, l.workshop_id,
                l.user_id, l.deleted
         FROM sync_log l
         WHERE l.position > $1
           AND (((l.entity NOT IN ('note', 'conflict') OR l.user_id = $2)
                 AND EXISTS (SELECT 1 FROM workshop_roles r
                             WHERE r.workshop_id = l.workshop_id AND r.user_id = $2))
                OR (l.entity = 'member' AND l.deleted AND l.user_id = $2))
         ORDER BY l.position LIMIT $3"#,
        from,
        user.id,
        limit + 1
    )
    .fetch_all(&mut *tx)
    .await?;
    let has_more = entries.len() as i64 > limit;
    let entries = &entries[..entries.len().min(limit as usize)];
    let next = match entries.last() {
        Some(last) if has_more => Some(Cursor {
            position: last.position,
            change_id: last.change_id.clone(),
        }),
        // The whole log as this snapshot sees it has been read: move to its end, past
        // changes the caller may not see.
        _ => end
            .clone()
            .filter(|(position, _)| *position > from)
            .map(|(position, change_id)| Cursor {
                position,
                change_id,
            }),
    };
    let changes = page(&mut tx, entries, &user.id).await?;
    let workshops = if from == 0 {
        sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM workshop_roles WHERE user_id = $1"#,
            user.id
        )
        .fetch_one(&mut *tx)
        .await
        .map(Some)?
    } else {
        None
    };
    tx.commit().await?;
    Ok(Json(PullResponse {
        seen: end
            .map(|(position, change_id)| {
                Cursor {
                    position,
                    change_id,
                }
                .text()
            })
            .unwrap_or_default(),
        reset: false,
        expired: false,
        cursor: next.map(|c| c.text()).or(query.cursor).unwrap_or_default(),
        has_more,
        last_mutation_id,
        changes,
        workshops,
    }))
}

/// The current rows behind a page of log entries, each once, in the order of its first entry.
async fn page(
    conn: &mut PgConnection,
    entries: &[Entry],
    user_id: &str,
) -> Result<Vec<PulledChange>, ApiError> {
    let ids = |entity: &str| -> Vec<String> {
        entries
            .iter()
            .filter(|e| e.entity == entity)
            .map(|e| e.entity_id.clone())
            .collect()
    };
    // Workshops the caller gained access to in this page come whole.
    let joined: Vec<String> = entries
        .iter()
        .filter(|e| e.entity == "member" && !e.deleted && e.user_id.as_deref() == Some(user_id))
        .map(|e| e.workshop_id.clone())
        .collect();
    let ids = PageIds {
        workshops: ids("workshop"),
        steps: ids("step"),
        notes: ids("note"),
        members: ids("member"),
        conflicts: ids("conflict"),
        series: ids("series"),
        sessions: ids("session"),
        joined,
    };
    let page = Page::read(conn, &ids, user_id).await?;
    let joined = ids.joined;

    let current = put_rows(page);
    let mut rows: HashMap<(String, String), PutRow> = HashMap::new();
    let mut whole: HashMap<String, Vec<PutRow>> = HashMap::new();
    for put in current {
        let put = put?;
        let (entity, id) = put.row.key();
        let key = (entity.to_string(), id.to_string());
        let workshop_id = put.row.workshop_id();
        if joined.iter().any(|w| w == workshop_id) {
            whole
                .entry(workshop_id.to_string())
                .or_default()
                .push(put.clone());
        }
        rows.insert(key, put);
    }

    let mut out = Vec::with_capacity(entries.len());
    let mut sent: HashSet<(String, String)> = HashSet::new();
    for e in entries {
        let key = (e.entity.clone(), e.entity_id.clone());
        if e.entity == "member" && !e.deleted && e.user_id.as_deref() == Some(user_id) {
            if let Some(all) = whole.remove(&e.workshop_id) {
                for put in all {
                    let (entity, id) = put.row.key();
                    let k = (entity.to_string(), id.to_string());
                    if sent.insert(k) {
                        out.push(PulledChange::Put(put));
                    }
                }
            }
        }
        if sent.contains(&key) {
            continue;
        }
        match rows.get(&key) {
            // The row as it is now, whatever happened to it in between (a row deleted and
            // made again with the same id is a put, never a delete).
            Some(put) => out.push(PulledChange::Put(put.clone())),
            None if e.deleted => out.push(PulledChange::Delete(Tombstone {
                entity: e.entity.clone(),
                id: e.entity_id.clone(),
            })),
            // Missing now: deleted later, and that tombstone comes at its own position.
            None => continue,
        }
        sent.insert(key);
    }
    Ok(out)
}

/// A page's rows as the protocol sends them, in the order a whole workshop's rows are sent:
/// parents first (the workshop, its steps, notes, members, conflicts, series before their
/// occurrences). The one conversion of `pull` and `snapshot`.
pub(super) fn put_rows(page: Page) -> impl Iterator<Item = Result<PutRow, ApiError>> {
    let put = |rev, version, row| PutRow { rev, version, row };
    page.workshops
        .into_iter()
        .map(move |w| {
            Ok::<_, ApiError>(put(w.rev, w.version.clone(), Change::Workshop(w.record()?)))
        })
        .chain(
            page.steps
                .into_iter()
                .map(move |s| Ok(put(s.rev, s.version.clone(), Change::Step(s.record()?)))),
        )
        .chain(
            page.notes
                .into_iter()
                .map(move |n| Ok(put(n.rev, n.version.clone(), Change::Note(n.record())))),
        )
        .chain(
            page.members
                .into_iter()
                .map(move |m| Ok(put(m.rev, m.version.clone(), Change::Member(m.record()?)))),
        )
        .chain(
            page.conflicts
                .into_iter()
                .map(move |c| Ok(put(c.rev, None, Change::Conflict(c.record()?)))),
        )
        .chain(
            page.series
                .into_iter()
                .map(move |s| Ok(put(s.rev, s.version.clone(), Change::Series(s.record()?)))),
        )
        .chain(
            page.sessions
                .into_iter()
                .map(move |s| Ok(put(s.rev, s.version.clone(), Change::Session(s.record()?)))),
        )
}
