//! The harness's side of the wire: AWS JSON 1.1 calls, hosted-endpoint requests and JWKS
//! fetches against one target, with a per-request timeout, a per-target concurrency cap and
//! bounded retries of throttling (and of nothing else).
//!
//! A target may be hostile or broken, and a request may carry passwords, secrets and tokens, so
//! the client never follows a redirect (a 3xx is the answer, judged as such; following one would
//! resend those to wherever it points) and reads at most [`WireOptions::body_limit`] bytes of an
//! answer (past it the request fails with [`WireError::TooLarge`], and the rest is never read).
//! HTTPS is rustls with the platform's and Mozilla's roots plus any `--ca-bundle` ([`network`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use tokio::sync::Semaphore;

pub mod network;
pub mod sigv4;

pub use network::{CaBundle, Network, NetworkError};

pub use crate::cognito::{AMZ_JSON, TARGET_PREFIX};

/// How a target's hosted domains (`/oauth2/*`) are reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostedAddressing {
    /// Send to the API endpoint with `Host: <prefix>.auth.<region>.amazoncognito.com`.
    HostHeader,
    /// Send to `<endpoint>/_domain/<prefix>/…` (the reference's loopback-friendly form).
    PathPrefix,
    /// Send to `https://<prefix>.auth.<region>.amazoncognito.com` (real AWS).
    Real,
}

/// Options for a [`Wire`].
#[derive(Debug, Clone)]
pub struct WireOptions {
    /// Per-request timeout.
    pub timeout: Duration,
    /// Requests in flight at once against this target.
    pub max_in_flight: usize,
    /// Retries of a throttled request (`TooManyRequestsException` or HTTP 429).
    pub throttle_retries: u32,
    /// The first backoff; doubled on each retry, with jitter.
    pub backoff: Duration,
    /// The largest answer body read, in bytes ([`DEFAULT_BODY_LIMIT`]).
    pub body_limit: usize,
    /// Trusted authorities and, for rehearsals, where AWS host names resolve.
    pub network: Network,
}

/// The largest answer body the harness reads by default: 1 MiB. Cognito's answers are a few
/// kilobytes; anything near this is a broken or hostile target, and reading it whole would put it
/// in memory and in reports.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

impl Default for WireOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_in_flight: 32,
            throttle_retries: 5,
            backoff: Duration::from_millis(100),
            body_limit: DEFAULT_BODY_LIMIT,
            network: Network::default(),
        }
    }
}

/// One request and its answer.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// HTTP status.
    pub status: u16,
    /// Response headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// Response body.
    pub body: Vec<u8>,
    /// Time to the full answer.
    pub elapsed: Duration,
}

impl Exchange {
    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The error type of an AWS JSON error: from `__type` (namespace and `:…` suffix dropped) or
    /// the `x-amzn-ErrorType` header.
    pub fn error_type(&self) -> Option<String> {
        let raw = self
            .json()
            .and_then(|body| body.get("__type").and_then(Value::as_str).map(str::to_owned))
            .or_else(|| self.header("x-amzn-errortype").map(str::to_owned))?;
        Some(normalise_error_type(&raw))
    }

    /// Whether this is a throttling answer: Cognito's `TooManyRequestsException`, the generic
    /// `ThrottlingException` any AWS front end may send, or HTTP 429.
    pub fn is_throttled(&self) -> bool {
        self.status == 429
            || matches!(self.error_type().as_deref(), Some("TooManyRequestsException" | "ThrottlingException"))
    }
}

/// `com.amazonaws…#NotAuthorizedException:http://…` → `NotAuthorizedException`.
pub fn normalise_error_type(raw: &str) -> String {
    let name = raw.rsplit('#').next().unwrap_or(raw);
    name.split(':').next().unwrap_or(name).trim().to_owned()
}

/// Why a request got no answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WireError {
    /// No answer within the timeout.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The connection failed.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The answer's body is larger than the limit; the rest of it was not read.
    #[error("the answer's body is larger than {0} bytes; the rest was not read")]
    TooLarge(usize),
    /// The run's deadline passed before the request could be sent (or sent again).
    #[error("the run's deadline has passed")]
    Deadline,
    /// The request could not be built or the answer could not be read.
    #[error("{0}")]
    Other(String),
}

impl From<reqwest::Error> for WireError {
    fn from(error: reqwest::Error) -> Self {
        // reqwest's own message is "error sending request for url (…)"; the cause a user can act
        // on (refused, unknown certificate issuer, name not resolved) is further down the chain.
        let mut message = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            let text = cause.to_string();
            if !message.contains(&text) {
                message = format!("{message}: {text}");
            }
            source = cause.source();
        }
        if error.is_connect() { WireError::Connect(message) } else { WireError::Other(message) }
    }
}

/// When each request was in flight: recorded only when asked for, to measure how much of a run's
/// wall time the harness spends waiting on the target (see `benches/suite.rs`).
#[derive(Debug, Clone, Default)]
pub struct Timeline(Arc<parking_lot::Mutex<Vec<(Instant, Instant)>>>);

impl Timeline {
    /// An empty timeline.
    pub fn new() -> Self {
        Self::default()
    }

    fn record(&self, started: Instant, ended: Instant) {
        self.0.lock().push((started, ended));
    }

    /// The recorded intervals, in no particular order.
    pub fn intervals(&self) -> Vec<(Instant, Instant)> {
        self.0.lock().clone()
    }

    /// Total time at least one request was in flight (the union of the intervals).
    pub fn busy(&self) -> Duration {
        let mut intervals = self.intervals();
        intervals.sort();
        let mut busy = Duration::ZERO;
        let mut current: Option<(Instant, Instant)> = None;
        for (start, end) in intervals {
            current = match current {
                Some((s, e)) if start <= e => Some((s, e.max(end))),
                Some((s, e)) => {
                    busy += e - s;
                    Some((start, end))
                }
                None => Some((start, end)),
            };
        }
        busy + current.map_or(Duration::ZERO, |(s, e)| e - s)
    }

    /// The sum of all request times.
    pub fn total(&self) -> Duration {
        self.0.lock().iter().map(|(s, e)| *e - *s).sum()
    }
}

/// A client for one target.
#[derive(Debug, Clone)]
pub struct Wire {
    signer: Option<sigv4::Signer>,
    timeline: Option<Timeline>,
    http: reqwest::Client,
    endpoint: String,
    region: String,
    hosted: HostedAddressing,
    options: WireOptions,
    permits: Arc<Semaphore>,
    deadline: Option<Instant>,
}

/// A request before it is sent.
#[derive(Debug, Clone)]
pub struct Request {
    /// Method.
    pub method: reqwest::Method,
    /// Full URL.
    pub url: String,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl Request {
    /// The AWS JSON operation (`RevokeToken`) named by `x-amz-target`, for API requests.
    pub fn operation(&self) -> Option<&str> {
        self.headers.iter().find(|(name, _)| name == "x-amz-target").and_then(|(_, value)| value.rsplit('.').next())
    }
}

impl Wire {
    /// A client for the target at `endpoint` (no trailing slash).
    pub fn new(
        endpoint: &str,
        region: &str,
        hosted: HostedAddressing,
        options: WireOptions,
    ) -> Result<Self, WireError> {
        let builder = reqwest::Client::builder()
            .timeout(options.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(options.max_in_flight);
        let http = options.network.configure(builder).build().map_err(|e| WireError::Other(e.to_string()))?;
        let permits = Arc::new(Semaphore::new(options.max_in_flight.max(1)));
        Ok(Self {
            signer: None,
            timeline: None,
            http,
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            region: region.to_owned(),
            hosted,
            options,
            permits,
            deadline: None,
        })
    }

    /// Signs the operations SDKs sign (admin operations) with `signer`.
    pub fn with_signer(mut self, signer: sigv4::Signer) -> Self {
        self.signer = Some(signer);
        self
    }

    /// A client that sends nothing after `deadline`: a request not yet sent then fails with
    /// [`WireError::Deadline`], a throttled one is not retried past it, and waiting for a
    /// concurrency permit ends there. A request already in flight keeps its own timeout, so a run
    /// ends by about its deadline plus one request timeout. Clean-up uses a client without one.
    pub fn with_deadline(&self, deadline: Instant) -> Self {
        Self { deadline: Some(deadline), ..self.clone() }
    }

    /// The same client without a deadline (for clean-up after the deadline).
    pub fn without_deadline(&self) -> Self {
        Self { deadline: None, ..self.clone() }
    }

    /// The deadline past which nothing is sent, if any.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The per-request timeout: how long a request already in flight at the deadline may still take.
    pub fn timeout(&self) -> Duration {
        self.options.timeout
    }

    /// Records every request's time in flight on `timeline`.
    pub fn with_timeline(mut self, timeline: Timeline) -> Self {
        self.timeline = Some(timeline);
        self
    }

    /// How hosted domains are reached.
    pub fn hosted(&self) -> &HostedAddressing {
        &self.hosted
    }

    /// The API endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// An AWS JSON 1.1 request for `operation`, SigV4-signed when SDKs sign it and a signer is set.
    pub fn api_request(&self, operation: &str, body: Vec<u8>) -> Request {
        let mut request = Request {
            method: reqwest::Method::POST,
            url: format!("{}/", self.endpoint),
            headers: vec![
                ("x-amz-target".into(), format!("{TARGET_PREFIX}{operation}")),
                ("content-type".into(), AMZ_JSON.into()),
            ],
            body,
        };
        if let Some(signer) = self.signer.as_ref().filter(|_| crate::cognito::is_signed(operation)) {
            // Signing fails only for a URL the request builder would refuse anyway; the unsigned
            // request then gets the target's own answer.
            let _ = signer.sign(&mut request, std::time::SystemTime::now());
        }
        request
    }

    /// A request to `path` on the hosted domain `prefix`.
    pub fn hosted_request(&self, prefix: &str, method: reqwest::Method, path: &str) -> Request {
        let host = format!("{prefix}.auth.{}.amazoncognito.com", self.region);
        let (url, headers) = match self.hosted {
            HostedAddressing::HostHeader => (format!("{}{path}", self.endpoint), vec![("host".into(), host)]),
            HostedAddressing::PathPrefix => (format!("{}/_domain/{prefix}{path}", self.endpoint), Vec::new()),
            HostedAddressing::Real => (format!("https://{host}{path}"), Vec::new()),
        };
        Request { method, url, headers, body: Vec::new() }
    }

    /// A request to `path` on the API endpoint.
    pub fn plain_request(&self, method: reqwest::Method, path: &str) -> Request {
        Request { method, url: format!("{}{path}", self.endpoint), headers: Vec::new(), body: Vec::new() }
    }

    /// Sends `request`, retrying throttled answers with exponential backoff and jitter.
    pub async fn send(&self, request: &Request) -> Result<Exchange, WireError> {
        let mut attempt = 0;
        loop {
            let exchange = self.send_once(request).await?;
            if !exchange.is_throttled() || attempt >= self.options.throttle_retries {
                return Ok(exchange);
            }
            let base = self.options.backoff.saturating_mul(1 << attempt.min(10));
            let jitter = rand::random_range(0.5..1.5);
            let pause = base.mul_f64(jitter).min(Duration::from_secs(20));
            // A retry that would start after the deadline is not made: the throttled answer is
            // the answer.
            if self.deadline.is_some_and(|deadline| Instant::now() + pause >= deadline) {
                return Ok(exchange);
            }
            tokio::time::sleep(pause).await;
            attempt += 1;
        }
    }

    async fn send_once(&self, request: &Request) -> Result<Exchange, WireError> {
        let permit = self.permits.acquire();
        let _permit = match self.deadline {
            Some(deadline) => {
                tokio::time::timeout_at(deadline.into(), permit).await.map_err(|_| WireError::Deadline)?
            }
            None => permit.await,
        }
        .map_err(|e| WireError::Other(e.to_string()))?;
        if self.deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            return Err(WireError::Deadline);
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| WireError::Other(e.to_string()))?;
            let value = HeaderValue::from_str(value).map_err(|e| WireError::Other(e.to_string()))?;
            headers.append(name, value);
        }
        let started = Instant::now();
        let sent =
            self.http.request(request.method.clone(), &request.url).headers(headers).body(request.body.clone()).send();
        let response = sent.await.map_err(|error| {
            if error.is_timeout() { WireError::Timeout(self.options.timeout) } else { error.into() }
        })?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
            .collect();
        let body = self.read_body(response).await?;
        if let Some(timeline) = &self.timeline {
            timeline.record(started, Instant::now());
        }
        Ok(Exchange { status, headers, body, elapsed: started.elapsed() })
    }

    /// Reads the body up to the limit: a declared length past it is refused unread, and a body
    /// that grows past it (chunked, say) is abandoned there.
    async fn read_body(&self, mut response: reqwest::Response) -> Result<Vec<u8>, WireError> {
        let limit = self.options.body_limit;
        if response.content_length().is_some_and(|length| length > limit as u64) {
            return Err(WireError::TooLarge(limit));
        }
        let timeout = self.options.timeout;
        let map = |error: reqwest::Error| if error.is_timeout() { WireError::Timeout(timeout) } else { error.into() };
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(map)? {
            if body.len() + chunk.len() > limit {
                return Err(WireError::TooLarge(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_time_is_the_union_of_intervals() {
        let timeline = Timeline::new();
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        timeline.record(ms(0), ms(10));
        timeline.record(ms(5), ms(15));
        timeline.record(ms(20), ms(30));
        assert_eq!(timeline.busy(), Duration::from_millis(25));
        assert_eq!(timeline.total(), Duration::from_millis(30));
    }

    #[test]
    fn admin_operations_are_signed_and_public_ones_are_not() {
        let wire =
            Wire::new("http://127.0.0.1:5000", "us-east-1", HostedAddressing::HostHeader, WireOptions::default())
                .unwrap()
                .with_signer(sigv4::Signer::dummy("us-east-1"));
        let signed = |operation: &str| {
            wire.api_request(operation, b"{}".to_vec()).headers.iter().any(|(name, _)| name == "authorization")
        };
        for admin in ["CreateUserPool", "AdminInitiateAuth", "AdminUserGlobalSignOut", "UpdateUserPoolClient"] {
            assert!(signed(admin), "{admin}");
        }
        for public in ["InitiateAuth", "RevokeToken", "GetUser", "GlobalSignOut", "GetTokensFromRefreshToken"] {
            assert!(!signed(public), "{public}");
        }
    }

    #[test]
    fn error_types_are_normalised() {
        assert_eq!(
            normalise_error_type("com.amazonaws.cognito#NotAuthorizedException:http://x"),
            "NotAuthorizedException"
        );
        assert_eq!(normalise_error_type("NotAuthorizedException:"), "NotAuthorizedException");
        assert_eq!(normalise_error_type("ResourceNotFoundException"), "ResourceNotFoundException");
    }
}
