//! The mass-delete guard: a pull that would trash or remove many workshops at once (a mass
//! delete elsewhere, or an empty or restored server) pauses and asks, instead of spreading
//! it. Deletions are held (`sync_held`) while the pull runs and counted over the whole pull
//! before any applies; pushes go on meanwhile.

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use wp_domain::protocol::PulledChange;
use wp_domain::{Change, Mutation};

use super::outbox;
use crate::members;
use crate::rows::codec::table_of;
use crate::rows::read::{step_records, workshop_record};
use crate::rows::write::write;
use crate::{now, Result, Store};

/// More than this many workshops deleted by one pull pauses it: 10.
pub const MASS_DELETE_COUNT: usize = 10;

/// A pull deleting more than half of the live workshops pauses too, from this many on: 2
/// (deleting one workshop is never a mass delete).
pub const MASS_DELETE_HALF_FROM: usize = 2;

/// Deletions a pull brought that wait for the user's word.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldDeletes {
    /// The workshops that would go: id and title.
    pub workshops: Vec<(String, String)>,
    /// Live workshops on this machine now.
    pub live_workshops: i64,
    /// Of `workshops`, the ids of those shared with the user whose owner removed the user's
    /// access: they go whichever the answer, since only their owner can share them again.
    pub unshared: Vec<String>,
}

fn workshop_of(conn: &Connection, entity: &str, id: &str) -> Result<Option<String>> {
    let table = match entity {
        "step" => "workshop_steps",
        "note" => "notes",
        "member" => "workshop_members",
        "conflict" => "conflicts",
        _ => return Ok(None),
    };
    Ok(conn
        .query_row(
            &format!("SELECT workshop_id FROM {table} WHERE id = ?1"),
            [id],
            |r| r.get(0),
        )
        .optional()?)
}

/// The workshops `changes` would trash or remove that are live here now: trashed or removed
/// on the server, or the copies of shared workshops whose owner removed `user_id`'s access.
/// In the full pull after a server restore (`restored`), a trashed workshop older than the
/// copy here (its revision below the one this database last had from the server) is not a
/// deletion: the restore lost the workshop's way out of the trash, which the pull offers
/// again (`recovery::offer_lost_value`).
pub(crate) fn deleted_workshops(
    conn: &Connection,
    changes: &[PulledChange],
    user_id: &str,
    restored: bool,
) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let regained = members::regained(changes, user_id);
    for change in changes {
        let lost;
        let id = match change {
            PulledChange::Put(put) => match &put.row {
                Change::Workshop(w) if w.deleted_at.is_some() => {
                    if restored
                        && super::recovery::local_rev(conn, "workshops", &w.id)?
                            .is_some_and(|here| here > put.rev)
                    {
                        continue;
                    }
                    &w.id
                }
                _ => continue,
            },
            PulledChange::Delete(t) if t.entity == "workshop" => &t.id,
            PulledChange::Delete(t) if t.entity == "member" => {
                match members::lost_copy(conn, &t.id, user_id)? {
                    Some(workshop) if !regained.contains(&workshop) => {
                        lost = workshop;
                        &lost
                    }
                    _ => continue,
                }
            }
            PulledChange::Delete(_) => continue,
        };
        let live: Option<bool> = conn
            .query_row(
                "SELECT deleted_at IS NULL FROM workshops WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        if live == Some(true) && !out.contains(id) {
            out.push(id.clone());
        }
    }
    Ok(out)
}

/// Whether any deletion is held.
pub(crate) fn any_held(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM sync_held)")?
        .query_row([], |r| r.get(0))?)
}

/// Holds `change` if it deletes a workshop in `held` (or one already held), or a row of one.
/// A workshop pulled live again is released. Returns whether it was held.
pub(crate) fn hold(conn: &Connection, held: &[String], change: &PulledChange) -> Result<bool> {
    let workshop = match change {
        PulledChange::Put(put) => match &put.row {
            Change::Workshop(w) if w.deleted_at.is_none() => {
                // Live on the server again: nothing of it is to go.
                conn.execute("DELETE FROM sync_held WHERE workshop_id = ?1", [&w.id])?;
                return Ok(false);
            }
            Change::Workshop(w) => Some(w.id.clone()),
            _ => None,
        },
        PulledChange::Delete(t) if t.entity == "workshop" => Some(t.id.clone()),
        PulledChange::Delete(t) => workshop_of(conn, &t.entity, &t.id)?,
    };
    let Some(workshop) = workshop else {
        return Ok(false);
    };
    let already: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sync_held WHERE workshop_id = ?1)",
        [&workshop],
        |r| r.get(0),
    )?;
    if !held.contains(&workshop) && !already {
        return Ok(false);
    }
    conn.execute(
        "INSERT INTO sync_held (workshop_id, change) VALUES (?1, ?2)",
        (&workshop, serde_json::to_string(change)?),
    )?;
    Ok(true)
}

fn held(conn: &Connection) -> Result<HeldDeletes> {
    let workshops = conn
        .prepare(
            "SELECT DISTINCT h.workshop_id, coalesce(w.title, '') FROM sync_held h
             LEFT JOIN workshops w ON w.id = h.workshop_id ORDER BY 2, 1",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let live_workshops = conn.query_row(
        "SELECT count(*) FROM workshops WHERE deleted_at IS NULL",
        [],
        |r| r.get(0),
    )?;
    let unshared = conn
        .prepare(
            "SELECT DISTINCT workshop_id FROM sync_held
             WHERE json_extract(change, '$.delete.entity') = 'member' ORDER BY 1",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(HeldDeletes {
        workshops,
        live_workshops,
        unshared,
    })
}

/// Whether deleting `count` of `live` workshops is a mass delete.
pub fn is_mass_delete(count: usize, live: i64) -> bool {
    count > MASS_DELETE_COUNT || (count >= MASS_DELETE_HALF_FROM && count as i64 * 2 > live)
}

/// Applies the held changes in order (of one workshop, or of all) and forgets them.
fn apply_held(conn: &Connection, user_id: &str, workshop: Option<&str>) -> Result<usize> {
    let changes: Vec<String> = conn
        .prepare("SELECT change FROM sync_held WHERE ?1 IS NULL OR workshop_id = ?1 ORDER BY seq")?
        .query_map([workshop], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for text in &changes {
        match serde_json::from_str::<PulledChange>(text)? {
            PulledChange::Put(put) => {
                write(conn, &put.row)?;
                if let Change::Workshop(w) = &put.row {
                    conn.execute(
                        "UPDATE workshops SET server_rev = ?2 WHERE id = ?1",
                        (&w.id, put.rev),
                    )?;
                }
            }
            PulledChange::Delete(t) => {
                let lost = if t.entity == "member" {
                    members::lost_copy(conn, &t.id, user_id)?
                } else {
                    None
                };
                if let Some(table) = table_of(&t.entity) {
                    conn.execute(&format!("DELETE FROM {table} WHERE id = ?1"), [&t.id])?;
                }
                if let Some(workshop_id) = lost {
                    conn.execute("DELETE FROM workshops WHERE id = ?1", [&workshop_id])?;
                }
            }
        }
    }
    conn.execute(
        "DELETE FROM sync_held WHERE ?1 IS NULL OR workshop_id = ?1",
        [workshop],
    )?;
    Ok(changes.len())
}

/// At the end of a pull: applies the held deletions unless they are a mass delete and the
/// user has not allowed it; then they wait, and are returned. Also returns the workshops whose
/// held deletions applied (empty while they wait).
pub(crate) fn decide(
    conn: &Connection,
    allow: bool,
    user_id: &str,
) -> Result<(Option<HeldDeletes>, Vec<String>)> {
    let waiting = held(conn)?;
    if waiting.workshops.is_empty() {
        return Ok((None, Vec::new()));
    }
    if allow || !is_mass_delete(waiting.workshops.len(), waiting.live_workshops) {
        apply_held(conn, user_id, None)?;
        let gone = waiting.workshops.into_iter().map(|(id, _)| id).collect();
        return Ok((None, gone));
    }
    Ok((Some(waiting), Vec::new()))
}

impl Store {
    /// Deletions a pull brought that wait for the user's word; `None` when none wait.
    pub fn held_deletes(&self) -> Result<Option<HeldDeletes>> {
        let waiting = held(&self.conn)?;
        Ok((!waiting.workshops.is_empty()).then_some(waiting))
    }

    /// The user agreed: the held deletions apply. Returns how many changes applied.
    pub fn apply_held_deletes(&mut self) -> Result<usize> {
        let user_id = self.user_id.clone();
        self.write(|tx| apply_held(tx, &user_id, None))
    }

    /// The user refused: nothing is deleted here, and the workshops go back to the server
    /// (trashed ones restored, removed ones offered again whole), to every device at its
    /// next sync. Copies of shared workshops whose owner removed the user's access go all
    /// the same ([`HeldDeletes::unshared`]): they are not the user's to bring back. Returns
    /// how many workshops are kept.
    pub fn keep_held_deletes(&mut self) -> Result<usize> {
        let user_id = self.user_id.clone();
        self.write(|tx| {
            let waiting = held(tx)?;
            let mut kept = 0;
            for (id, _) in &waiting.workshops {
                if waiting.unshared.contains(id) {
                    apply_held(tx, &user_id, Some(id))?;
                    continue;
                }
                let removed: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM sync_held WHERE workshop_id = ?1 AND change LIKE '{\"delete\"%')",
                    [id],
                    |r| r.get(0),
                )?;
                let mutation = match workshop_record(tx, id)? {
                    Some((workshop, _)) if removed => Mutation::PutWorkshop {
                        workshop,
                        steps: step_records(tx, id, None)?
                            .into_iter()
                            .map(|(s, _)| s)
                            .collect(),
                        at: now(),
                    },
                    Some(_) => Mutation::RestoreWorkshop {
                        workshop_id: id.clone(),
                        at: now(),
                    },
                    None => continue,
                };
                outbox::append(tx, &mutation, None)?;
                kept += 1;
            }
            tx.execute("DELETE FROM sync_held", [])?;
            Ok(kept)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::is_mass_delete;

    #[test]
    fn more_than_ten_or_more_than_half_from_two_on() {
        assert!(!is_mass_delete(10, 1000));
        assert!(is_mass_delete(11, 1000));
        assert!(!is_mass_delete(1, 1), "one workshop is never a mass delete");
        assert!(is_mass_delete(2, 3));
        assert!(!is_mass_delete(2, 4), "exactly half is not more than half");
    }
}
