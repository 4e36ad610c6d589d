//! The rehearsal's front door: what stands between a connection and the reference's routes, and
//! makes the loopback stand-in feel like AWS where a run feels it.
//!
//! For every request, in order: count it by operation, wait the configured latency, throttle
//! past the rate limit (API calls), verify SigV4 (signed operations), apply revocations that have
//! come due, then hand the request to the reference. Hosted domains are addressed by `Host`, as
//! on AWS; the reference's `/_domain/<prefix>` path form does not exist here. The TLS acceptor
//! asks [`Front::admits`] before a handshake, which is how a young domain stays dark.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parking_lot::Mutex;

use super::quota::{CallCounter, TokenBucket};
use super::sigv4::{self, RehearsalCredentials};
use super::tls::{Addressed, addressed};
use crate::reference::Service;
use crate::reference::error::{ApiError, ErrorType};
use crate::reference::server::{api_operation, host_name};

/// How long a client may take to send its request body.
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The front's state, shared by every connection.
#[derive(Debug)]
pub(crate) struct Front {
    pub(crate) service: Arc<Service>,
    pub(crate) credentials: RehearsalCredentials,
    pub(crate) latency: Duration,
    pub(crate) domain_delay: Duration,
    pub(crate) bucket: Option<TokenBucket>,
    pub(crate) body_limit: usize,
    pub(crate) calls: CallCounter,
    /// Requests answered `TooManyRequestsException`.
    pub(crate) throttled: std::sync::atomic::AtomicU64,
    /// When each hosted domain was created (by CreateUserPoolDomain through this front).
    pub(crate) domains_created: Mutex<HashMap<String, Instant>>,
}

impl Front {
    fn region(&self) -> &str {
        self.service.region()
    }

    /// Whether a TLS handshake for `server_name` goes ahead: the API always, a hosted domain once
    /// it exists and is older than the domain delay, any other name never. On AWS a new domain
    /// answers only once CloudFront and DNS have caught up; here it is refused until then.
    pub(crate) fn admits(&self, server_name: Option<&str>) -> bool {
        match addressed(server_name, self.region()) {
            Addressed::Api => true,
            Addressed::Domain(prefix) => self.domain_answers(&prefix),
            Addressed::Other => false,
        }
    }

    fn domain_answers(&self, prefix: &str) -> bool {
        if !self.service.store.lock().domains.contains_key(prefix) {
            return false;
        }
        self.domains_created.lock().get(prefix).is_none_or(|created| created.elapsed() >= self.domain_delay)
    }

    /// Whether the pool a DeleteUserPool body names still has a hosted domain.
    fn has_domain(&self, body: &[u8]) -> bool {
        let Some(id) = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|value| value.get("UserPoolId").and_then(|id| id.as_str()).map(str::to_owned))
        else {
            return false;
        };
        self.service.store.lock().pools.get(&id).is_some_and(|pool| pool.domain.is_some())
    }

    /// Notes a domain's creation time before CreateUserPoolDomain reaches the reference, so there
    /// is no moment at which the domain exists without a creation time. A prefix that already
    /// exists keeps its time (the call will fail).
    fn note_domain(&self, body: &[u8]) {
        let Some(prefix) = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|value| value.get("Domain").and_then(|d| d.as_str()).map(str::to_ascii_lowercase))
        else {
            return;
        };
        if !self.service.store.lock().domains.contains_key(&prefix) {
            self.domains_created.lock().insert(prefix, Instant::now());
        }
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "application/json")], r#"{"error":"not_found"}"#).into_response()
}

/// The middleware over the reference's router.
pub(crate) async fn handle(State(front): State<Arc<Front>>, request: Request, next: Next) -> Response {
    match addressed(host_name(request.headers()).as_deref(), front.region()) {
        Addressed::Domain(prefix) => {
            let endpoint = request.uri().path().trim_start_matches('/');
            let name = if endpoint.starts_with("oauth2/") && endpoint.len() <= 32 { endpoint } else { "oauth2/other" };
            front.calls.record(name);
            tokio::time::sleep(front.latency).await;
            if !front.domain_answers(&prefix) {
                return not_found();
            }
            forward(&front, request, next).await
        }
        Addressed::Other => {
            front.calls.record("other-host");
            tokio::time::sleep(front.latency).await;
            not_found()
        }
        Addressed::Api => api(front, request, next).await,
    }
}

async fn forward(front: &Front, request: Request, next: Next) -> Response {
    front.service.store.lock().settle(Instant::now());
    next.run(request).await
}

async fn api(front: Arc<Front>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path != "/" {
        front.calls.record(if path.ends_with("/.well-known/jwks.json") { "jwks.json" } else { "other-path" });
        tokio::time::sleep(front.latency).await;
        if path.starts_with("/_domain/") {
            return not_found();
        }
        return forward(&front, request, next).await;
    }
    let operation = api_operation(request.headers()).ok().map(str::to_owned);
    front.calls.record(operation.as_deref().unwrap_or("(invalid)"));
    tokio::time::sleep(front.latency).await;
    if front.bucket.as_ref().is_some_and(|bucket| !bucket.take(Instant::now())) {
        front.throttled.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return ApiError::new(ErrorType::TooManyRequests, "Rate exceeded").into_response();
    }
    // An invalid target or content type: the reference answers it, as it would unsigned.
    let Some(operation) = operation else { return forward(&front, request, next).await };
    let (parts, body) = request.into_parts();
    let Some(body) = read_body(body, front.body_limit).await else {
        return ApiError::new(ErrorType::RequestEntityTooLarge, "Request body is too large.").into_response();
    };
    if crate::cognito::is_signed(&operation)
        && let Err(error) = sigv4::verify(
            &front.credentials,
            front.region(),
            &parts.method,
            &parts.uri,
            &parts.headers,
            &body,
            SystemTime::now(),
        )
    {
        return error.into_response();
    }
    if operation == "CreateUserPoolDomain" {
        front.note_domain(&body);
    }
    if operation == "DeleteUserPool" && front.has_domain(&body) {
        // AWS refuses to delete a pool that still has a domain (aws-seen: aws-nuke #304 and
        // terraform-provider-aws #16479 quote this 400), so clean-up must delete domains first;
        // the reference itself deletes both at once.
        return ApiError::invalid_parameter(
            "User pool cannot be deleted. It has a domain configured that should be deleted first.",
        )
        .into_response();
    }
    forward(&front, Request::from_parts(parts, Body::from(body)), next).await
}

async fn read_body(body: Body, limit: usize) -> Option<Bytes> {
    tokio::time::timeout(BODY_READ_TIMEOUT, axum::body::to_bytes(body, limit)).await.ok()?.ok()
}
