//! `GET /api/sync/snapshot`: a first sync as one streamed snapshot (docs/sync.md, "First
//! sync: the snapshot"). Every row the caller may see, read in one REPEATABLE READ READ ONLY
//! transaction and sent as NDJSON lines ([`SnapshotLine`]): a header with the log's end `E` as
//! the cursor to take, then one line per workshop (in id order, each whole), then an end line.
//!
//! The hand-off: positions follow commit order (docs/sync.md, "Positions in commit order"),
//! so every transaction this snapshot sees has positions at or below `E`, and every other has
//! positions above it. A client that applied the whole snapshot and pulls from `E` misses
//! nothing and gets nothing twice but rows it already holds.
//!
//! A stream cut short is resumed with `cursor` (the first snapshot's `E`) and `after` (the
//! last workshop applied): a new snapshot S2 sends the later workshops at S2's values and
//! hands off cursor `E` (checked like a pull's cursor) and `seen` S2's end, so the pull from
//! `E` brings every deletion and share change between the two snapshots.

use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sqlx::{PgConnection, Postgres, Transaction};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use wp_domain::protocol::{SnapshotEnd, SnapshotHeader, SnapshotLine, SnapshotWorkshop};

use super::pull::{log_end, put_rows, served, Served};
use crate::auth::User;
use crate::rows::select::{Page, PageIds};
use crate::{ApiError, AppState};

/// Snapshots one server process streams at once: 2. A first sync reads every row of a user;
/// more at once would take the pool and the disk from everyone else. Others get 503 with
/// `Retry-After`.
pub const STREAMS_PER_PROCESS: usize = 2;
/// A snapshot stream lasts at most 5 minutes; a client still reading then resumes with a new
/// snapshot, so no transaction holds PostgreSQL's vacuum horizon longer.
pub const STREAM_LIFETIME: Duration = Duration::from_secs(5 * 60);
/// A client that reads nothing for 30 s loses its stream: a stalled client never holds the
/// transaction, its pool connection or a stream slot for long.
pub const STALL: Duration = Duration::from_secs(30);
/// Workshops read per query: 100 (7 queries, one per table, for each 100).
const BATCH: i64 = 100;
/// Lines buffered between the reader and the socket: the reader waits when the client reads
/// slowly, so memory stays bounded.
const BUFFERED_LINES: usize = 64;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotQuery {
    client_id: Option<String>,
    /// A resumed stream: the first snapshot's cursor (its header's `cursor`).
    cursor: Option<String>,
    /// A resumed stream: the last workshop id the client applied; later ids follow.
    after: Option<String>,
}

/// `GET /api/sync/snapshot?clientId=&cursor=&after=` → 200 `application/x-ndjson`
/// ([`SnapshotLine`]s). A `cursor` the log no longer serves gets a header with `reset` and
/// nothing else. 503 with `Retry-After` past [`STREAMS_PER_PROCESS`] streams; 401 for a bad
/// token.
pub async fn snapshot(
    State(state): State<AppState>,
    user: User,
    Query(query): Query<SnapshotQuery>,
) -> Result<Response, ApiError> {
    let Ok(permit) = state.snapshots.clone().try_acquire_owned() else {
        let mut busy = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "The server is busy sending other first syncs; try again in a moment",
        )
        .into_response();
        busy.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return Ok(busy);
    };
    let mut tx = state
        .pool
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await?;
    let after = query.after.clone().unwrap_or_default();
    let header = header(&mut tx, &user.id, &query, &after).await?;
    let (lines, receiver) = mpsc::channel::<Result<Bytes, std::io::Error>>(BUFFERED_LINES);
    let first = line(&SnapshotLine::Header(header.clone()))?;
    // The channel is empty: this cannot wait.
    let _ = lines.try_send(Ok(first));
    if !header.reset {
        let user_id = user.id.clone();
        let watch = Watch {
            pool: state.pool.clone(),
            token_hash: user.token_hash.clone(),
            closing: state.closing.subscribe(),
        };
        tokio::spawn(async move {
            // The slot is held until the stream ends.
            let _permit = permit;
            if let Err(e) = stream(tx, &user_id, after, &header, &lines, watch).await {
                tracing::warn!(error = ?e, "a snapshot stream ended early");
            }
        });
    }
    let mut response = Response::new(Body::from_stream(ReceiverStream::new(receiver)));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

/// The header, from the snapshot's own transaction: the cursor to hand off, the exact counts
/// and the estimated size of what follows.
async fn header(
    tx: &mut PgConnection,
    user_id: &str,
    query: &SnapshotQuery,
    after: &str,
) -> Result<SnapshotHeader, ApiError> {
    let last_mutation_id: i64 = match &query.client_id {
        Some(client) => sqlx::query_scalar!(
            "SELECT last_mutation_id FROM sync_clients WHERE id = $1 AND user_id = $2",
            client,
            user_id
        )
        .fetch_optional(&mut *tx)
        .await?
        .unwrap_or(0),
        None => 0,
    };
    let end = log_end(&mut *tx).await?;
    let resumed = query.cursor.as_deref().filter(|c| !c.is_empty());
    let (reset, expired) = match resumed {
        Some(cursor) => match served(&mut *tx, Some(cursor), None).await? {
            Served::Reset { expired } => (true, expired),
            Served::From(_) => (false, false),
        },
        None => (false, false),
    };
    let mut header = SnapshotHeader {
        reset,
        expired,
        cursor: resumed.map_or_else(|| end.clone(), str::to_string),
        seen: end,
        last_mutation_id,
        workshops: 0,
        rows: 0,
        bytes: 0,
    };
    if reset {
        return Ok(header);
    }
    // The same visibility as `pull`: the caller's own and shared workshops (trash included),
    // every row of them, and of notes and conflicts only the caller's own.
    let counts = sqlx::query!(
        r#"WITH w AS (SELECT workshop_id AS id FROM workshop_roles WHERE user_id = $1 AND workshop_id > $2),
              r AS (SELECT pg_column_size(x.*) AS size FROM workshops x WHERE x.id IN (SELECT id FROM w)
                    UNION ALL SELECT pg_column_size(x.*) FROM workshop_steps x WHERE x.workshop_id IN (SELECT id FROM w)
                    UNION ALL SELECT pg_column_size(x.*) FROM notes x WHERE x.user_id = $1 AND x.workshop_id IN (SELECT id FROM w)
                    UNION ALL SELECT pg_column_size(x.*) FROM workshop_members x WHERE x.workshop_id IN (SELECT id FROM w)
                    UNION ALL SELECT pg_column_size(x.*) FROM conflicts x WHERE x.user_id = $1 AND x.workshop_id IN (SELECT id FROM w)
                    UNION ALL SELECT pg_column_size(x.*) FROM series x WHERE x.workshop_id IN (SELECT id FROM w)
                    UNION ALL SELECT pg_column_size(x.*) FROM sessions x WHERE x.workshop_id IN (SELECT id FROM w))
         SELECT (SELECT count(*) FROM w) AS "workshops!", count(*) AS "rows!",
                coalesce(sum(size), 0)::bigint AS "bytes!" FROM r"#,
        user_id,
        after
    )
    .fetch_one(&mut *tx)
    .await?;
    header.workshops = counts.workshops;
    header.rows = counts.rows;
    header.bytes = counts.bytes;
    Ok(header)
}

fn line(line: &SnapshotLine) -> Result<Bytes, ApiError> {
    let mut bytes = serde_json::to_vec(line).map_err(ApiError::internal)?;
    bytes.push(b'\n');
    Ok(Bytes::from(bytes))
}

/// Sends the workshops after `after`, each whole, then the end line. Stops without the end
/// line (the client resumes) when the client stalls for [`STALL`], disconnects, or the stream
/// reaches [`STREAM_LIFETIME`], at shutdown, and when the token is revoked; the transaction
/// then rolls back. Reading from PostgreSQL runs
/// on a task of its own, a batch ahead of the conversion to lines, so the two overlap.
async fn stream(
    tx: Transaction<'static, Postgres>,
    user_id: &str,
    after: String,
    header: &SnapshotHeader,
    lines: &mpsc::Sender<Result<Bytes, std::io::Error>>,
    watch: Watch,
) -> Result<(), ApiError> {
    let deadline = Instant::now() + STREAM_LIFETIME;
    let (pages, mut read) = mpsc::channel(1);
    let reader = tokio::spawn(read_batches(tx, user_id.to_string(), after, pages));
    let (mut workshops, mut rows) = (0i64, 0i64);
    while let Some(batch) = read.recv().await {
        let (ids, page) = batch?;
        // A shutdown ends the stream (the client resumes from another server), and so does
        // the caller's token revoked meanwhile: checked once a batch.
        if *watch.closing.borrow()
            || !crate::auth::token_valid(&watch.pool, &watch.token_hash).await?
        {
            return Ok(());
        }
        let mut grouped: std::collections::HashMap<String, Vec<_>> = Default::default();
        for put in put_rows(page) {
            let put = put?;
            grouped
                .entry(put.row.workshop_id().to_string())
                .or_default()
                .push(put);
        }
        for id in ids {
            let rows_of = grouped.remove(&id).unwrap_or_default();
            rows += rows_of.len() as i64;
            workshops += 1;
            let bytes = line(&SnapshotLine::Workshop(SnapshotWorkshop {
                id,
                rows: rows_of,
            }))?;
            if Instant::now() > deadline {
                return Ok(());
            }
            match tokio::time::timeout(STALL, lines.send(Ok(bytes))).await {
                Ok(Ok(())) => {}
                // The client went away, or stalled: its stream ends here (dropping `read`
                // ends the reader, whose transaction rolls back).
                Ok(Err(_)) | Err(_) => return Ok(()),
            }
        }
    }
    // The reader commits its read-only transaction once every batch is out.
    reader.await.map_err(ApiError::internal)??;
    if (workshops, rows) != (header.workshops, header.rows) {
        // One transaction reads the counts and the rows: they cannot differ.
        tracing::error!(
            workshops,
            rows,
            "a snapshot sent other counts than its header"
        );
    }
    let _ = tokio::time::timeout(
        STALL,
        lines.send(Ok(line(&SnapshotLine::End(SnapshotEnd {
            workshops,
            rows,
        }))?)),
    )
    .await;
    Ok(())
}

/// What ends a stream early besides its client: the server's shutdown, the token revoked.
struct Watch {
    pool: sqlx::PgPool,
    token_hash: Vec<u8>,
    closing: tokio::sync::watch::Receiver<bool>,
}

/// Reads the workshops after `after` in batches of [`BATCH`], each with every row of it,
/// into `pages`; ends (the transaction rolling back) when nobody takes them any more.
async fn read_batches(
    mut tx: Transaction<'static, Postgres>,
    user_id: String,
    mut after: String,
    pages: mpsc::Sender<Result<(Vec<String>, Page), ApiError>>,
) -> Result<(), ApiError> {
    loop {
        let ids = sqlx::query_scalar!(
            r#"SELECT workshop_id AS "id!" FROM workshop_roles WHERE user_id = $1 AND workshop_id > $2
               ORDER BY workshop_id LIMIT $3"#,
            user_id,
            after,
            BATCH
        )
        .fetch_all(&mut *tx)
        .await?;
        let Some(last) = ids.last().cloned() else {
            break;
        };
        let ids = PageIds {
            joined: ids,
            ..PageIds::default()
        };
        let page = match Page::read(&mut tx, &ids, &user_id).await {
            Ok(page) => Ok((ids.joined, page)),
            Err(e) => Err(e),
        };
        let failed = page.is_err();
        if pages.send(page).await.is_err() || failed {
            return Ok(());
        }
        after = last;
    }
    tx.commit().await?;
    Ok(())
}
