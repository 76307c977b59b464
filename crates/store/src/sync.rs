//! Sync's local side (docs/sync.md): the account this database is bound to, the queue of
//! mutations to push and what the server said of them, rejections and conflicts. Pulled
//! pages are applied in `pull.rs`. The network lives in `wp-sync`; the store stays the only
//! writer of this file.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use wp_domain::ids::{new_id, IdKind};
use wp_domain::mutation::Resolution;
use wp_domain::protocol::{MutationResult, Outcome};
use wp_domain::{Change, ConflictRecord, Mutation};

use crate::mutate::{conflict_records, note_record, step_records, workshop_record, Written};
use crate::{now, outbox, recovery, OutboxEntry, Result, Store, StoreError};

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

/// A mutation the server refused, with its reason.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rejection {
    pub id: i64,
    pub mutation_id: i64,
    pub name: String,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub args: serde_json::Value,
    pub workshop_id: String,
    /// The server's message, naming the field and the rule.
    pub error: String,
    pub field: Option<String>,
    pub rejected_at: DateTime<Utc>,
}

/// What applying one pulled page did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageApplied {
    pub rows_written: usize,
    pub rows_deleted: usize,
    /// Pending local mutations re-applied over the pulled rows.
    pub rebased: usize,
    /// Workshops a reset's full pull found missing on the server, offered again.
    pub offered_again: usize,
    /// Set when the pull ended with deletions held by the mass-delete guard.
    pub held_deletes: Option<crate::HeldDeletes>,
    /// Rows left out because this database does not have their workshop.
    pub orphans: usize,
    /// The workshops this page wrote rows of, each once, in the order first touched.
    pub workshops: Vec<String>,
}

pub(crate) fn entity_of(change: &Change) -> &'static str {
    change.key().0
}

/// `sync_state.resetting` during a full pull after a restore: rows the server lacks are
/// offered again.
pub(crate) const RESET_RESTORED: i64 = 1;
/// `sync_state.resetting` during a full pull after an expired cursor: rows the server had
/// and no longer sends were deleted there, and go here too.
pub(crate) const RESET_EXPIRED: i64 = 2;

pub(crate) fn table_of(entity: &str) -> Option<&'static str> {
    match entity {
        "workshop" => Some("workshops"),
        "step" => Some("workshop_steps"),
        "note" => Some("notes"),
        "member" => Some("workshop_members"),
        "conflict" => Some("conflicts"),
        "session" => Some("sessions"),
        "series" => Some("series"),
        _ => None,
    }
}

/// Queues every workshop of this database that the server has never seen and whose creation
/// is not queued, as `putWorkshop` plus its notes; returns how many workshops.
pub(crate) fn offer_unsynced(conn: &Connection, only_missing_after_reset: bool) -> Result<usize> {
    let sql = if only_missing_after_reset {
        // The server had them (pulled, or acknowledged and not yet pulled back), and a full
        // pull says it no longer does. Only the owner offers a workshop again; a member's
        // copy of a shared one goes (the share is gone with it).
        let user: String =
            conn.query_row("SELECT user_id FROM local_profile WHERE id = 1", [], |r| {
                r.get(0)
            })?;
        conn.execute(
            "DELETE FROM workshops WHERE owner_id <> ?1
               AND NOT EXISTS (SELECT 1 FROM sync_seen s WHERE s.workshop_id = workshops.id)",
            [&user],
        )?;
        "SELECT id FROM workshops w WHERE NOT EXISTS (SELECT 1 FROM sync_seen s WHERE s.workshop_id = w.id)
           AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.workshop_id = w.id
                           AND o.name IN ('createWorkshop', 'putWorkshop'))"
    } else {
        "SELECT id FROM workshops w WHERE server_rev IS NULL
           AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.workshop_id = w.id
                           AND o.name IN ('createWorkshop', 'putWorkshop'))"
    };
    let ids: Vec<String> = conn
        .prepare(sql)?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut dropped = 0;
    for id in &ids {
        // The snapshot holds every earlier change to the workshop: drop queued ones for it.
        dropped += conn.execute(
            "DELETE FROM outbox WHERE workshop_id = ?1 AND acked_at IS NULL",
            [id],
        )?;
        let Some((workshop, _)) = workshop_record(conn, id)? else {
            continue;
        };
        let steps = step_records(conn, id, None)?
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        outbox::append(
            conn,
            &Mutation::PutWorkshop {
                workshop,
                steps,
                at: now(),
            },
            None,
        )?;
        let scopes: Vec<Option<String>> = conn
            .prepare("SELECT step_id FROM notes WHERE workshop_id = ?1")?
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for step in scopes {
            if let Some((note, _)) = note_record(conn, id, step.as_deref())? {
                outbox::append(
                    conn,
                    &Mutation::SetNote {
                        note_id: note.id,
                        workshop_id: note.workshop_id,
                        step_id: note.step_id,
                        content: note.content,
                        base: None,
                        at: note.updated_at,
                    },
                    None,
                )?;
            }
        }
    }
    if dropped > 0 {
        close_gaps(conn)?;
    }
    Ok(ids.len())
}

/// Gives the queued mutations the ids 1, 2, 3... in the order of `ordered` (their current
/// ids) and moves the next id after them. Only for mutations never sent under this client id.
fn renumber(conn: &Connection, ordered: &[i64]) -> Result<()> {
    renumber_from(conn, 1, ordered)
}

/// Gives the queued mutations `ordered` (their current ids, every queued one from `first`
/// on) the ids `first`, `first + 1`... and moves the next id after them. Only for mutations
/// never sent under this client id.
fn renumber_from(conn: &Connection, first: i64, ordered: &[i64]) -> Result<()> {
    let mut negate =
        conn.prepare("UPDATE outbox SET mutation_id = -mutation_id WHERE mutation_id = ?1")?;
    for old in ordered {
        negate.execute([old])?;
    }
    let mut update = conn.prepare("UPDATE outbox SET mutation_id = ?1 WHERE mutation_id = ?2")?;
    for (i, old) in ordered.iter().enumerate() {
        update.execute((first + i as i64, -old))?;
    }
    conn.execute(
        "UPDATE local_profile SET next_mutation_id = ?1 WHERE id = 1",
        [first + ordered.len() as i64],
    )?;
    Ok(())
}

/// After queued mutations were dropped from the middle of the queue, gives the ones no push
/// has taken consecutive ids again, from one past the last id a push took or the server
/// processed: the server takes a client's mutations only without gaps, and would wait
/// forever for a dropped one.
fn close_gaps(conn: &Connection) -> Result<()> {
    let floor: i64 = conn.query_row(
        "SELECT max(
             coalesce((SELECT max(mutation_id) FROM outbox
                       WHERE sent_at IS NOT NULL OR acked_at IS NOT NULL), 0),
             coalesce((SELECT acked_through FROM sync_state WHERE id = 1), 0))",
        [],
        |r| r.get(0),
    )?;
    let tail = queued_ids(conn, &format!("mutation_id > {floor}"))?;
    renumber_from(conn, floor + 1, &tail)
}

fn queued_ids(conn: &Connection, condition: &str) -> Result<Vec<i64>> {
    Ok(conn
        .prepare(&format!(
            "SELECT mutation_id FROM outbox WHERE {condition} ORDER BY mutation_id"
        ))?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

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

    /// The unsent mutations a push is about to send, in order, at most `limit`, marked as
    /// taken (`sent_at`) in the same transaction: a later save of the same note or output
    /// then queues a new mutation instead of rewriting one the server may apply.
    pub fn take_for_push(&mut self, limit: u32) -> Result<Vec<OutboxEntry>> {
        self.write(|tx| {
            let entries = outbox_rows(tx, None, true, 0, limit)?;
            if let (Some(first), Some(last)) = (entries.first(), entries.last()) {
                tx.execute(
                    "UPDATE outbox SET sent_at = coalesce(sent_at, ?3)
                     WHERE mutation_id BETWEEN ?1 AND ?2",
                    (first.mutation_id, last.mutation_id, now()),
                )?;
            }
            Ok(entries)
        })
    }

    /// Records what the server said of pushed mutations, in one transaction: applied and
    /// duplicate ones are acknowledged (kept for rebasing until a complete pull covers
    /// them), rejected ones leave the queue into the rejections the user sees (but for a
    /// workshop completion that goes back in the queue behind the steps a reset offered
    /// again, [`outbox::requeue_refused_completion`]), and the rest stay queued. Returns how
    /// many refused mutations went back in the queue.
    pub fn record_push(&mut self, results: &[MutationResult]) -> Result<usize> {
        self.write(|tx| {
            let mut requeued = 0;
            for result in results {
                if result.outcome != Outcome::UpgradeRequired {
                    tx.execute(
                        "UPDATE sync_state SET acked_through = max(acked_through, ?1) WHERE id = 1",
                        [result.id],
                    )?;
                }
                match result.outcome {
                    Outcome::Applied | Outcome::Duplicate => {
                        tx.execute(
                            "UPDATE outbox SET acked_at = ?2 WHERE mutation_id = ?1 AND acked_at IS NULL",
                            (result.id, now()),
                        )?;
                        // What the server now holds of this change: its revision, so that a
                        // later restore that loses it can be told from a newer change.
                        for row in &result.revs {
                            if let Some(table) = table_of(&row.entity) {
                                tx.execute(
                                    &format!("UPDATE {table} SET server_rev = max(coalesce(server_rev, 0), ?2) WHERE id = ?1"),
                                    (&row.id, row.rev),
                                )?;
                            }
                        }
                    }
                    Outcome::Rejected if outbox::requeue_refused_completion(tx, result.id)? => {
                        requeued += 1;
                    }
                    Outcome::Rejected => {
                        let refused: Option<(String, String)> = tx
                            .query_row(
                                "SELECT name, args FROM outbox WHERE mutation_id = ?1",
                                [result.id],
                                |r| Ok((r.get(0)?, r.get(1)?)),
                            )
                            .optional()?;
                        tx.execute(
                            "INSERT INTO sync_rejections (mutation_id, name, args, workshop_id, error, field, rejected_at)
                             SELECT mutation_id, name, args, workshop_id, ?2, ?3, ?4 FROM outbox WHERE mutation_id = ?1",
                            (result.id, result.error.as_deref().unwrap_or("rejected"), &result.field, now()),
                        )?;
                        tx.execute("DELETE FROM outbox WHERE mutation_id = ?1", [result.id])?;
                        if let Some((name, args)) = refused {
                            recovery::undo_refused(tx, &name, &serde_json::from_str(&args)?)?;
                        }
                    }
                    Outcome::UpgradeRequired => {}
                }
            }
            Ok(requeued)
        })
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
                "UPDATE sync_state SET cursor = '', seen = '', resetting = ?1 WHERE id = 1",
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
            tx.execute("UPDATE outbox SET sent_at = NULL", [])?;
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

    /// Mutations the server refused, newest first.
    pub fn rejections(&self) -> Result<Vec<Rejection>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, mutation_id, name, args, workshop_id, error, field, rejected_at FROM sync_rejections ORDER BY id DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, DateTime<Utc>>(7)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, mutation_id, name, args, workshop_id, error, field, rejected_at) = row?;
            out.push(Rejection {
                id,
                mutation_id,
                name,
                args: serde_json::from_str(&args)?,
                workshop_id,
                error,
                field,
                rejected_at,
            });
        }
        Ok(out)
    }

    /// This database's conflicts (its user's, pulled from the server), open ones only or
    /// all, newest first.
    pub fn conflicts(&self, open_only: bool) -> Result<Vec<ConflictRecord>> {
        conflict_records(&self.conn, open_only)
    }

    /// Resolves a conflict: keep mine, take theirs, or a merged value. It is a mutation: it
    /// changes the note, field or title here at once, is queued, and clears the conflict on
    /// every client of the user once synced.
    pub fn resolve_conflict(&mut self, id: &str, resolution: Resolution) -> Result<Vec<Written>> {
        let conflict = conflict_records(&self.conn, false)?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| StoreError::NotFound {
                entity: "conflict",
                id: id.to_string(),
            })?;
        self.mutate(Mutation::ResolveConflict {
            conflict_id: id.to_string(),
            workshop_id: conflict.workshop_id,
            resolution,
            at: now(),
        })
    }

    /// Sends a refused change again with an edited value, in one transaction: the new
    /// change (a note's text, a workshop's title, or a step's output as JSON) is checked by
    /// the rules as they stand now, applied here and queued, and the refusal leaves the
    /// list. When the new value is refused too, the error names the field and nothing
    /// changes; other kinds of change cannot be edited (`value`): discard them, or redo the
    /// change in its workshop.
    pub fn resend_rejection(&mut self, id: i64, value: serde_json::Value) -> Result<()> {
        let user_id = self.user_id.clone();
        let clock = self.clock;
        self.write(|tx| {
            let found: Option<(String, String)> = tx
                .query_row(
                    "SELECT name, args FROM sync_rejections WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((name, args)) = found else {
                return Err(StoreError::NotFound {
                    entity: "refused change",
                    id: id.to_string(),
                });
            };
            let refused = Mutation::from_stored(&name, &args)?;
            let text = |field: &str| {
                value.as_str().map(str::to_string).ok_or_else(|| {
                    StoreError::Domain(wp_domain::DomainError::argument(field, "must be text"))
                })
            };
            let at = clock.unwrap_or_else(now);
            let again = match refused {
                Mutation::SetNote {
                    note_id,
                    workshop_id,
                    step_id,
                    ..
                } => Mutation::SetNote {
                    content: text("content")?,
                    note_id,
                    workshop_id,
                    step_id,
                    base: None,
                    at,
                },
                Mutation::RenameWorkshop { workshop_id, .. } => Mutation::RenameWorkshop {
                    title: text("title")?,
                    workshop_id,
                    base: None,
                    at,
                },
                Mutation::SaveStepOutput {
                    workshop_id,
                    step_id,
                    ..
                } => Mutation::SaveStepOutput {
                    output: value.clone(),
                    workshop_id,
                    step_id,
                    base: None,
                    at,
                },
                other => {
                    return Err(StoreError::Domain(wp_domain::DomainError::argument(
                        "value",
                        format!(
                            "a refused {} cannot be edited: discard it, or redo it in its workshop",
                            other.name()
                        ),
                    )))
                }
            };
            crate::mutate::apply_and_queue(tx, &again, &user_id, clock)?;
            tx.execute("DELETE FROM sync_rejections WHERE id = ?1", [id])?;
            Ok(())
        })
    }

    /// Forgets a rejection the user has seen.
    pub fn dismiss_rejection(&mut self, id: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM sync_rejections WHERE id = ?1", [id])?;
            Ok(())
        })
    }
}

/// The ids of the workshops with a queued mutation numbered above `after` (the server's
/// `lastMutationId`, which it had processed when it read a page): those whose mutations a
/// pulled page's rebase re-applies. One range read of the outbox's key.
pub(crate) fn workshops_queued_after(
    conn: &Connection,
    after: i64,
) -> Result<std::collections::HashSet<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT DISTINCT workshop_id FROM outbox WHERE mutation_id > ?1")?;
    let ids = stmt
        .query_map([after], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// Outbox rows in mutation id order: of one workshop or all, unsent only or all, with an
/// id above `after`, at most `limit`.
pub(crate) fn outbox_rows(
    conn: &Connection,
    workshop_id: Option<&str>,
    unsent_only: bool,
    after: i64,
    limit: u32,
) -> Result<Vec<OutboxEntry>> {
    // Two statements, not `(?1 IS NULL OR workshop_id = ?1)`: with the OR, SQLite cannot
    // use `outbox_by_workshop` and reads every queued mutation, which made a pulled page's
    // rebase (one query per workshop it touched) hold the write lock for milliseconds each.
    let mut stmt = conn.prepare_cached(if workshop_id.is_some() {
        "SELECT mutation_id, name, args, workshop_id, base_rev, created_at FROM outbox
         WHERE workshop_id = ?1 AND (?2 = 0 OR acked_at IS NULL) AND mutation_id > ?3
         ORDER BY mutation_id LIMIT ?4"
    } else {
        "SELECT mutation_id, name, args, workshop_id, base_rev, created_at FROM outbox
         WHERE ?1 IS NULL AND (?2 = 0 OR acked_at IS NULL) AND mutation_id > ?3
         ORDER BY mutation_id LIMIT ?4"
    })?;
    let rows = stmt.query_map((workshop_id, unsent_only, after, limit), |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<i64>>(4)?,
            r.get(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (mutation_id, name, args, workshop_id, base_rev, created_at) = row?;
        let mutation = Mutation::from_stored(&name, &args)?;
        out.push(OutboxEntry {
            mutation_id,
            mutation,
            workshop_id,
            base_rev,
            created_at,
        });
    }
    Ok(out)
}
