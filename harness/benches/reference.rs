//! Benchmarks of the reference target, reported as figures measured in one run.
//!
//! `cargo bench --bench reference` prints:
//! - readiness: time from `ReferenceServer::start` to the first answered request, in process, and
//!   from spawning the release binary to its first answer (the budget is 20 ms; emulators take
//!   50–700 ms);
//! - throughput: sign-in → refresh → revoke → GetUser cycles per second over loopback with
//!   concurrent clients;
//! - the bound: RSA-2048 signatures per second on this machine, measured in the same run, and the
//!   ceiling they imply (each cycle signs four tokens), so the throughput is read as a ratio;
//! - memory: live heap bytes per token family (a counting allocator), after sign-ins and after
//!   refreshes of the same families.
//!
//! Options (after `--`): `--seconds N` (throughput window, default 5), `--workers N` (default 8),
//! `--starts N` (readiness samples, default 50).

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cognito_conformance::reference::keys::KeyRing;
use cognito_conformance::reference::{ReferenceServer, secret_hash};
use serde_json::{Value, json};

/// Counts live heap bytes, so the store's growth per family can be read off exactly.
struct Counting;

static LIVE_BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: delegates every call to the system allocator unchanged; only counts sizes.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

struct Options {
    seconds: u64,
    workers: usize,
    starts: usize,
}

fn options() -> Options {
    let mut options = Options { seconds: 5, workers: 8, starts: 50 };
    let args: Vec<String> = std::env::args().collect();
    let value =
        |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok());
    if let Some(seconds) = value("--seconds") {
        options.seconds = seconds;
    }
    if let Some(workers) = value("--workers") {
        options.workers = workers as usize;
    }
    if let Some(starts) = value("--starts") {
        options.starts = starts as usize;
    }
    options
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

struct Api {
    http: reqwest::Client,
    endpoint: String,
}

impl Api {
    async fn call(&self, op: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(&self.endpoint)
            .header("X-Amz-Target", format!("AWSCognitoIdentityProviderService.{op}"))
            .header("Content-Type", "application/x-amz-json-1.1")
            .body(body.to_string())
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        let bytes = response.bytes().await.expect("body");
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }
}

async fn readiness_in_process(samples: usize) -> Vec<Duration> {
    let http = reqwest::Client::new();
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let started = Instant::now();
        let server = ReferenceServer::start_default().await.expect("start");
        let api = Api { http: http.clone(), endpoint: format!("{}/", server.endpoint()) };
        let (status, _) = api.call("ListUserPools", json!({ "MaxResults": 1 })).await;
        times.push(started.elapsed());
        assert_eq!(status, 200);
        server.shutdown().await.expect("shutdown");
    }
    times.sort();
    times
}

/// Spawns the release binary and times exec → first answered request.
fn readiness_process(samples: usize) -> Option<Vec<Duration>> {
    let binary = std::env::current_exe().ok()?.parent()?.parent()?.join("cognito-conformance");
    if !binary.exists() {
        return None;
    }
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let started = Instant::now();
        let mut child = Command::new(&binary)
            .args(["serve", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let mut stdout = std::io::BufReader::new(child.stdout.take()?);
        let mut line = String::new();
        std::io::BufRead::read_line(&mut stdout, &mut line).ok()?;
        let endpoint = line.trim().rsplit(' ').next()?.to_owned();
        let answered = probe(&endpoint);
        times.push(started.elapsed());
        let _ = child.kill();
        let _ = child.wait();
        if !answered {
            return None;
        }
    }
    times.sort();
    Some(times)
}

/// A minimal blocking probe over a raw TCP socket, so the process-start measurement does not pay
/// for an HTTP client or an async runtime per sample.
fn probe(endpoint: &str) -> bool {
    use std::io::{Read, Write};
    let Some(addr) = endpoint.strip_prefix("http://") else { return false };
    let Ok(mut stream) = std::net::TcpStream::connect(addr) else { return false };
    let body = r#"{"MaxResults":1}"#;
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: AWSCognitoIdentityProviderService.ListUserPools\r\n\
         Content-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 200")
}

async fn throughput(options: &Options) -> (u64, Duration) {
    let server = ReferenceServer::start_default().await.expect("start");
    let api = Arc::new(Api { http: reqwest::Client::new(), endpoint: format!("{}/", server.endpoint()) });
    let (_, pool) = api.call("CreateUserPool", json!({ "PoolName": "bench" })).await;
    let pool_id = pool["UserPool"]["Id"].as_str().unwrap().to_owned();
    let (_, client) = api
        .call(
            "CreateUserPoolClient",
            json!({ "UserPoolId": pool_id, "ClientName": "bench", "GenerateSecret": true,
                    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }),
        )
        .await;
    let client_id = client["UserPoolClient"]["ClientId"].as_str().unwrap().to_owned();
    let secret = client["UserPoolClient"]["ClientSecret"].as_str().unwrap().to_owned();
    for worker in 0..options.workers {
        let username = format!("user{worker}");
        api.call("AdminCreateUser", json!({ "UserPoolId": pool_id, "Username": username })).await;
        api.call(
            "AdminSetUserPassword",
            json!({ "UserPoolId": pool_id, "Username": username, "Password": "Passw0rd!", "Permanent": true }),
        )
        .await;
    }
    let cycles = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..options.workers {
        let (api, cycles, stop) = (api.clone(), cycles.clone(), stop.clone());
        let (client_id, secret) = (client_id.clone(), secret.clone());
        let username = format!("user{worker}");
        tasks.push(tokio::spawn(async move {
            let hash = secret_hash(&secret, &username, &client_id);
            while !stop.load(Ordering::Relaxed) {
                let (status, signed_in) = api
                    .call(
                        "InitiateAuth",
                        json!({ "ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                        "AuthParameters": { "USERNAME": username, "PASSWORD": "Passw0rd!", "SECRET_HASH": hash } }),
                    )
                    .await;
                assert_eq!(status, 200, "{signed_in}");
                let refresh = signed_in["AuthenticationResult"]["RefreshToken"].as_str().unwrap().to_owned();
                let (status, refreshed) = api
                    .call(
                        "InitiateAuth",
                        json!({ "ClientId": client_id, "AuthFlow": "REFRESH_TOKEN_AUTH",
                        "AuthParameters": { "REFRESH_TOKEN": refresh, "SECRET_HASH": hash } }),
                    )
                    .await;
                assert_eq!(status, 200, "{refreshed}");
                let access = refreshed["AuthenticationResult"]["AccessToken"].as_str().unwrap().to_owned();
                let (status, _) = api
                    .call("RevokeToken", json!({ "Token": refresh, "ClientId": client_id, "ClientSecret": secret }))
                    .await;
                assert_eq!(status, 200);
                let (status, revoked) = api.call("GetUser", json!({ "AccessToken": access })).await;
                assert_eq!(status, 400);
                assert_eq!(revoked["message"], "Access Token has been revoked");
                cycles.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(options.seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.expect("worker");
    }
    let elapsed = started.elapsed();
    server.shutdown().await.expect("shutdown");
    (cycles.load(Ordering::Relaxed), elapsed)
}

/// Live heap bytes per family: after `families` sign-ins, and after refreshing each of them.
async fn bytes_per_family(families: usize) -> (f64, f64) {
    let server = ReferenceServer::start_default().await.expect("start");
    let api = Api { http: reqwest::Client::new(), endpoint: format!("{}/", server.endpoint()) };
    let (_, pool) = api.call("CreateUserPool", json!({ "PoolName": "memory" })).await;
    let pool_id = pool["UserPool"]["Id"].as_str().unwrap().to_owned();
    let (_, client) = api
        .call(
            "CreateUserPoolClient",
            json!({ "UserPoolId": pool_id, "ClientName": "memory",
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }),
        )
        .await;
    let client_id = client["UserPoolClient"]["ClientId"].as_str().unwrap().to_owned();
    api.call("AdminCreateUser", json!({ "UserPoolId": pool_id, "Username": "alice" })).await;
    api.call(
        "AdminSetUserPassword",
        json!({ "UserPoolId": pool_id, "Username": "alice", "Password": "Passw0rd!", "Permanent": true }),
    )
    .await;
    let sign_in = json!({ "ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Passw0rd!" } });
    // Warm up connection pools and lazily allocated buffers before counting.
    let (_, warm) = api.call("InitiateAuth", sign_in.clone()).await;
    let warm_refresh = warm["AuthenticationResult"]["RefreshToken"].as_str().unwrap().to_owned();
    api.call(
        "InitiateAuth",
        json!({ "ClientId": client_id, "AuthFlow": "REFRESH_TOKEN_AUTH",
        "AuthParameters": { "REFRESH_TOKEN": warm_refresh } }),
    )
    .await;
    let before = LIVE_BYTES.load(Ordering::Relaxed) as f64;
    let mut refresh_tokens = Vec::with_capacity(families);
    for _ in 0..families {
        let (_, reply) = api.call("InitiateAuth", sign_in.clone()).await;
        refresh_tokens.push(reply["AuthenticationResult"]["RefreshToken"].as_str().unwrap().to_owned());
    }
    // The test's own list of refresh tokens is not the server's memory: subtract it.
    let held: usize = refresh_tokens.iter().map(String::capacity).sum::<usize>() + refresh_tokens.capacity() * 24;
    let after_sign_in = LIVE_BYTES.load(Ordering::Relaxed) as f64 - held as f64;
    for token in &refresh_tokens {
        api.call(
            "InitiateAuth",
            json!({ "ClientId": client_id, "AuthFlow": "REFRESH_TOKEN_AUTH",
            "AuthParameters": { "REFRESH_TOKEN": token } }),
        )
        .await;
    }
    let after_refresh = LIVE_BYTES.load(Ordering::Relaxed) as f64 - held as f64;
    assert_eq!(server.stats().families, families + 1);
    server.shutdown().await.expect("shutdown");
    ((after_sign_in - before) / families as f64, (after_refresh - after_sign_in) / families as f64)
}

/// RSA-2048 RS256 signatures per second on one core, with the reference's own signing path.
fn rsa_signs_per_second(window: Duration) -> f64 {
    let ring = KeyRing::embedded().expect("keys");
    let key = ring.get(0);
    let message = [7u8; 700];
    let started = Instant::now();
    let mut count = 0u64;
    while started.elapsed() < window {
        for _ in 0..16 {
            std::hint::black_box(key.sign(&message));
        }
        count += 16;
    }
    count as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let options = options();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("reference target benchmark ({cores} cores)");

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let in_process = runtime.block_on(readiness_in_process(options.starts));
    println!(
        "readiness, in process:   median {:.2} ms, p95 {:.2} ms, max {:.2} ms  ({} starts; budget 20 ms)",
        ms(percentile(&in_process, 0.5)),
        ms(percentile(&in_process, 0.95)),
        ms(percentile(&in_process, 1.0)),
        in_process.len()
    );
    match readiness_process(options.starts.min(20)) {
        Some(times) => println!(
            "readiness, new process:  median {:.2} ms, p95 {:.2} ms, max {:.2} ms  ({} spawns of the release binary)",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.95)),
            ms(percentile(&times, 1.0)),
            times.len()
        ),
        None => println!("readiness, new process:  skipped (build the release binary first: cargo build --release)"),
    }

    let (per_family, per_refresh) = runtime.block_on(bytes_per_family(2_000));
    println!(
        "memory:                  {per_family:.0} live heap bytes per family after sign-in; \
         {per_refresh:+.0} bytes per family after one refresh of each"
    );

    let signs = rsa_signs_per_second(Duration::from_secs(2));
    let (cycles, elapsed) = runtime.block_on(throughput(&options));
    let rate = cycles as f64 / elapsed.as_secs_f64();
    let ceiling = signs * cores as f64 / 4.0;
    println!(
        "throughput:              {rate:.0} sign-in→refresh→revoke→GetUser cycles/s ({cycles} cycles in {:.1} s, {} workers)",
        elapsed.as_secs_f64(),
        options.workers
    );
    println!("RSA-2048 signing:        {signs:.0} signatures/s on one core");
    println!(
        "signing ceiling:         {ceiling:.0} cycles/s ({cores} cores × signatures/s ÷ 4 signatures per cycle); \
         achieved {:.0}% of it",
        100.0 * rate / ceiling
    );
}
