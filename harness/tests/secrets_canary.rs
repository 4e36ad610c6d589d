//! Secrets never reach stdout, stderr, reports, snapshots, baselines or the matrix.
//!
//! The whole suite runs through the binary in AWS mode (so real-looking AWS keys are in play)
//! against the reference behind a recording proxy. Every secret that crossed the wire — client
//! secrets, tokens, SECRET_HASHes, passwords, Basic and Bearer credentials — is collected from the
//! proxy's record, canary AWS keys are planted in the environment, and then every byte the run
//! wrote is searched for each of them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Response, Uri};
use cognito_conformance::reference::ReferenceServer;
use cognito_conformance::scenario::model::FIXTURE_PASSWORD;
use serde_json::Value;

const AWS_ACCESS_KEY: &str = "AKIACANARY0000000042";
const AWS_SECRET_KEY: &str = "canary/aws-secret-key+do-not-print-7Hq2";

/// Every request and answer the proxy forwarded: (request headers, request body, answer body).
type Record = Arc<Mutex<Vec<(HeaderMap, Bytes, Bytes)>>>;

/// A loopback proxy to `upstream` that records everything.
async fn recording_proxy(upstream: String) -> (String, Record) {
    let record: Record = Arc::default();
    let client = reqwest::Client::new();
    let kept = record.clone();
    let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
        let (client, upstream, kept) = (client.clone(), upstream.clone(), kept.clone());
        async move {
            let path = uri.path_and_query().map_or("/", |p| p.as_str());
            let mut forwarded = client.request(method, format!("{upstream}{path}")).body(body.clone());
            for (name, value) in &headers {
                forwarded = forwarded.header(name, value);
            }
            let answer = forwarded.send().await.expect("the reference answers");
            let status = answer.status();
            let answer_headers = answer.headers().clone();
            let answer_body = answer.bytes().await.expect("an answer body");
            kept.lock().expect("record").push((headers, body, answer_body.clone()));
            let mut response = Response::builder().status(status);
            for (name, value) in &answer_headers {
                if name != "content-length" && name != "transfer-encoding" {
                    response = response.header(name, value);
                }
            }
            response.body(Body::from(answer_body)).expect("a response")
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), record)
}

/// The string values under secret-bearing keys, anywhere in `value`.
fn secrets_in_json(value: &Value, out: &mut Vec<String>) {
    const KEYS: [&str; 11] = [
        "ClientSecret",
        "AccessToken",
        "IdToken",
        "RefreshToken",
        "Session",
        "SECRET_HASH",
        "PASSWORD",
        "Password",
        "Token",
        "REFRESH_TOKEN",
        "SecretHash",
    ];
    match value {
        Value::Object(members) => {
            for (key, item) in members {
                match item {
                    Value::String(text) if KEYS.contains(&key.as_str()) => out.push(text.clone()),
                    other => secrets_in_json(other, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| secrets_in_json(item, out)),
        _ => {}
    }
}

/// Every secret the record shows crossing the wire.
fn secrets_on_the_wire(record: &Record) -> Vec<String> {
    let mut found = vec![AWS_SECRET_KEY.to_owned(), AWS_ACCESS_KEY.to_owned(), FIXTURE_PASSWORD.to_owned()];
    for (headers, request, answer) in record.lock().expect("record").iter() {
        for body in [request, answer] {
            if let Ok(json) = serde_json::from_slice::<Value>(body) {
                secrets_in_json(&json, &mut found);
            } else {
                for (key, value) in form_urlencoded::parse(body) {
                    if matches!(key.as_ref(), "token" | "refresh_token" | "client_secret") {
                        found.push(value.into_owned());
                    }
                }
            }
        }
        for value in headers.get_all("authorization") {
            let text = value.to_str().unwrap_or_default();
            if let Some(credential) = text.strip_prefix("Basic ").or_else(|| text.strip_prefix("Bearer ")) {
                found.push(credential.to_owned());
            }
        }
    }
    // Deliberately short "secrets" some scenarios send (`short`), and made-up tokens written in
    // the scenario files themselves, are nobody's secrets.
    let scenario_text: String = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios"))
        .expect("the suite")
        .flatten()
        .map(|entry| std::fs::read_to_string(entry.path()).unwrap_or_default())
        .collect();
    found.retain(|secret| secret.len() >= 8 && !scenario_text.contains(secret.as_str()));
    found.sort();
    found.dedup();
    found
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable").flatten() {
        let path = entry.path();
        if path.is_dir() { files_under(&path, out) } else { out.push(path) }
    }
}

#[test]
fn no_secret_reaches_any_output() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let reference = runtime.block_on(ReferenceServer::start_default()).expect("the reference starts");
    let (proxy, record) = runtime.block_on(recording_proxy(reference.endpoint()));
    let scratch = tempfile::Builder::new().prefix("cc-canary-").tempdir().expect("a temporary directory");
    let work = scratch.path();
    let (reports, snapshots) = (work.join("reports"), work.join("snapshots"));
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let binary = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_cognito-conformance"))
            .args(args)
            .current_dir(&repo)
            .env("NO_COLOR", "1")
            .env("AWS_ACCESS_KEY_ID", AWS_ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", AWS_SECRET_KEY)
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .output()
            .expect("the binary runs")
    };
    let (report_dir, snapshot_dir) = (reports.to_string_lossy(), snapshots.to_string_lossy());
    let run = binary(&[
        "run",
        "--target",
        "aws",
        "--endpoint-url",
        &proxy,
        "--region",
        "us-east-1",
        "--create-aws-resources",
        "--report-dir",
        &report_dir,
        "--snapshot-dir",
        &snapshot_dir,
        "--update-snapshots",
        "--update-baseline",
    ]);
    assert!(run.status.code().is_some(), "the run ended normally");
    let matrix = binary(&["matrix", "--snapshot-dir", &snapshot_dir]);
    assert_eq!(matrix.status.code(), Some(0), "{}", String::from_utf8_lossy(&matrix.stderr));

    let secrets = secrets_on_the_wire(&record);
    let wire_secrets = secrets.len();
    assert!(wire_secrets > 100, "the run exchanged secrets worth checking ({wire_secrets} found)");
    let mut outputs = vec![
        ("stdout".to_owned(), [run.stdout, matrix.stdout].concat()),
        ("stderr".to_owned(), [run.stderr, matrix.stderr].concat()),
    ];
    let mut files = Vec::new();
    files_under(work, &mut files);
    assert!(files.iter().any(|f| f.ends_with("report.json")) && files.iter().any(|f| f.ends_with("matrix.html")));
    assert!(files.iter().filter(|f| f.extension().is_some_and(|e| e == "snap")).count() > 80);
    outputs.extend(files.iter().map(|f| (f.display().to_string(), std::fs::read(f).expect("readable"))));
    for (name, bytes) in &outputs {
        let text = String::from_utf8_lossy(bytes);
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "a secret ({} chars) reached {name}", secret.len());
        }
    }
    runtime.block_on(async { drop(reference.shutdown().await) });
}
