//! End-to-end tests of the binary: exit codes, `serve --list-faults`, and `serve` answering and
//! shutting down gracefully.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use cognito_conformance::exit_codes;
use cognito_conformance::reference::Fault;

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cognito-conformance"))
}

#[test]
fn list_faults_describes_every_fault() {
    let output = binary().args(["serve", "--list-faults"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(exit_codes::OK));
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    for fault in Fault::ALL {
        let line =
            stdout.lines().find(|line| line.starts_with(fault.name())).unwrap_or_else(|| panic!("{fault} missing"));
        assert!(line.contains(fault.description()), "{line}");
    }
}

#[test]
fn unknown_fault_is_a_usage_error() {
    let output = binary().args(["serve", "--fault", "revoke-everything"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(exit_codes::USAGE));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown fault `revoke-everything`"), "{stderr}");
}

#[test]
fn bad_flags_are_usage_errors() {
    for args in [&["serve", "--port", "not-a-port"][..], &["no-such-command"], &["serve", "--bogus"]] {
        let output = binary().args(args).output().expect("runs");
        assert_eq!(output.status.code(), Some(exit_codes::USAGE), "{args:?}");
        assert!(!output.stderr.is_empty());
    }
}

#[test]
fn help_is_not_an_error() {
    let output = binary().arg("--help").output().expect("runs");
    assert_eq!(output.status.code(), Some(exit_codes::OK));
    assert!(String::from_utf8_lossy(&output.stdout).contains("serve"));
}

#[test]
fn non_loopback_addresses_are_refused_without_consent() {
    let output = binary().args(["serve", "--host", "0.0.0.0", "--port", "0"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(exit_codes::USAGE));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--allow-non-loopback"));
}

#[test]
fn serve_answers_then_stops_gracefully_on_sigterm() {
    let mut child = binary()
        .args(["serve", "--port", "0", "--fault", "revoke-by-jti"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("endpoint line");
    let endpoint = first.trim().rsplit(' ').next().expect("endpoint").to_owned();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{first}");
    let mut second = String::new();
    stdout.read_line(&mut second).expect("faults line");
    assert_eq!(second.trim(), "faults: revoke-by-jti");

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let status = runtime.block_on(async {
        reqwest::Client::new()
            .post(format!("{endpoint}/"))
            .header("X-Amz-Target", "AWSCognitoIdentityProviderService.ListUserPools")
            .header("Content-Type", "application/x-amz-json-1.1")
            .body(r#"{"MaxResults": 5}"#)
            .send()
            .await
            .expect("answers")
            .status()
    });
    assert_eq!(status, 200);

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
    assert!(killed.success());
    let exit = child.wait().expect("exits");
    assert_eq!(exit.code(), Some(exit_codes::OK));
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("rest of stdout");
    assert!(rest.contains("reference target stopped"), "{rest}");
}
