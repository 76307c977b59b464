//! What the server said of pushed mutations: applied, duplicate, or rejected with a reason.
//! A rejection is kept for the user, who edits the value and sends it again, or dismisses it.

/// A mutation the server refused, with its reason.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rejection {
    pub id: i64,
    /// The refused mutation's id; 0 for a change the server lost in a restore that this
    /// desktop could not offer again (refused here, never queued).
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

use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;
use serde::Serialize;
use wp_domain::protocol::{MutationResult, Outcome};
use wp_domain::Mutation;

use super::outbox;
use super::recovery;
use crate::rows::codec::{table_of, versioned};
use crate::{now, Result, Store, StoreError};

impl Store {
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
                            match table_of(&row.entity) {
                                // The version goes with the newest revision (SQLite reads
                                // the old `server_rev` in both assignments).
                                Some(table) if versioned(&row.entity) => {
                                    tx.execute(
                                        &format!(
                                            "UPDATE {table} SET server_rev = max(coalesce(server_rev, 0), ?2),
                                               server_version = CASE WHEN ?2 >= coalesce(server_rev, 0) THEN ?3 ELSE server_version END
                                             WHERE id = ?1"
                                        ),
                                        (&row.id, row.rev, &row.version),
                                    )?;
                                }
                                Some(table) => {
                                    tx.execute(
                                        &format!("UPDATE {table} SET server_rev = max(coalesce(server_rev, 0), ?2) WHERE id = ?1"),
                                        (&row.id, row.rev),
                                    )?;
                                }
                                None => {}
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
