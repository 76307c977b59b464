//! Pokes: a user's open event streams learn at once that something they may see changed
//! (docs/sync.md, "Pokes"). The log's trigger notifies channel `wp_sync`
//! (`migrations/0012_sync_pokes.sql`); this process keeps one LISTEN connection outside the
//! pool, gathers the notifications of about 10 ms, finds who may see them with one query,
//! and bumps each such user's `watch` channel. A stream that sees its channel change tells
//! its client to pull. After the listening connection is lost and made again (it misses
//! what was sent meanwhile), every stream is poked.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::watch;

/// The channel the log's trigger notifies.
pub const CHANNEL: &str = "wp_sync";
/// How long notifications are gathered before one query finds who they poke.
const BATCH: Duration = Duration::from_millis(10);
/// Above this share of PostgreSQL's notification queue in use, the listener logs an alert:
/// a stalled listener fills the queue, and then every notifying commit fails.
const QUEUE_ALERT: f64 = 0.10;
/// How often the listener looks at the notification queue's use.
const QUEUE_CHECK: Duration = Duration::from_secs(10);

/// The users with an open event stream, each with a counter their streams watch.
#[derive(Default)]
pub struct Pokes {
    users: Mutex<HashMap<String, watch::Sender<u64>>>,
    listening: std::sync::atomic::AtomicBool,
}

/// One logged change as its notification names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Logged {
    pub entity: String,
    pub workshop_id: String,
    /// The note's or conflict's author, or the member; `None` for other rows.
    pub user_id: Option<String>,
}

impl Logged {
    /// Reads `{entity} {workshop_id} {user_id}`; `None` for another payload.
    pub fn parse(payload: &str) -> Option<Logged> {
        let mut parts = payload.splitn(3, ' ');
        let entity = parts.next()?.to_string();
        let workshop_id = parts.next()?.to_string();
        let user_id = parts.next().filter(|u| !u.is_empty()).map(str::to_string);
        Some(Logged {
            entity,
            workshop_id,
            user_id,
        })
    }
}

impl Pokes {
    /// A receiver that changes whenever something `user_id` may see changes. Starts this
    /// process's listener on first use.
    pub fn subscribe(self: &Arc<Self>, pool: &PgPool, user_id: &str) -> watch::Receiver<u64> {
        if !self
            .listening
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            tokio::spawn(listen(pool.clone(), self.clone()));
        }
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        users
            .entry(user_id.to_string())
            .or_insert_with(|| watch::channel(0).0)
            .subscribe()
    }

    /// Pokes these users' streams (those with none are skipped).
    fn poke<'a>(&self, users: impl IntoIterator<Item = &'a str>) {
        let mut map = self.users.lock().unwrap_or_else(|p| p.into_inner());
        // Users whose every stream closed are forgotten.
        map.retain(|_, sender| sender.receiver_count() > 0);
        for user in users {
            if let Some(sender) = map.get(user) {
                sender.send_modify(|n| *n += 1);
            }
        }
    }

    /// Pokes every stream: after the listener missed notifications.
    fn poke_all(&self) {
        let map = self.users.lock().unwrap_or_else(|p| p.into_inner());
        for sender in map.values() {
            sender.send_modify(|n| *n += 1);
        }
    }

    /// The users with a stream now.
    fn watched(&self) -> Vec<String> {
        let map = self.users.lock().unwrap_or_else(|p| p.into_inner());
        map.keys().cloned().collect()
    }
}

/// Who a batch of logged changes pokes, among `watched`: a note or a conflict its author
/// only; a revoked token its user only; a membership the member it names and everyone on the workshop (a removed member
/// needs the tombstone); any other row everyone on the workshop (the `workshop_roles` view,
/// the pull's own rule). One query for the whole batch.
pub async fn recipients(
    pool: &PgPool,
    batch: &HashSet<Logged>,
    watched: &[String],
) -> Result<HashSet<String>, sqlx::Error> {
    let mut out = HashSet::new();
    let mut workshops = Vec::new();
    for logged in batch {
        match logged.entity.as_str() {
            // A token revoked (`auth::revoke_token`): its user's streams check theirs.
            "note" | "conflict" | "token" => out.extend(logged.user_id.clone()),
            _ => {
                out.extend(logged.user_id.clone());
                workshops.push(logged.workshop_id.clone());
            }
        }
    }
    if !workshops.is_empty() {
        let users = sqlx::query_scalar!(
            r#"SELECT DISTINCT user_id AS "user_id!" FROM workshop_roles
               WHERE workshop_id = ANY($1) AND user_id = ANY($2)"#,
            &workshops,
            watched
        )
        .fetch_all(pool)
        .await?;
        out.extend(users);
    }
    out.retain(|u| watched.contains(u));
    Ok(out)
}

/// The listener: one connection outside the pool, for the life of the process.
async fn listen(pool: PgPool, pokes: Arc<Pokes>) {
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(e) => {
                tracing::warn!(error = %e, "pokes: cannot listen; trying again");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "pokes: LISTEN failed; trying again");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        // Whatever was sent before this connection listened is not coming: poke everyone.
        pokes.poke_all();
        if let Err(e) = read(&mut listener, &pool, &pokes).await {
            tracing::warn!(error = %e, "pokes: the listening connection failed; listening again");
        }
        pokes.poke_all();
    }
}

/// Reads notifications until the connection fails: each batch of about [`BATCH`] pokes its
/// recipients. A reconnect sqlx made on its own (reported as `None`) pokes every stream.
/// `try_recv` is never cancelled midway (a reconnect cut short would lose its report): a
/// batch waits [`BATCH`], then takes what arrived meanwhile with `next_buffered`.
async fn read(listener: &mut PgListener, pool: &PgPool, pokes: &Pokes) -> Result<(), sqlx::Error> {
    let mut checked = tokio::time::Instant::now();
    loop {
        let Some(first) = listener.try_recv().await? else {
            pokes.poke_all();
            continue;
        };
        let mut batch = HashSet::new();
        batch.extend(Logged::parse(first.payload()));
        tokio::time::sleep(BATCH).await;
        while let Some(next) = listener.next_buffered() {
            batch.extend(Logged::parse(next.payload()));
        }
        let watched = pokes.watched();
        if watched.is_empty() {
            continue;
        }
        match recipients(pool, &batch, &watched).await {
            Ok(users) => pokes.poke(users.iter().map(String::as_str)),
            // Unsure who: everyone pulls.
            Err(e) => {
                tracing::warn!(error = %e, "pokes: finding recipients failed");
                pokes.poke_all();
            }
        }
        // The queue's use, at most every QUEUE_CHECK: not a query on every batch.
        if checked.elapsed() >= QUEUE_CHECK {
            checked = tokio::time::Instant::now();
            alert_on_queue_usage(pool).await;
        }
    }
}

async fn alert_on_queue_usage(pool: &PgPool) {
    if let Ok(Some(usage)) = sqlx::query_scalar!("SELECT pg_notification_queue_usage()")
        .fetch_one(pool)
        .await
    {
        if usage > QUEUE_ALERT {
            tracing::error!(
                usage,
                "pokes: PostgreSQL's notification queue is filling up"
            );
        }
    }
}
