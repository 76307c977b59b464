//! The outbox: the queue of [`Mutation`]s waiting for the server, one row per user change,
//! appended in the change's own transaction.

use rusqlite::Connection;
use wp_domain::Mutation;

use crate::{now, OutboxEntry, Result, Store};

/// Appends a mutation with the next mutation id (1, 2, 3... with no gaps, never reused) and
/// the server revision it was made against. Call inside the transaction that made the change.
pub(crate) fn append(conn: &Connection, mutation: &Mutation, base_rev: Option<i64>) -> Result<i64> {
    let id: i64 = conn.query_row(
        "UPDATE local_profile SET next_mutation_id = next_mutation_id + 1 WHERE id = 1
         RETURNING next_mutation_id - 1",
        [],
        |r| r.get(0),
    )?;
    let value = serde_json::to_value(mutation)?;
    conn.prepare_cached(
        "INSERT INTO outbox (mutation_id, name, args, workshop_id, base_rev, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute((
        id,
        mutation.name(),
        value["args"].to_string(),
        mutation.workshop_id(),
        base_rev,
        now(),
    ))?;
    Ok(id)
}

impl Store {
    /// Outbox entries (sent or not) with a mutation id greater than `after`, oldest first,
    /// at most `limit`.
    pub fn outbox(&self, after: i64, limit: u32) -> Result<Vec<OutboxEntry>> {
        crate::sync::outbox_rows(&self.conn, None, false, after, limit)
    }

    /// How many mutations wait in the outbox.
    pub fn outbox_len(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?)
    }
}
