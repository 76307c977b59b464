//! After a server restore: values the server had acknowledged and then lost are still in
//! this database's rows. During the reset's full pull, a pulled row whose server revision is
//! below the one this database last saw is an older copy; the local value is offered again
//! as an idempotent "set to value" mutation (never a replayed intent such as "advance"),
//! made from the pulled value so that it applies cleanly. A step's lost status and output,
//! a workshop's completion and its trash are noted as their rows arrive and offered at the
//! end of the pull (`super::lost_progress`).

use rusqlite::{Connection, OptionalExtension};
use wp_domain::mutation::{Can, MutationKind};
use wp_domain::protocol::LostVersion;
use wp_domain::{Change, Mutation, Role, WorkshopStatus};

use super::outbox::{self, close_gaps};
use crate::rows::read::{note_record, role_on, step_records, workshop_record};
use crate::{now, Result};

/// The ids of `table`'s rows (its entity in the log: `entity`) that the server had and that
/// a reset's full pull did not bring, on a workshop it did bring, oldest first. `had` says
/// the server had the row (SQL on the row `t`: a server revision here, or also no queued
/// change that creates it, for a row whose creation was acknowledged as a duplicate, which
/// carries no revision); `also` narrows them (starting with `AND`).
pub(crate) fn unseen_ids(
    conn: &Connection,
    table: &str,
    entity: &str,
    had: &str,
    also: &str,
) -> Result<Vec<String>> {
    Ok(conn
        .prepare(&format!(
            "SELECT t.id FROM {table} t
             WHERE ({had}) {also}
               AND NOT EXISTS (SELECT 1 FROM sync_seen_rows s WHERE s.entity = '{entity}' AND s.id = t.id)
               AND EXISTS (SELECT 1 FROM sync_seen s WHERE s.workshop_id = t.workshop_id)
             ORDER BY t.created_at, t.id"
        ))?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn local_rev(conn: &Connection, table: &str, id: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            &format!("SELECT server_rev FROM {table} WHERE id = ?1"),
            [id],
            |r| r.get::<_, Option<i64>>(0),
        )
        .optional()?
        .flatten())
}

/// What a reset's full pull finds of a row this database holds: the server may have lost
/// its value ([`lost_copy`]).
pub(crate) struct LostCopy {
    /// The row was written again in the server's history since this database's version
    /// (or may have been): the value goes against no known base, and the server's rules
    /// then make a conflict (or a merge, for a note) instead of taking one write over the
    /// other silently.
    pub diverged: bool,
    /// The version held here, which every offer made from this row names, so the server can
    /// tell whether its history still holds it ([`LostVersion`]); `None` where this
    /// database has none (rows from before row versions).
    pub version: Option<LostVersion>,
}

impl LostCopy {
    /// The version as stored with lost progress noted for the pull's end.
    pub(crate) fn stored(&self) -> Result<Option<String>> {
        Ok(self
            .version
            .as_ref()
            .map(serde_json::to_string)
            .transpose()?)
    }
}

/// Whether a row (`entity` `id`, held here as `local_id`: a note made on two desktops has
/// two ids) that a reset's full pull brings at revision
/// `rev` and version `version` is a copy the server lost, compared with what this database
/// holds of it: nothing when it holds the same version (or none from the server). The
/// pulled revision older than this database's: lost. Another version at the same or a later
/// revision: the restore took this database's write and others wrote the row since, or
/// this database is merely behind; the server tells them apart by the version the offers
/// name (docs/sync.md, "Lost versions"), so it is offered, as diverged, where nothing the
/// user queued or had refused that writes such a row explains the difference (what this
/// reset offers again does not). Without versions (rows from before them), only the same
/// revision is taken as diverged, and any queued or refused change on the workshop
/// explains a difference. The caller offers the local value where it differs.
pub(crate) fn lost_copy(
    conn: &Connection,
    entity: &str,
    local_id: &str,
    id: &str,
    workshop_id: &str,
    rev: i64,
    version: Option<&str>,
) -> Result<Option<LostCopy>> {
    let table = crate::rows::codec::table_of(entity).unwrap_or("workshops");
    let (local, held): (Option<i64>, Option<String>) = conn
        .prepare_cached(&format!(
            "SELECT server_rev, server_version FROM {table} WHERE id = ?1"
        ))?
        .query_row([local_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((None, None));
    if held.is_some() && held.as_deref() == version {
        return Ok(None);
    }
    let Some(local) = local else {
        return Ok(None);
    };
    let lost = |diverged| LostCopy {
        diverged,
        version: held.clone().map(|version| LostVersion {
            entity: entity.to_string(),
            id: id.to_string(),
            rev: local,
            version,
        }),
    };
    if local > rev {
        return Ok(Some(lost(false)));
    }
    let versions = held.is_some() && version.is_some();
    if local < rev && !versions {
        return Ok(None);
    }
    // What explains a difference here: a change queued (not an offer) or refused that can
    // write this row. Without versions, any on the workshop.
    let kinds = match entity {
        _ if !versions => None,
        "workshop" => Some(WORKSHOP_ROW_KINDS),
        "step" => Some(STEP_ROW_KINDS),
        "session" | "series" => Some(SCHEDULE_ROW_KINDS),
        _ => Some(
            &[
                MutationKind::SetNote,
                MutationKind::ResolveConflict,
                MutationKind::ReopenConflict,
            ][..],
        ),
    };
    let names = kinds.map_or_else(|| "name".to_string(), MutationKind::sql_list);
    let explained: bool = conn
        .prepare_cached(&format!(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE workshop_id = ?1
                           AND acked_at IS NULL AND offered_again = 0 AND name IN ({names}))
                 OR EXISTS (SELECT 1 FROM sync_rejections WHERE workshop_id = ?1 AND name IN ({names}))"
        ))?
        .query_row([workshop_id], |r| r.get(0))?;
    Ok((!explained).then(|| lost(true)))
}

/// The changes that write a workshop's own row (or, resolving a conflict, may).
const WORKSHOP_ROW_KINDS: &[MutationKind] = &[
    MutationKind::RenameWorkshop,
    MutationKind::UpdateWorkshop,
    MutationKind::DeleteWorkshop,
    MutationKind::RestoreWorkshop,
    MutationKind::CompleteWorkshop,
    MutationKind::PutWorkshop,
    MutationKind::ResolveConflict,
    MutationKind::ReopenConflict,
];

/// The changes that write a workshop's sessions and series.
const SCHEDULE_ROW_KINDS: &[MutationKind] = &[
    MutationKind::CreateSession,
    MutationKind::UpdateSession,
    MutationKind::CancelSession,
    MutationKind::RestoreSession,
    MutationKind::CreateSeries,
    MutationKind::RollSeries,
    MutationKind::CancelSeries,
    MutationKind::ReviseSeries,
    MutationKind::PutWorkshop,
];

/// The changes that write a workshop's step rows (a revision writes the later ones too).
const STEP_ROW_KINDS: &[MutationKind] = &[
    MutationKind::SaveStepOutput,
    MutationKind::StartStep,
    MutationKind::CompleteStep,
    MutationKind::AdvanceStep,
    MutationKind::ReviseStep,
    MutationKind::PutWorkshop,
    MutationKind::ResolveConflict,
    MutationKind::ReopenConflict,
];

/// Whether a lost copy whose value equals the server's is offered anyway: the restore took
/// a version the server no longer knows (this database's revision is above the server's),
/// and another desktop may hold an older version of the same lost history, different from
/// the server's value. Offering this one (a change to the same value, against it as base:
/// nothing changes where the server still holds it) records the newest lost revision, so
/// the older one is then dropped as stale instead of overwriting it (docs/sync.md, "Lost
/// versions").
pub(crate) fn registers(copy: &LostCopy) -> bool {
    !copy.diverged && copy.version.is_some()
}

/// Queues the local value of the row `pulled` replaces, if the server lost it (a step's, and
/// a workshop's completion, are noted for the pull's end instead). Call before writing the
/// pulled row, during a reset's full pull, which brings it at revision `rev` and version
/// `version`; `user_id` is this database's user. Every offer names the version held here
/// ([`LostCopy::version`]). Returns how many mutations it queued.
pub(crate) fn offer_lost_value(
    conn: &Connection,
    pulled: &Change,
    rev: i64,
    version: Option<&str>,
    user_id: &str,
) -> Result<usize> {
    let (entity, id) = pulled.key();
    let mut copy = match pulled {
        Change::Workshop(_) | Change::Step(_) | Change::Session(_) | Change::Series(_) => {
            lost_copy(conn, entity, id, id, pulled.workshop_id(), rev, version)?
        }
        _ => None,
    };
    let mutations = match pulled {
        Change::Workshop(w) => {
            let Some(found) = &copy else {
                return Ok(0);
            };
            let diverged = found.diverged;
            let Some((mine, _)) = workshop_record(conn, &w.id)? else {
                return Ok(0);
            };
            if mine.status == WorkshopStatus::Completed && w.status != WorkshopStatus::Completed {
                // Offered at the pull's end, after its steps (`lost_progress::offer_lost_completions`).
                conn.execute(
                    "INSERT OR IGNORE INTO sync_lost_completions (workshop_id, lost) VALUES (?1, ?2)",
                    (&w.id, found.stored()?),
                )?;
            }
            let role = role_on(conn, &w.id, &w.owner_id, user_id)?;
            let may = |needed| role.is_some_and(|r: Role| r.allows(needed));
            let mut offers = vec![];
            // Out of the trash, or into it, as this database last had it from the server.
            // Out of it is queued first: the rebase applies it over the pulled row, so the
            // step changes offered at the pull's end meet the workshop where the user left
            // it. Into it is offered last, after them (`lost_progress::offer_lost_trash`): they were made
            // before it, and in the trash they would be refused.
            if mine.deleted_at.is_some() != w.deleted_at.is_some() && may(Can::TRASH) {
                match mine.deleted_at {
                    None => offers.push(Mutation::RestoreWorkshop {
                        workshop_id: w.id.clone(),
                        at: now(),
                    }),
                    Some(at) => {
                        conn.prepare_cached(
                            "INSERT OR REPLACE INTO sync_lost_trash (workshop_id, deleted_at, lost)
                             VALUES (?1, ?2, ?3)",
                        )?
                        .execute((&w.id, at, found.stored()?))?;
                    }
                }
            }
            // The title when it differs, and also when it is the same but nothing else is
            // offered: the offer then only tells the server which version was lost
            // ([`registers`]).
            if mine.title != w.title || (offers.is_empty() && registers(found)) {
                offers.push(Mutation::RenameWorkshop {
                    workshop_id: w.id.clone(),
                    title: mine.title,
                    base: Some(if diverged {
                        String::new()
                    } else {
                        w.title.clone()
                    }),
                    at: now(),
                });
            }
            offers
        }
        Change::Step(s) => {
            // Offered at the pull's end, in step order (`lost_progress::offer_lost_steps`). Noted by a
            // reset this one cut short, untouched here since that pull wrote it, and not
            // changed on the server since either: still lost, and the row this pull writes
            // over it counts as that one.
            conn.prepare_cached(
                "UPDATE sync_lost_steps SET pulled_rev = pulled_rev + 1
                 WHERE (workshop_id, step_id, pulled_rev) =
                       (SELECT workshop_id, step_id, rev FROM workshop_steps
                        WHERE id = ?1 AND server_rev >= ?2)",
            )?
            .execute((&s.id, rev))?;
            if let Some(found) = &copy {
                conn.prepare_cached(
                    "INSERT OR IGNORE INTO sync_lost_steps
                         (workshop_id, step_id, status, output, pulled_rev, completed_at, diverged, lost)
                     SELECT workshop_id, step_id, status, output, rev + 1, completed_at, ?2, ?3
                     FROM workshop_steps WHERE id = ?1",
                )?
                .execute((&s.id, found.diverged, found.stored()?))?;
            }
            return Ok(0);
        }
        Change::Note(n) => {
            let Some((mine, Some(_))) = note_record(conn, &n.workshop_id, n.step_id.as_deref())?
            else {
                return Ok(0);
            };
            copy = lost_copy(conn, entity, &mine.id, id, &n.workshop_id, rev, version)?;
            let Some(found) = &copy else {
                return Ok(0);
            };
            if mine.content == n.content && !registers(found) {
                return Ok(0);
            }
            let diverged = found.diverged;
            vec![Mutation::SetNote {
                note_id: n.id.clone(),
                workshop_id: n.workshop_id.clone(),
                step_id: n.step_id.clone(),
                content: mine.content,
                base: Some(if diverged {
                    String::new()
                } else {
                    n.content.clone()
                }),
                at: mine.updated_at,
            }]
        }
        // Moved, cancelled or ended here since the server's copy ([`super::lost_schedule`]).
        Change::Session(_) | Change::Series(_) => {
            if copy.is_none() {
                return Ok(0);
            }
            super::lost_schedule::lost_changes(conn, pulled)?
        }
        // Shares are offered again by `offer_unseen`. This user's own role changed by the
        // restore is noted: what it refuses at the pull's end was made under the lost role
        // (`lost_progress::offer_again`).
        Change::Member(m) => {
            if m.user_id == user_id {
                let here = crate::rows::read::member_record(conn, &m.workshop_id, user_id)?;
                if here.is_some_and(|here| here.role != m.role) {
                    conn.prepare_cached(
                        "INSERT OR IGNORE INTO sync_lost_roles (workshop_id) VALUES (?1)",
                    )?
                    .execute([&m.workshop_id])?;
                }
            }
            return Ok(0);
        }
        Change::Conflict(_) => return Ok(0),
    };
    let lost = copy.and_then(|c| c.version);
    for mutation in &mutations {
        outbox::append_offer(conn, mutation, Some(rev), lost.as_ref())?;
    }
    Ok(mutations.len())
}

/// At the end of a reset's full pull, for workshops the server still has: notes and shares
/// the server lost are offered again (`setNote`, and `addMember` on the owner's desktops),
/// and conflicts it lost are dropped (they were the server's records), the losing side of an
/// open one sent again first ([`super::lost_conflicts`]). The same after an expired cursor:
/// a deleted note or share comes as its tombstone, which the server keeps for good
/// (`wp_server::sync::retention`), so one it neither sends nor deletes was lost, by a
/// restore the trim hid (issue 26, case 6). Returns how many rows were offered again.
pub(crate) fn offer_unseen(conn: &Connection, user_id: &str) -> Result<usize> {
    // Rows the server had (pulled, or acknowledged and not yet pulled back) and no queued
    // change will make again.
    let unseen = |entity: &str, table: &str, queued: &str| {
        format!(
            "SELECT id FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM sync_seen_rows s WHERE s.entity = '{entity}' AND s.id = t.id)
               AND EXISTS (SELECT 1 FROM sync_seen s WHERE s.workshop_id = t.workshop_id)
               AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.workshop_id = t.workshop_id AND {queued})"
        )
    };
    // What queues a note or a membership again: a save of the same note, a share with the
    // same user.
    let note_queued = super::lost_copies::note_save_queued("t");
    let member_queued = format!(
        "o.name = '{}' AND json_extract(o.args, '$.userId') = t.user_id",
        MutationKind::AddMember.name()
    );
    // The server no longer has them, whatever queues them again: like rows never synced,
    // a refusal of what recreates them takes them away here too (`undo_refused`), instead
    // of keeping a copy no pull will ever correct.
    for (entity, table) in [("note", "notes"), ("member", "workshop_members")] {
        conn.execute(
            &format!(
                "UPDATE {table} SET server_rev = NULL WHERE server_rev IS NOT NULL AND id IN ({})",
                unseen(entity, table, "0")
            ),
            [],
        )?;
    }
    let mut offered = 0;
    let notes: Vec<String> = conn
        .prepare(&unseen("note", "notes", &note_queued))?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in &notes {
        super::lost_copies::queue_note(conn, id)?;
        offered += 1;
    }
    let members: Vec<String> = conn
        .prepare(&unseen("member", "workshop_members", &member_queued))?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in members {
        let (workshop_id, member, role, owner): (String, String, String, String) = conn.query_row(
            "SELECT m.workshop_id, m.user_id, m.role, w.owner_id FROM workshop_members m
             JOIN workshops w ON w.id = m.workshop_id WHERE m.id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        match wp_domain::Role::parse(&role) {
            Some(role) if owner == user_id => {
                let mutation = Mutation::AddMember {
                    member_id: id,
                    workshop_id,
                    user_id: member,
                    role,
                    at: now(),
                };
                outbox::append(conn, &mutation, None)?;
                offered += 1;
            }
            _ => {
                conn.execute("DELETE FROM workshop_members WHERE id = ?1", [&id])?;
            }
        }
    }
    // Conflicts are the server's records: one the full pull did not bring is gone with the
    // restore, whether or not its workshop is. An open one held the user's losing value,
    // sent again first (`lost_conflicts`). The server deletes no conflict, session or
    // series, so after an expired cursor too one it no longer sends was lost (a restore as
    // well as the trim).
    offered += super::lost_conflicts::offer_lost_conflicts(conn)?;
    offered += super::lost_schedule::offer_unseen(conn)?;
    conn.execute(
        "DELETE FROM conflicts WHERE server_rev IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM sync_seen_rows s WHERE s.entity = 'conflict' AND s.id = conflicts.id)",
        [],
    )?;
    Ok(offered)
}

/// Undoes the local effect of a refused mutation where no pull will: a note or a share this
/// database made that the server never had (no `server_rev`), unless another queued change
/// still makes it. Rows the server has come back with the pull after the refusal.
pub(crate) fn undo_refused(conn: &Connection, name: &str, args: &serde_json::Value) -> Result<()> {
    let workshop = args["workshopId"].as_str().unwrap_or_default();
    match MutationKind::of_name(name) {
        Some(kind @ MutationKind::SetNote) => {
            let step = args["stepId"].as_str();
            conn.execute(
                "DELETE FROM notes WHERE workshop_id = ?1 AND coalesce(step_id, '') = coalesce(?2, '')
                   AND server_rev IS NULL
                   AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.name = ?3 AND o.workshop_id = ?1
                       AND coalesce(json_extract(o.args, '$.stepId'), '') = coalesce(?2, ''))",
                (workshop, step, kind.name()),
            )?;
        }
        // A session or series the server lost and refused to make again: like one never
        // synced, it goes (with the occurrences of a series).
        Some(kind @ (MutationKind::CreateSession | MutationKind::CreateSeries)) => {
            let (table, id) = match kind {
                MutationKind::CreateSession => ("sessions", args["sessionId"].as_str()),
                _ => ("series", args["seriesId"].as_str()),
            };
            let id = id.unwrap_or_default();
            let queued = "NOT EXISTS (SELECT 1 FROM outbox o WHERE o.name = ?2
                   AND (json_extract(o.args, '$.sessionId') = ?1 OR json_extract(o.args, '$.seriesId') = ?1))";
            if table == "series" {
                conn.execute(
                    &format!("DELETE FROM sessions WHERE series_id = ?1 AND server_rev IS NULL AND {queued}"),
                    (id, kind.name()),
                )?;
            }
            conn.execute(
                &format!("DELETE FROM {table} WHERE id = ?1 AND server_rev IS NULL AND {queued}"),
                (id, kind.name()),
            )?;
        }
        Some(kind @ MutationKind::AddMember) => {
            conn.execute(
                "DELETE FROM workshop_members WHERE workshop_id = ?1 AND user_id = ?2 AND server_rev IS NULL
                   AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.name = ?3 AND o.workshop_id = ?1
                       AND json_extract(o.args, '$.userId') = ?2)",
                (workshop, args["userId"].as_str().unwrap_or_default(), kind.name()),
            )?;
        }
        _ => {}
    }
    Ok(())
}

/// Queues every workshop of this database that the server has never seen and whose creation
/// is not queued, as `putWorkshop` plus its notes, series and sessions; returns how many
/// workshops.
pub(crate) fn offer_unsynced(conn: &Connection, only_missing_after_reset: bool) -> Result<usize> {
    let creations =
        MutationKind::sql_list(&[MutationKind::CreateWorkshop, MutationKind::PutWorkshop]);
    let sql = if only_missing_after_reset {
        // The server had them (pulled, or acknowledged and not yet pulled back), and a full
        // pull says it no longer does. Only the owner offers a workshop again; a member's
        // copy of a shared one goes (the share is gone with it).
        let user: String =
            conn.query_row("SELECT user_id FROM local_profile WHERE id = 1", [], |r| {
                r.get(0)
            })?;
        conn.execute(
            &format!(
                "DELETE FROM workshops WHERE {}",
                super::lost_copies::lost_copy_of("workshops")
            ),
            [&user],
        )?;
        format!(
            "SELECT id FROM workshops w WHERE NOT EXISTS (SELECT 1 FROM sync_seen s WHERE s.workshop_id = w.id)
               AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.workshop_id = w.id AND o.name IN ({creations}))"
        )
    } else {
        format!(
            "SELECT id FROM workshops w WHERE server_rev IS NULL
               AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.workshop_id = w.id AND o.name IN ({creations}))"
        )
    };
    let ids: Vec<String> = conn
        .prepare(&sql)?
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
        // Its sessions and series too: the snapshot replaced the queued changes that made them.
        super::lost_schedule::offer_workshop(conn, id)?;
    }
    if dropped > 0 {
        close_gaps(conn)?;
    }
    Ok(ids.len())
}
