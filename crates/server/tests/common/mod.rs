//! A real server on loopback over a fresh PostgreSQL database per test.
//! `scripts/test.sh` starts PostgreSQL and sets `WP_TEST_DATABASE_URL`.

#![allow(dead_code)]

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use wp_server::{router, AppState};

pub const PAWPAL: &str = include_str!("../../../../tests/fixtures/pawpal.workshop.json");
/// The ten step ids in order, from the domain.
pub fn steps() -> Vec<&'static str> {
    wp_domain::STEPS.iter().map(|d| d.id).collect()
}

pub struct TestServer {
    pub base: String,
    pub pool: PgPool,
    pub client: reqwest::Client,
    pub shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    pub handle: Option<tokio::task::JoinHandle<()>>,
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub cache_control: Option<String>,
}

/// A fresh database (migrated) and a server on an ephemeral loopback port.
pub async fn server() -> TestServer {
    let pool = wp_server::scratch::database("wp_test", 20).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = router(AppState::new(pool.clone()));
    let handle = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
            .unwrap();
    });
    TestServer {
        base,
        pool,
        client: reqwest::Client::new(),
        shutdown: Some(tx),
        handle: Some(handle),
    }
}

impl TestServer {
    /// Creates a user; returns (user id, token).
    pub async fn user(&self, name: &str) -> (String, String) {
        wp_server::auth::add_user(&self.pool, name)
            .await
            .map_err(|e| e.message)
            .unwrap()
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let cache_control = res
            .headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap().to_string());
        let text = res.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Reply {
            status,
            body,
            cache_control,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Some(token), None).await
    }
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }
    pub async fn put(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::PUT, path, Some(token), Some(body)).await
    }
    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::PATCH, path, Some(token), Some(body))
            .await
    }
    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// A second server process on the same database: its own pool and port. Returns its
    /// base URL; it serves until the test ends.
    pub async fn second_process(&self) -> String {
        let options = self.pool.connect_options();
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(20)
            .connect_with((*options).clone())
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, router(AppState::new(pool)))
                .await
                .unwrap();
        });
        base
    }

    /// Creates a workshop and returns its id.
    pub async fn workshop(&self, token: &str, title: &str) -> String {
        let r = self
            .post("/api/workshops", token, json!({ "title": title }))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body["workshop"]["id"].as_str().unwrap().to_string()
    }

    /// Creates the PawPal workshop with every step output saved; returns its id.
    pub async fn pawpal(&self, token: &str) -> String {
        let file: Value = serde_json::from_str(PAWPAL).unwrap();
        let id = self.workshop(token, "PawPal").await;
        for step in steps() {
            let r = self
                .put(
                    &format!("/api/workshops/{id}/steps/{step}/output"),
                    token,
                    json!({ "output": file["steps"][step]["artifact"] }),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{step}: {}", r.body);
        }
        id
    }

    /// Completes every step of a workshop.
    pub async fn complete_steps(&self, token: &str, id: &str) {
        for step in steps() {
            let r = self
                .post(
                    &format!("/api/workshops/{id}/steps/{step}/complete"),
                    token,
                    json!({}),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{step}: {}", r.body);
        }
    }

    /// The workshop row as stored: (title, status, rev, deleted).
    pub async fn stored(&self, id: &str) -> (String, String, i64, bool) {
        sqlx::query_as(
            "SELECT title, status, rev, deleted_at IS NOT NULL FROM workshops WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await
        .unwrap()
    }
}
