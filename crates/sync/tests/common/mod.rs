//! What the sync tests share: a fresh PostgreSQL database per test, and a backup of the
//! synced tables that can be put back, as restoring the server's database would.

#![allow(dead_code)]

use std::time::Duration;

use tempfile::TempDir;
use wp_domain::protocol::{PullResponse, PushRequest, PushResponse};
use wp_store::Store;
use wp_sync::{
    sign_in, sync_round, Api, KeepToken, PushRefused, RetryPolicy, RoundOptions, RoundReport,
    SyncError, Transport,
};

/// A real server on loopback over a fresh database.
pub struct Server {
    pub base: String,
    pub pool: sqlx::PgPool,
}

pub async fn server() -> Server {
    let pool = new_database(10).await;
    let base = wp_server::scratch::serve(pool.clone()).await.unwrap();
    Server { base, pool }
}

/// The PawPal workshop, a real ten-step workshop (`tests/fixtures`).
pub const PAWPAL: &str = include_str!("../../../../tests/fixtures/pawpal.workshop.json");

/// Two users of the server, Ada and Eve: Ada's token, Eve's user id and Eve's token.
pub async fn ada_and_eve(server: &Server) -> (String, String, String) {
    let (_, ada_token) = wp_server::auth::add_user(&server.pool, "Ada")
        .await
        .unwrap();
    let (eve_id, eve_token) = wp_server::auth::add_user(&server.pool, "Eve")
        .await
        .unwrap();
    (ada_token, eve_id, eve_token)
}

/// Two desktops of one user, Ada: PawPal imported on the first, and both synced:
/// `(a, b, the workshop's id, Ada's token)`.
pub async fn pawpal_on_two_desktops(server: &Server) -> (Desktop, Desktop, String, String) {
    let (_, token) = wp_server::auth::add_user(&server.pool, "Ada")
        .await
        .unwrap();
    let mut a = Desktop::new(server, &token).await;
    let id = a.store.import_workshop(PAWPAL).unwrap().workshop.record.id;
    a.sync().await;
    let mut b = Desktop::new(server, &token).await;
    b.sync().await;
    (a, b, id, token)
}

/// Ada's desktop with PawPal imported, shared with Eve as `role` and synced, and Eve's
/// desktop after its first sync: `(ada, eve, Eve's user id, the workshop's id)`.
pub async fn pawpal_shared_with_eve(
    server: &Server,
    role: wp_domain::Role,
) -> (Desktop, Desktop, String, String) {
    let (ada_token, eve_id, eve_token) = ada_and_eve(server).await;
    let mut ada = Desktop::new(server, &ada_token).await;
    let id = ada
        .store
        .import_workshop(PAWPAL)
        .unwrap()
        .workshop
        .record
        .id;
    ada.store.share_workshop(&id, &eve_id, role).unwrap();
    ada.sync().await;
    let mut eve = Desktop::new(server, &eve_token).await;
    eve.sync().await;
    (ada, eve, eve_id, id)
}

/// How many live (not trashed) workshops a desktop lists.
pub fn live_workshops(desktop: &Desktop) -> usize {
    desktop
        .store
        .list_workshops(&wp_store::WorkshopFilter::default())
        .unwrap()
        .len()
}

/// A desktop database signed in to the server with `token` (kept in memory, not the keyring).
pub struct Desktop {
    pub _dir: TempDir,
    pub store: Store,
    pub api: Api,
}

impl Desktop {
    pub async fn new(server: &Server, token: &str) -> Desktop {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("desktop.db")).unwrap();
        sign_in(&mut store, &server.base, token, KeepToken::Nowhere)
            .await
            .unwrap();
        Desktop {
            _dir: dir,
            store,
            api: quick_api(&server.base, token),
        }
    }

    /// The output of `step` in workshop `workshop` here (`None` before it has one).
    pub fn step_output(&self, workshop: &str, step: &str) -> Option<serde_json::Value> {
        self.store
            .workshop(workshop)
            .unwrap()
            .step(step)
            .unwrap()
            .record
            .output
            .clone()
    }

    pub async fn sync(&mut self) -> RoundReport {
        sync_round(
            &mut self.store,
            &self.api,
            RoundOptions::default(),
            &mut |_| {},
        )
        .await
        .unwrap()
    }
}

pub fn quick_api(base: &str, token: &str) -> Api {
    Api::new(
        base,
        token.to_string(),
        RetryPolicy {
            retries: 1,
            min_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
        },
    )
    .unwrap()
}

/// After a restore: `d` saves its note on `workshop`'s challenge step and syncs, 40 times,
/// until the log's positions pass the other desktops' cursors, so that they can tell the
/// server's history was rewritten.
pub async fn write_past(d: &mut Desktop, workshop: &str) {
    for i in 0..40 {
        d.store
            .set_note(
                workshop,
                Some("challenge"),
                &format!("Written past the others, version {i}\n"),
            )
            .unwrap();
        d.sync().await;
    }
}

/// Restores the server to `saved`, then `writer` writes past the others on `workshop`
/// ([`write_past`]).
pub async fn restore_and_write_past(
    s: &Server,
    saved: (i64, bool),
    writer: &mut Desktop,
    workshop: &str,
) {
    restore(&s.pool, saved).await;
    write_past(writer, workshop).await;
}

/// Restores the server to `saved`, then a new desktop of the user `token` writes past the
/// others' cursors on a workshop of its own ([`write_past`]), so that they can tell the
/// server's history was rewritten while their own desktops have not synced since.
pub async fn restore_and_write_past_elsewhere(s: &Server, saved: (i64, bool), token: &str) {
    restore(&s.pool, saved).await;
    let mut laptop = Desktop::new(s, token).await;
    let other = laptop.store.create_workshop(Some("Elsewhere"), "").unwrap();
    write_past(&mut laptop, &other.workshop.record.id).await;
}

/// Ada's desktop with PawPal imported and Eve's, both synced; the server backed up; then
/// PawPal shared with Eve as editor and both synced again, so the backup lacks the share:
/// `(ada, eve, Ada's token, the workshop's id, the backup)`.
pub async fn pawpal_shared_with_eve_after_backup(
    s: &Server,
) -> (Desktop, Desktop, String, String, (i64, bool)) {
    let (ada_token, eve_id, eve_token) = ada_and_eve(s).await;
    let mut ada = Desktop::new(s, &ada_token).await;
    let workshop = ada
        .store
        .import_workshop(PAWPAL)
        .unwrap()
        .workshop
        .record
        .id;
    ada.sync().await;
    let mut eve = Desktop::new(s, &eve_token).await;
    eve.sync().await;
    let saved = backup(&s.pool).await;
    ada.store
        .share_workshop(&workshop, &eve_id, wp_domain::Role::Editor)
        .unwrap();
    ada.sync().await;
    eve.sync().await;
    (ada, eve, ada_token, workshop, saved)
}

/// A new, migrated database on the test PostgreSQL, with a pool of `connections`.
pub async fn new_database(connections: u32) -> sqlx::PgPool {
    wp_server::scratch::database("wp_sync", connections).await
}

pub const SYNCED: &[&str] = &[
    "workshops",
    "workshop_members",
    "workshop_steps",
    "notes",
    "series",
    "sessions",
    "conflicts",
    "sync_log",
    "sync_clients",
    "sync_mutations",
    "sync_horizon",
    "sync_lost_versions",
    "sync_versions",
];

/// Copies the synced tables and the log's sequence aside, as a backup would hold them.
pub async fn backup(pool: &sqlx::PgPool) -> (i64, bool) {
    for t in SYNCED {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE IF EXISTS bk_{t}")))
            .execute(pool)
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE TABLE bk_{t} AS SELECT * FROM {t}"
        )))
        .execute(pool)
        .await
        .unwrap();
    }
    sqlx::query_as("SELECT last_value, is_called FROM sync_position")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Puts the backup back, as restoring the database from it would.
pub async fn restore(pool: &sqlx::PgPool, (last, called): (i64, bool)) {
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("SET session_replication_role = replica")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "TRUNCATE {} CASCADE",
        SYNCED.join(", ")
    )))
    .execute(&mut *conn)
    .await
    .unwrap();
    for t in SYNCED {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {t} SELECT * FROM bk_{t}"
        )))
        .execute(&mut *conn)
        .await
        .unwrap();
    }
    sqlx::query("SELECT setval('sync_position', $1, $2)")
        .bind(last)
        .bind(called)
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("SET session_replication_role = origin")
        .execute(&mut *conn)
        .await
        .unwrap();
}

/// The server's API without its snapshots: a first sync pulls pages, as from an older
/// server.
pub struct Paged<'a>(pub &'a Api);

impl Transport for Paged<'_> {
    async fn push(
        &self,
        request: &PushRequest,
    ) -> Result<Result<PushResponse, PushRefused>, SyncError> {
        self.0.push(request).await
    }

    async fn pull(
        &self,
        cursor: &str,
        seen: &str,
        limit: u32,
        client_id: &str,
    ) -> Result<PullResponse, SyncError> {
        self.0.pull(cursor, seen, limit, client_id).await
    }
}

/// A transport that pushes and then fails every pull: a round that ends between its push
/// and its pull, leaving acknowledged mutations queued.
pub struct PushOnly<'a>(pub &'a Api);

impl Transport for PushOnly<'_> {
    async fn push(
        &self,
        request: &PushRequest,
    ) -> Result<Result<PushResponse, PushRefused>, SyncError> {
        self.0.push(request).await
    }

    async fn pull(
        &self,
        _cursor: &str,
        _seen: &str,
        _limit: u32,
        _client_id: &str,
    ) -> Result<PullResponse, SyncError> {
        Err(SyncError::Protocol("the test's pull fails".into()))
    }
}

/// A transport whose pushes reach the server and commit there, but whose answers are lost:
/// the client hears only that the network failed.
pub struct AnswerLost<'a>(pub &'a Api);

impl Transport for AnswerLost<'_> {
    async fn push(
        &self,
        request: &PushRequest,
    ) -> Result<Result<PushResponse, PushRefused>, SyncError> {
        self.0.push(request).await?.ok();
        Err(SyncError::Unreachable("the test lost the answer".into()))
    }

    async fn pull(
        &self,
        cursor: &str,
        seen: &str,
        limit: u32,
        client_id: &str,
    ) -> Result<PullResponse, SyncError> {
        self.0.pull(cursor, seen, limit, client_id).await
    }
}

/// A transport whose pulls go through until one brings a page `last` says is the last, and
/// fail after it: a round cut short mid-pull. Pushes go through.
pub struct CutShort<'a> {
    api: &'a Api,
    last: Box<dyn Fn(&PullResponse) -> bool + 'a>,
    cut: std::cell::Cell<bool>,
}

impl<'a> CutShort<'a> {
    /// Cut after the first page for which `last` is true.
    pub fn after(api: &'a Api, last: impl Fn(&PullResponse) -> bool + 'a) -> CutShort<'a> {
        CutShort {
            api,
            last: Box::new(last),
            cut: std::cell::Cell::new(false),
        }
    }

    /// Whether the page the cut comes after has come.
    pub fn came(&self) -> bool {
        self.cut.get()
    }

    /// Cut after `pages` pages.
    pub fn after_pages(api: &'a Api, pages: usize) -> CutShort<'a> {
        let seen = std::cell::Cell::new(0);
        CutShort::after(api, move |_| {
            seen.set(seen.get() + 1);
            seen.get() >= pages
        })
    }
}

impl Transport for CutShort<'_> {
    async fn push(
        &self,
        request: &PushRequest,
    ) -> Result<Result<PushResponse, PushRefused>, SyncError> {
        self.api.push(request).await
    }

    async fn pull(
        &self,
        cursor: &str,
        seen: &str,
        limit: u32,
        client_id: &str,
    ) -> Result<PullResponse, SyncError> {
        if self.cut.get() {
            return Err(SyncError::Protocol("the test cuts the pull short".into()));
        }
        let page = self.api.pull(cursor, seen, limit, client_id).await?;
        self.cut.set((self.last)(&page));
        Ok(page)
    }
}
