//! Throwaway server databases for tests and benchmarks, never used by the server binary: a
//! fresh, migrated database on the test PostgreSQL, and the real router served on an
//! ephemeral loopback port.

use sqlx::PgPool;

use crate::{connect, db, router, AppState};

/// The variable naming the test PostgreSQL: an admin URL ending in a database name, e.g.
/// `postgres://postgres@127.0.0.1:54329/postgres`. `scripts/test.sh` and `scripts/bench.sh`
/// start a PostgreSQL and set it.
pub const DATABASE_URL_VAR: &str = "WP_TEST_DATABASE_URL";

/// The admin URL in [`DATABASE_URL_VAR`]. Panics, saying how to set it, when it is not set:
/// for test and benchmark setup only.
pub fn admin_url() -> String {
    std::env::var(DATABASE_URL_VAR).unwrap_or_else(|_| {
        panic!("{DATABASE_URL_VAR} is not set: run with scripts/test.sh, which starts PostgreSQL")
    })
}

/// Creates a database named `{prefix}_{16 random hex digits}` on the PostgreSQL at
/// `admin_url` (whose last path segment is the database to connect to for that), migrates
/// it, and returns a pool of at most `connections` on it. Random names, not seeded ones, so
/// a run never meets an earlier run's database.
pub async fn database_at(
    admin_url: &str,
    prefix: &str,
    connections: u32,
) -> Result<PgPool, sqlx::Error> {
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    let name = format!("{prefix}_{:016x}", u64::from_le_bytes(random));
    let admin = connect(admin_url, 1).await?;
    let created = sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await;
    admin.close().await;
    created?;
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url, |(base, _)| base);
    let pool = connect(&format!("{base}/{name}"), connections).await?;
    db::migrate(&pool).await?;
    Ok(pool)
}

/// [`database_at`] the test PostgreSQL ([`admin_url`]); panics on failure (test setup).
pub async fn database(prefix: &str, connections: u32) -> PgPool {
    database_at(&admin_url(), prefix, connections)
        .await
        .unwrap_or_else(|e| panic!("a scratch database on the test PostgreSQL: {e}"))
}

/// Serves the whole API over `pool` on `127.0.0.1` at a port the OS picks, in a task of the
/// current tokio runtime, until the runtime ends. Returns its base URL, `http://127.0.0.1:<port>`.
pub async fn serve(pool: PgPool) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = router(AppState::new(pool));
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("scratch server stopped: {e}");
        }
    });
    Ok(base)
}
