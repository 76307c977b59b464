//! A first sync's streamed snapshot applied to the database (docs/sync.md, "First sync: the
//! snapshot"). Chunks of whole workshops, each in one transaction with the resume token (the
//! snapshot's cursor and the last workshop applied), so a first sync cut short resumes from
//! the next workshop; the last chunk hands off: the cursor becomes the snapshot's.

use serde::Serialize;
use wp_domain::protocol::{SnapshotHeader, SnapshotWorkshop};

use super::pull::{rebase, write_put};
use crate::{now, Result, Store, StoreError};

/// Where a first sync's snapshot starts: afresh (`cursor` empty), or resumed after the
/// workshop `after`, handing off `cursor` (the first snapshot's) at its end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapshotStart {
    pub cursor: String,
    pub after: String,
}

/// What applying a chunk of a snapshot did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotApplied {
    pub rows_written: usize,
    pub workshops: usize,
    /// Pending local mutations re-applied over the snapshot's rows (made during the sync).
    pub rebased: usize,
}

/// Rows a background store writes per transaction at most: 32, in whole workshops (a
/// workshop larger than that goes alone), so that a save waits about one chunk's writing.
pub const SNAPSHOT_CHUNK_ROWS: usize = crate::PULL_CHUNK;

impl Store {
    /// Whether the next pull is a streamed snapshot, and from where: a snapshot under way
    /// (and no cursor yet) resumes; otherwise a database with no cursor, no reset under way, nothing queued and
    /// no row from the server starts one. `None`: pull pages as usual.
    pub fn snapshot_start(&self) -> Result<Option<SnapshotStart>> {
        let (cursor, resetting, snapshot_cursor, after, fresh): (
            String,
            i64,
            String,
            String,
            bool,
        ) = self.conn.query_row(
            "SELECT cursor, resetting, snapshot_cursor, snapshot_after,
                        NOT EXISTS (SELECT 1 FROM workshops WHERE server_rev IS NOT NULL)
                        AND NOT EXISTS (SELECT 1 FROM outbox WHERE acked_at IS NULL)
                 FROM sync_state WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
        // A cursor means the pull is past any snapshot (a paged pull took over from one the
        // server stopped serving): a token left from it is stale.
        if !snapshot_cursor.is_empty() && cursor.is_empty() {
            return Ok(Some(SnapshotStart {
                cursor: snapshot_cursor,
                after,
            }));
        }
        Ok((cursor.is_empty() && resetting == 0 && fresh).then(SnapshotStart::default))
    }

    /// Checks that the database's disk has room for a snapshot of `bytes` (its header's
    /// estimate): the database ends at about 1.7 times the JSON, and the WAL takes as much
    /// again as the largest chunk; asks for twice the estimate. [`StoreError::NoSpace`]
    /// names both sizes. A disk whose free space cannot be read passes.
    pub fn check_space_for(&self, bytes: i64) -> Result<()> {
        let dir = self
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        let Ok(available) = fs4::available_space(dir) else {
            return Ok(());
        };
        let needed = u64::try_from(bytes).unwrap_or(0).saturating_mul(2);
        if needed > available {
            return Err(StoreError::NoSpace {
                needed_mib: needed >> 20,
                available_mib: available >> 20,
            });
        }
        Ok(())
    }

    /// Applies `workshops`, each whole, from the snapshot `header` describes, and records
    /// the last one as where to resume; with `whole` (the stream's end line arrived after
    /// them), hands off: the cursor and `seen` become the header's, acknowledged mutations
    /// up to its `lastMutationId` leave the queue, and the resume token is cleared. Local
    /// mutations the server had not processed are re-applied over the written workshops.
    /// One transaction, or (a background store) transactions of about
    /// [`SNAPSHOT_CHUNK_ROWS`] rows, ended early for a waiting save.
    pub fn apply_snapshot(
        &mut self,
        header: &SnapshotHeader,
        workshops: &[SnapshotWorkshop],
        whole: bool,
    ) -> Result<SnapshotApplied> {
        let user_id = self.user_id.clone();
        let clock = self.clock;
        let background = self.background;
        let mut applied = SnapshotApplied::default();
        let mut next = 0;
        loop {
            if background && next > 0 {
                crate::mutate::yield_to_foreground();
            }
            let done = self.write(|tx| {
                let start = next;
                let mut rows = 0;
                while next < workshops.len() {
                    let workshop = &workshops[next];
                    if background
                        && next > start
                        && (rows + workshop.rows.len() > SNAPSHOT_CHUNK_ROWS
                            || crate::mutate::foreground_waiting())
                    {
                        break;
                    }
                    for put in &workshop.rows {
                        write_put(tx, put)?;
                    }
                    rows += workshop.rows.len();
                    next += 1;
                }
                let written: Vec<String> =
                    workshops[start..next].iter().map(|w| w.id.clone()).collect();
                applied.rebased += rebase(tx, &written, header.last_mutation_id, &user_id, clock)?;
                applied.rows_written += rows;
                applied.workshops += written.len();
                if let Some(last) = written.last() {
                    tx.execute(
                        "UPDATE sync_state SET snapshot_cursor = ?1, snapshot_after = ?2 WHERE id = 1",
                        (&header.cursor, last),
                    )?;
                }
                let finished = next >= workshops.len();
                if finished && whole {
                    tx.execute(
                        "UPDATE sync_state SET cursor = ?1, last_mutation_id = ?2, snapshot_cursor = '',
                           snapshot_after = '', last_synced_at = ?3 WHERE id = 1",
                        (&header.cursor, header.last_mutation_id, now()),
                    )?;
                    // Keep the newest `seen` (positions compare as numbers).
                    tx.execute(
                        "UPDATE sync_state SET seen = ?1 WHERE id = 1 AND ?1 <> ''
                           AND (seen = '' OR CAST(substr(?1, 1, instr(?1, '.') - 1) AS INTEGER)
                                            >= CAST(substr(seen, 1, instr(seen, '.') - 1) AS INTEGER))",
                        [&header.seen],
                    )?;
                    tx.execute(
                        "DELETE FROM outbox WHERE acked_at IS NOT NULL AND mutation_id <= ?1",
                        [header.last_mutation_id],
                    )?;
                }
                Ok(finished)
            })?;
            if done {
                return Ok(applied);
            }
        }
    }
}
