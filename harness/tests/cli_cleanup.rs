//! What a run leaves on a real target when it is interrupted or killed, `cleanup`, and the AWS
//! guards — against moto, started on a free loopback port for each test (installed on first use
//! by `emulator install`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use cognito_conformance::exit_codes;
use cognito_conformance::target::spawn::Spawned;
use cognito_conformance::wire::sigv4::Signer;
use cognito_conformance::wire::{HostedAddressing, Wire, WireOptions};
use serde_json::{Value, json};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cognito-conformance"));
    command
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        // Nothing from the machine's own AWS set-up may leak into these tests.
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        // The chain's network providers: a CI runner's web identity or container credentials.
        .env_remove("AWS_WEB_IDENTITY_TOKEN_FILE")
        .env_remove("AWS_ROLE_ARN")
        .env_remove("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        .env_remove("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    command
}

fn binary(args: &[&str]) -> Output {
    command(args).output().expect("binary runs")
}

fn client(endpoint: &str) -> Wire {
    Wire::new(endpoint, "us-east-1", HostedAddressing::HostHeader, WireOptions::default())
        .expect("client")
        .with_signer(Signer::dummy("us-east-1"))
}

/// Starts a private moto; the runtime must outlive it.
fn moto(runtime: &tokio::runtime::Runtime) -> (Spawned, String) {
    runtime
        .block_on(Spawned::start("moto", Duration::from_secs(900), |endpoint| Some(client(endpoint))))
        .expect("moto starts (installed on first use)")
}

async fn call(wire: &Wire, operation: &str, body: Value) -> Value {
    let answer = wire.send(&wire.api_request(operation, body.to_string().into_bytes())).await.expect("answer");
    assert_eq!(answer.status, 200, "{operation}: {}", String::from_utf8_lossy(&answer.body));
    answer.json().unwrap_or(Value::Null)
}

/// Names of the pools on the target.
async fn pool_names(wire: &Wire) -> Vec<String> {
    let listed = call(wire, "ListUserPools", json!({ "MaxResults": 60 })).await;
    listed["UserPools"].as_array().into_iter().flatten().filter_map(|p| p["Name"].as_str().map(str::to_owned)).collect()
}

fn harness_pools(names: &[String]) -> usize {
    names.iter().filter(|n| n.starts_with("cc-")).count()
}

/// Starts a whole-suite run against `endpoint` and waits until it has pools in flight.
fn run_until_pools_exist(runtime: &tokio::runtime::Runtime, wire: &Wire, endpoint: &str) -> Child {
    let child = command(&["run", "--target", endpoint, "--jobs", "8"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run starts");
    // Every pool of the run's plan, so no CreateUserPool is still in flight when the test kills or
    // stops the run: moto would finish it after the run is gone and after cleanup has listed.
    let suite = cognito_conformance::scenario::load(&[repo().join("scenarios")]).expect("the suite loads");
    let planned = cognito_conformance::runner::plan::RunPlan::new(&suite, None).pools_created();
    let started = Instant::now();
    while harness_pools(&runtime.block_on(pool_names(wire))) < planned {
        assert!(started.elapsed() < Duration::from_secs(120), "the run never created pools");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill").args([name, &child.id().to_string()]).status().expect("kill runs");
    assert!(status.success());
}

#[test]
fn a_killed_run_leaves_pools_and_cleanup_removes_them_all() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (mut moto, endpoint) = moto(&runtime);
    let wire = client(&endpoint);
    let mut child = run_until_pools_exist(&runtime, &wire, &endpoint);
    signal(&child, "-KILL");
    let _ = child.wait();
    let left = harness_pools(&runtime.block_on(pool_names(&wire)));
    assert!(left > 0, "a run killed midway leaves pools behind (that is what cleanup is for)");

    let output = binary(&["cleanup", "--target", &endpoint]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(exit_codes::OK), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains(&format!("{left} pool(s) deleted")) || stdout.contains("pool(s) deleted"), "{stdout}");
    assert_eq!(harness_pools(&runtime.block_on(pool_names(&wire))), 0, "cleanup leaves no pool behind");
    runtime.block_on(moto.stop());
}

#[test]
fn an_interrupted_run_deletes_what_it_created() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (mut moto, endpoint) = moto(&runtime);
    let wire = client(&endpoint);
    let mut child = run_until_pools_exist(&runtime, &wire, &endpoint);
    signal(&child, "-INT");
    let status = child.wait().expect("run ends");
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        use std::io::Read;
        let _ = pipe.read_to_string(&mut stderr);
    }
    assert_eq!(status.code(), Some(exit_codes::INTERRUPTED), "{stderr}");
    assert!(stderr.contains("interrupted: deleted"), "{stderr}");
    // The run's pools exist before any scenario starts, and the run deletes them all.
    assert_eq!(harness_pools(&runtime.block_on(pool_names(&wire))), 0, "{stderr}");
    runtime.block_on(moto.stop());
}

/// What CI cancellation and container stops send: handled as Ctrl-C, with its own exit code, and
/// the report of what finished is written.
#[test]
fn a_terminated_run_deletes_what_it_created_and_writes_its_report() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (mut moto, endpoint) = moto(&runtime);
    let wire = client(&endpoint);
    let dir = std::env::temp_dir().join(format!("cc-cleanup-term-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut child = command(&[
        "run",
        "--target",
        &endpoint,
        "--jobs",
        "1",
        "--format",
        "json",
        "--report-dir",
        dir.to_str().expect("utf-8"),
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .expect("run starts");
    let started = Instant::now();
    while harness_pools(&runtime.block_on(pool_names(&wire))) < 2 {
        assert!(started.elapsed() < Duration::from_secs(120), "the run never created pools");
        std::thread::sleep(Duration::from_millis(20));
    }
    signal(&child, "-TERM");
    let status = child.wait().expect("run ends");
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        use std::io::Read;
        let _ = pipe.read_to_string(&mut stderr);
    }
    assert_eq!(status.code(), Some(exit_codes::TERMINATED), "{stderr}");
    assert!(stderr.contains("interrupted: deleted"), "{stderr}");
    assert_eq!(harness_pools(&runtime.block_on(pool_names(&wire))), 0, "{stderr}");
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).expect("report.json written")).expect("json");
    let scenarios = report["scenarios"].as_array().expect("scenarios");
    assert!(
        scenarios.iter().any(|s| s["reason"].as_str().is_some_and(|r| r.contains("interrupted"))),
        "scenarios the signal stopped say so"
    );
    std::fs::remove_dir_all(&dir).ok();
    runtime.block_on(moto.stop());
}

async fn clients_and_users(wire: &Wire, pool: &str) -> (Vec<String>, Vec<String>) {
    let clients = call(wire, "ListUserPoolClients", json!({ "UserPoolId": pool, "MaxResults": 60 })).await;
    let users = call(wire, "ListUsers", json!({ "UserPoolId": pool })).await;
    let names = |list: &Value, key: &str| -> Vec<String> {
        let mut names: Vec<String> =
            list.as_array().into_iter().flatten().filter_map(|c| c[key].as_str().map(str::to_owned)).collect();
        names.sort();
        names
    };
    (names(&clients["UserPoolClients"], "ClientName"), names(&users["Users"], "Username"))
}

/// `--pool-id`: the run works in the user's pool, creates no pool for the default configuration,
/// and leaves the pool as it found it.
#[test]
fn a_run_in_the_users_pool_deletes_only_its_own_clients_and_users() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (mut moto, endpoint) = moto(&runtime);
    let wire = client(&endpoint);
    let created = runtime.block_on(call(&wire, "CreateUserPool", json!({ "PoolName": "my-own-pool" })));
    let pool = created["UserPool"]["Id"].as_str().expect("pool id").to_owned();
    runtime.block_on(call(&wire, "CreateUserPoolClient", json!({ "UserPoolId": pool, "ClientName": "my-app" })));
    let output = binary(&[
        "run",
        "--target",
        &endpoint,
        "--pool-id",
        &pool,
        "scenarios/refresh-keeps-origin-jti.toml",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    let first = &report["scenarios"][0]["steps"][0];
    assert_eq!(first["request"]["target"], "CreateUserPoolClient", "{first}");
    assert!(first["request"]["body"].as_str().unwrap_or_default().contains(&pool), "{first}");
    assert_eq!(first["response"]["status"], 200, "{first}");
    assert_eq!(report["scenarios"][0]["verdict"], "pass", "{}", report["scenarios"][0]);
    let (clients, users) = runtime.block_on(clients_and_users(&wire, &pool));
    assert_eq!(clients, ["my-app"], "the run's own clients are gone, the user's stays");
    assert!(users.is_empty(), "{users:?}");
    let names = runtime.block_on(pool_names(&wire));
    assert_eq!(harness_pools(&names), 0, "no pool was created for the default configuration: {names:?}");
    assert!(names.contains(&"my-own-pool".to_owned()));
    runtime.block_on(moto.stop());
}

/// `cleanup --pool-id`: what a killed run left in the user's pool goes, nothing else does.
#[test]
fn cleanup_in_the_users_pool_deletes_prefixed_clients_and_users_only() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (mut moto, endpoint) = moto(&runtime);
    let wire = client(&endpoint);
    let created = runtime.block_on(call(&wire, "CreateUserPool", json!({ "PoolName": "my-own-pool" })));
    let pool = created["UserPool"]["Id"].as_str().expect("pool id").to_owned();
    for name in ["my-app", "cc-app-k2j4h6g8"] {
        runtime.block_on(call(&wire, "CreateUserPoolClient", json!({ "UserPoolId": pool, "ClientName": name })));
    }
    for name in ["bob", "cc-alice-k2j4h6g8"] {
        runtime.block_on(call(&wire, "AdminCreateUser", json!({ "UserPoolId": pool, "Username": name })));
    }
    let output = binary(&["cleanup", "--target", &endpoint, "--pool-id", &pool]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(exit_codes::OK), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        stdout.contains("deleted client cc-app-k2j4h6g8") && stdout.contains("deleted user cc-alice-k2j4h6g8"),
        "{stdout}"
    );
    let (clients, users) = runtime.block_on(clients_and_users(&wire, &pool));
    assert_eq!((clients, users), (vec!["my-app".to_owned()], vec!["bob".to_owned()]));
    assert!(runtime.block_on(pool_names(&wire)).contains(&"my-own-pool".to_owned()));
    runtime.block_on(moto.stop());
}

#[test]
fn without_consent_aws_runs_explain_what_they_would_create_and_send_nothing() {
    // No credentials exist and AWS is not reachable from here: exiting 1 with the plan shows the
    // guard stopped the run before any of that was tried.
    let output = binary(&["run", "--target", "aws", "--region", "eu-west-1"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(exit_codes::USAGE), "{stdout}");
    for needle in
        ["against real Amazon Cognito in eu-west-1", "user pool(s) named `cc-…`", "created-by=cognito-conformance"]
    {
        assert!(stdout.contains(needle), "missing {needle:?} in:\n{stdout}");
    }
    assert!(stdout.contains("--create-aws-resources"), "{stdout}");
    assert!(stdout.contains("cleanup --target aws"), "{stdout}");
}

#[test]
fn with_consent_but_no_credentials_nothing_is_sent() {
    let output = binary(&["run", "--target", "aws", "--region", "eu-west-1", "--create-aws-resources"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(exit_codes::RUNTIME), "{stderr}");
    assert!(stderr.contains("no AWS credentials"), "{stderr}");
}

#[test]
fn aws_mode_signs_with_the_credential_chain_tags_pools_and_cleanup_spares_untagged_ones() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (mut moto, endpoint) = moto(&runtime);
    let wire = client(&endpoint);
    // A pool of "the user's own" that merely starts with the prefix, and one the harness left.
    runtime.block_on(call(&wire, "CreateUserPool", json!({ "PoolName": "cc-the-users-own-pool" })));
    runtime.block_on(call(
        &wire,
        "CreateUserPool",
        json!({ "PoolName": "cc-left-behind", "UserPoolTags": { "created-by": "cognito-conformance" } }),
    ));
    let run = command(&[
        "run",
        "--target",
        "aws",
        "--endpoint-url",
        &endpoint,
        "--region",
        "us-east-1",
        "--create-aws-resources",
        "scenarios/refresh-keeps-origin-jti.toml",
        "--format",
        "json",
    ])
    .env("AWS_ACCESS_KEY_ID", "AKIDCANARYKEY")
    .env("AWS_SECRET_ACCESS_KEY", "aws-secret-canary-7f3a9c")
    .output()
    .expect("binary runs");
    let report: Value = serde_json::from_slice(&run.stdout).expect("a JSON report");
    assert_eq!(report["target"]["name"], "aws");
    // The run's pools are created before the scenario (their tag is checked in runner::pools);
    // the scenario's first step is its own client, created by a signed admin call.
    let provisioned = &report["scenarios"][0]["steps"][0];
    assert_eq!(provisioned["request"]["target"], "CreateUserPoolClient");
    assert_eq!(provisioned["response"]["status"], 200, "moto accepted the signed call: {provisioned}");
    let all_output = [&run.stdout[..], &run.stderr[..]].concat();
    assert!(!String::from_utf8_lossy(&all_output).contains("aws-secret-canary-7f3a9c"));

    // `cleanup` is a subcommand taking the target flags after it.
    let output = {
        let mut args = vec!["cleanup"];
        args.extend(["--target", "aws", "--endpoint-url", &endpoint, "--region", "us-east-1"]);
        command(&args)
            .env("AWS_ACCESS_KEY_ID", "AKIDCANARYKEY")
            .env("AWS_SECRET_ACCESS_KEY", "aws-secret-canary-7f3a9c")
            .output()
            .expect("binary runs")
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(exit_codes::OK), "{stdout}");
    assert!(stdout.contains("deleted cc-left-behind"), "{stdout}");
    assert!(stdout.contains("left alone cc-the-users-own-pool"), "{stdout}");
    let names = runtime.block_on(pool_names(&wire));
    assert!(names.contains(&"cc-the-users-own-pool".to_owned()), "{names:?}");
    assert!(!names.contains(&"cc-left-behind".to_owned()), "{names:?}");
    runtime.block_on(moto.stop());
}
