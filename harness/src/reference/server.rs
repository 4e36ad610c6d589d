//! The HTTP face of the reference target: routing, framing and the server's lifecycle.
//!
//! One listener answers everything, as Cognito's endpoints would if they shared a host:
//! - `POST /` — the AWS JSON 1.1 API (`X-Amz-Target: AWSCognitoIdentityProviderService.<Op>`);
//! - `GET /<poolId>/.well-known/jwks.json` — the pool's signing keys;
//! - `GET /<poolId>/.well-known/openid-configuration` — its OIDC discovery document;
//! - `/oauth2/{revoke,token,userInfo}` — a pool's hosted domain, addressed either by the Host
//!   header (`<prefix>.auth.<region>.amazoncognito.com`, as an SDK sends it) or, for clients that
//!   cannot set Host, by the path prefix `/_domain/<prefix>/oauth2/…`.
//!
//! Every answer carries a request id and CORS headers, and `OPTIONS` answers a preflight
//! ([`cors`](super::cors)). Bodies are read up to [`ReferenceConfig::body_limit`]; anything
//! larger gets a typed 413, a body that stalls past [`Timeouts::body`] a typed 408. Connections
//! are served by [`listen`](super::listen), with header-read and idle timeouts; a request with
//! more than one `Host` header, or an HTTP/1.1 request with none, gets 400 (RFC 9112 §3.2).

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::cors::{self, Surface};
use super::error::{ApiError, ErrorType, OAuthError, OAuthErrorCode};
use super::faults::FaultSet;
pub use super::listen::Timeouts;
use super::{discovery, oauth};
use super::pools::jwks;
use super::seed::{Seed, SeedFailure};
use super::service::{Service, ServiceError, TARGET_PREFIX};
use super::store::{Limits, StoreStats};

pub use crate::cognito::AMZ_JSON;

/// How to run a reference instance.
#[derive(Debug, Clone)]
pub struct ReferenceConfig {
    /// Address to bind; loopback by default.
    pub host: IpAddr,
    /// Port to bind; 0 picks a free one.
    pub port: u16,
    /// Bugs to switch on.
    pub faults: FaultSet,
    /// Region in pool ids and issuers.
    pub region: String,
    /// Capacity limits.
    pub limits: Limits,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Header-read, idle and body-read timeouts.
    pub timeouts: Timeouts,
    /// Pools, clients and users to create before serving (`serve --pools`).
    pub seed: Option<Arc<Seed>>,
}

impl Default for ReferenceConfig {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            faults: FaultSet::none(),
            region: "us-east-1".into(),
            limits: Limits::default(),
            body_limit: 256 * 1024,
            timeouts: Timeouts::default(),
            seed: None,
        }
    }
}

/// Why the reference could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The service state could not be built.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The pools of `--pools` could not be created (the file's own check makes this unlikely).
    #[error("cannot create the declared pools: {0}")]
    Seed(#[from] SeedFailure),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The server stopped with an I/O error.
    #[error("the reference server failed: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Clone)]
struct AppState {
    service: Arc<Service>,
    body_limit: usize,
    body_timeout: Duration,
}

fn router(state: AppState) -> Router {
    Router::new().fallback(handle).with_state(state)
}

/// The reference's routes over `service`, for a front that serves them its own way (the AWS
/// rehearsal, `crate::rehearsal`, serves them over TLS behind SigV4 and quotas).
pub(crate) fn app(service: Arc<Service>, body_limit: usize) -> Router {
    router(AppState { service, body_limit, body_timeout: Timeouts::default().body })
}

async fn bind(config: &ReferenceConfig) -> Result<(TcpListener, Arc<Service>), ServeError> {
    let service = Arc::new(Service::new(config.faults.clone(), config.region.clone(), config.limits)?);
    if let Some(seed) = &config.seed {
        super::seed::apply(&service, seed)?;
    }
    let addr = SocketAddr::new(config.host, config.port);
    let listener = TcpListener::bind(addr).await.map_err(|source| ServeError::Bind { addr, source })?;
    Ok((listener, service))
}

/// Serves until `shutdown` resolves, then finishes in-flight requests and returns.
/// `on_ready` is called with the bound address once the server accepts connections.
pub async fn serve_until(
    config: ReferenceConfig,
    on_ready: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let (listener, service) = bind(&config).await?;
    on_ready(listener.local_addr()?);
    let app = router(AppState { service, body_limit: config.body_limit, body_timeout: config.timeouts.body });
    super::listen::serve(listener, app, config.timeouts, shutdown).await;
    Ok(())
}

/// A reference instance running in this process, on its own task.
#[derive(Debug)]
pub struct ReferenceServer {
    addr: SocketAddr,
    service: Arc<Service>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl ReferenceServer {
    /// Starts an instance; it accepts connections when this returns.
    pub async fn start(config: ReferenceConfig) -> Result<Self, ServeError> {
        let (listener, service) = bind(&config).await?;
        let addr = listener.local_addr()?;
        let (sender, receiver) = oneshot::channel::<()>();
        let app =
            router(AppState { service: service.clone(), body_limit: config.body_limit, body_timeout: config.timeouts.body });
        let stop = async move {
            let _ = receiver.await;
        };
        let task = tokio::spawn(super::listen::serve(listener, app, config.timeouts, stop));
        Ok(Self { addr, service, shutdown: Some(sender), task })
    }

    /// Starts a fault-free instance on a random loopback port.
    pub async fn start_default() -> Result<Self, ServeError> {
        Self::start(ReferenceConfig::default()).await
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, e.g. `http://127.0.0.1:41234`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What the instance holds right now.
    pub fn stats(&self) -> StoreStats {
        self.service.store.lock().stats()
    }

    /// Stops accepting, lets in-flight requests finish, and waits for the server task.
    pub async fn shutdown(mut self) -> Result<(), ServeError> {
        if let Some(sender) = self.shutdown.take() {
            let _ = sender.send(());
        }
        let _ = (&mut self.task).await;
        Ok(())
    }
}

impl Drop for ReferenceServer {
    fn drop(&mut self) {
        if let Some(sender) = self.shutdown.take() {
            let _ = sender.send(());
        }
    }
}

/// Why a request body was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyError {
    /// Larger than the limit (or the connection broke mid-body): 413.
    TooLarge,
    /// The client stopped sending it: 408 (RFC 9110 §15.5.9), instead of holding a connection
    /// and a task forever.
    Stalled,
}

impl BodyError {
    fn status(self) -> StatusCode {
        match self {
            BodyError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::Stalled => StatusCode::REQUEST_TIMEOUT,
        }
    }

    fn api_error(self) -> ApiError {
        match self {
            BodyError::TooLarge => ApiError::new(ErrorType::RequestEntityTooLarge, "Request body is too large."),
            BodyError::Stalled => ApiError::new(ErrorType::RequestTimeout, "Request body was not received in time."),
        }
    }
}

async fn read_body(body: Body, limit: usize, timeout: Duration) -> Result<Bytes, BodyError> {
    // A Content-Length over the limit is refused at once, not after waiting for a body that may
    // never come.
    if usize::try_from(axum::body::HttpBody::size_hint(&body).lower()).map_or(true, |length| length > limit) {
        return Err(BodyError::TooLarge);
    }
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, limit)).await {
        Err(_) => Err(BodyError::Stalled),
        Ok(Err(_)) => Err(BodyError::TooLarge),
        Ok(Ok(bytes)) => Ok(bytes),
    }
}

/// RFC 9112 §3.2: more than one `Host` header, or none in an HTTP/1.1 request, is a 400.
fn bad_host(version: axum::http::Version, headers: &HeaderMap) -> bool {
    match headers.get_all(header::HOST).iter().count() {
        0 => version == axum::http::Version::HTTP_11,
        1 => false,
        _ => true,
    }
}

/// The host a request names: its `Host` header, lower case (host names compare
/// case-insensitively, RFC 9110 §4.2.3; domain prefixes are lower case), without a port.
pub(crate) fn host_name(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?.to_ascii_lowercase();
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => Some(name.to_owned()),
        _ => Some(host),
    }
}

/// The domain prefix a hosted-endpoint request addresses, and the endpoint path inside it.
fn hosted_route<'a>(headers: &HeaderMap, path: &'a str, region: &str) -> Option<(String, &'a str)> {
    if let Some(rest) = path.strip_prefix("/_domain/") {
        let (prefix, endpoint) = rest.split_once('/')?;
        return Some((prefix.to_owned(), &path[path.len() - endpoint.len() - 1..]));
    }
    let host = host_name(headers)?;
    let host = host.strip_suffix('.').unwrap_or(&host);
    let prefix = host.strip_suffix(&format!(".auth.{region}.amazoncognito.com"))?;
    Some((prefix.to_owned(), path))
}

async fn handle(
    State(state): State<AppState>,
    version: axum::http::Version,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if bad_host(version, &headers) {
        let error = ApiError::new(ErrorType::Serialization, "A request names exactly one Host.");
        let mut response = error.into_response();
        *response.status_mut() = StatusCode::BAD_REQUEST;
        return response;
    }
    let surface = match hosted_route(&headers, uri.path(), state.service.region()) {
        Some((_, endpoint)) => Surface::hosted(endpoint),
        None => Surface::Api,
    };
    if cors::is_preflight(&method) {
        return cors::preflight(surface, &headers);
    }
    let mut response = route(&state, method, &uri, &headers, body).await;
    cors::decorate(&mut response, surface, &headers);
    response
}

async fn route(state: &AppState, method: Method, uri: &Uri, headers: &HeaderMap, body: Body) -> Response {
    let service = &state.service;
    let path = uri.path();
    if let Some((prefix, endpoint)) = hosted_route(headers, path, service.region()) {
        let pool_id = service.store.lock().domains.get(&prefix).cloned();
        let Some(pool_id) = pool_id else {
            return (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "application/json")],
                json!({ "error": "not_found" }).to_string(),
            )
                .into_response();
        };
        let body = match read_body(body, state.body_limit, state.body_timeout).await {
            Ok(body) => body,
            Err(error) => {
                return OAuthError { status: error.status(), code: OAuthErrorCode::InvalidRequest, description: None }
                    .into_response();
            }
        };
        return match (endpoint, &method) {
            ("/oauth2/revoke", &Method::POST) => oauth::revoke_endpoint(service, &pool_id, headers, &body),
            ("/oauth2/token", &Method::POST) => oauth::token_endpoint(service, &pool_id, headers, &body),
            ("/oauth2/userInfo", &Method::GET | &Method::POST) => oauth::userinfo_endpoint(service, &pool_id, headers),
            ("/oauth2/revoke" | "/oauth2/token" | "/oauth2/userInfo", _) => {
                let mut response = OAuthError {
                    status: StatusCode::METHOD_NOT_ALLOWED,
                    code: OAuthErrorCode::InvalidRequest,
                    description: None,
                }
                .into_response();
                let allow = if endpoint == "/oauth2/userInfo" { "GET, POST" } else { "POST" };
                response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
                response
            }
            _ => (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "application/json")],
                json!({ "error": "not_found" }).to_string(),
            )
                .into_response(),
        };
    }
    if let Some(pool_id) = path.strip_prefix('/').and_then(|p| p.strip_suffix("/.well-known/jwks.json")) {
        if method != Method::GET {
            return not_found(path);
        }
        return match jwks(service, pool_id) {
            Some(keys) => ([(header::CONTENT_TYPE, "application/json")], keys.to_string()).into_response(),
            None => (StatusCode::NOT_FOUND, ApiError::pool_not_found(pool_id)).into_response(),
        };
    }
    if let Some(pool_id) = path.strip_prefix('/').and_then(|p| p.strip_suffix(discovery::SUFFIX)) {
        if method != Method::GET {
            return not_found(path);
        }
        return match discovery::document(service, pool_id, headers) {
            Some(document) => ([(header::CONTENT_TYPE, "application/json")], document.to_string()).into_response(),
            None => (StatusCode::NOT_FOUND, ApiError::pool_not_found(pool_id)).into_response(),
        };
    }
    if path != "/" {
        return not_found(path);
    }
    if method != Method::POST {
        return ApiError::new(ErrorType::UnknownOperation, "The AWS JSON API answers POST only.").into_response();
    }
    match api(service, headers, body, state.body_limit, state.body_timeout).await {
        Ok(value) => {
            let mut response = value.to_string().into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(AMZ_JSON));
            response
        }
        Err(error) => error.into_response(),
    }
}

fn not_found(path: &str) -> Response {
    let path: String = path.chars().take(128).collect();
    let error = ApiError::new(ErrorType::UnknownOperation, format!("No endpoint at {path}."));
    let mut response = error.into_response();
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

async fn api(
    service: &Service,
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    timeout: Duration,
) -> Result<serde_json::Value, ApiError> {
    let operation = api_operation(headers)?;
    let body = read_body(body, limit, timeout).await.map_err(BodyError::api_error)?;
    service.dispatch(operation, &body)
}

/// Answers an AWS JSON 1.1 request whose body has been read: what [`api`] does after reading it.
///
/// It is synchronous and does no I/O, so the `api_request` fuzz target
/// ([`crate::fuzz_targets::api_request`]) drives the same decoding and dispatch a request over
/// HTTP reaches, at in-process speed.
pub(crate) fn answer_api(service: &Service, headers: &HeaderMap, body: &[u8]) -> Result<serde_json::Value, ApiError> {
    service.dispatch(api_operation(headers)?, body)
}

/// The operation `X-Amz-Target` names, once the header and the `Content-Type` are acceptable.
/// Checked before the body is read, so a bad request is refused without reading it.
pub(crate) fn api_operation(headers: &HeaderMap) -> Result<&str, ApiError> {
    let target = headers
        .get("x-amz-target")
        .ok_or_else(|| ApiError::new(ErrorType::UnknownOperation, "Missing X-Amz-Target header."))?
        .to_str()
        .map_err(|_| ApiError::new(ErrorType::UnknownOperation, "Malformed X-Amz-Target header."))?;
    let operation = target
        .strip_prefix(TARGET_PREFIX)
        .filter(|op| !op.is_empty() && op.len() <= 64 && op.chars().all(|c| c.is_ascii_alphanumeric()))
        .ok_or_else(|| ApiError::new(ErrorType::UnknownOperation, "Unknown X-Amz-Target."))?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if !matches!(media_type.as_str(), AMZ_JSON | "application/x-amz-json-1.0" | "application/json") {
        return Err(ApiError::serialization("Content-Type must be application/x-amz-json-1.1."));
    }
    Ok(operation)
}
