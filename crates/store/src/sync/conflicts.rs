//! Conflicts: a change of this user that lost to an earlier one, kept until they resolve it
//! (keep mine, take theirs, or a merged value), which is a `resolveConflict` mutation.

use serde_json::Value;
use wp_domain::mutation::Resolution;
use wp_domain::{ConflictRecord, Mutation};

use crate::rows::read::conflict_records;
use crate::rows::write::Written;
use crate::{now, Result, Store, StoreError};

impl Store {
    /// This database's conflicts (its user's, pulled from the server), open ones only or
    /// all, newest first.
    pub fn conflicts(&self, open_only: bool) -> Result<Vec<ConflictRecord>> {
        conflict_records(&self.conn, open_only)
    }

    /// Resolves a conflict: keep mine, take theirs, or a merged value. It is a mutation: it
    /// changes the note, field or title here at once, is queued, and clears the conflict on
    /// every client of the user once synced.
    pub fn resolve_conflict(&mut self, id: &str, resolution: Resolution) -> Result<Vec<Written>> {
        let conflict = self.conflict(id)?;
        self.mutate(Mutation::ResolveConflict {
            conflict_id: id.to_string(),
            workshop_id: conflict.workshop_id,
            resolution,
            at: now(),
        })
    }

    /// Takes a conflict's resolution back (undo): the conflict is open again here and, once
    /// synced, on every client of the user; the note, field or title goes back to the live
    /// value it recorded if it still is `kept`, what the resolution wrote (mine or the
    /// merge; `None` when it took theirs). A mutation like the resolution.
    pub fn reopen_conflict(&mut self, id: &str, kept: Option<Value>) -> Result<Vec<Written>> {
        let conflict = self.conflict(id)?;
        self.mutate(Mutation::ReopenConflict {
            conflict_id: id.to_string(),
            workshop_id: conflict.workshop_id,
            kept,
            at: now(),
        })
    }

    /// One of this database's conflicts, open or resolved. Errors: not found.
    fn conflict(&self, id: &str) -> Result<ConflictRecord> {
        conflict_records(&self.conn, false)?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| StoreError::NotFound {
                entity: "conflict",
                id: id.to_string(),
            })
    }
}
