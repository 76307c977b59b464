//! `POST /api/sync/push`: apply a client's queued mutations, exactly once.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use sha2::{Digest, Sha256};
use wp_domain::mutation::{WireError, PROTOCOL_VERSION};
use wp_domain::protocol::{
    codes, MutationResult, Outcome, PushMutation, PushRequest, PushResponse, RowRev,
};
use wp_domain::Mutation;

use crate::apply::{apply_mutation, Writer};
use crate::auth::User;
use crate::body::JsonBody;
use crate::{ApiError, AppState};

/// Most mutations in one push; a larger batch is refused with 413 and the client splits it.
pub const MAX_BATCH: usize = 500;

/// SHA-256 over a mutation's name, arguments (canonical JSON: keys sorted) and base revision.
fn fingerprint(m: &PushMutation) -> Vec<u8> {
    let canonical = |v: &serde_json::Value| -> String {
        // serde_json's `preserve_order` keeps insertion order; sort for a stable hash.
        fn sorted(v: &serde_json::Value) -> serde_json::Value {
            match v {
                serde_json::Value::Object(map) => {
                    let mut keys: Vec<_> = map.keys().collect();
                    keys.sort();
                    serde_json::Value::Object(
                        keys.into_iter()
                            .map(|k| (k.clone(), sorted(&map[k])))
                            .collect(),
                    )
                }
                serde_json::Value::Array(items) => {
                    serde_json::Value::Array(items.iter().map(sorted).collect())
                }
                other => other.clone(),
            }
        }
        sorted(v).to_string()
    };
    let mut h = Sha256::new();
    h.update(m.name.as_bytes());
    h.update([0]);
    h.update(canonical(&m.args).as_bytes());
    h.update([0]);
    h.update(m.base_rev.unwrap_or(-1).to_be_bytes());
    h.finalize().to_vec()
}

fn batch_error(status: StatusCode, code: &'static str, message: &str) -> ApiError {
    ApiError {
        code: Some(code),
        ..ApiError::new(status, message)
    }
}

/// The device name a push reports, trimmed and cut to 100 characters; `None` when blank.
fn device_name(raw: Option<&str>) -> Option<String> {
    let name: String = raw?.trim().chars().take(100).collect();
    let name = name.trim_end().to_string();
    (!name.is_empty()).then_some(name)
}

/// Locks the client's row (`FOR UPDATE`), creating it for `user_id` on first sight, so two
/// server processes never both apply one client's mutation. Returns its last mutation id.
async fn lock_client(
    tx: &mut sqlx::PgConnection,
    client_id: &str,
    user_id: &str,
) -> Result<i64, ApiError> {
    sqlx::query!(
        "INSERT INTO sync_clients (id, user_id) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
        client_id,
        user_id
    )
    .execute(&mut *tx)
    .await?;
    let client = sqlx::query!(
        "SELECT user_id, last_mutation_id FROM sync_clients WHERE id = $1 FOR UPDATE",
        client_id
    )
    .fetch_one(&mut *tx)
    .await?;
    let (owner, last) = (client.user_id, client.last_mutation_id);
    if owner != user_id {
        return Err(batch_error(
            StatusCode::FORBIDDEN,
            codes::CLIENT_OWNED,
            "This client id belongs to another user; sign in again to get a new one",
        ));
    }
    Ok(last)
}

/// How the server answered a mutation the first time: `Applied`, or `Rejected` with the
/// reason and the field it names. A copy of the mutation sent again gets the same answer.
enum Processed<'a> {
    Applied,
    Rejected {
        error: &'a str,
        field: Option<&'a str>,
    },
}

/// Records a processed mutation: the client's last id, the mutation's fingerprint and how it
/// was answered, in the transaction that holds its effect.
async fn record(
    tx: &mut sqlx::PgConnection,
    client_id: &str,
    m: &PushMutation,
    processed: Processed<'_>,
) -> Result<(), ApiError> {
    let (outcome, error, field) = match processed {
        Processed::Applied => ("applied", None, None),
        Processed::Rejected { error, field } => ("rejected", Some(error), field),
    };
    sqlx::query!(
        "UPDATE sync_clients SET last_mutation_id = $2, updated_at = now() WHERE id = $1",
        client_id,
        m.id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO sync_mutations (client_id, mutation_id, hash, outcome, error, field, uid)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        client_id,
        m.id,
        fingerprint(m),
        outcome,
        error,
        field,
        m.uid.as_deref()
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// How the server answered a mutation with `uid` that any client of `user_id` sent before:
/// `(outcome, error, field)`. Takes the uid's lock first (held to the end of the
/// transaction), so two clients sending one uid at once are answered one after the other.
async fn processed_uid(
    tx: &mut sqlx::PgConnection,
    uid: &str,
    user_id: &str,
) -> Result<Option<(String, Option<String>, Option<String>)>, ApiError> {
    // 7263: the uid lock's class (7262 is the log's); the uid's hash picks the lock.
    sqlx::query!(
        r#"SELECT 1 AS "locked!" FROM pg_advisory_xact_lock(7263, hashtext($1))"#,
        uid
    )
    .fetch_one(&mut *tx)
    .await?;
    let earlier = sqlx::query!(
        "SELECT m.outcome, m.error, m.field FROM sync_mutations m
         JOIN sync_clients c ON c.id = m.client_id
         WHERE m.uid = $1 AND c.user_id = $2
         ORDER BY m.processed_at LIMIT 1",
        uid,
        user_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    Ok(earlier.map(|e| (e.outcome, e.error, e.field)))
}

/// The answer to a mutation processed before: refused again with its reason, or a duplicate.
fn answered_before(
    id: i64,
    outcome: &str,
    error: Option<String>,
    field: Option<String>,
) -> MutationResult {
    if outcome == "rejected" {
        // A refusal is answered again, with its reason: the first answer may have been
        // lost, and "already processed" would let the client drop the change as if it had
        // been applied.
        MutationResult {
            id,
            outcome: Outcome::Rejected,
            error: Some(error.unwrap_or_else(|| "refused when first sent".into())),
            field,
            revs: vec![],
        }
    } else {
        MutationResult {
            id,
            outcome: Outcome::Duplicate,
            error: None,
            field: None,
            revs: vec![],
        }
    }
}

/// `POST /api/sync/push` `{protocolVersion, clientId, mutations: [{id, name, args, baseRev, uid?}]}`
/// → 200 `{lastMutationId, results: [{id, outcome, error?, field?}]}`.
///
/// Each mutation runs in its own transaction that also records the client's last processed
/// id, so a retried or duplicated push has no second effect. A mutation whose `uid` one of
/// the user's clients sent before is not applied again: it is answered as that one was, and
/// recorded under this client id (a client renumbers its queue under a new id after a
/// restore or a copy of its database, and cannot know what the server applied under the old
/// one). A rejected mutation counts as
/// processed; sent again, it is answered as rejected again, with its reason. Batch-level
/// answers: 400 for a malformed body or uid, 403 `client_owned`, 409
/// `client_reset` when the ids no longer match what the server recorded (the client takes a
/// new id and renumbers), 413 past [`MAX_BATCH`] mutations.
pub async fn push(
    State(state): State<AppState>,
    user: User,
    JsonBody(body): JsonBody<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    if body.client_id.is_empty() || body.client_id.len() > 64 {
        return Err(ApiError::field(
            "clientId",
            "clientId must be 1 to 64 characters",
        ));
    }
    if body.mutations.len() > MAX_BATCH {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("at most {MAX_BATCH} mutations per push"),
        ));
    }
    for m in &body.mutations {
        if let Some(uid) = &m.uid {
            wp_domain::ids::check(wp_domain::ids::IdKind::Mutation, "uid", uid)
                .map_err(|e| ApiError::field("uid", e.to_string()))?;
        }
    }
    let client_id = body.client_id.as_str();
    let mut results = Vec::with_capacity(body.mutations.len());
    let mut last = {
        let mut tx = state.pool.begin().await?;
        let last = lock_client(&mut tx, client_id, &user.id).await?;
        if let Some(device) = device_name(body.device.as_deref()) {
            sqlx::query!(
                "UPDATE sync_clients SET device = $2 WHERE id = $1 AND device IS DISTINCT FROM $2",
                client_id,
                device
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        last
    };
    // A mutation at or below `last` was processed before: the same fingerprint is a retry
    // (no second effect), another one means a second copy of the client's database.
    for m in &body.mutations {
        let mut tx = state.pool.begin().await?;
        last = lock_client(&mut tx, client_id, &user.id).await?;
        if m.id <= last {
            let earlier = sqlx::query!(
                "SELECT hash, outcome, error, field FROM sync_mutations
                 WHERE client_id = $1 AND mutation_id = $2",
                client_id,
                m.id
            )
            .fetch_optional(&mut *tx)
            .await?
            .map(|e| (e.hash, e.outcome, e.error, e.field));
            if earlier.as_ref().is_some_and(|(h, ..)| *h != fingerprint(m)) {
                tx.rollback().await?;
                return Err(batch_error(
                    StatusCode::CONFLICT,
                    codes::CLIENT_RESET,
                    "This client's mutation ids were used by another copy of its database; take a new client id",
                ));
            }
            if earlier
                .as_ref()
                .is_some_and(|(_, outcome, ..)| outcome == "rejected")
            {
                resend_answered(&mut tx, m, &user.id).await?;
            }
            tx.commit().await?;
            // No second effect.
            results.push(match earlier {
                Some((_, outcome, error, field)) => answered_before(m.id, &outcome, error, field),
                None => answered_before(m.id, "applied", None, None),
            });
            continue;
        }
        if m.id != last + 1 {
            // A gap: the ids before it have not arrived. Stop; the client sends them again.
            tx.rollback().await?;
            break;
        }
        if let Some(uid) = &m.uid {
            if let Some((outcome, error, field)) = processed_uid(&mut tx, uid, &user.id).await? {
                // Sent before under another client id: answered as then, no second effect.
                let processed = match outcome.as_str() {
                    "rejected" => Processed::Rejected {
                        error: error.as_deref().unwrap_or("refused when first sent"),
                        field: field.as_deref(),
                    },
                    _ => Processed::Applied,
                };
                record(&mut tx, client_id, m, processed).await?;
                // The client renumbered its queue, and may have applied this change again
                // over newer rows (a database put back from a copy): applied or refused, the
                // rows it touched come back with its next pull.
                resend_answered(&mut tx, m, &user.id).await?;
                tx.commit().await?;
                results.push(answered_before(m.id, &outcome, error, field));
                last = m.id;
                continue;
            }
        }
        let mutation = match Mutation::from_wire(&m.name, m.args.clone()) {
            Ok(mutation) => mutation,
            Err(WireError::UnknownName(name)) => {
                tx.rollback().await?;
                tracing::info!(name = %name, "unknown mutation");
                results.push(MutationResult {
                    id: m.id,
                    outcome: Outcome::UpgradeRequired,
                    error: Some(format!(
                        "this server does not know the mutation \"{}\" (protocol {PROTOCOL_VERSION}); it stays queued until the server is upgraded",
                        m.name
                    )),
                    field: None,
                    revs: vec![],
                });
                break;
            }
            Err(e) => {
                let error = e.to_string();
                let refused = Processed::Rejected {
                    error: &error,
                    field: Some("args"),
                };
                record(&mut tx, client_id, m, refused).await?;
                tx.commit().await?;
                results.push(MutationResult {
                    id: m.id,
                    outcome: Outcome::Rejected,
                    error: Some(error),
                    field: Some("args".into()),
                    revs: vec![],
                });
                continue;
            }
        };
        // A value offered again after a restore that the server's history still holds, or
        // one older than another desktop's offer of the same row: nothing to do, and the
        // client's next pull brings back what the row holds.
        if let Some(lost) = &m.lost {
            if super::lost::stale(&mut tx, lost, mutation.workshop_id()).await? {
                record(&mut tx, client_id, m, Processed::Applied).await?;
                resend(&mut tx, &mutation, &user.id).await?;
                tx.commit().await?;
                results.push(answered_before(m.id, "applied", None, None));
                last = m.id;
                continue;
            }
        }
        match apply_mutation(
            &mut tx,
            &mutation,
            Writer {
                user_id: &user.id,
                client_id: Some(client_id),
            },
        )
        .await?
        {
            Ok(changes) => {
                record(&mut tx, client_id, m, Processed::Applied).await?;
                // The client applied its own value locally; where the server kept another
                // (a conflict, or nothing to change), its rows come back with the next pull.
                if changes.is_empty()
                    || changes
                        .iter()
                        .any(|(c, ..)| matches!(c, wp_domain::Change::Conflict(_)))
                {
                    resend(&mut tx, &mutation, &user.id).await?;
                }
                tx.commit().await?;
                results.push(MutationResult {
                    id: m.id,
                    outcome: Outcome::Applied,
                    error: None,
                    field: None,
                    revs: changes
                        .iter()
                        .map(|(c, rev, version)| RowRev::of(c, *rev, version.clone()))
                        .collect(),
                });
            }
            Err(e) => {
                // Nothing of the mutation stays; the rejection itself is recorded.
                tx.rollback().await?;
                let api = ApiError::from(e.clone());
                let error = e.to_string();
                let mut tx = state.pool.begin().await?;
                lock_client(&mut tx, client_id, &user.id).await?;
                let refused = Processed::Rejected {
                    error: &error,
                    field: api.field.as_deref(),
                };
                record(&mut tx, client_id, m, refused).await?;
                resend(&mut tx, &mutation, &user.id).await?;
                tx.commit().await?;
                results.push(MutationResult {
                    id: m.id,
                    outcome: Outcome::Rejected,
                    error: Some(error),
                    field: api.field,
                    revs: vec![],
                });
            }
        }
        last = m.id;
    }
    Ok(Json(PushResponse {
        last_mutation_id: last,
        results,
    }))
}

/// A mutation answered again: a refusal retried, or a uid sent before under another client
/// id (applied or refused). The client may hold the change again over newer rows (a
/// database put back from a copy, a rebase), so the workshop's rows are logged again
/// ([`resend`]), and its next pull puts the server's values back. A mutation this server
/// cannot read has no workshop to resend.
async fn resend_answered(
    tx: &mut sqlx::PgConnection,
    m: &PushMutation,
    user_id: &str,
) -> Result<(), ApiError> {
    match Mutation::from_wire(&m.name, m.args.clone()) {
        Ok(mutation) => resend(tx, &mutation, user_id).await,
        Err(_) => Ok(()),
    }
}

/// Logs the workshop's rows again (the workshop, its steps, the caller's notes, its series
/// and sessions) without changing them, so that the pull after a rejected mutation brings
/// every client of the caller the server's values back in place of the refused local
/// change. A refused note
/// the server does not have at all comes as a tombstone, so the refused text goes too.
async fn resend(
    tx: &mut sqlx::PgConnection,
    mutation: &Mutation,
    user_id: &str,
) -> Result<(), ApiError> {
    let workshop_id = mutation.workshop_id();
    // Positions in commit order: the same lock as the logging trigger, held to commit.
    sqlx::query!(r#"SELECT 1 AS "locked!" FROM pg_advisory_xact_lock(7262)"#)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query!(
        "INSERT INTO sync_log (position, entity, entity_id, workshop_id, user_id, deleted)
         SELECT nextval('sync_position'), entity, id, workshop_id, author, false FROM (
           SELECT 1 AS k, 0 AS o, 'workshop' AS entity, id, id AS workshop_id, NULL::text AS author FROM workshops WHERE id = $1
           UNION ALL SELECT 2, d.position, 'step', s.id, s.workshop_id, NULL FROM workshop_steps s
             JOIN step_definitions d ON d.id = s.step_id WHERE s.workshop_id = $1
           UNION ALL SELECT 3, 0, 'note', id, workshop_id, user_id FROM notes WHERE workshop_id = $1 AND user_id = $2::text
           UNION ALL SELECT 4, 0, 'series', id, workshop_id, NULL FROM series WHERE workshop_id = $1
           UNION ALL SELECT 5, 0, 'session', id, workshop_id, NULL FROM sessions WHERE workshop_id = $1
         ) rows ORDER BY k, o",
        workshop_id,
        user_id
    )
    .execute(&mut *tx)
    .await?;
    if let Mutation::SetNote {
        note_id, step_id, ..
    } = mutation
    {
        sqlx::query!(
            "INSERT INTO sync_log (position, entity, entity_id, workshop_id, user_id, deleted)
             SELECT nextval('sync_position'), 'note', $1::text, $2::text, $3::text, true
             WHERE NOT EXISTS (SELECT 1 FROM notes WHERE workshop_id = $2 AND user_id = $3
                               AND step_id IS NOT DISTINCT FROM $4::text)",
            note_id,
            workshop_id,
            user_id,
            step_id.as_deref()
        )
        .execute(&mut *tx)
        .await?;
    }
    if let Mutation::ResolveConflict { conflict_id, .. }
    | Mutation::ReopenConflict { conflict_id, .. } = mutation
    {
        // The conflict as the server holds it (still open), or gone (a restore lost it).
        sqlx::query!(
            "INSERT INTO sync_log (position, entity, entity_id, workshop_id, user_id, deleted)
             SELECT nextval('sync_position'), 'conflict', $1::text, $2::text, $3::text, NOT EXISTS
                 (SELECT 1 FROM conflicts WHERE id = $1 AND user_id = $3)",
            conflict_id,
            workshop_id,
            user_id
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
