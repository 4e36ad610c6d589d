//! A target that misbehaves on purpose, for `tests/hostile_target.rs`.
//!
//! Each [`Mode`] but one is a raw `TcpListener` that answers every connection at the byte level
//! (so it can stall, flood, lie about lengths or not speak HTTP at all). [`Mode::EchoSecrets`] is
//! a proxy in front of an in-process reference that remembers every secret it sees in requests
//! (client secrets, passwords, tokens, SECRET_HASHes, Basic credentials) and quotes them back in
//! its answers at a shifting offset — whole in the body, cut short in a header — so every place
//! the harness cuts text is crossed by a secret somewhere.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Response, Uri};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognito_conformance::reference::ReferenceServer;
use cognito_conformance::scenario::model::FIXTURE_PASSWORD;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the target misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Refused,
    NeverAnswers,
    StallsAfterHeaders,
    EndlessChunked,
    HugeBody,
    HugeHeaders,
    RedirectToItself,
    RedirectElsewhere,
    NotHttp,
    TlsOnPlainPort,
    OneBytePerSecond,
    TooManyRequestsForever,
    ClosesHalfWay,
    EchoSecrets,
}

impl Mode {
    pub const ALL: [Mode; 14] = [
        Mode::Refused,
        Mode::NeverAnswers,
        Mode::StallsAfterHeaders,
        Mode::EndlessChunked,
        Mode::HugeBody,
        Mode::HugeHeaders,
        Mode::RedirectToItself,
        Mode::RedirectElsewhere,
        Mode::NotHttp,
        Mode::TlsOnPlainPort,
        Mode::OneBytePerSecond,
        Mode::TooManyRequestsForever,
        Mode::ClosesHalfWay,
        Mode::EchoSecrets,
    ];

    /// The README's name for the class.
    pub fn describe(self) -> &'static str {
        match self {
            Mode::Refused => "connection refused (closed port)",
            Mode::NeverAnswers => "accepts and never answers",
            Mode::StallsAfterHeaders => "stalls after the headers",
            Mode::EndlessChunked => "endless chunked body",
            Mode::HugeBody => "huge body (100 MB declared, streamed until refused)",
            Mode::HugeHeaders => "1 MB of headers",
            Mode::RedirectToItself => "redirect to itself",
            Mode::RedirectElsewhere => "redirect elsewhere",
            Mode::NotHttp => "garbage that is not HTTP",
            Mode::TlsOnPlainPort => "TLS bytes on a plain port",
            Mode::OneBytePerSecond => "1 byte per second",
            Mode::TooManyRequestsForever => "429 forever",
            Mode::ClosesHalfWay => "closes half-way through the body",
            Mode::EchoSecrets => "echoes every secret it was sent, at shifting offsets",
        }
    }
}

/// A running hostile target: its URL, and the secrets it saw (echo mode).
pub struct Hostile {
    pub url: String,
    pub seen: Arc<Mutex<Vec<String>>>,
    _reference: Option<ReferenceServer>,
}

/// Starts `mode` on a loopback port.
pub async fn start(mode: Mode) -> Hostile {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
    let address = listener.local_addr().expect("an address");
    let url = format!("http://{address}");
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    match mode {
        Mode::Refused => {
            drop(listener);
            Hostile { url, seen, _reference: None }
        }
        Mode::EchoSecrets => {
            let reference = ReferenceServer::start_default().await.expect("the reference starts");
            let app = echo_proxy(reference.endpoint(), seen.clone());
            tokio::spawn(async move { axum::serve(listener, app).await });
            Hostile { url, seen, _reference: Some(reference) }
        }
        raw => {
            let own = url.clone();
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(misbehave(raw, stream, own.clone()));
                }
            });
            Hostile { url, seen, _reference: None }
        }
    }
}

/// Reads what the client sends until the end of its headers (or it stops sending).
async fn read_head(stream: &mut TcpStream) {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") && seen.len() < 1 << 20 {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buffer[..n]),
        }
    }
}

async fn hold(stream: TcpStream) {
    tokio::time::sleep(Duration::from_secs(3600)).await;
    drop(stream);
}

async fn misbehave(mode: Mode, mut stream: TcpStream, own: String) {
    read_head(&mut stream).await;
    let head = |status: &str, extra: &str| {
        format!("HTTP/1.1 {status}\r\ncontent-type: application/x-amz-json-1.1\r\n{extra}\r\n")
    };
    let result: std::io::Result<()> = async {
        match mode {
            Mode::NeverAnswers => hold(stream).await,
            Mode::StallsAfterHeaders => {
                stream.write_all(head("200 OK", "content-length: 100\r\n").as_bytes()).await?;
                hold(stream).await;
            }
            Mode::EndlessChunked => {
                stream.write_all(head("200 OK", "transfer-encoding: chunked\r\n").as_bytes()).await?;
                let chunk = format!("1000\r\n{}\r\n", "x".repeat(0x1000));
                loop {
                    stream.write_all(chunk.as_bytes()).await?;
                }
            }
            Mode::HugeBody => {
                stream.write_all(head("200 OK", "content-length: 100000000\r\n").as_bytes()).await?;
                let block = vec![b'{'; 64 * 1024];
                for _ in 0..(100_000_000 / block.len()) {
                    stream.write_all(&block).await?;
                }
            }
            Mode::HugeHeaders => {
                let mut text = String::from("HTTP/1.1 200 OK\r\n");
                let mut n = 0;
                while text.len() < 1 << 20 {
                    text.push_str(&format!("x-pad-{n}: {}\r\n", "a".repeat(1000)));
                    n += 1;
                }
                text.push_str("content-length: 2\r\n\r\n{}");
                stream.write_all(text.as_bytes()).await?;
            }
            Mode::RedirectToItself => {
                stream
                    .write_all(
                        head("307 Temporary Redirect", &format!("location: {own}/\r\ncontent-length: 0\r\n"))
                            .as_bytes(),
                    )
                    .await?;
            }
            Mode::RedirectElsewhere => {
                let extra = "location: http://attacker.invalid/steal\r\ncontent-length: 0\r\n";
                stream.write_all(head("302 Found", extra).as_bytes()).await?;
            }
            Mode::NotHttp => {
                stream.write_all(b"\x00\xff\xfeSSH-2.0-garbage\r\n\x07\x08 not http at all \xc3\x28\r\n\r\n").await?;
            }
            Mode::TlsOnPlainPort => {
                // A TLS 1.2 alert record (handshake failure), then a ServerHello header.
                stream
                    .write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28, 0x16, 0x03, 0x03, 0x00, 0x31, 0x02])
                    .await?;
            }
            Mode::OneBytePerSecond => {
                let text = head("200 OK", "content-length: 2\r\n") + "{}";
                for byte in text.as_bytes() {
                    stream.write_all(&[*byte]).await?;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            Mode::TooManyRequestsForever => {
                let body = r#"{"__type":"TooManyRequestsException","message":"Rate exceeded"}"#;
                let text = head("429 Too Many Requests", &format!("content-length: {}\r\n", body.len())) + body;
                stream.write_all(text.as_bytes()).await?;
                hold(stream).await;
            }
            Mode::ClosesHalfWay => {
                stream.write_all(head("200 OK", "content-length: 1000\r\n").as_bytes()).await?;
                stream.write_all(&[b' '; 500]).await?;
            }
            Mode::Refused | Mode::EchoSecrets => unreachable!("not a raw mode"),
        }
        Ok(())
    }
    .await;
    // A client that hung up is the expected end of the flooding modes.
    let _ = result;
}

/// The keys whose string values are secrets, in JSON and forms, requests and answers.
const SECRET_KEYS: [&str; 16] = [
    "ClientSecret",
    "AccessToken",
    "IdToken",
    "RefreshToken",
    "Token",
    "Session",
    "SECRET_HASH",
    "PASSWORD",
    "Password",
    "REFRESH_TOKEN",
    "client_secret",
    "access_token",
    "id_token",
    "refresh_token",
    "token",
    "password",
];

fn secrets_in_json(value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(members) => {
            for (key, item) in members {
                match item {
                    Value::String(text) if SECRET_KEYS.contains(&key.as_str()) => out.push((key.clone(), text.clone())),
                    other => secrets_in_json(other, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| secrets_in_json(item, out)),
        _ => {}
    }
}

/// The secret-bearing values of a body (JSON members or form fields), with their keys.
fn secrets_in_body(body: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    match serde_json::from_slice::<Value>(body) {
        Ok(json) => secrets_in_json(&json, &mut out),
        Err(_) => out.extend(
            form_urlencoded::parse(body)
                .filter(|(key, _)| SECRET_KEYS.contains(&key.as_ref()))
                .map(|(key, value)| (key.into_owned(), value.into_owned())),
        ),
    }
    out
}

/// What the harness must treat as secret: what the target issued (tokens, client secrets), the
/// fixture password, and SECRET_HASHes (which the harness computes from a client secret).
/// Literal values a scenario writes (a malformed token, a made-up Basic header) are not secrets.
#[derive(Default)]
struct Known {
    issued: HashSet<String>,
}

impl Known {
    /// The secrets among a request's values.
    fn in_request(&self, headers: &HeaderMap, body: &[u8]) -> Vec<String> {
        let mut out: Vec<String> = secrets_in_body(body)
            .into_iter()
            .filter(|(key, value)| self.issued.contains(value) || key == "SECRET_HASH" || value == FIXTURE_PASSWORD)
            .map(|(_, value)| value)
            .collect();
        if let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) {
            if let Some(basic) = value.strip_prefix("Basic ") {
                let decoded = STANDARD.decode(basic).ok().and_then(|d| String::from_utf8(d).ok()).unwrap_or_default();
                if let Some((_, secret)) = decoded.split_once(':').filter(|(_, s)| self.issued.contains(*s)) {
                    out.push(secret.to_owned());
                    out.push(basic.to_owned());
                }
            }
            if let Some(bearer) = value.strip_prefix("Bearer ").filter(|b| self.issued.contains(*b)) {
                out.push(bearer.to_owned());
            }
        }
        out.retain(|secret| secret.len() >= 8);
        out
    }
}

/// A proxy to `upstream` that quotes the secrets it was sent in its answers.
fn echo_proxy(upstream: String, seen: Arc<Mutex<Vec<String>>>) -> axum::Router {
    let client = reqwest::Client::new();
    let counter = Arc::new(AtomicUsize::new(0));
    let known: Arc<Mutex<Known>> = Arc::default();
    axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
        let (client, upstream, seen, counter) = (client.clone(), upstream.clone(), seen.clone(), counter.clone());
        let known = known.clone();
        async move {
            {
                let request_secrets = known.lock().expect("the record").in_request(&headers, &body);
                let mut seen = seen.lock().expect("the record");
                for secret in request_secrets {
                    if !seen.contains(&secret) {
                        seen.push(secret);
                    }
                }
            }
            let path = uri.path_and_query().map_or("/", |p| p.as_str());
            let mut forwarded = client.request(method, format!("{upstream}{path}")).body(body);
            for (name, value) in &headers {
                if name != "content-length" {
                    forwarded = forwarded.header(name, value);
                }
            }
            let answer = forwarded.send().await.expect("the reference answers");
            let status = answer.status();
            let answer_headers = answer.headers().clone();
            let answer_body = answer.bytes().await.expect("an answer body");
            known.lock().expect("the record").issued.extend(secrets_in_body(&answer_body).into_iter().map(|(_, v)| v));
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let quoted = {
                let seen = seen.lock().expect("the record");
                let plain: Vec<&String> = seen.iter().filter(|s| !s.contains(['"', '\\'])).collect();
                (!plain.is_empty()).then(|| plain[n % plain.len()].clone())
            };
            let mut response = Response::builder().status(status);
            for (name, value) in &answer_headers {
                if name != "content-length" && name != "transfer-encoding" {
                    response = response.header(name, value);
                }
            }
            let mut body = answer_body.to_vec();
            if let Some(secret) = quoted {
                // The offset walks across the cuts the harness makes (200, 300 and 2,000 characters).
                let pad = "p".repeat((n * 7) % 2_100);
                if body.first() == Some(&b'{') {
                    let rest = &body[1..];
                    let comma = if rest.starts_with(b"}") { "" } else { "," };
                    body = [format!("{{\"echo\":\"{pad}{secret}\"{comma}").as_bytes(), rest].concat();
                }
                // A target that cuts what it quotes: a prefix of the secret, at least 12 characters.
                let cut = 12 + n % secret.len().saturating_sub(11).max(1);
                response =
                    response.header("x-amzn-errormessage", format!("bad value {}", &secret[..cut.min(secret.len())]));
            }
            response.body(Body::from(body)).expect("a response")
        }
    })
}
