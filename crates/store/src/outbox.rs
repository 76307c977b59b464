//! The outbox: one row per change, appended in the change's own transaction.

use rusqlite::Connection;
use serde::Serialize;

use crate::{now, OutboxEntry, Result, Store};

/// Appends a change to the outbox. Call inside the transaction that makes the change.
pub(crate) fn append(
    conn: &Connection,
    mutation: &str,
    entity: &str,
    entity_id: &str,
    rev: i64,
    payload: &impl Serialize,
) -> Result<()> {
    let payload = serde_json::to_string(payload)?;
    conn.prepare_cached(
        "INSERT INTO outbox (mutation, entity, entity_id, rev, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute((mutation, entity, entity_id, rev, payload, now()))?;
    Ok(())
}

impl Store {
    /// Outbox entries with `seq` greater than `after`, oldest first, at most `limit` of them.
    pub fn outbox(&self, after: i64, limit: u32) -> Result<Vec<OutboxEntry>> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, mutation, entity, entity_id, rev, payload, created_at FROM outbox
             WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt.query_map((after, limit), |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get::<_, String>(5)?,
                r.get(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, mutation, entity, entity_id, rev, payload, created_at) = row?;
            out.push(OutboxEntry {
                seq,
                mutation,
                entity,
                entity_id,
                rev,
                payload: serde_json::from_str(&payload)?,
                created_at,
            });
        }
        Ok(out)
    }
}
