//! Pulled pages applied to the database (docs/sync.md, "Pull"): a page's rows, then its
//! cursor with its last rows, so a crash mid-sync resumes from the last page. In the app's
//! background sync ([`Store::set_background`]) a page is written in chunks of
//! at most [`PULL_CHUNK`] changes, ended early when a command waits for the lock, which
//! then goes first.

use rusqlite::Connection;
use wp_domain::protocol::{PullResponse, PulledChange, PutRow};
use wp_domain::Change;

use serde::Serialize;

use super::outbox::{outbox_rows, workshops_queued_after};
use super::recovery::offer_unsynced;
use super::{lost_progress, mass_delete, recovery};
use crate::mutate::apply_local;
use crate::rows::codec::{entity_of, table_of, versioned};
use crate::rows::write::{stamps_in_write, write_stamped, ServerStamp};
use crate::{now, Result, Store};

/// How many pulled changes background sync writes per transaction at most: 32, fewer when
/// a command is waiting for the lock, so a command waits for one change's writing, not a
/// page's (BENCHMARKS.md, "Typing during a first sync").
pub const PULL_CHUNK: usize = 32;

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

impl Store {
    /// Applies one pulled page and its cursor (in one transaction, or in chunks for a
    /// background store), so a crash mid-sync resumes from the last page. Pulled rows replace local ones (with their server
    /// revision); then every local mutation of a touched workshop that the server had not
    /// processed when it read the page is re-applied over them (rebased), so no local change
    /// is overwritten. Rows
    /// are deleted only by a tombstone, never because the server lacks them. When the page
    /// completes a pull, acknowledged mutations up to the server's `lastMutationId` leave
    /// the queue, and after a reset's full pull, workshops the server lost are offered again.
    ///
    /// Deletions of workshops (trashing or removing them, with their rows) are held while
    /// the pull runs and counted at its end: a mass delete ([`crate::is_mass_delete`]) waits
    /// for the user unless `allow_mass_delete`; fewer apply then.
    pub fn apply_pull_page(
        &mut self,
        page: &PullResponse,
        allow_mass_delete: bool,
    ) -> Result<PageApplied> {
        let user_id = self.user_id.clone();
        let clock = self.clock;
        let mut applied = PageApplied::default();
        // Workshops first, then the rest in order: a row never arrives before its parent
        // within a page. A row whose workshop this database does not have (it is not the
        // user's to see, or a held delete keeps it back) is left out, never a failed page.
        let is_workshop = |c: &PulledChange| matches!(c, PulledChange::Put(p) if matches!(p.row, Change::Workshop(_)));
        let ordered: Vec<&PulledChange> = page
            .changes
            .iter()
            .filter(|c| is_workshop(c))
            .chain(page.changes.iter().filter(|c| !is_workshop(c)))
            .collect();
        // In the app, background sync writes a page in chunks, each its own short transaction
        // (its rows only; the cursor, the rebase and the queue move with the last), and
        // lets a waiting command write between chunks, ending a chunk early when one waits:
        // typing waits for one change's writing, never a whole page's. Each chunk is flushed
        // right after its commit, with the lock released (`Store::write`): a command's flush
        // then carries its own pages only, never rows the sync left unflushed in the shared
        // WAL, and a command waiting for the lock does not wait for the sync's flush.
        let chunk = if self.background {
            PULL_CHUNK
        } else {
            ordered.len().max(1)
        };
        let mut guard: Option<(i64, Vec<String>, bool)> = None;
        // Access removed and granted again within the page: the copy stays.
        let regained = crate::members::regained(&page.changes, &user_id);
        let mut touched: Vec<String> = Vec::new();
        let mut touched_set: std::collections::HashSet<String> = Default::default();
        let background = self.background;
        // The next change of `ordered` to write.
        let mut next = 0;
        let mut write_chunks = || -> Result<()> {
            loop {
                if background && next > 0 {
                    crate::mutate::yield_to_foreground();
                }
                let finished = self.write(|tx| {
                    tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
                    let (resetting, deleting, guarding) = match &guard {
                        Some(g) => g.clone(),
                        None => {
                            let resetting: i64 = tx.query_row(
                                "SELECT resetting FROM sync_state WHERE id = 1",
                                [],
                                |r| r.get(0),
                            )?;
                            let deleting = mass_delete::deleted_workshops(
                                tx,
                                &page.changes,
                                &user_id,
                                resetting != 0,
                            )?;
                            let guarding = !deleting.is_empty() || mass_delete::any_held(tx)?;
                            let g = (resetting, deleting, guarding);
                            guard = Some(g.clone());
                            g
                        }
                    };
                    let end = (next + chunk).min(ordered.len());
                    let start = next;
                    while next < end {
                        // A command waiting for the lock ends the chunk here: it waits for
                        // one change's writing, not a whole chunk's.
                        if background && next > start && crate::mutate::foreground_waiting() {
                            break;
                        }
                        let change = ordered[next];
                        next += 1;
                        if guarding && mass_delete::hold(tx, &deleting, change)? {
                            continue;
                        }
                        match change {
                            PulledChange::Put(put) => {
                                let workshop_id = put.row.workshop_id().to_string();
                                if !matches!(put.row, Change::Workshop(_)) {
                                    let parent: bool = tx
                                        .prepare_cached(
                                            "SELECT EXISTS (SELECT 1 FROM workshops WHERE id = ?1)",
                                        )?
                                        .query_row([&workshop_id], |r| r.get(0))?;
                                    if !parent {
                                        applied.orphans += 1;
                                        continue;
                                    }
                                }
                                if resetting != 0 {
                                    applied.offered_again +=
                                        recovery::offer_lost_value(
                                            tx,
                                            &put.row,
                                            put.rev,
                                            put.version.as_deref(),
                                            &user_id,
                                        )?;
                                }
                                write_put(tx, put)?;
                                if resetting != 0 {
                                    let (_, id) = put.row.key();
                                    tx.prepare_cached(
                                        "INSERT OR IGNORE INTO sync_seen (workshop_id) VALUES (?1)",
                                    )?
                                    .execute([&workshop_id])?;
                                    tx.prepare_cached(
                                    "INSERT OR IGNORE INTO sync_seen_rows (entity, id) VALUES (?1, ?2)",
                                )?
                                .execute((entity_of(&put.row), id))?;
                                }
                                applied.rows_written += 1;
                                if touched_set.insert(workshop_id.clone()) {
                                    touched.push(workshop_id);
                                }
                            }
                            PulledChange::Delete(tombstone) => {
                                let Some(table) = table_of(&tombstone.entity) else {
                                    continue; // an entity this version does not know
                                };
                                // A note the server had and lost in a restore: the restored
                                // server's tombstone for it (logged when a save of it from
                                // another desktop was refused there, `resend`) is no sign that
                                // the user's text went. It stays, and the pull's end offers it
                                // again like any note the server lost (`offer_unseen`): taken,
                                // or refused and listed with its text.
                                if resetting != 0
                                    && tombstone.entity == "note"
                                    && recovery::local_rev(tx, "notes", &tombstone.id)?.is_some()
                                {
                                    continue;
                                }
                                // This user's own access to someone else's workshop was removed:
                                // the copy here goes with it (their notes stay on the server).
                                let lost = if tombstone.entity == "member" {
                                    crate::members::lost_copy(tx, &tombstone.id, &user_id)?
                                        .filter(|w| !regained.contains(w))
                                } else {
                                    None
                                };
                                applied.rows_deleted += tx
                                    .prepare_cached(&format!("DELETE FROM {table} WHERE id = ?1"))?
                                    .execute([&tombstone.id])?;
                                if let Some(workshop_id) = lost {
                                    applied.rows_deleted += tx.execute(
                                        "DELETE FROM workshops WHERE id = ?1",
                                        [&workshop_id],
                                    )?;
                                    if touched_set.insert(workshop_id.clone()) {
                                        touched.push(workshop_id);
                                    }
                                }
                                if table == "workshops" && touched_set.insert(tombstone.id.clone())
                                {
                                    touched.push(tombstone.id.clone());
                                }
                            }
                        }
                    }
                    if next < ordered.len() {
                        return Ok(false);
                    }
                    // Mutations the server had processed when it read this page are in its rows
                    // already, as the server decided them (applied, merged, conflicted); only
                    // the later ones are re-applied over them. One query finds the workshops
                    // that have any: a page touches hundreds of workshops and, in a first sync,
                    // none or a few of them have, and a lookup per workshop held the write
                    // lock about 2 ms a page (BENCHMARKS.md, "Typing during a first sync").
                    applied.rebased +=
                        rebase(tx, &touched, page.last_mutation_id, &user_id, clock)?;
                    applied.workshops = std::mem::take(&mut touched);
                    tx.execute(
                        "UPDATE sync_state SET cursor = ?1, last_mutation_id = ?2 WHERE id = 1",
                        (&page.cursor, page.last_mutation_id),
                    )?;
                    // Keep the newest `seen` (positions compare as numbers).
                    tx.execute(
                        "UPDATE sync_state SET seen = ?1 WHERE id = 1 AND ?1 <> ''
                       AND (seen = '' OR CAST(substr(?1, 1, instr(?1, '.') - 1) AS INTEGER)
                                        >= CAST(substr(seen, 1, instr(seen, '.') - 1) AS INTEGER))",
                        [&page.seen],
                    )?;
                    if !page.has_more {
                        tx.execute(
                            "DELETE FROM outbox WHERE acked_at IS NOT NULL AND mutation_id <= ?1",
                            [page.last_mutation_id],
                        )?;
                        let (held, gone) = mass_delete::decide(tx, allow_mass_delete, &user_id)?;
                        applied.held_deletes = held;
                        for workshop_id in gone {
                            if !applied.workshops.contains(&workshop_id) {
                                applied.workshops.push(workshop_id);
                            }
                        }
                        if resetting != 0 {
                            applied.offered_again +=
                                super::lost_copies::offer_notes_of_lost_copies(tx, &user_id)?;
                            applied.offered_again +=
                                super::lost_copies::offer_changes_of_lost_copies(tx, &user_id)?;
                            applied.offered_again += offer_unsynced(tx, true)?;
                            applied.offered_again +=
                                recovery::offer_unseen(tx, &user_id)?;
                            let (offered, steps) =
                                lost_progress::offer_lost_steps(tx, &user_id, clock)?;
                            let completions =
                                lost_progress::offer_lost_completions(tx, &user_id, clock)?;
                            let trashed = lost_progress::offer_lost_trash(tx, &user_id, clock)?;
                            applied.offered_again += offered + completions.len() + trashed.len();
                            for workshop_id in steps.into_iter().chain(completions).chain(trashed) {
                                if !applied.workshops.contains(&workshop_id) {
                                    applied.workshops.push(workshop_id);
                                }
                            }
                            tx.execute("DELETE FROM sync_lost_roles", [])?;
                            tx.execute("DELETE FROM sync_seen", [])?;
                            tx.execute("DELETE FROM sync_seen_rows", [])?;
                            tx.execute("UPDATE sync_state SET resetting = 0 WHERE id = 1", [])?;
                        }
                        tx.execute(
                            "UPDATE sync_state SET last_synced_at = ?1 WHERE id = 1",
                            [now()],
                        )?;
                    }
                    Ok(true)
                })?;
                if finished {
                    return Ok(());
                }
            }
        };
        write_chunks()?;
        Ok(applied)
    }
}

/// Writes a pulled row as the server holds it, with its server revision and version: the
/// one write of a pulled row, for pages and snapshots alike. A member row takes the server's
/// id where a local one stands for the same membership.
pub(crate) fn write_put(tx: &Connection, put: &PutRow) -> Result<()> {
    if let Change::Member(m) = &put.row {
        crate::members::adopt_server_id(tx, m)?;
    }
    let (entity, id) = put.row.key();
    let stamp = ServerStamp {
        rev: put.rev,
        version: put.version.as_deref(),
    };
    write_stamped(tx, &put.row, Some(stamp))?;
    if stamps_in_write(entity) {
        return Ok(());
    }
    let table = table_of(entity).unwrap_or("workshops");
    if versioned(entity) {
        tx.prepare_cached(&format!(
            "UPDATE {table} SET server_rev = ?2, server_version = ?3 WHERE id = ?1"
        ))?
        .execute((id, put.rev, &put.version))?;
    } else {
        tx.prepare_cached(&format!("UPDATE {table} SET server_rev = ?2 WHERE id = ?1"))?
            .execute((id, put.rev))?;
    }
    Ok(())
}

/// Re-applies, over the pulled rows of the `touched` workshops, every local mutation the
/// server had not processed (mutation ids above `last_mutation_id`), so no local change is
/// overwritten; returns how many were re-applied. Mutations the server had processed are in
/// its rows already, as the server decided them (applied, merged, conflicted). One query
/// finds the workshops that have any: a page touches hundreds of workshops and, in a first
/// sync, none or a few of them have, and a lookup per workshop held the write lock about
/// 2 ms a page (BENCHMARKS.md, "Typing during a first sync").
pub(crate) fn rebase(
    tx: &Connection,
    touched: &[String],
    last_mutation_id: i64,
    user_id: &str,
    clock: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<usize> {
    let mut rebased = 0;
    let queued_in = workshops_queued_after(tx, last_mutation_id)?;
    for workshop_id in touched.iter().filter(|w| queued_in.contains(*w)) {
        let queued = outbox_rows(tx, Some(workshop_id), false, last_mutation_id, u32::MAX)?;
        for entry in queued {
            match apply_local(tx, &entry.mutation, user_id, clock) {
                Ok(_) => rebased += 1,
                // A mutation the new server state refuses is left for the server to judge;
                // its rejection comes back with the push.
                Err(e) if e.is_refusal() => {}
                // Storage failed, perhaps after writing some of its rows: the transaction
                // rolls back, and the rows are pulled again.
                Err(e) => return Err(e),
            }
        }
    }
    Ok(rebased)
}
