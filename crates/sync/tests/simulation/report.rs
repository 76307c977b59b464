//! What the simulation prints when a client ends different from the server: the rows
//! that differ, and for each kind what the server and the client hold of it.

use std::collections::BTreeMap;

use serde_json::Value;
use sqlx::PgPool;
use wp_store::Store;

/// Panics with the story of client `i` (signed in as `user`), whose view `local` differs
/// from the server's `server` at the end of seed `seed`.
pub async fn divergence(
    seed: u64,
    i: usize,
    user: &str,
    store: &Store,
    pool: &PgPool,
    local: &BTreeMap<String, Value>,
    server: &BTreeMap<String, Value>,
) -> ! {
    let pool = pool.clone();
    let only_local: Vec<_> = local
        .iter()
        .filter(|(k, v)| server.get(*k) != Some(v))
        .collect();
    let only_server: Vec<_> = server
        .iter()
        .filter(|(k, v)| local.get(*k) != Some(v))
        .take(3)
        .collect();
    for (k, v) in &only_server {
        if k.starts_with("step ") {
            let ws = v[0].as_str().unwrap_or_default();
            eprintln!(
                "{k} of {ws}: here the workshop is {:?}",
                store
                    .workshop(ws)
                    .map(|d| (
                        d.workshop.record.deleted_at,
                        d.steps.len(),
                        d.workshop.record.owner_id
                    ))
                    .map_err(|e| e.to_string())
            );
        }
    }
    let workshops: Vec<_> = only_local
        .iter()
        .filter(|(k, _)| k.starts_with("workshop"))
        .collect();
    let mut on_server = vec![];
    for (k, _) in &workshops {
        let id = k.trim_start_matches("workshop ");
        let row: Option<(String, bool)> =
            sqlx::query_as("SELECT owner_id, deleted_at IS NOT NULL FROM workshops WHERE id = $1")
                .bind(id)
                .fetch_optional(&pool)
                .await
                .unwrap();
        let log: Vec<(i64, String, Option<String>, bool)> = sqlx::query_as(
            "SELECT position, entity_id, user_id, deleted FROM sync_log
             WHERE entity = 'member' AND workshop_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(&pool)
        .await
        .unwrap();
        eprintln!(
            "workshop {id}: members here {:?}; membership log on the server {log:?}",
            store.members(id).map_err(|e| e.to_string())
        );
        on_server.push((id.to_string(), row));
    }
    for (k, _) in &only_local {
        if let Some(id) = k.strip_prefix("conflict ") {
            let row: Option<(String, String, bool)> = sqlx::query_as(
                "SELECT user_id, workshop_id, resolved_at IS NOT NULL FROM conflicts WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&pool)
            .await
            .unwrap();
            let log: Vec<(i64, bool)> = sqlx::query_as(
                "SELECT position, deleted FROM sync_log WHERE entity_id = $1 ORDER BY position",
            )
            .bind(id)
            .fetch_all(&pool)
            .await
            .unwrap();
            let max: Option<i64> = sqlx::query_scalar("SELECT max(position) FROM sync_log")
                .fetch_one(&pool)
                .await
                .unwrap();
            let local = store
                .conflicts(false)
                .unwrap()
                .into_iter()
                .find(|c| c.id == id);
            eprintln!("conflict {id} on the server: {row:?}, log {log:?}; log max {max:?}; client state {:?}; local {:?}", store.sync_state().unwrap(), local.map(|c| (c.created_at, c.resolved_at, c.workshop_id)));
        }
    }
    let rejections: Vec<_> = store
        .rejections()
        .unwrap()
        .into_iter()
        .map(|r| (r.mutation_id, r.name, r.workshop_id, r.error))
        .collect();
    panic!("seed {seed}: client {i} (user {user}) differs from the server.\nworkshops: {workshops:#?}\non the server: {on_server:?}\nrejections: {rejections:#?}\nonly on server: {only_server:#?}\nclient has: {:#?}", &only_local[..only_local.len().min(4)]);
}
