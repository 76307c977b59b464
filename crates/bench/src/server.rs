//! Load on the server: GET workshop and PUT notes at 50 concurrent clients on loopback,
//! against the same queries sent straight to PostgreSQL by 50 concurrent connections.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::PgPool;
use tokio::sync::Mutex;
use wp_server::{router, AppState};

use crate::report::{machine, ms, write_section, Samples};

const CONCURRENCY: usize = 50;
const PAWPAL: &str = include_str!("../../../tests/fixtures/pawpal.workshop.json");

struct Run {
    requests: usize,
    elapsed: Duration,
    latencies: Samples,
    errors: usize,
}

impl Run {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

/// Runs `total` calls of `call` from `CONCURRENCY` tasks; each call returns whether it succeeded.
async fn load<F, Fut>(total: usize, call: F) -> Run
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let call = Arc::new(call);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(total)));
    let errors = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (call, next, latencies, errors) = (
                call.clone(),
                next.clone(),
                latencies.clone(),
                errors.clone(),
            );
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= total {
                        break;
                    }
                    let t = Instant::now();
                    if !call(i).await {
                        errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    mine.push(t.elapsed());
                }
                latencies.lock().await.extend(mine);
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("load task");
    }
    let elapsed = start.elapsed();
    let latencies = Samples::new(std::mem::take(&mut *latencies.lock().await));
    Run {
        requests: total,
        elapsed,
        latencies,
        errors: errors.load(std::sync::atomic::Ordering::Relaxed),
    }
}

pub fn run(requests: usize) {
    let url = crate::sync::bench_database_url();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run_async(url, requests));
}

async fn run_async(admin_url: String, requests: usize) {
    let pool: PgPool = wp_server::scratch::database_at(&admin_url, "wp_bench", CONCURRENCY as u32)
        .await
        .expect("a database for the benchmark");
    let (user, token) = wp_server::auth::add_user(&pool, "Bench")
        .await
        .map_err(|e| e.message)
        .expect("user");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    // The real router, and beside it the floor's one route.
    let app = router(AppState::new(pool.clone())).merge(
        axum::Router::new()
            .route("/floor/workshops/{id}", axum::routing::get(floor_get))
            .with_state(pool.clone()),
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .expect("client");

    // The PawPal workshop, with every step output, through the API.
    let file: Value = serde_json::from_str(PAWPAL).expect("fixture");
    let created: Value = client
        .post(format!("{base}/api/workshops"))
        .bearer_auth(&token)
        .json(&json!({ "title": "PawPal" }))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("create body");
    let id = created["workshop"]["id"].as_str().expect("id").to_string();
    for (step, content) in file["steps"].as_object().expect("steps") {
        let r = client
            .put(format!("{base}/api/workshops/{id}/steps/{step}/output"))
            .bearer_auth(&token)
            .json(&json!({ "output": content["artifact"] }))
            .send()
            .await
            .expect("output");
        assert!(r.status().is_success());
    }
    let note = "Facilitator note: Sarah's routine breaks on meeting days. ".repeat(20);

    // Warm up connections on both paths.
    let _ = load(
        500,
        get_call(client.clone(), base.clone(), token.clone(), id.clone()),
    )
    .await;
    let get_api = load(
        requests,
        get_call(client.clone(), base.clone(), token.clone(), id.clone()),
    )
    .await;
    let get_floor = load(
        requests,
        get_url(client.clone(), format!("{base}/floor/workshops/{id}"), None),
    )
    .await;
    let get_bare = load(requests, bare_get(pool.clone(), id.clone(), user.clone())).await;
    let put_api = load(
        requests,
        put_call(
            client.clone(),
            base.clone(),
            token.clone(),
            id.clone(),
            note.clone(),
        ),
    )
    .await;
    let put_bare = load(
        requests,
        bare_put(pool.clone(), id.clone(), user.clone(), note.clone()),
    )
    .await;
    server.abort();

    let row = |name: &str, r: &Run, base: &Run| {
        format!(
            "| {name} | {:.0} | {} | {} | {} | {:.2}x | {:.2}x |",
            r.rps(),
            ms(r.latencies.percentile(50.0)),
            ms(r.latencies.percentile(99.0)),
            r.errors,
            r.rps() / base.rps(),
            r.latencies.percentile(99.0).as_secs_f64()
                / base.latencies.percentile(99.0).as_secs_f64(),
        )
    };
    let body = format!(
        "## Server: GET workshop and PUT notes at {CONCURRENCY} concurrent clients\n\n\
         Command: `scripts/bench.sh server` (starts PostgreSQL 15 under `target/pg`, then runs \
         `cargo run --release -p wp-bench -- server`, {requests} requests per scenario)  \n\
         Machine: {machine}; the client, the server and PostgreSQL share it, on loopback.\n\n\
         The API path is HTTP/1.1 through the axum server (bearer-token lookup, ownership check in the \
         query, JSON). The baseline sends the same SQL straight to PostgreSQL from {CONCURRENCY} pooled \
         sqlx connections: the workshop row and its ten steps for GET, the note upsert for PUT.\n\n\
         | scenario | requests/s | p50 ms | p99 ms | errors | throughput vs bare | p99 vs bare |\n|---|---|---|---|---|---|---|\n\
         {r1}\n{r2}\n{r3}\n{r4}\n\n\
         GET returns the PawPal workshop with all ten step outputs (about 30 KB of JSON). \
         Against the framework's floor, a minimal axum handler beside the real router that runs \
         the same two queries (the workshop row, its steps) and answers the same JSON with no \
         token lookup and no access rule: \n\n\
         | scenario | requests/s | p50 ms | p99 ms | errors | throughput vs floor | p99 vs floor |\n|---|---|---|---|---|---|---|\n\
         {f1}\n{f2}\n",
        machine = machine(),
        r1 = row("GET /api/workshops/{id}", &get_api, &get_bare),
        r2 = row("bare SQL: workshop + steps", &get_bare, &get_bare),
        r3 = row("PUT /api/workshops/{id}/notes", &put_api, &put_bare),
        r4 = row("bare SQL: note upsert", &put_bare, &put_bare),
        f1 = row("GET /api/workshops/{id}", &get_api, &get_floor),
        f2 = row("floor: minimal handler, same SQL and JSON", &get_floor, &get_floor),
    );
    write_section("server", &body);
}

fn get_call(
    client: reqwest::Client,
    base: String,
    token: String,
    id: String,
) -> impl Fn(usize) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>> + Send + Sync
{
    get_url(client, format!("{base}/api/workshops/{id}"), Some(token))
}

/// GETs `url` (with `token` as a bearer token, when given); succeeds on a 2xx with its body read.
fn get_url(
    client: reqwest::Client,
    url: String,
    token: Option<String>,
) -> impl Fn(usize) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>> + Send + Sync
{
    move |_| {
        let mut req = client.get(&url);
        if let Some(token) = &token {
            req = req.bearer_auth(token);
        }
        let req = req.send();
        Box::pin(async move {
            match req.await {
                Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                _ => false,
            }
        })
    }
}

/// The workshop row as the floor reads it.
type FloorWorkshop = (
    String,
    String,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
    DateTime<Utc>,
    i64,
);
/// A step row as the floor reads it.
type FloorStep = (
    String,
    String,
    i32,
    String,
    String,
    Option<Value>,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
    i64,
);

/// The framework's floor for `GET /api/workshops/{id}`: the same two queries on one pooled
/// connection and the same JSON (`{"workshop": {..., "steps": [...]}}`), with no token
/// lookup, no access rule and no error mapping: what axum, sqlx and serde cost at the least.
async fn floor_get(
    State(pool): State<PgPool>,
    Path(id): Path<String>,
) -> Result<Json<Value>, StatusCode> {
    let mut conn = pool
        .acquire()
        .await
        .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
    let w: FloorWorkshop = sqlx::query_as(
        "SELECT id, owner_id, title, original_idea, status, visibility, created_at, updated_at, rev
         FROM workshops WHERE id = $1",
    )
    .bind(&id)
    .fetch_one(&mut *conn)
    .await
    .map_err(|_| StatusCode::NOT_FOUND)?;
    let steps: Vec<FloorStep> = sqlx::query_as(
        "SELECT s.id, s.step_id, d.position, d.name, s.status, s.output, s.summary, s.started_at,
                s.completed_at, s.updated_at, s.rev
         FROM workshop_steps s JOIN step_definitions d ON d.id = s.step_id
         WHERE s.workshop_id = $1 ORDER BY d.position",
    )
    .bind(&id)
    .fetch_all(&mut *conn)
    .await
    .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    let steps: Vec<Value> = steps
        .into_iter()
        .map(|s| {
            json!({
                "id": s.0, "stepId": s.1, "order": s.2, "name": s.3, "status": s.4,
                "output": s.5, "summary": s.6, "startedAt": s.7, "completedAt": s.8,
                "updatedAt": s.9, "rev": s.10,
            })
        })
        .collect();
    Ok(Json(json!({
        "workshop": {
            "id": w.0, "ownerId": w.1, "title": w.2, "originalIdea": w.3, "status": w.4,
            "visibility": w.5, "createdAt": w.6, "updatedAt": w.7, "rev": w.8, "steps": steps,
        }
    })))
}

fn put_call(
    client: reqwest::Client,
    base: String,
    token: String,
    id: String,
    note: String,
) -> impl Fn(usize) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>> + Send + Sync
{
    move |i| {
        let req = client
            .put(format!("{base}/api/workshops/{id}/notes"))
            .bearer_auth(&token)
            .json(&json!({ "content": format!("{i} {note}") }))
            .send();
        Box::pin(async move {
            match req.await {
                Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                _ => false,
            }
        })
    }
}

fn bare_get(
    pool: PgPool,
    id: String,
    user: String,
) -> impl Fn(usize) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>> + Send + Sync
{
    move |_| {
        let (pool, id, user) = (pool.clone(), id.clone(), user.clone());
        Box::pin(async move {
            let w = sqlx::query("SELECT id, title FROM workshops WHERE id = $1 AND owner_id = $2 AND deleted_at IS NULL")
                .bind(&id)
                .bind(&user)
                .fetch_optional(&pool)
                .await;
            let s = sqlx::query(
                "SELECT s.id, s.step_id, d.position, d.name, s.status, s.output FROM workshop_steps s
                 JOIN step_definitions d ON d.id = s.step_id WHERE s.workshop_id = $1 ORDER BY d.position",
            )
            .bind(&id)
            .fetch_all(&pool)
            .await;
            matches!(w, Ok(Some(_))) && s.is_ok()
        })
    }
}

fn bare_put(
    pool: PgPool,
    id: String,
    user: String,
    note: String,
) -> impl Fn(usize) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>> + Send + Sync
{
    move |i| {
        let (pool, id, user, content) = (
            pool.clone(),
            id.clone(),
            user.clone(),
            format!("{i} {note}"),
        );
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO notes (id, workshop_id, user_id, step_id, content) VALUES ($1, $2, $3, NULL, $4)
                 ON CONFLICT (workshop_id, user_id, step_id) DO UPDATE SET content = excluded.content, updated_at = now()",
            )
            .bind(format!("note_bench{i}"))
            .bind(&id)
            .bind(&user)
            .bind(&content)
            .execute(&pool)
            .await
            .is_ok()
        })
    }
}
