//! `run`, `list` and `check` end to end through the binary: exit codes, reports on disk, and
//! diagnostics for broken files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cognito_conformance::exit_codes;
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn binary(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cognito-conformance"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cc-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A port nothing listens on: bind, read the port, close.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

const ONE_SCENARIO: &str = "scenarios/revoke-kills-refreshed-access-tokens.toml";

#[test]
fn a_conformant_run_exits_zero() {
    let output = binary(&["run", ONE_SCENARIO]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(exit_codes::OK), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("PASS") && stdout.contains("revoke-kills-refreshed-access-tokens"), "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "no colour when NO_COLOR is set or stdout is not a terminal");
}

#[test]
fn a_fault_the_scenario_catches_exits_four() {
    let output = binary(&["run", ONE_SCENARIO, "--fault", "revoke-by-jti"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(exit_codes::NON_CONFORMANT), "{stdout}");
    assert!(stdout.contains("FAIL"), "{stdout}");
    assert!(stdout.contains("evidence: documented"), "{stdout}");
}

#[test]
fn a_closed_port_is_an_error_and_the_report_is_still_written() {
    let dir = temp_dir("closed");
    let target = format!("http://127.0.0.1:{}", closed_port());
    let output = binary(&["run", ONE_SCENARIO, "--target", &target, "--report-dir", dir.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(exit_codes::RUNTIME), "{}", String::from_utf8_lossy(&output.stdout));
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).expect("report.json")).expect("json");
    assert_eq!(report["scenarios"][0]["verdict"], "error");
    assert!(report["scenarios"][0]["reason"].as_str().unwrap_or_default().contains("unreachable"));
    let junit = std::fs::read_to_string(dir.join("junit.xml")).expect("junit.xml");
    assert!(junit.contains("<error"), "{junit}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_malformed_scenario_exits_two_with_its_location() {
    let dir = temp_dir("malformed");
    let file = dir.join("broken.toml");
    std::fs::write(&file, "id = \"broken\"\ntitle = \"t\"\nspec = \"§1\"\n[[steps]]\nsign_inn = { client = \"a\" }\n")
        .expect("write");
    for command in ["run", "check"] {
        let output = binary(&[command, file.to_str().expect("utf-8")]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(exit_codes::INVALID_FILE), "{command}: {stderr}");
        assert!(stderr.contains("broken.toml:5:1"), "{command}: {stderr}");
        assert!(stderr.contains("sign_inn"), "{command}: {stderr}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_empty_selection_exits_five() {
    let output = binary(&["run", "--filter", "^no-such-scenario$"]);
    assert_eq!(output.status.code(), Some(exit_codes::NOTHING_RAN));
    assert!(String::from_utf8_lossy(&output.stderr).contains("nothing to run"));
}

#[test]
fn remote_targets_are_refused_before_any_traffic() {
    let output = binary(&["run", ONE_SCENARIO, "--target", "http://192.0.2.1:5000"]);
    assert_eq!(output.status.code(), Some(exit_codes::USAGE));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--allow-remote"));
    let output = binary(&["run", ONE_SCENARIO, "--target", "no-such-profile"]);
    assert_eq!(output.status.code(), Some(exit_codes::USAGE));
    let output = binary(&["run", ONE_SCENARIO, "--target", "moto", "--fault", "revoke-by-jti"]);
    assert_eq!(output.status.code(), Some(exit_codes::USAGE));
}

#[test]
fn bad_values_are_usage_errors() {
    for args in [
        &["run", "--jobs", "0"][..],
        &["run", "--timeout", "-1"],
        &["run", "--filter", "("],
        &["run", "--fault", "nope"],
    ] {
        let output = binary(args);
        assert_eq!(
            output.status.code(),
            Some(exit_codes::USAGE),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn json_and_junit_go_to_stdout() {
    let output = binary(&["run", ONE_SCENARIO, "--format", "json"]);
    let report: Value = serde_json::from_slice(&output.stdout).expect("stdout is the JSON report");
    let schema: Value = serde_json::from_str(cognito_conformance::report::json::SCHEMA).expect("schema");
    let validator =
        jsonschema::options().with_draft(jsonschema::Draft::Draft202012).build(&schema).expect("schema compiles");
    let problems: Vec<String> = validator.iter_errors(&report).map(|e| format!("{e} at {}", e.instance_path)).collect();
    assert!(problems.is_empty(), "a real run's report breaks its schema: {problems:?}");
    assert_eq!(report["schema_version"], 2);
    assert_eq!(report["summary"]["total"], 1);
    assert_eq!(report["scenarios"][0]["verdict"], "pass");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("eyJ"), "no token reaches the report unredacted");
    let output = binary(&["run", ONE_SCENARIO, "--format", "junit"]);
    let xml = String::from_utf8_lossy(&output.stdout);
    assert!(xml.starts_with("<?xml") && xml.contains("revoke-kills-refreshed-access-tokens"), "{xml}");
}

#[test]
fn list_and_check_describe_the_suite() {
    let output = binary(&["check"]);
    assert_eq!(output.status.code(), Some(exit_codes::OK));
    assert!(String::from_utf8_lossy(&output.stdout).contains("scenario files OK"));
    let output = binary(&["list"]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("revoke-kills-refreshed-access-tokens"));
    let output = binary(&["list", "--tags"]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("revoke-api"));
    let output = binary(&["list", "--sources"]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("spec §"));
}

/// A loopback port that accepts connections and never answers.
fn silent_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    port
}

#[test]
fn a_target_that_never_answers_times_out_into_error_verdicts() {
    let dir = temp_dir("silent");
    let target = format!("http://127.0.0.1:{}", silent_port());
    let started = std::time::Instant::now();
    let output = binary(&[
        "run",
        "scenarios",
        "--target",
        &target,
        "--timeout",
        "0.3",
        "--deadline",
        "2",
        "--report-dir",
        dir.to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(exit_codes::RUNTIME), "{}", String::from_utf8_lossy(&output.stdout));
    assert!(started.elapsed() < std::time::Duration::from_secs(60), "the deadline bounds the run");
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).expect("report.json")).expect("json");
    let verdicts: Vec<&str> =
        report["scenarios"].as_array().expect("scenarios").iter().filter_map(|s| s["verdict"].as_str()).collect();
    assert!(!verdicts.is_empty() && verdicts.iter().all(|v| *v == "error"), "{verdicts:?}");
    std::fs::remove_dir_all(&dir).ok();
}

/// The whole-run deadline holds for every request, provisioning included: against a target that
/// accepts connections and never answers, the run ends by about the deadline plus one request
/// timeout (the bound here is generous: this checks that nothing hangs, not speed), every
/// scenario is reported with why it did not run, and the report is still written.
#[test]
fn a_target_that_never_answers_ends_the_run_by_the_deadline() {
    let dir = temp_dir("deadline");
    let target = format!("http://127.0.0.1:{}", silent_port());
    let (deadline, timeout) = (2, 2);
    let started = std::time::Instant::now();
    let output = binary(&[
        "run",
        "--target",
        &target,
        "--deadline",
        &deadline.to_string(),
        "--timeout",
        &timeout.to_string(),
        "--report-dir",
        dir.to_str().expect("utf-8"),
    ]);
    let elapsed = started.elapsed();
    assert_eq!(output.status.code(), Some(exit_codes::RUNTIME), "{}", String::from_utf8_lossy(&output.stdout));
    assert!(elapsed < std::time::Duration::from_secs(deadline + timeout + 10), "the run hung: {elapsed:?}");
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).expect("report.json")).expect("json");
    let scenarios = report["scenarios"].as_array().expect("scenarios");
    assert!(scenarios.len() > 50, "the whole suite is reported");
    for scenario in scenarios {
        assert_eq!(scenario["verdict"], "error", "{scenario}");
        assert!(scenario["reason"].as_str().is_some_and(|r| !r.is_empty()), "a reason: {scenario}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn fail_fast_stops_starting_scenarios() {
    let output = binary(&["run", "--fault", "revoke-internal-error", "--fail-fast", "--jobs", "1", "--format", "json"]);
    assert_eq!(output.status.code(), Some(exit_codes::NON_CONFORMANT));
    let report: Value = serde_json::from_slice(&output.stdout).expect("json");
    let not_run = report["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .filter(|s| s["reason"].as_str().is_some_and(|r| r.contains("--fail-fast")))
        .count();
    assert!(not_run > 0, "scenarios after the first failure are not run");
}
