//! `audit-api` end to end: the binary audits tiny stub APIs (axum, in this test) that trust the
//! embedded reference — one that accepts any token (every path fails, with the window), one that
//! checks each token with GetUser (every path passes), one that refuses even a fresh token
//! (exit 3) — and, the production path, an existing pool of the AWS rehearsal (real host names,
//! TLS, SigV4) with the test user's credentials from a file. The three rigorous sample APIs and
//! the CI test that judges them live elsewhere (issue 16's samples).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use cognito_conformance::reference::ReferenceServer;
use cognito_conformance::rehearsal::{Rehearsal, RehearsalConfig};
use cognito_conformance::wire::sigv4::{SERVICE, Signer};
use cognito_conformance::wire::{CaBundle, HostedAddressing, Network, Wire, WireOptions};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_cognito-conformance");

/// The longest run of a secret's characters any output may hold.
const FRAGMENT: usize = 12;

/// What a stub API does with the bearer token it is sent.
#[derive(Clone, Copy)]
enum Policy {
    /// Accepts any request: offline verification at its laxest.
    AcceptAll,
    /// Asks Cognito: GetUser with the token.
    GetUser,
    /// Refuses everything.
    RefuseAll,
}

#[derive(Clone)]
struct Stub {
    policy: Policy,
    /// The target the GetUser check goes to.
    cognito: Option<Wire>,
    /// Every token the API was sent, to prove none leaks.
    seen: Arc<Mutex<Vec<String>>>,
}

async fn handle(State(stub): State<Stub>, headers: HeaderMap, body: String) -> impl IntoResponse {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    let mut seen = vec![token.clone()];
    if let Some(refresh) =
        serde_json::from_str::<Value>(&body).ok().and_then(|b| b["refresh_token"].as_str().map(str::to_owned))
    {
        seen.push(refresh);
    }
    stub.seen.lock().expect("the lock").extend(seen.into_iter().filter(|t| !t.is_empty()));
    let accepted = match stub.policy {
        Policy::AcceptAll => true,
        Policy::RefuseAll => false,
        Policy::GetUser => {
            let wire = stub.cognito.as_ref().expect("a target to ask");
            let request = wire.api_request("GetUser", json!({ "AccessToken": token }).to_string().into_bytes());
            wire.send(&request).await.is_ok_and(|answer| answer.status == 200)
        }
    };
    if accepted {
        (StatusCode::OK, r#"{"hello":"user"}"#.to_owned())
    } else {
        (StatusCode::UNAUTHORIZED, format!(r#"{{"message":"Unauthorized","token":"{token}"}}"#))
    }
}

/// Serves `stub` on loopback; its base URL.
async fn serve(stub: Stub) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = axum::Router::new().fallback(handle).with_state(stub);
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn stub(policy: Policy, cognito: Option<Wire>) -> Stub {
    Stub { policy, cognito, seen: Arc::default() }
}

fn reference_wire(reference: &ReferenceServer) -> Wire {
    Wire::new(&reference.endpoint(), "us-east-1", HostedAddressing::HostHeader, WireOptions::default()).expect("wire")
}

async fn run(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output()).await.expect("join").expect("the binary runs")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// Fails if `text` holds FRAGMENT or more consecutive characters of any of `secrets`.
#[track_caller]
fn assert_no_fragment(text: &str, secrets: &[String]) {
    for secret in secrets.iter().filter(|s| s.len() >= FRAGMENT) {
        for start in 0..=secret.len() - FRAGMENT {
            let piece = &secret[start..start + FRAGMENT];
            assert!(!text.contains(piece), "a fragment of a secret leaked: …{piece}…");
        }
    }
}

fn audit(target: &str, url: &str) -> Command {
    let mut command = Command::new(BIN);
    command.args(["audit-api", "--target", target, "--url", url]);
    command
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_api_that_only_verifies_offline_fails_every_path_with_its_window() {
    let reference = ReferenceServer::start_default().await.expect("the reference starts");
    let api = stub(Policy::AcceptAll, None);
    let seen = api.seen.clone();
    let base = serve(api).await;
    let reports = tempfile::tempdir().expect("temp dir");
    let mut command = audit(&reference.endpoint(), &format!("{base}/me"));
    command.args(["--logout-url", &format!("{base}/logout"), "--watch", "1", "--grace", "1", "--report-dir"]);
    command.arg(reports.path());
    let output = run(command).await;
    let all = text(&output);
    assert_eq!(output.status.code(), Some(4), "{all}");
    for path in [
        "revoke-token",
        "oauth-revoke",
        "global-sign-out",
        "admin-user-global-sign-out",
        "admin-disable-user",
        "api-logout",
    ] {
        assert!(all.contains(&format!("FAIL        audit-{path}")), "{path}: {all}");
    }
    assert!(all.contains("still accepted after 1 s; the access token stays valid for"), "{all}");
    assert!(all.contains("6 scenarios: 6 fail"), "{all}");
    let seen = seen.lock().expect("the lock").clone();
    assert!(seen.len() >= 6 * 3, "the API was called for each session: {}", seen.len());
    assert_no_fragment(&all, &seen);

    let json_text = read(reports.path().join("report.json"));
    let junit = read(reports.path().join("junit.xml"));
    assert_no_fragment(&json_text, &seen);
    assert_no_fragment(&junit, &seen);
    let report: Value = serde_json::from_str(&json_text).expect("JSON");
    let scenarios = report["scenarios"].as_array().expect("scenarios");
    assert_eq!(scenarios.len(), 6);
    let first = &scenarios[0]["expectations"][0];
    assert_eq!(first["check"], "API refuses the access token within 1 s of RevokeToken");
    assert_eq!(first["evidence"], "documented");
    assert_eq!(first["expected"], "refused within 1 s");
    assert!(first["source"].as_str().is_some_and(|s| s.contains("§3 E7")), "{first}");
    // The disabled user was enabled again: the audit leaves the user as it found it.
    let steps = scenarios[4]["steps"].as_array().expect("steps");
    assert!(steps.iter().any(|s| s["kind"] == "admin_enable_user" && s["response"]["status"] == 200), "{steps:?}");
    assert!(junit.contains("testcase name=\"audit-api-logout\""), "{junit}");
    assert_eq!(reference.stats().pools, 0, "the audit's pool was deleted");
    reference.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_api_that_asks_get_user_passes_every_path() {
    let reference = ReferenceServer::start_default().await.expect("the reference starts");
    let api = stub(Policy::GetUser, Some(reference_wire(&reference)));
    let base = serve(api).await;
    let mut command = audit(&reference.endpoint(), &format!("{base}/me"));
    command.args(["--watch", "2", "--grace", "2", "--format", "json"]);
    let output = run(command).await;
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(report["summary"]["by_verdict"]["pass"], 5, "{}", report["summary"]);
    for scenario in report["scenarios"].as_array().expect("scenarios") {
        let actual = scenario["expectations"][0]["actual"].as_str().unwrap_or_default();
        assert_eq!(actual, "refused at once (HTTP 401)", "{}", scenario["id"]);
    }
    reference.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_api_that_refuses_a_fresh_token_is_a_configuration_error() {
    let reference = ReferenceServer::start_default().await.expect("the reference starts");
    let api = stub(Policy::RefuseAll, None);
    let seen = api.seen.clone();
    let base = serve(api).await;
    let output = run(audit(&reference.endpoint(), &format!("{base}/me"))).await;
    let all = text(&output);
    assert_eq!(output.status.code(), Some(3), "{all}");
    assert!(all.contains("the API does not accept a fresh access token"), "{all}");
    assert!(all.contains("answered HTTP 401 (accepted means HTTP 2xx)"), "{all}");
    // The body the API sent back quotes the token: the excerpt shows its placeholder instead.
    assert!(all.contains(r#"{"message":"Unauthorized","token":"<access-token#1>"}"#), "{all}");
    assert_no_fragment(&all, &seen.lock().expect("the lock"));
    assert_eq!(reference.stats().pools, 0, "the audit's pool was deleted after the error");
    reference.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn bad_command_lines_and_credentials_files_are_refused_before_anything_is_sent() {
    let usage = |args: &[&str]| {
        let mut command = Command::new(BIN);
        command.arg("audit-api").args(args);
        command.output().expect("runs")
    };
    let remote = usage(&["--url", "https://api.example.com/me"]);
    assert_eq!(remote.status.code(), Some(1), "{}", text(&remote));
    assert!(text(&remote).contains("--url https://api.example.com/me is not on loopback: add --allow-remote"));
    let logout = usage(&["--url", "http://127.0.0.1:9/me", "--path", "api-logout"]);
    assert_eq!(logout.status.code(), Some(1));
    assert!(text(&logout).contains("--path api-logout needs --logout-url"), "{}", text(&logout));
    let unknown = usage(&["--url", "http://127.0.0.1:9/me", "--path", "logout"]);
    assert_eq!(unknown.status.code(), Some(1));

    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("credentials.toml");
    std::fs::write(&file, "username = \"alice\"\npassword = \"correct-horse-battery\"\nsecrett = \"x\"\n")
        .expect("write");
    let pool = ["--url", "http://127.0.0.1:9/me", "--pool-id", "us-east-1_X", "--client-id", "c", "--credentials"];
    let mut args = pool.to_vec();
    args.push(file.to_str().expect("utf-8"));
    let invalid = usage(&args);
    let all = text(&invalid);
    assert_eq!(invalid.status.code(), Some(2), "{all}");
    assert!(all.contains("credentials.toml:3:1") && all.contains("unknown field `secrett`"), "{all}");
    assert!(!all.contains("correct-horse"), "{all}");
    let missing = usage(&pool[..pool.len() - 1]);
    assert_eq!(missing.status.code(), Some(1), "{}", text(&missing));
    assert!(text(&missing).contains("CC_AUDIT_USERNAME"), "{}", text(&missing));
}

const REGION: &str = "us-east-1";
const PASSWORD: &str = "Rehearsal-Passw0rd!";

/// The harness's client for the rehearsal, as a rehearsed run builds it.
fn rehearsal_wire(rehearsal: &Rehearsal) -> Wire {
    let ca = CaBundle::from_pem(Path::new("rehearsal-ca.pem"), rehearsal.ca_pem().as_bytes().to_vec()).expect("CA");
    let network = Network { ca_bundle: Some(ca), rehearsal: Some(rehearsal.addr()) };
    let options = WireOptions { network, ..WireOptions::default() };
    let credentials = rehearsal.credentials();
    let signer = Signer::new(
        &credentials.access_key_id,
        credentials.secret_access_key(),
        credentials.session_token().map(str::to_owned),
        REGION,
        SERVICE,
    );
    Wire::new("https://cognito-idp.us-east-1.amazonaws.com", REGION, HostedAddressing::Real, options)
        .expect("wire")
        .with_signer(signer)
}

async fn call(wire: &Wire, operation: &str, body: Value) -> Value {
    let answer = wire.send(&wire.api_request(operation, body.to_string().into_bytes())).await.expect("an answer");
    assert_eq!(answer.status, 200, "{operation}: {}", String::from_utf8_lossy(&answer.body));
    answer.json().expect("JSON")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_documented_command_audits_an_existing_pool_on_the_aws_rehearsal() {
    let config = RehearsalConfig { domain_delay: Duration::ZERO, rate_limit: None, ..RehearsalConfig::default() };
    let rehearsal = Rehearsal::start(config).await.expect("the rehearsal starts");
    let home = tempfile::tempdir().expect("temp dir");
    let files = rehearsal.write_state(&home.path().join("rehearsal")).expect("state files");
    let wire = rehearsal_wire(&rehearsal);
    // The user's own pool, client (with a secret) and test user, as they would have them in AWS.
    let pool = call(&wire, "CreateUserPool", json!({ "PoolName": "my-app" })).await["UserPool"]["Id"]
        .as_str()
        .expect("pool id")
        .to_owned();
    call(&wire, "CreateUserPoolDomain", json!({ "UserPoolId": pool, "Domain": "my-app-auth" })).await;
    let client = call(
        &wire,
        "CreateUserPoolClient",
        json!({ "UserPoolId": pool, "ClientName": "web", "GenerateSecret": true,
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }),
    )
    .await;
    let client_id = client["UserPoolClient"]["ClientId"].as_str().expect("client id").to_owned();
    let secret = client["UserPoolClient"]["ClientSecret"].as_str().expect("a secret").to_owned();
    call(
        &wire,
        "AdminCreateUser",
        json!({ "UserPoolId": pool, "Username": "audit-user", "MessageAction": "SUPPRESS" }),
    )
    .await;
    call(
        &wire,
        "AdminSetUserPassword",
        json!({ "UserPoolId": pool, "Username": "audit-user", "Password": PASSWORD, "Permanent": true }),
    )
    .await;
    let credentials = home.path().join("audit.toml");
    std::fs::write(
        &credentials,
        format!("username = \"audit-user\"\npassword = \"{PASSWORD}\"\nclient_secret = \"{secret}\"\n"),
    )
    .expect("write");
    let api = stub(Policy::GetUser, Some(wire.clone()));
    let seen = api.seen.clone();
    let base = serve(api).await;

    let command = |consent: bool| {
        let mut command = Command::new(BIN);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("AWS_CONFIG_FILE", home.path().join("no-config"))
            .envs(files.environment())
            .args(["audit-api", "--target", "aws", "--region", REGION, "--rehearsal", &rehearsal.addr().to_string()])
            .arg("--ca-bundle")
            .arg(&files.ca)
            .args(["--pool-id", &pool, "--client-id", &client_id, "--domain", "my-app-auth", "--credentials"])
            .arg(&credentials)
            .args(["--url", &format!("{base}/me"), "--watch", "3", "--grace", "3"]);
        if consent {
            command.arg("--create-aws-resources");
        }
        command
    };
    let asked = run(command(false)).await;
    assert_eq!(asked.status.code(), Some(1), "{}", text(&asked));
    assert!(text(&asked).contains(&format!("uses your pool {pool}")), "{}", text(&asked));

    let output = run(command(true)).await;
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(all.contains("5 scenarios: 5 pass"), "{all}");
    assert!(all.contains("target: aws (https://cognito-idp.us-east-1.amazonaws.com)"), "{all}");
    let mut secrets = seen.lock().expect("the lock").clone();
    secrets.extend([secret.clone(), PASSWORD.to_owned(), rehearsal.credentials().secret_access_key().to_owned()]);
    assert_no_fragment(&all, &secrets);
    let calls = rehearsal.calls();
    for operation in ["RevokeToken", "oauth2/revoke", "GlobalSignOut", "AdminUserGlobalSignOut", "AdminDisableUser"] {
        assert!(calls.get(operation).is_some_and(|n| *n > 0), "no {operation} reached the rehearsal: {calls:?}");
    }
    // Nothing of the user's was deleted, and the test user is enabled again.
    let user = call(&wire, "AdminGetUser", json!({ "UserPoolId": pool, "Username": "audit-user" })).await;
    assert_eq!(user["Enabled"], true, "{user}");
    assert_eq!(rehearsal.stats().pools, 1);
    rehearsal.shutdown().await;
}

/// Ctrl-C in the middle of a watch, with the user disabled: the audit stops with 130, deletes the
/// pool it made and leaves the report of what finished.
#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_mid_watch_cleans_up_and_leaves_the_report() {
    let reference = ReferenceServer::start_default().await.expect("the reference starts");
    let api = stub(Policy::AcceptAll, None);
    let seen = api.seen.clone();
    let base = serve(api).await;
    let reports = tempfile::tempdir().expect("temp dir");
    let mut command = audit(&reference.endpoint(), &format!("{base}/me"));
    command.args(["--path", "revoke-token", "--path", "admin-disable-user", "--watch", "60", "--grace", "1"]);
    command.arg("--report-dir").arg(reports.path());
    command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let child = command.spawn().expect("the binary starts");
    // The first path watches for 60 s; once the API has been asked after the revocation (the
    // fresh check, the session's check, then the watch), the audit is mid-watch.
    let mut waited = Duration::ZERO;
    while seen.lock().expect("the lock").len() < 4 {
        assert!(waited < Duration::from_secs(30), "the audit never reached its watch");
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += Duration::from_millis(50);
    }
    assert!(reference.stats().pools > 0, "the audit made its pool");
    let sent = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill runs");
    assert!(sent.success(), "SIGINT sent");
    let output = tokio::task::spawn_blocking(move || child.wait_with_output()).await.expect("join").expect("wait");
    let all = text(&output);
    assert_eq!(output.status.code(), Some(130), "{all}");
    assert_eq!(reference.stats().pools, 0, "the audit's pool was deleted: {all}");
    let report: Value = serde_json::from_str(&read(reports.path().join("report.json"))).expect("JSON");
    assert!(report["scenarios"].is_array(), "{report}");
    assert!(reports.path().join("junit.xml").exists());
    assert_no_fragment(&all, &seen.lock().expect("the lock"));
    reference.shutdown().await.expect("shutdown");
}
