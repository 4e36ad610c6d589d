//! The AWS rehearsal: the reference target served over HTTPS under AWS's own host names, behaving
//! like AWS where a run feels it, so `run --target aws --rehearsal ADDR` exercises the whole
//! real-AWS path — TLS with host-name checks, the credential chain, SigV4, throttling, domains
//! that take a while to answer, revocations that take a moment — without leaving the machine.
//!
//! What it imitates, and where:
//! - TLS for `cognito-idp.<region>.amazonaws.com` and `*.auth.<region>.amazoncognito.com`, from
//!   a CA made at start ([`tls`]); a client that does not trust the CA fails, as it should.
//! - SigV4 on the operations SDKs sign, with AWS's error types and messages ([`sigv4`]).
//! - The knobs of [`RehearsalConfig`]: latency, a new domain's delay, revocation lag, a rate
//!   limit ([`quota`]), a pool quota.
//!
//! Behind the front door (`front.rs`) it is the reference itself, so scenarios that pass against
//! the reference pass here, unless the AWS path (or a knob) breaks them — which is what a
//! rehearsal is for.

mod front;
pub mod quota;
pub mod sigv4;
pub mod state;
pub mod tls;

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use parking_lot::Mutex;
use rustls::ServerConfig;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_rustls::LazyConfigAcceptor;

use crate::reference::store::StoreStats;
use crate::reference::{FaultSet, Limits, Service};
use front::Front;
use quota::TokenBucket;

pub use sigv4::RehearsalCredentials;
pub use state::{PROFILE, StateFiles};
pub use tls::TlsError;

/// How long a client may take over its TLS handshake, or over a request's head.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long [`Rehearsal::shutdown`] lets in-flight requests finish.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// How to run a rehearsal. The defaults suit a CI rehearsal of the whole suite: each knob is on
/// and felt by the run, none costs it more than a few seconds.
#[derive(Debug, Clone)]
pub struct RehearsalConfig {
    /// Address to bind; loopback by default.
    pub host: IpAddr,
    /// Port to bind; 0 picks a free one.
    pub port: u16,
    /// The region of the host names, pool ids and issuers (`us-east-1`).
    pub region: String,
    /// Reference faults to switch on (none by default).
    pub faults: FaultSet,
    /// The identity the account knows; `None` makes fresh random long-term credentials.
    pub credentials: Option<RehearsalCredentials>,
    /// Added before every answer (10 ms: a nearby region's round trip, small enough that the
    /// suite's few thousand requests, four at a time, cost seconds).
    pub latency: Duration,
    /// How long a new hosted domain refuses connections after CreateUserPoolDomain (1 s: long
    /// enough that the harness's domain wait polls at least once, short enough to cost one 2 s
    /// pause per domain scenario).
    pub domain_delay: Duration,
    /// How long RevokeToken, `/oauth2/revoke` and global sign-out take to take effect after
    /// answering (500 ms: felt by a check made right away, well inside the harness's 5 s settle
    /// window, `target::aws::SETTLE_WINDOW`).
    pub revocation_lag: Duration,
    /// API requests a second above which answers are `TooManyRequestsException` (50, a burst of
    /// 50 allowed: the suite's rate with four requests in flight goes over it now and then, so
    /// the harness's backoff is exercised); `None` switches throttling off.
    pub rate_limit: Option<u32>,
    /// User pools the account may hold; CreateUserPool beyond it answers
    /// `LimitExceededException` (1,000, Cognito's default quota).
    pub max_pools: usize,
    /// Pools, clients and users that exist from the start (`serve --aws-rehearsal --pools`), as
    /// pools made long ago would: their domains answer at once.
    pub seed: Option<Arc<crate::reference::seed::Seed>>,
}

impl Default for RehearsalConfig {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            region: "us-east-1".into(),
            faults: FaultSet::none(),
            credentials: None,
            latency: Duration::from_millis(10),
            domain_delay: Duration::from_secs(1),
            revocation_lag: Duration::from_millis(500),
            rate_limit: Some(50),
            max_pools: 1_000,
            seed: None,
        }
    }
}

impl RehearsalConfig {
    /// A configuration with every knob off (no latency, delay, lag or throttling), for tests that
    /// switch on one knob at a time.
    pub fn quiet() -> Self {
        Self {
            latency: Duration::ZERO,
            domain_delay: Duration::ZERO,
            revocation_lag: Duration::ZERO,
            rate_limit: None,
            ..Self::default()
        }
    }
}

/// Why a rehearsal could not start.
#[derive(Debug, thiserror::Error)]
pub enum RehearsalError {
    /// The reference service could not be built.
    #[error(transparent)]
    Service(#[from] crate::reference::server::ServeError),
    /// The certificates or TLS configuration could not be made.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The state directory could not be written.
    #[error(transparent)]
    State(#[from] state::StateError),
}

/// A rehearsal running in this process, on its own task.
#[derive(Debug)]
pub struct Rehearsal {
    addr: SocketAddr,
    region: String,
    ca_pem: String,
    front: Arc<Front>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Rehearsal {
    /// Starts a rehearsal; it accepts connections when this returns.
    pub async fn start(config: RehearsalConfig) -> Result<Self, RehearsalError> {
        let limits = Limits { max_pools: config.max_pools, ..Limits::default() };
        let service = Service::new(config.faults.clone(), config.region.clone(), limits)
            .map_err(|e| RehearsalError::Service(e.into()))?;
        service.store.lock().revocation_lag = config.revocation_lag;
        if let Some(seed) = &config.seed {
            crate::reference::seed::apply(&service, seed)
                .map_err(|failure| RehearsalError::Service(failure.into()))?;
        }
        let service = Arc::new(service);
        let authority = tls::Authority::generate(&config.region)?;
        let tls_config = authority.server_config()?;
        let body_limit = crate::reference::ReferenceConfig::default().body_limit;
        let front = Arc::new(Front {
            service: service.clone(),
            credentials: config.credentials.clone().unwrap_or_else(RehearsalCredentials::generate),
            latency: config.latency,
            domain_delay: config.domain_delay,
            bucket: config.rate_limit.map(TokenBucket::new),
            body_limit,
            calls: Default::default(),
            throttled: Default::default(),
            domains_created: Mutex::new(HashMap::new()),
        });
        let app = crate::reference::server::app(service, body_limit)
            .layer(axum::middleware::from_fn_with_state(front.clone(), front::handle));
        let addr = SocketAddr::new(config.host, config.port);
        let listener = TcpListener::bind(addr).await.map_err(|source| RehearsalError::Bind { addr, source })?;
        let addr = listener.local_addr().map_err(|source| RehearsalError::Bind { addr, source })?;
        let (sender, receiver) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, tls_config, front.clone(), app, receiver));
        Ok(Self {
            addr,
            region: config.region,
            ca_pem: authority.ca_pem().to_owned(),
            front,
            shutdown: Some(sender),
            task,
        })
    }

    /// The bound address: what `--rehearsal` takes.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The region it answers for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The CA certificate (PEM) that signed the server's: what `--ca-bundle` takes.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The identity the rehearsal's account knows (its `Debug` leaves the secret out).
    pub fn credentials(&self) -> &RehearsalCredentials {
        &self.front.credentials
    }

    /// Requests received so far, by operation (`CreateUserPool`, `oauth2/revoke`, `jwks.json`),
    /// refused ones included.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.front.calls.snapshot()
    }

    /// Requests answered `TooManyRequestsException` so far (they are counted in
    /// [`Rehearsal::calls`] too).
    pub fn throttled(&self) -> u64 {
        self.front.throttled.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// What the account holds right now.
    pub fn stats(&self) -> StoreStats {
        self.front.service.store.lock().stats()
    }

    /// Writes `ca.pem` and a `credentials` file (profile [`PROFILE`], mode 0600) into `dir`.
    pub fn write_state(&self, dir: &std::path::Path) -> Result<StateFiles, RehearsalError> {
        Ok(state::write(dir, &self.ca_pem, self.credentials())?)
    }

    /// The command that runs the suite against this rehearsal with the files of
    /// [`Rehearsal::write_state`].
    pub fn run_command(&self, files: &StateFiles) -> String {
        state::run_command(files, &self.region, self.addr)
    }

    /// Stops accepting, lets in-flight requests finish (for up to 10 s), and waits for the task.
    pub async fn shutdown(mut self) {
        if let Some(sender) = self.shutdown.take() {
            let _ = sender.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for Rehearsal {
    fn drop(&mut self) {
        if let Some(sender) = self.shutdown.take() {
            let _ = sender.send(());
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    tls_config: Arc<ServerConfig>,
    front: Arc<Front>,
    app: Router,
    mut stop: oneshot::Receiver<()>,
) {
    let graceful = GracefulShutdown::new();
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        let Ok((tcp, _)) = accepted else {
            // Out of file descriptors, say: pause rather than spin.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let (tls_config, front, app, watcher) = (tls_config.clone(), front.clone(), app.clone(), graceful.watcher());
        tokio::spawn(async move {
            let hello = LazyConfigAcceptor::new(rustls::server::Acceptor::default(), tcp);
            let Ok(Ok(start)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, hello).await else { return };
            // Refused: the connection closes before the server says anything.
            if !front.admits(start.client_hello().server_name()) {
                return;
            }
            let Ok(Ok(stream)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, start.into_stream(tls_config)).await else {
                return;
            };
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HANDSHAKE_TIMEOUT)
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
            let _ = watcher.watch(connection).await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await;
}
