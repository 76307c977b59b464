//! Tombstone retention (docs/sync.md, "Retention"). The change log keeps each row's latest
//! entry for as long as the row lives; deletions (tombstones) and entries a later one
//! superseded are trimmed once older than [`RETENTION`]. The highest position trimmed is the
//! horizon (`sync_horizon`): a cursor at or below it may have missed a trimmed deletion, so
//! pull answers it with an expired reset and the client rebuilds from a full pull.
//!
//! A note's or a membership's latest tombstone is kept for good (an entry of a few dozen
//! bytes per deleted row): in that full pull it tells a desktop away for longer than the
//! retention that the row was deleted, so that a note or share it holds and the server
//! neither sends nor has a tombstone for is one the server lost (a restore) and is offered
//! again, never dropped (issue 26, case 6).

use std::time::Duration;

use sqlx::{PgConnection, PgPool};

use crate::ApiError;

/// How long tombstones and superseded entries stay in the log: 90 days. A desktop that has
/// not synced for longer rebuilds from a full pull.
pub const RETENTION: Duration = Duration::from_secs(90 * 24 * 3600);

/// How often a server process trims by default: every hour (`WP_TRIM_INTERVAL_SECS`
/// overrides).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(3600);

/// What one trim did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trimmed {
    /// Log entries removed.
    pub entries: i64,
    /// The horizon after the trim: cursors at or below it get an expired reset.
    pub horizon: i64,
}

/// Removes tombstones (but a note's or a membership's latest) and superseded entries logged
/// more than `keep` ago, never the log's last entry (the end a full pull hands off), in one transaction, and raises the horizon to the highest position
/// removed. Two server processes
/// trimming at once are safe: the horizon row is locked, so the second waits and then finds
/// less to do.
pub async fn trim(pool: &PgPool, keep: Duration) -> Result<Trimmed, ApiError> {
    let mut tx = pool.begin().await?;
    sqlx::query_scalar!("SELECT position FROM sync_horizon WHERE id = 1 FOR UPDATE")
        .fetch_optional(&mut *tx)
        .await?;
    let gone = sqlx::query!(
        r#"WITH gone AS (
           DELETE FROM sync_log l
           WHERE l.logged_at < now() - make_interval(secs => $1)
             -- The log's last entry stays: it is the end a full pull or a snapshot hands
             -- off as the cursor, which must never be at or below the horizon.
             AND l.position < (SELECT max(position) FROM sync_log)
             AND (EXISTS (SELECT 1 FROM sync_log n
                    WHERE n.entity = l.entity AND n.entity_id = l.entity_id AND n.position > l.position)
                  OR (l.deleted AND l.entity NOT IN ('note', 'member')))
           RETURNING l.position)
         SELECT count(*) AS "entries!", max(position) AS highest FROM gone"#,
        keep.as_secs_f64()
    )
    .fetch_one(&mut *tx)
    .await?;
    let (entries, highest) = (gone.entries, gone.highest);
    let horizon = sqlx::query_scalar!(
        "UPDATE sync_horizon SET position = greatest(position, coalesce($1::bigint, 0)),
           trimmed_at = CASE WHEN $1::bigint IS NULL THEN trimmed_at ELSE now() END
         WHERE id = 1 RETURNING position",
        highest
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Trimmed { entries, horizon })
}

/// The horizon as `conn`'s snapshot sees it: positions at or below it cannot be served.
pub(crate) async fn horizon(conn: &mut PgConnection) -> Result<i64, ApiError> {
    Ok(
        sqlx::query_scalar!("SELECT position FROM sync_horizon WHERE id = 1")
            .fetch_optional(conn)
            .await?
            .unwrap_or(0),
    )
}

/// Trims now and then every `interval`, keeping [`RETENTION`], for as long as the server runs.
pub fn spawn(pool: PgPool, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        loop {
            ticker.tick().await;
            match trim(&pool, RETENTION).await {
                Ok(Trimmed { entries: 0, .. }) => {}
                Ok(t) => {
                    tracing::info!(entries = t.entries, horizon = t.horizon, "sync log trimmed")
                }
                Err(e) => tracing::warn!(error = ?e, "trimming the sync log failed"),
            }
        }
    })
}
