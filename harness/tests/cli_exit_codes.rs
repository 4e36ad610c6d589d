//! The exit-code contract end to end: `error` verdicts against a baseline, a baseline refusing
//! them, readers that stop early, the clean-up hint's command run as printed, and README's table
//! against the one mapping (`cognito_conformance::outcome`). SIGTERM and Ctrl-C are tested where
//! a run has something to clean up: `cli_cleanup.rs` (moto) and `aws_rehearsal.rs`.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use cognito_conformance::ExitStatus;
use cognito_conformance::exit_codes;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cognito-conformance"));
    command.current_dir(repo()).env("NO_COLOR", "1");
    command
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// A loopback URL nothing listens on: the port was free a moment ago.
fn unreachable_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// A fresh directory under the system's temporary one.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cc-exit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

const ONE_SCENARIO: &str = "^claims-id-token$";

/// One scenario against a target nobody answers, with `baseline_flag` and its baselines under
/// `snapshots`: the output and its text.
fn run_unreachable(baseline_flag: &str, snapshots: &Path) -> (Output, String) {
    let url = unreachable_url();
    let output = binary()
        .args(["run", "--target", &url, "--timeout", "5", baseline_flag, "--filter", ONE_SCENARIO])
        .arg("--snapshot-dir")
        .arg(snapshots)
        .output()
        .expect("runs");
    let all = text(&output);
    (output, all)
}

#[test]
fn an_unreachable_target_exits_3_even_with_a_baseline_and_no_entry_is_suggested() {
    let snapshots = temp_dir("baseline");
    let (output, all) = run_unreachable("--baseline", &snapshots);
    assert_eq!(output.status.code(), Some(exit_codes::RUNTIME), "{all}");
    assert!(all.contains("not checked"), "{all}");
    assert!(!all.contains("[[known]]"), "an error verdict was offered as a baseline entry:\n{all}");
    std::fs::remove_dir_all(&snapshots).ok();
}

#[test]
fn update_baseline_refuses_error_verdicts_and_says_why() {
    let snapshots = temp_dir("update");
    let (output, all) = run_unreachable("--update-baseline", &snapshots);
    assert_eq!(output.status.code(), Some(exit_codes::RUNTIME), "{all}");
    assert!(all.contains("not recording a baseline"), "{all}");
    assert!(all.contains("could not be checked"), "{all}");
    assert!(!snapshots.join("url").join("expected.toml").exists(), "a baseline was written:\n{all}");
    assert!(std::fs::read_dir(&snapshots).expect("dir").next().is_none(), "something was written:\n{all}");
    std::fs::remove_dir_all(&snapshots).ok();
}

/// Runs `args` with stdout a pipe whose reading end is already closed, so the first write finds
/// no reader, and with stdout discarded; the two must end alike, and quietly.
fn closed_pipe_changes_nothing(args: &[&str]) {
    let mut child = binary().args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawns");
    drop(child.stdout.take());
    let closed = child.wait_with_output().expect("ends");
    let stderr = String::from_utf8_lossy(&closed.stderr);
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    let discarded = binary().args(args).stdout(Stdio::null()).stderr(Stdio::null()).status().expect("runs");
    assert_eq!(closed.status.code(), discarded.code(), "{args:?}: {stderr}");
}

#[test]
fn a_reader_that_stops_early_ends_list_quietly_with_0() {
    let mut child = binary().arg("list").stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawns");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(exit_codes::OK), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn a_reader_that_stops_early_changes_no_command_s_outcome() {
    for args in [
        &["check"][..],
        &["list", "--tags"],
        &["serve", "--list-faults"],
        &["matrix", "--summary"],
        &["diff", "reference", "moto"],
        &["run", "--filter", ONE_SCENARIO],
        &["run", "--filter", ONE_SCENARIO, "--format", "json"],
        &["run", "--filter", ONE_SCENARIO, "--format", "junit"],
    ] {
        closed_pipe_changes_nothing(args);
    }
}

/// Forwards everything to the reference at `upstream`, except that `DeleteUserPool` fails while
/// `refuse_deletes` is set: a target that leaves a run's pools behind.
#[derive(Clone)]
struct Proxy {
    upstream: String,
    refuse_deletes: Arc<AtomicBool>,
    client: reqwest::Client,
}

async fn forward(State(proxy): State<Proxy>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let operation = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if operation.ends_with(".DeleteUserPool") && proxy.refuse_deletes.load(Ordering::SeqCst) {
        let body = r#"{"__type":"InternalErrorException","message":"the stand-in refuses deletions"}"#;
        return (StatusCode::INTERNAL_SERVER_ERROR, body).into_response();
    }
    let url = format!("{}{}", proxy.upstream, uri.path_and_query().map_or("/", |p| p.as_str()));
    let mut request = proxy.client.request(method, url).body(body);
    for (name, value) in &headers {
        if name != "content-length" {
            request = request.header(name, value);
        }
    }
    match request.send().await {
        Ok(answer) => {
            let status = answer.status();
            let headers = answer.headers().clone();
            let body = answer.bytes().await.unwrap_or_default();
            let mut response = (status, body).into_response();
            for (name, value) in &headers {
                if name != "content-length" && name != "transfer-encoding" {
                    response.headers_mut().insert(name, value.clone());
                }
            }
            response
        }
        Err(error) => (StatusCode::BAD_GATEWAY, error.to_string()).into_response(),
    }
}

/// `serve` on a free port; the child and its address.
fn reference() -> (Child, String) {
    let mut child = binary().args(["serve", "--port", "0"]).stdout(Stdio::piped()).spawn().expect("serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("endpoint line");
    let endpoint = line.trim().rsplit(' ').next().expect("endpoint").to_owned();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{line}");
    (child, endpoint)
}

async fn pools(endpoint: &str) -> Vec<String> {
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{endpoint}/"))
        .header("X-Amz-Target", "AWSCognitoIdentityProviderService.ListUserPools")
        .header("Content-Type", "application/x-amz-json-1.1")
        .body(r#"{"MaxResults": 60}"#)
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("json");
    answer["UserPools"].as_array().into_iter().flatten().filter_map(|p| p["Name"].as_str().map(str::to_owned)).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_printed_cleanup_command_works_as_printed() {
    let (mut serve, upstream) = reference();
    let refuse_deletes = Arc::new(AtomicBool::new(true));
    let proxy =
        Proxy { upstream: upstream.clone(), refuse_deletes: refuse_deletes.clone(), client: reqwest::Client::new() };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    let app = axum::Router::new().fallback(forward).with_state(proxy);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let target = format!("http://{addr}");

    let mut run = binary();
    run.args(["run", "--target", &target, "--filter", ONE_SCENARIO]);
    let output = tokio::task::spawn_blocking(move || run.output()).await.expect("join").expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let left = pools(&upstream).await;
    assert!(!left.is_empty(), "the run left nothing, so this test shows nothing: {stderr}");
    let hint = stderr.lines().find(|l| l.contains("could not be deleted")).unwrap_or_else(|| panic!("{stderr}"));
    let printed = hint.split('`').nth(1).unwrap_or_else(|| panic!("no command in {hint}"));
    assert!(printed.starts_with("cognito-conformance cleanup "), "{hint}");

    refuse_deletes.store(false, Ordering::SeqCst);
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_cognito-conformance")).parent().expect("dir").to_owned();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let mut shell = Command::new("sh");
    shell.args(["-c", printed]).current_dir(repo()).env("PATH", path).env("NO_COLOR", "1");
    let cleanup = tokio::task::spawn_blocking(move || shell.output()).await.expect("join").expect("sh runs");
    let all = text(&cleanup);
    assert_eq!(cleanup.status.code(), Some(exit_codes::OK), "`{printed}`: {all}");
    assert!(all.contains(&format!("{} pool(s) deleted", left.len())), "{all}");
    assert!(pools(&upstream).await.is_empty(), "`{printed}` left pools: {all}");

    server.abort();
    let _ = serve.kill();
    let _ = serve.wait();
}

/// README's "Exit codes" table: each row's code and meaning.
fn readme_table() -> Vec<(i32, String)> {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let section = readme.split("\n## Exit codes\n").nth(1).expect("an `## Exit codes` section");
    section
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2) // the header and its rule
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            assert_eq!(cells.len(), 2, "a row of two cells: {line}");
            (cells[0].parse().unwrap_or_else(|_| panic!("a code: {line}")), cells[1].to_owned())
        })
        .collect()
}

#[test]
fn the_readme_table_lists_exactly_the_codes_of_the_mapping_with_their_meanings() {
    let mapping: Vec<(i32, String)> = ExitStatus::ALL.iter().map(|s| (s.code(), s.meaning().to_owned())).collect();
    assert_eq!(readme_table(), mapping);
}

#[test]
fn absurd_job_counts_are_refused_with_a_usage_error_not_a_panic() {
    for args in [
        &["run", "--jobs", "2305843009213693952"][..],
        &["run", "--jobs", "0"],
        &["fuzz", "--cases", "5", "--jobs", "1000000"],
    ] {
        let output = binary().args(args).output().expect("the binary runs");
        let all = text(&output);
        assert_eq!(output.status.code(), Some(exit_codes::USAGE), "{args:?}: {all}");
        assert!(all.contains("is not in 1..="), "{args:?}: {all}");
        assert!(!all.contains("panicked"), "{args:?}: {all}");
    }
}

#[test]
fn a_fuzz_run_that_ran_no_case_says_nothing_ran() {
    let output = binary().args(["fuzz", "--time-limit", "0s"]).output().expect("the binary runs");
    assert_eq!(output.status.code(), Some(exit_codes::NOTHING_RAN), "{}", text(&output));
}

#[test]
fn an_unwritable_fuzz_out_dir_is_refused_before_anything_runs() {
    let output = binary()
        .args(["fuzz", "--cases", "5", "--out-dir", "/proc/cognito-conformance-nope"])
        .output()
        .expect("the binary runs");
    let all = text(&output);
    assert_eq!(output.status.code(), Some(exit_codes::RUNTIME), "{all}");
    assert!(all.contains("cannot write /proc/cognito-conformance-nope"), "{all}");
    assert!(!all.contains("cases in"), "no case may run first: {all}");
}
