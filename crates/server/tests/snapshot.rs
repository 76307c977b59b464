//! A snapshot of the REST API on PawPal: every route of `routes/mod.rs` (sync's push and pull
//! have their own tests), in one scripted session, with its status, its content type and
//! cache policy, and its JSON body compared as a value with `tests/snapshots/rest.json`.
//! It holds the API still while the server's insides change; a difference is a failure that
//! shows the route, the expected and the actual value.
//!
//! What varies from run to run is normalized first: ids become `<ws_1>`, `<usr_2>`... in
//! order of first appearance, times `<time>`, dates `<date>`, the bearer token `<token>`, and a text longer
//! than 400 characters (a build pack's document) its length and SHA-256 after the same
//! replacements inside it. Ids are also seeded, so that lists ordered by id keep one order.
//!
//! `UPDATE_SNAPSHOTS=1` rewrites the file; a rewrite is reviewed like code (docs/server.md,
//! "REST snapshot", lists each deliberate change).

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{header, Method, Request};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

const PAWPAL: &str = include_str!("../../../tests/fixtures/pawpal.workshop.json");
const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/rest.json");

/// Replaces what varies between runs, keeping the shape.
struct Normalizer {
    ids: HashMap<String, String>,
    counts: HashMap<String, usize>,
    token: Vec<String>,
}

impl Normalizer {
    fn id(&mut self, text: &str) -> Option<String> {
        let (prefix, rest) = text.split_once('_')?;
        let is_id = (2..=4).contains(&prefix.len())
            && prefix.chars().all(|c| c.is_ascii_lowercase())
            && rest.len() >= 10
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !is_id {
            return None;
        }
        if let Some(known) = self.ids.get(text) {
            return Some(known.clone());
        }
        let n = self.counts.entry(prefix.to_string()).or_default();
        *n += 1;
        let placeholder = format!("<{prefix}_{n}>");
        self.ids.insert(text.to_string(), placeholder.clone());
        Some(placeholder)
    }

    fn text(&mut self, text: &str) -> String {
        if self.token.iter().any(|t| t == text) {
            return "<token>".into();
        }
        if let Some(id) = self.id(text) {
            return id;
        }
        if chrono::DateTime::parse_from_rfc3339(text).is_ok() {
            return "<time>".into();
        }
        if text.len() == 10 && chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok() {
            return "<date>".into();
        }
        if text.chars().count() <= 400 {
            return text.to_string();
        }
        // A document: its words stay, what varies in it is replaced, then only its digest.
        let mut words = Vec::new();
        for word in text.split(' ') {
            let bare = word.trim_matches(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'));
            let replaced = self.id(bare).or_else(|| {
                chrono::DateTime::parse_from_rfc3339(bare)
                    .ok()
                    .map(|_| "<time>".to_string())
            });
            words.push(match replaced {
                Some(r) => word.replace(bare, &r),
                None => word.to_string(),
            });
        }
        let joined = words.join(" ");
        let digest = Sha256::digest(joined.as_bytes());
        format!(
            "<text: {} characters, sha256 {}>",
            joined.chars().count(),
            digest
                .iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        )
    }

    fn value(&mut self, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(items) => Value::Array(items.iter().map(|i| self.value(i)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.value(v)))
                    .collect::<Map<_, _>>(),
            ),
            other => other.clone(),
        }
    }
}

struct Session {
    router: axum::Router,
    normalizer: Normalizer,
    calls: Vec<Value>,
}

impl Session {
    /// Calls the router in this thread (its ids follow the seed), records the normalized
    /// exchange, and returns the raw body.
    async fn call(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Value {
        let mut request = Request::builder().method(method.clone()).uri(path);
        if let Some(t) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body_sent = body.clone();
        let request = match body {
            Some(b) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => request.body(Body::empty()),
        }
        .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let headers: Map<String, Value> = [header::CONTENT_TYPE, header::CACHE_CONTROL]
            .iter()
            .filter_map(|h| {
                let v = response.headers().get(h)?.to_str().ok()?;
                Some((h.as_str().to_string(), Value::String(v.to_string())))
            })
            .collect();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let raw: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        let path: String = path
            .split('/')
            .map(|part| self.normalizer.text(part))
            .collect::<Vec<_>>()
            .join("/");
        // A large request body (a step output sent whole) is the fixture's: its digest will do.
        let sent = body_sent.map(|b| {
            let v = self.normalizer.value(&b);
            let text = v.to_string();
            if text.len() > 400 {
                let digest = Sha256::digest(text.as_bytes());
                Value::String(format!(
                    "<json: {} bytes, sha256 {}>",
                    text.len(),
                    digest
                        .iter()
                        .take(8)
                        .map(|b| format!("{b:02x}"))
                        .collect::<String>()
                ))
            } else {
                v
            }
        });
        let got = self.normalizer.value(&raw);
        self.calls.push(json!({
            "request": format!("{method} {path}"),
            "as": if token.is_some() { Value::String("user".into()) } else { Value::Null },
            "body": sent,
            "status": status,
            "headers": headers,
            "response": got,
        }));
        raw
    }
}

fn id_of(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no {pointer} in {v}"))
        .to_string()
}

/// The scripted session: Ada's PawPal from creation to completion and its build packs,
/// sharing with Eve, notes, a series and a session, the trash, and the refusals a client
/// most often meets.
async fn session() -> Vec<Value> {
    wp_domain::ids::seed_this_thread(Some(2026));
    let pool = wp_server::scratch::database("wp_snapshot", 4).await;
    let (eve_id, eve) = wp_server::auth::add_user(&pool, "Eve").await.unwrap();
    let (_, ada) = wp_server::auth::add_user(&pool, "Ada").await.unwrap();
    let mut s = Session {
        router: wp_server::router(wp_server::AppState::new(pool.clone())),
        normalizer: Normalizer {
            ids: HashMap::new(),
            counts: HashMap::new(),
            token: vec![ada.clone(), eve.clone()],
        },
        calls: Vec::new(),
    };
    let ada = Some(ada.as_str());
    let eve = Some(eve.as_str());
    let file: Value = serde_json::from_str(PAWPAL).unwrap();

    s.call(Method::GET, "/health", None, None).await;
    s.call(Method::GET, "/api/me", ada, None).await;
    s.call(Method::GET, "/api/workshops", None, None).await;
    let created = s
        .call(Method::POST, "/api/workshops", ada, Some(json!({"title": "PawPal", "originalIdea": "Dog walkers nearby", "visibility": "private"})))
        .await;
    let id = id_of(&created, "/workshop/id");
    let w = format!("/api/workshops/{id}");
    s.call(
        Method::POST,
        "/api/workshops",
        ada,
        Some(json!({"title": ""})),
    )
    .await;
    for (i, def) in wp_domain::STEPS.iter().enumerate() {
        let step = def.id;
        if i == 1 {
            s.call(
                Method::POST,
                &format!("{w}/steps/{step}/start"),
                ada,
                Some(json!({})),
            )
            .await;
        }
        s.call(
            Method::PUT,
            &format!("{w}/steps/{step}/output"),
            ada,
            Some(json!({"output": file["steps"][step]["artifact"]})),
        )
        .await;
        let action = if i % 2 == 0 { "advance" } else { "complete" };
        s.call(
            Method::POST,
            &format!("{w}/steps/{step}/{action}"),
            ada,
            Some(json!({})),
        )
        .await;
    }
    s.call(
        Method::PUT,
        &format!("{w}/steps/persona/output"),
        ada,
        Some(json!({"output": {"name": 3}})),
    )
    .await;
    s.call(
        Method::POST,
        &format!("{w}/steps/persona/revise"),
        ada,
        Some(json!({})),
    )
    .await;
    s.call(Method::POST, &format!("{w}/complete"), ada, Some(json!({})))
        .await;
    s.call(
        Method::POST,
        &format!("{w}/steps/persona/complete"),
        ada,
        Some(json!({})),
    )
    .await;
    s.call(Method::POST, &format!("{w}/complete"), ada, Some(json!({})))
        .await;
    // The steps after the revised one need regeneration: complete them, then the workshop.
    for def in &wp_domain::STEPS[5..] {
        s.call(
            Method::POST,
            &format!("{w}/steps/{}/complete", def.id),
            ada,
            Some(json!({})),
        )
        .await;
    }
    s.call(Method::POST, &format!("{w}/complete"), ada, Some(json!({})))
        .await;
    s.call(Method::GET, &w, ada, None).await;
    s.call(Method::GET, "/api/workshops", ada, None).await;

    // PATCH: the idea, a status, visibility, and what it refuses.
    s.call(
        Method::PATCH,
        &w,
        ada,
        Some(json!({"originalIdea": "Dog walkers, vetted"})),
    )
    .await;
    s.call(Method::PATCH, &w, ada, Some(json!({"status": "completed"})))
        .await;
    s.call(Method::PATCH, &w, ada, Some(json!({"status": "active"})))
        .await;
    let second = s
        .call(
            Method::POST,
            "/api/workshops",
            ada,
            Some(json!({"title": "Second"})),
        )
        .await;
    let w2 = format!("/api/workshops/{}", id_of(&second, "/workshop/id"));
    s.call(
        Method::PATCH,
        &w2,
        ada,
        Some(json!({"title": "Second, renamed", "status": "paused", "visibility": "shared"})),
    )
    .await;
    s.call(Method::PATCH, &w2, ada, Some(json!({"status": "paused"})))
        .await;
    s.call(Method::PATCH, &w2, ada, Some(json!({"status": "archived"})))
        .await;

    // Notes, build packs.
    s.call(
        Method::PUT,
        &format!("{w}/notes"),
        ada,
        Some(json!({"content": "Ask about cats."})),
    )
    .await;
    s.call(
        Method::PUT,
        &format!("{w}/notes"),
        ada,
        Some(json!({"content": "x".repeat(50_001)})),
    )
    .await;
    s.call(Method::GET, &format!("{w}/notes"), ada, None).await;
    for (kind, format) in [
        ("prd", "markdown"),
        ("validation-plan", "html"),
        ("summary", "markdown"),
    ] {
        s.call(
            Method::PUT,
            &format!("{w}/build-packs/{kind}/{format}"),
            ada,
            Some(json!({"title": format!("PawPal {kind}"), "content": format!("# PawPal {kind}\n\nMade on the desktop.")})),
        )
        .await;
    }
    s.call(
        Method::PUT,
        &format!("{w}/build-packs/poster/pdf"),
        ada,
        Some(json!({"title": "x", "content": "y"})),
    )
    .await;
    s.call(Method::GET, &format!("{w}/build-packs"), ada, None)
        .await;

    // Sharing: Eve reads, may not change, loses access.
    s.call(
        Method::POST,
        &format!("{w}/members"),
        ada,
        Some(json!({"userId": eve_id, "role": "viewer"})),
    )
    .await;
    s.call(Method::GET, &w, eve, None).await;
    s.call(
        Method::PATCH,
        &w,
        eve,
        Some(json!({"originalIdea": "mine"})),
    )
    .await;
    s.call(Method::DELETE, &format!("{w}/members/{eve_id}"), ada, None)
        .await;
    s.call(Method::GET, &w, eve, None).await;

    // Scheduling.
    // The first Tuesday after today: the series' weekday (its rule, its description) is the
    // same whatever day the test runs; its dates are normalized (`<date>`).
    let tomorrow = {
        use chrono::Datelike;
        let mut day = chrono::Utc::now().date_naive() + chrono::Duration::days(1);
        while day.weekday() != chrono::Weekday::Tue {
            day += chrono::Duration::days(1);
        }
        day.format("%Y-%m-%d")
    };
    s.call(
        Method::POST,
        "/api/series",
        ada,
        Some(json!({
            "workshopId": id, "title": "Design sprint", "description": "",
            "rule": {"frequency": "weekly", "days": [], "end": {"kind": "count", "count": 3}},
            "startDate": tomorrow.to_string(), "timeOfDay": "19:00", "timezone": "America/New_York",
            "durationMinutes": 90, "isPrivate": false
        })),
    )
    .await;
    s.call(Method::GET, "/api/series", ada, None).await;
    // Between the series' second and third sessions, whatever day the test runs: lists
    // ordered by time keep one order.
    let at = format!("{}T12:00:00Z", {
        let start =
            chrono::NaiveDate::parse_from_str(&tomorrow.to_string(), "%Y-%m-%d").expect("a date");
        start + chrono::Duration::days(10)
    });
    let session = s
        .call(
            Method::POST,
            &format!("{w}/sessions"),
            ada,
            Some(json!({"title": "Kick-off", "scheduledAt": at, "durationMinutes": 60})),
        )
        .await;
    let session_id = session
        .pointer("/session/id")
        .and_then(Value::as_str)
        .unwrap_or("ses_missingmissing")
        .to_string();
    s.call(
        Method::POST,
        &format!("{w}/sessions/{session_id}/cancel"),
        ada,
        Some(json!({})),
    )
    .await;
    s.call(Method::GET, &format!("{w}/sessions"), ada, None)
        .await;

    // The trash, and what is not there.
    s.call(Method::DELETE, &w2, ada, None).await;
    s.call(Method::GET, &w2, ada, None).await;
    s.call(Method::GET, "/api/workshops/ws_nonexistent000", ada, None)
        .await;
    s.call(Method::GET, "/api/nowhere", ada, None).await;
    s.call(Method::PUT, "/api/workshops", ada, Some(json!({})))
        .await;
    pool.close().await;
    s.calls
}

/// The JSON pointers where `actual` differs from `expected`, with both values (at most 10).
fn differ(at: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    if out.len() >= 10 || expected == actual {
        return;
    }
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            let keys: std::collections::BTreeSet<&String> = e.keys().chain(a.keys()).collect();
            for k in keys {
                let (e, a) = (
                    e.get(k).unwrap_or(&Value::Null),
                    a.get(k).unwrap_or(&Value::Null),
                );
                differ(&format!("{at}/{k}"), e, a, out);
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (e, a)) in e.iter().zip(a).enumerate() {
                differ(&format!("{at}/{i}"), e, a, out);
            }
        }
        _ => {
            let short = |v: &Value| v.to_string().chars().take(200).collect::<String>();
            out.push(format!(
                "  {at}: expected {}, got {}",
                short(expected),
                short(actual)
            ));
        }
    }
}

#[tokio::test]
async fn the_rest_api_answers_as_its_snapshot() {
    let calls = Value::Array(session().await);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(std::path::Path::new(SNAPSHOT).parent().unwrap()).unwrap();
        std::fs::write(
            SNAPSHOT,
            serde_json::to_string_pretty(&calls).unwrap() + "\n",
        )
        .unwrap();
        return;
    }
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(SNAPSHOT)
            .unwrap_or_else(|e| panic!("{SNAPSHOT}: {e} (UPDATE_SNAPSHOTS=1 writes it)")),
    )
    .unwrap();
    let (expected, actual) = (expected.as_array().unwrap(), calls.as_array().unwrap());
    for (i, (e, a)) in expected.iter().zip(actual).enumerate() {
        let mut differences = Vec::new();
        differ("", e, a, &mut differences);
        assert!(
            differences.is_empty(),
            "call {i}, {}: the API answered differently from its snapshot ({SNAPSHOT}):\n{}",
            e["request"],
            differences.join("\n")
        );
    }
    assert_eq!(actual.len(), expected.len(), "the number of calls");
}
