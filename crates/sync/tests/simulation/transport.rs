//! The simulation's network: the real client's `Transport` over the in-process server
//! router, with dropped requests, answers lost after commit, duplicates, delayed and
//! reordered pushes, and partitions, all drawn from the seed.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use axum::body::Body;
use axum::http::{header, Method, Request};
use axum::Router;
use rand::rngs::StdRng;
use rand::Rng;
use serde_json::Value;
use tower::ServiceExt;
use wp_domain::protocol::{Outcome, PullResponse, PushRequest, PushResponse, SnapshotLine};
use wp_store::SnapshotStart;
use wp_sync::snapshot::SnapshotLines;
use wp_sync::{PushRefused, SyncError, Transport};

use crate::oracle::Ledger;

pub struct Net {
    pub rng: StdRng,
    pub faults: bool,
    pub partitioned: Vec<bool>,
    /// Pushes held back, delivered later (their answers lost): the client's transport and
    /// the request.
    pub delayed: Vec<(SimTransport, PushRequest)>,
    /// A mutation's uid (kept across client id renewals), or "client id/mutation id" for
    /// one sent without → the step its Applied answer came at.
    pub applied: HashMap<String, usize>,
    /// What each client committed and what the server applied from it (the oracle).
    pub ledger: Ledger,
    pub step: usize,
    /// Clients kept away from the server until a step, whatever the random partitions do
    /// (after a restore, so that the others write first to rows one changed; across the
    /// restore and a trim, so that one comes back to an expired reset).
    pub held: Vec<(usize, usize)>,
    /// Workshops the edits favour while a client is held away: those it changed after the
    /// backup.
    pub hot: Vec<String>,
    /// First syncs served as a snapshot stream, and those of them cut short.
    pub snapshots: usize,
    pub snapshots_cut: usize,
}

impl Net {
    /// Whether `client` cannot reach the server now.
    fn cut_off(&self, client: usize) -> bool {
        self.partitioned[client]
            || self
                .held
                .iter()
                .any(|&(c, until)| c == client && self.step < until)
    }
}

#[derive(Clone)]
pub struct SimTransport {
    pub router: Router,
    pub token: String,
    pub client: usize,
    pub net: Rc<RefCell<Net>>,
}

pub async fn call(
    router: &Router,
    token: &str,
    method: Method,
    uri: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    let body = match body {
        Some(v) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let response = router
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// [`call`] for a streamed answer: its status and its whole body.
pub async fn call_raw(router: &Router, token: &str, uri: &str) -> (u16, Vec<u8>) {
    let request = Request::builder()
        .method(Method::GET)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, bytes.to_vec())
}

pub fn lost() -> SyncError {
    SyncError::Unreachable("simulated network fault".into())
}

impl SimTransport {
    /// The fault roll of one request, from the seed: lower is worse (1.0 without faults); an
    /// error when this client is cut off from the server.
    fn roll(&self) -> Result<f64, SyncError> {
        let mut net = self.net.borrow_mut();
        if net.cut_off(self.client) {
            return Err(lost());
        }
        Ok(if net.faults { net.rng.random() } else { 1.0 })
    }

    /// Delivers a push to the server and records what it applied.
    pub async fn deliver(&self, request: &PushRequest) -> (u16, Value) {
        let (status, body) = call(
            &self.router,
            &self.token,
            Method::POST,
            "/api/sync/push",
            Some(serde_json::to_value(request).unwrap()),
        )
        .await;
        if status == 200 {
            let response: PushResponse = serde_json::from_value(body.clone()).unwrap();
            let mut net = self.net.borrow_mut();
            let step = net.step;
            for r in &response.results {
                if r.outcome != Outcome::Applied && std::env::var_os("WP_SIM_TRACE").is_some() {
                    eprintln!(
                        "  {:?} from client {} at step {step}: id {} {:?}",
                        r.outcome, self.client, r.id, r.error
                    );
                }
                if r.outcome == Outcome::Applied {
                    let sent = request.mutations.iter().find(|m| m.id == r.id).unwrap();
                    let key = sent
                        .uid
                        .clone()
                        .unwrap_or_else(|| format!("{}/{}", request.client_id, r.id));
                    if let Some(first) = net.applied.insert(key.clone(), step) {
                        panic!("double effect: {key} ({} {}) applied at step {first} and again at step {step}", sent.name, sent.args);
                    }
                    let mutation =
                        wp_domain::Mutation::from_wire(&sent.name, sent.args.clone()).unwrap();
                    if std::env::var_os("WP_SIM_TRACE").is_some() {
                        eprintln!(
                            "  applied from client {} at step {step}: {} {}",
                            self.client, sent.name, sent.args
                        );
                    }
                    net.ledger.applied(self.client, step, &mutation, &r.revs);
                }
            }
        }
        (status, body)
    }
}

impl Transport for SimTransport {
    async fn push(
        &self,
        request: &PushRequest,
    ) -> Result<Result<PushResponse, PushRefused>, SyncError> {
        let roll = self.roll()?;
        if roll < 0.05 {
            return Err(lost()); // the request is lost
        }
        if roll < 0.08 {
            // Held back: delivered later, after newer requests; the client hears nothing.
            self.net
                .borrow_mut()
                .delayed
                .push((self.clone(), request.clone()));
            return Err(lost());
        }
        let (mut status, mut body) = self.deliver(request).await;
        if roll < 0.11 {
            (status, body) = self.deliver(request).await; // duplicated
        }
        if roll < 0.16 {
            return Err(lost()); // the answer is lost after the server committed
        }
        match status {
            200 => Ok(Ok(serde_json::from_value(body).unwrap())),
            409 if body["code"] == "client_reset" => Ok(Err(PushRefused::ClientReset)),
            413 => Ok(Err(PushRefused::TooLarge)),
            _ => Err(SyncError::Server {
                status,
                message: body.to_string(),
            }),
        }
    }

    async fn pull(
        &self,
        cursor: &str,
        seen: &str,
        limit: u32,
        client_id: &str,
    ) -> Result<PullResponse, SyncError> {
        let roll = self.roll()?;
        if roll < 0.05 {
            return Err(lost());
        }
        let uri = format!(
            "/api/sync/pull?cursor={cursor}&seen={seen}&limit={limit}&clientId={client_id}"
        );
        let (status, body) = call(&self.router, &self.token, Method::GET, &uri, None).await;
        if roll < 0.08 {
            return Err(lost());
        }
        if std::env::var_os("WP_SIM_TRACE").is_some() {
            let row = std::env::var("WP_SIM_TRACE_ROW").ok();
            for c in body["changes"].as_array().into_iter().flatten() {
                if row.as_deref().is_some_and(|id| c.to_string().contains(id))
                    || c["put"]["entity"] == "conflict"
                    || c["delete"]["entity"] == "conflict"
                    || c["put"]["entity"] == "member"
                    || c["delete"]["entity"] == "member"
                    || c["put"]["entity"] == "workshop"
                    || c["delete"]["entity"] == "workshop"
                {
                    eprintln!(
                        "  pull by client {} at step {} from {cursor}: {c} (seen {}) dropped={}",
                        self.client,
                        self.net.borrow().step,
                        body["seen"],
                        roll < 0.08
                    );
                }
            }
        }
        if status != 200 {
            return Err(SyncError::Server {
                status,
                message: body.to_string(),
            });
        }
        Ok(serde_json::from_value(body).unwrap())
    }

    /// The server's snapshot, lost (before or after the server read it) or cut after a
    /// random line with the same odds as a pull's faults: the client applies what came and
    /// resumes from its last workshop.
    async fn snapshot(
        &self,
        client_id: &str,
        start: &SnapshotStart,
    ) -> Result<Option<SnapshotLines>, SyncError> {
        let roll = self.roll()?;
        if roll < 0.05 {
            return Err(lost());
        }
        let mut uri = format!("/api/sync/snapshot?clientId={client_id}");
        if !start.cursor.is_empty() {
            uri.push_str(&format!("&cursor={}&after={}", start.cursor, start.after));
        }
        let (status, body) = call_raw(&self.router, &self.token, &uri).await;
        if status != 200 {
            return Err(SyncError::Server {
                status,
                message: String::from_utf8_lossy(&body).into_owned(),
            });
        }
        if roll < 0.08 {
            return Err(lost());
        }
        let mut lines: Vec<SnapshotLine> = body
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        let mut net = self.net.borrow_mut();
        net.snapshots += 1;
        if roll < 0.14 && lines.len() > 1 {
            let keep = net.rng.random_range(1..lines.len());
            lines.truncate(keep);
            net.snapshots_cut += 1;
        }
        if std::env::var_os("WP_SIM_TRACE").is_some() {
            eprintln!(
                "  snapshot by client {} at step {} from {:?}: {} lines",
                self.client,
                net.step,
                start,
                lines.len()
            );
        }
        Ok(Some(SnapshotLines::from_lines(lines)))
    }
}
