//! Who has access to a workshop: its owner, and the users it is shared with as editor or
//! viewer (`workshop_members`). Sharing is the `addMember` mutation and removing access
//! `removeMember`, so both sync like any change; the server checks that a user exists and
//! refuses a share otherwise.

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use wp_domain::ids::{self, new_id, IdKind};
use wp_domain::{DomainError, MemberRecord, Mutation, Role};

use crate::rows::read::find;
use crate::{now, Result, Store, StoreError};

/// One person with access to a workshop.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// The server user's id (`usr_...`); before the first sign-in, the local profile's.
    pub user_id: String,
    /// Their display name, once a pull brought it (the server's `users.name`); `None` for
    /// the owner and for a share not synced yet.
    pub name: Option<String>,
    pub role: Role,
    /// This is the local user.
    pub you: bool,
}

/// The workshop whose copy goes with the membership row `member_id`: set when that row is
/// the local user's own access to a workshop someone else owns (the owner removed it; the
/// user's notes in it stay on the server). `None` for any other membership.
pub(crate) fn lost_copy(
    conn: &Connection,
    member_id: &str,
    user_id: &str,
) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT m.workshop_id FROM workshop_members m JOIN workshops w ON w.id = m.workshop_id
             WHERE m.id = ?1 AND m.user_id = ?2 AND w.owner_id <> ?2",
        )?
        .query_row((member_id, user_id), |r| r.get(0))
        .optional()?)
}

/// The workshops `changes` share with `user_id` (a membership put for them): a removal of
/// their access earlier in the same changes is followed by access again, and their copies
/// stay.
pub(crate) fn regained(
    changes: &[wp_domain::protocol::PulledChange],
    user_id: &str,
) -> Vec<String> {
    changes
        .iter()
        .filter_map(|c| match c {
            wp_domain::protocol::PulledChange::Put(p) => match &p.row {
                wp_domain::Change::Member(m) if !m.removed && m.user_id == user_id => {
                    Some(m.workshop_id.clone())
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// A membership is one per (workshop, user), and the server keeps the id it has when a
/// share is made again under another id. A pulled membership's id is the server's: the row
/// here for the same workshop and user takes it, so that the server's later tombstone for
/// that id finds it.
pub(crate) fn adopt_server_id(conn: &Connection, pulled: &MemberRecord) -> Result<()> {
    conn.prepare_cached(
        "UPDATE workshop_members SET id = ?1 WHERE workshop_id = ?2 AND user_id = ?3 AND id <> ?1",
    )?
    .execute((&pulled.id, &pulled.workshop_id, &pulled.user_id))?;
    Ok(())
}

impl Store {
    /// Everyone with access to the workshop: the owner first, then members by when they
    /// were added.
    pub fn members(&self, workshop_id: &str) -> Result<Vec<Member>> {
        let workshop = find(&self.conn, workshop_id)?;
        let mut out = vec![Member {
            you: workshop.record.owner_id == self.user_id,
            user_id: workshop.record.owner_id,
            name: None,
            role: Role::Owner,
        }];
        let mut stmt = self.conn.prepare_cached(
            "SELECT user_id, role, user_name FROM workshop_members WHERE workshop_id = ?1 ORDER BY created_at, rowid",
        )?;
        let rows = stmt.query_map([workshop_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?;
        for row in rows {
            let (user_id, role, name) = row?;
            out.push(Member {
                you: user_id == self.user_id,
                role: Role::parse(&role).unwrap_or(Role::Viewer),
                user_id,
                name,
            });
        }
        Ok(out)
    }

    /// Shares the workshop with the user `user_id` (`usr_...`, as the server knows them) as
    /// `role` (editor or viewer), or changes their role. Owner only. Errors name the field:
    /// `userId` for an id that is not a user id or is the owner's, `role` for owner.
    pub fn share_workshop(&mut self, workshop_id: &str, user_id: &str, role: Role) -> Result<()> {
        let user_id = user_id.trim();
        ids::check(IdKind::User, "userId", user_id).map_err(StoreError::Domain)?;
        if role == Role::Owner {
            return Err(StoreError::Domain(DomainError::argument(
                "role",
                "role must be one of editor, viewer",
            )));
        }
        self.mutate(Mutation::AddMember {
            member_id: new_id(IdKind::Member),
            workshop_id: workshop_id.to_string(),
            user_id: user_id.to_string(),
            role,
            at: now(),
        })?;
        Ok(())
    }

    /// Takes `user_id`'s access to the workshop away (owner only): a `removeMember`
    /// mutation. Their devices drop their copy at their next sync. Removing someone without
    /// access changes nothing; the owner cannot be removed (`userId`).
    pub fn unshare_workshop(&mut self, workshop_id: &str, user_id: &str) -> Result<()> {
        self.mutate(Mutation::RemoveMember {
            workshop_id: workshop_id.to_string(),
            user_id: user_id.trim().to_string(),
            at: now(),
        })?;
        Ok(())
    }
}
