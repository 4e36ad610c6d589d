//! The shared reference of the hostile-input binaries (`reference_hostile_*.rs`) and the shape
//! every answer to hostile input must have: a 200, or a well-formed 4xx — never a 5xx, a panic or
//! a hang.

use std::sync::LazyLock;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{AppClient, Reply, Session, Target};

/// The hosted domain of the shared fixture.
pub const DOMAIN: &str = "hostile";

/// One reference shared by every property test of a binary, on a runtime that outlives each case.
pub struct Shared {
    pub runtime: tokio::runtime::Runtime,
    pub fixture: Fixture,
}

/// The reference and two provisioned pools: the JSON API generators draw realistic values from
/// `api` (and may delete it), the hosted-endpoint generators from `hosted`, which owns the domain.
pub struct Fixture {
    pub target: Target,
    pub http: reqwest::Client,
    pub api: Provisioned,
    pub hosted: Provisioned,
}

/// A pool with a public and a confidential client and a session on each.
pub struct Provisioned {
    pub pool: String,
    pub public: AppClient,
    pub confidential: AppClient,
    pub session: Session,
    pub confidential_session: Session,
}

async fn provision(target: &Target, domain: Option<&str>) -> Provisioned {
    let pool = target.pool().await;
    if let Some(domain) = domain {
        target.domain(&pool, domain).await;
    }
    let public = target.client(&pool, json!({})).await;
    let confidential = target.client(&pool, json!({ "GenerateSecret": true })).await;
    target.user(&pool, "alice").await;
    let session = target.sign_in(&public, "alice").await;
    let confidential_session = target.sign_in(&confidential, "alice").await;
    Provisioned { pool, public, confidential, session, confidential_session }
}

/// The shared reference, started on first use; its HTTP client times out after 30 s, so a hang
/// fails the case instead of the run.
pub static SHARED: LazyLock<Shared> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let fixture = runtime.block_on(async {
        let target = Target::start().await;
        let api = provision(&target, None).await;
        let hosted = provision(&target, Some(DOMAIN)).await;
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("http client");
        Fixture { target, http, api, hosted }
    });
    Shared { runtime, fixture }
});

/// A JSON API answer is a 200 with a JSON body, or a 4xx with a well-formed typed error.
pub fn check_api_reply(reply: &Reply) -> Result<(), String> {
    let status = reply.status;
    if status == StatusCode::OK {
        return if reply.json.is_object() { Ok(()) } else { Err(format!("200 without a JSON object: {}", reply.text)) };
    }
    if !status.is_client_error() {
        return Err(format!("status {status}: {}", reply.text));
    }
    let body = reply.json.as_object().ok_or_else(|| format!("{status} error body is not JSON: {}", reply.text))?;
    let well_formed = body.len() == 2
        && body.get("__type").and_then(Value::as_str).is_some_and(|t| !t.is_empty())
        && body.get("message").and_then(Value::as_str).is_some();
    if !well_formed {
        return Err(format!("{status} error body is not {{\"__type\",\"message\"}}: {}", reply.text));
    }
    let content_type = reply.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if content_type != "application/x-amz-json-1.1" {
        return Err(format!("{status} error with content type {content_type:?}"));
    }
    Ok(())
}

/// A hosted-endpoint answer is a 200, or a 4xx with a JSON `{"error": …}` body.
pub fn check_hosted_reply(reply: &Reply) -> Result<(), String> {
    let status = reply.status;
    if status == StatusCode::OK {
        return Ok(());
    }
    if !status.is_client_error() {
        return Err(format!("status {status}: {}", reply.text));
    }
    let error = reply.json.get("error").and_then(Value::as_str);
    if error.is_none_or(str::is_empty) {
        return Err(format!("{status} without a JSON error: {}", reply.text));
    }
    Ok(())
}
