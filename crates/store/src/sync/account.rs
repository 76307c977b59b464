//! The account this database is bound to and where its sync stands: binding to a server
//! account, the client id and its renewal, the pull cursor and its resets.

use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;
use serde::Serialize;
use wp_domain::ids::{new_id, IdKind};

use super::outbox::{queued_ids, renumber};
use super::recovery::offer_unsynced;
use crate::{now, Result, Store, StoreError};

/// The account a database is bound to and where its sync stands.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncState {
    pub server_url: String,
    pub server_user_id: String,
    pub client_id: String,
    /// Opaque pull cursor; empty before the first pull and after a reset.
    pub cursor: String,
    /// The newest server change this database may hold the effects of; sent with pulls.
    pub seen: String,
    /// A full pull after a reset is under way.
    pub resetting: bool,
    /// The last of this client's mutation ids the server reported processed.
    pub last_mutation_id: i64,
    /// When a sync round last completed its pull.
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Mutations waiting to be pushed.
    pub pending: i64,
    /// Mutations the server refused, kept for the user.
    pub rejections: i64,
    /// Open conflicts: changes of this user that lost to an earlier one, kept to resolve.
    pub conflicts: i64,
}

/// `sync_state.resetting` during a full pull after a restore: rows the server lacks are
/// offered again.
pub(crate) const RESET_RESTORED: i64 = 1;
/// `sync_state.resetting` during a full pull after an expired cursor. Handled as after a
/// restore (a deleted note or share comes as the tombstone the server keeps for good, so a
/// row the server neither sends nor deletes was lost, by a restore the trim hid), but the
/// client id stands: the server's record of this client is intact.
pub(crate) const RESET_EXPIRED: i64 = 2;

impl Store {
    /// The account this database is bound to, with its queue counts; `None` before the
    /// first sign-in.
    pub fn sync_state(&self) -> Result<Option<SyncState>> {
        Ok(self
            .conn
            .query_row(
                "SELECT server_url, server_user_id, client_id, cursor, resetting, last_mutation_id, last_synced_at, seen,
                    (SELECT count(*) FROM outbox WHERE acked_at IS NULL), (SELECT count(*) FROM sync_rejections),
                    (SELECT count(*) FROM conflicts WHERE resolved_at IS NULL)
                 FROM sync_state WHERE id = 1",
                [],
                |r| {
                    Ok(SyncState {
                        server_url: r.get(0)?,
                        server_user_id: r.get(1)?,
                        client_id: r.get(2)?,
                        cursor: r.get(3)?,
                        resetting: r.get(4)?,
                        last_mutation_id: r.get(5)?,
                        last_synced_at: r.get(6)?,
                        seen: r.get(7)?,
                        pending: r.get(8)?,
                        rejections: r.get(9)?,
                        conflicts: r.get(10)?,
                    })
                },
            )
            .optional()?)
    }

    /// Binds this database to a server account at sign-in. The first time, the local
    /// profile becomes the server user, local workshops become theirs (adopted), and those
    /// the server has never seen are queued whole. Signing in again to the same account
    /// changes nothing. Another account or another server is refused with
    /// [`StoreError::OtherAccount`]: local notes carry no user, so they must not cross over.
    pub fn bind_account(&mut self, server_url: &str, server_user_id: &str) -> Result<SyncState> {
        let old_user = self.user_id.clone();
        self.write(|tx| {
            let bound: Option<(String, String)> = tx
                .query_row(
                    "SELECT server_url, server_user_id FROM sync_state WHERE id = 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((url, user)) = bound {
                if url == server_url && user == server_user_id {
                    return Ok(());
                }
                return Err(StoreError::OtherAccount {
                    bound_url: url,
                    bound_user: user,
                });
            }
            tx.execute(
                "UPDATE workshops SET owner_id = ?2 WHERE owner_id = ?1",
                (&old_user, server_user_id),
            )?;
            tx.execute(
                "UPDATE local_profile SET user_id = ?1 WHERE id = 1",
                [server_user_id],
            )?;
            // Nothing was ever sent: the adopted workshops go first (mutations queued before
            // may refer to them), then the rest in their order, numbered from 1.
            let before: i64 = tx.query_row(
                "SELECT coalesce(max(mutation_id), 0) FROM outbox",
                [],
                |r| r.get(0),
            )?;
            offer_unsynced(tx, false)?;
            let mut ordered = queued_ids(tx, &format!("mutation_id > {before}"))?;
            ordered.extend(queued_ids(tx, &format!("mutation_id <= {before}"))?);
            renumber(tx, &ordered)?;
            tx.execute(
                "INSERT INTO sync_state (id, server_url, server_user_id, client_id, bound_at) VALUES (1, ?1, ?2, ?3, ?4)",
                (server_url, server_user_id, new_id(IdKind::Client), now()),
            )?;
            Ok(())
        })?;
        self.user_id = server_user_id.to_string();
        self.sync_state()?
            .ok_or_else(|| StoreError::Pragma("sync state missing after sign-in".into()))
    }

    /// Starts over from a full pull: the server could not serve the cursor. Local rows and
    /// queued mutations stay; the full pull marks which rows the server still has. After a
    /// restore (its history was rewritten), rows it lacks are offered again; when the cursor
    /// merely `expired` (older than the tombstones the server keeps, docs/sync.md,
    /// "Retention"), the server lost nothing, and rows it had and no longer sends go.
    pub fn reset_cursor(&mut self, expired: bool) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM sync_seen", [])?;
            tx.execute("DELETE FROM sync_seen_rows", [])?;
            // The lost progress noted by a reset this one cuts short stays: that pull had
            // already written the server's rows over the local ones, so these rows are the
            // only record of it. It is offered at the end of the next full pull, unless the
            // row changed here or on the server since (`recovery::offer_lost_value`).
            tx.execute(
                "UPDATE sync_state SET cursor = '', seen = '', resetting = ?1, snapshot_cursor = '',
                   snapshot_after = '' WHERE id = 1",
                [if expired {
                    RESET_EXPIRED
                } else {
                    RESET_RESTORED
                }],
            )?;
            Ok(())
        })
    }

    /// Takes a new client id after the server found this one's mutation ids used by another
    /// copy of the database; unsent mutations are renumbered from 1. Returns the new id.
    pub fn renew_client_id(&mut self) -> Result<String> {
        let id = new_id(IdKind::Client);
        self.write(|tx| {
            // Acknowledged mutations were processed under the old id; the rest are renumbered,
            // and count as never sent under the new one.
            tx.execute("DELETE FROM outbox WHERE acked_at IS NOT NULL", [])?;
            // Each keeps its uid, which the server deduplicates across client ids; and a
            // row sent before is never folded into by a later save (`sent_before`).
            tx.execute(
                "UPDATE outbox SET sent_before = (sent_at IS NOT NULL OR sent_before), sent_at = NULL",
                [],
            )?;
            let ordered = queued_ids(tx, "1")?;
            renumber(tx, &ordered)?;
            tx.execute(
                "UPDATE sync_state SET client_id = ?1, last_mutation_id = 0, acked_through = 0 WHERE id = 1",
                [&id],
            )?;
            Ok(())
        })?;
        Ok(id)
    }

    /// Whether the server went back in time for this client: it reports a last processed
    /// mutation id below one it already acknowledged (its database was restored). The
    /// client then rebuilds from a full pull under a new client id ([`Store::reset_cursor`],
    /// [`Store::renew_client_id`]).
    pub fn server_forgot(&self, last_mutation_id: i64) -> Result<bool> {
        let acked: i64 = self.conn.query_row(
            "SELECT acked_through FROM sync_state WHERE id = 1",
            [],
            |r| r.get(0),
        )?;
        Ok(last_mutation_id < acked)
    }
}
