//! The server's sync API over HTTPS (reqwest with rustls), with retries: network errors,
//! 5xx and 429 are retried with exponential backoff and jitter (backon), honouring
//! `Retry-After`; 401 stops at once; other 4xx are not retried.

use std::net::IpAddr;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use wp_domain::protocol::{People, PullResponse, PushRequest, PushResponse};

use crate::SyncError;

/// Checks a server URL: `https`, or `http` for a loopback address only, so a token never
/// travels in clear to another machine. Returns it without a trailing slash.
pub fn check_url(url: &str) -> Result<Url, SyncError> {
    let bad = |reason: &str| SyncError::BadUrl {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let parsed = Url::parse(url.trim()).map_err(|e| bad(&e.to_string()))?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => return Err(bad("it has no host")),
    };
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(bad(
                "plain http is allowed only to this machine (localhost, 127.0.0.1, ::1); use https",
            ))
        }
        other => return Err(bad(&format!("the scheme must be https, not {other}"))),
    }
    if parsed.query().is_some() || !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad("it may not carry a query or credentials"));
    }
    let mut parsed = parsed;
    let path = parsed.path().trim_end_matches('/').to_string();
    parsed.set_path(&path);
    Ok(parsed)
}

/// How many times and how fast to retry a request that may succeed later.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 4 retries, 250 ms doubling with jitter up to 10 s.
    fn default() -> Self {
        RetryPolicy {
            retries: 4,
            min_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
        }
    }
}

use wp_domain::protocol::ErrorBody;
/// The caller as the server knows them (`GET /api/me`): the protocol's type.
pub use wp_domain::protocol::{Me, MeUser};

/// A failed attempt: worth another try (after the server's `Retry-After`, if it sent one), or not.
enum Attempt {
    Retry(SyncError, Option<Duration>),
    Fail(SyncError, Option<String>),
}

/// A push the server refused as a whole.
#[derive(Debug)]
pub enum PushRefused {
    /// 413: the batch is too large; send fewer mutations.
    TooLarge,
    /// 409 `client_reset`: take a new client id and renumber.
    ClientReset,
}

/// How a sync round reaches the server: [`Api`] over HTTPS; the fault simulation's
/// in-process transport in tests.
pub trait Transport {
    /// `POST /api/sync/push`. `Ok(Err(_))` for a refusal the caller acts on.
    fn push(
        &self,
        request: &PushRequest,
    ) -> impl std::future::Future<Output = Result<Result<PushResponse, PushRefused>, SyncError>>;

    /// `GET /api/sync/pull?cursor=&seen=&limit=&clientId=`.
    fn pull(
        &self,
        cursor: &str,
        seen: &str,
        limit: u32,
        client_id: &str,
    ) -> impl std::future::Future<Output = Result<PullResponse, SyncError>>;

    /// `GET /api/sync/snapshot`: a first sync's streamed snapshot from `start`; `Ok(None)`
    /// when the transport has none (the caller pulls pages).
    fn snapshot(
        &self,
        client_id: &str,
        start: &wp_store::SnapshotStart,
    ) -> impl std::future::Future<Output = Result<Option<crate::snapshot::SnapshotLines>, SyncError>>
    {
        let _ = (client_id, start);
        async { Ok(None) }
    }
}

impl Transport for Api {
    async fn push(
        &self,
        request: &PushRequest,
    ) -> Result<Result<PushResponse, PushRefused>, SyncError> {
        Api::push(self, request).await
    }

    async fn pull(
        &self,
        cursor: &str,
        seen: &str,
        limit: u32,
        client_id: &str,
    ) -> Result<PullResponse, SyncError> {
        Api::pull(self, cursor, seen, limit, client_id).await
    }

    async fn snapshot(
        &self,
        client_id: &str,
        start: &wp_store::SnapshotStart,
    ) -> Result<Option<crate::snapshot::SnapshotLines>, SyncError> {
        Api::snapshot(self, client_id, start).await
    }
}

/// A client of one server with one token. Cheap to clone.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: Url,
    token: String,
    retry: RetryPolicy,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl Api {
    /// A client for `server_url` (checked by [`check_url`]) with a bearer `token`.
    pub fn new(server_url: &str, token: String, retry: RetryPolicy) -> Result<Api, SyncError> {
        let base = check_url(server_url)?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("workshoppilot/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::Unreachable(e.to_string()))?;
        Ok(Api {
            http,
            base,
            token,
            retry,
        })
    }

    /// The server's URL.
    pub fn base(&self) -> &str {
        self.base.as_str()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base.as_str().trim_end_matches('/'))
    }

    /// One attempt: the response when its status is a success, else what to do about it.
    async fn respond(
        &self,
        request: &impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, Attempt> {
        let response = match request().bearer_auth(&self.token).send().await {
            Ok(r) => r,
            // Connection refused, reset, timed out: the server may come back.
            Err(e) => {
                return Err(Attempt::Retry(
                    SyncError::Unreachable(without_url(&e)),
                    None,
                ))
            }
        };
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body: Option<ErrorBody> = response.json().await.ok();
        let (message, code) = match body {
            Some(b) => (b.error, b.code),
            None => (
                status.canonical_reason().unwrap_or("error").to_string(),
                None,
            ),
        };
        let error = SyncError::Server {
            status: status.as_u16(),
            message,
        };
        if status == StatusCode::UNAUTHORIZED {
            Err(Attempt::Fail(SyncError::Unauthorized, None))
        } else if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            Err(Attempt::Retry(error, retry_after))
        } else {
            Err(Attempt::Fail(error, code))
        }
    }

    async fn once<T: DeserializeOwned>(
        &self,
        request: &impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<T, Attempt> {
        self.respond(request).await?.json::<T>().await.map_err(|e| {
            Attempt::Fail(
                SyncError::Protocol(format!("unreadable answer: {}", without_url(&e))),
                None,
            )
        })
    }

    fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(self.retry.min_delay)
            .with_max_delay(self.retry.max_delay)
            .with_max_times(self.retry.retries)
            .with_jitter()
    }

    /// Sends a request, retrying what may succeed later. A batch-level refusal keeps its
    /// code (e.g. `client_reset`) beside the error.
    async fn send<T: DeserializeOwned>(
        &self,
        request: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<T, (SyncError, Option<String>)> {
        (|| self.once::<T>(&request))
            .retry(self.backoff())
            .when(|a| matches!(a, Attempt::Retry(..)))
            .adjust(|a, delay| match a {
                Attempt::Retry(_, Some(after)) => Some(*after),
                _ => delay,
            })
            .notify(|a, delay| {
                if let Attempt::Retry(e, _) = a {
                    tracing::info!(error = %e, ?delay, "sync request failed; retrying");
                }
            })
            .await
            .map_err(|a| match a {
                Attempt::Retry(e, _) => (e, None),
                Attempt::Fail(e, code) => (e, code),
            })
    }

    /// `GET /api/sync/snapshot?clientId=&cursor=&after=`: a first sync's streamed snapshot
    /// ([`crate::snapshot`]), on an HTTP client with a read timeout instead of a total one.
    /// Opening it is retried like any request (a busy server's 503 names when to come back);
    /// `Ok(None)` from a server without snapshots (404), which the caller pulls pages from.
    pub async fn snapshot(
        &self,
        client_id: &str,
        start: &wp_store::SnapshotStart,
    ) -> Result<Option<crate::snapshot::SnapshotLines>, SyncError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(crate::snapshot::READ_TIMEOUT)
            .user_agent(concat!("workshoppilot/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::Unreachable(e.to_string()))?;
        let mut query = vec![("clientId", client_id)];
        if !start.cursor.is_empty() {
            query.push(("cursor", start.cursor.as_str()));
            query.push(("after", start.after.as_str()));
        }
        let request = || http.get(self.url("/api/sync/snapshot")).query(&query);
        let response = (|| self.respond(&request))
            .retry(self.backoff())
            .when(|a| matches!(a, Attempt::Retry(..)))
            .adjust(|a, delay| match a {
                Attempt::Retry(_, Some(after)) => Some(*after),
                _ => delay,
            })
            .await;
        match response {
            Ok(response) => Ok(Some(crate::snapshot::SnapshotLines::read(response))),
            Err(Attempt::Fail(SyncError::Server { status: 404, .. }, _)) => Ok(None),
            Err(Attempt::Retry(e, _) | Attempt::Fail(e, _)) => Err(e),
        }
    }

    /// `GET /api/me`: checks the token and names its user.
    pub async fn me(&self) -> Result<Me, SyncError> {
        self.send(|| self.http.get(self.url("/api/me")))
            .await
            .map_err(|(e, _)| e)
    }

    /// `GET /api/users?q=`: people whose name contains `query`, at most 20
    /// ([`wp_domain::protocol::People`]). Errors: the server's 400 naming `q` (fewer than 3
    /// characters), 429 when searched too often, and the network's.
    pub async fn people(&self, query: &str) -> Result<People, SyncError> {
        let mut url = url::Url::parse(&self.url("/api/users"))
            .map_err(|e| SyncError::Protocol(e.to_string()))?;
        url.query_pairs_mut().append_pair("q", query);
        self.send(|| self.http.get(url.clone()))
            .await
            .map_err(|(e, _)| e)
    }

    /// `POST /api/sync/push`. `Ok(Err(_))` for a refusal the caller acts on.
    pub async fn push(
        &self,
        request: &PushRequest,
    ) -> Result<Result<PushResponse, PushRefused>, SyncError> {
        match self
            .send(|| self.http.post(self.url("/api/sync/push")).json(request))
            .await
        {
            Ok(response) => Ok(Ok(response)),
            Err((SyncError::Server { status: 413, .. }, _)) => Ok(Err(PushRefused::TooLarge)),
            Err((_, Some(code))) if code == wp_domain::protocol::codes::CLIENT_RESET => {
                Ok(Err(PushRefused::ClientReset))
            }
            Err((e, _)) => Err(e),
        }
    }

    /// `GET /api/sync/pull?cursor=&seen=&limit=&clientId=`.
    pub async fn pull(
        &self,
        cursor: &str,
        seen: &str,
        limit: u32,
        client_id: &str,
    ) -> Result<PullResponse, SyncError> {
        let limit = limit.to_string();
        self.send(|| {
            self.http.get(self.url("/api/sync/pull")).query(&[
                ("cursor", cursor),
                ("seen", seen),
                ("limit", limit.as_str()),
                ("clientId", client_id),
            ])
        })
        .await
        .map_err(|(e, _)| e)
    }
}

/// A reqwest error's message without the URL (which is not secret, but long).
fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "the server");
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
