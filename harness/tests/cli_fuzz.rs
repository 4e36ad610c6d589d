//! `cognito-conformance fuzz` end to end: exit codes, what it prints, the reproduction it writes,
//! and that no token or secret reaches its output.

use std::path::Path;
use std::process::{Command, Output};

use cognito_conformance::exit_codes;

fn fuzz(args: &[&str], out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cognito-conformance"))
        .arg("fuzz")
        .args(args)
        .arg("--out-dir")
        .arg(out)
        .output()
        .expect("runs")
}

/// A directory for reproductions, not created yet; the guard removes it, even when a test fails.
fn out_dir(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let guard =
        tempfile::Builder::new().prefix(&format!("cc-cli-fuzz-{name}-")).tempdir().expect("a temporary directory");
    let out = guard.path().join("reproductions");
    (guard, out)
}

/// A JWT or a 40+ character run of secret-like characters.
fn looks_secret(text: &str) -> Option<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "-_.=+".contains(c)))
        .find(|word| word.starts_with("eyJ") || (word.len() >= 40 && !word.contains('.')))
}

#[test]
fn a_fault_is_found_shrunk_written_and_exits_4() {
    let (_scratch, out) = out_dir("fault");
    let output = fuzz(&["--fault", "revoke-ignores-secret", "--seed", "7", "--cases", "400", "--jobs", "1"], &out);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(exit_codes::NON_CONFORMANT), "{stdout}\n{stderr}");
    assert!(stdout.contains("FINDING (security): wrongly-revoked"), "{stdout}");
    assert!(stdout.contains("seed 7, case #"), "{stdout}");
    assert!(stdout.contains("the reproduction fails against this target, as it should"), "{stdout}");
    let files: Vec<_> = std::fs::read_dir(&out).expect("the out dir exists").collect();
    assert_eq!(files.len(), 1);
    assert_eq!(looks_secret(&stdout), None, "{stdout}");
    assert_eq!(looks_secret(&stderr), None, "{stderr}");
    // The reproduction fails against the faulty reference and passes against the clean one.
    let path = files[0].as_ref().expect("entry").path();
    let run = |fault: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cognito-conformance"));
        command.arg("run").arg(&path).arg("--strict");
        if let Some(fault) = fault {
            command.args(["--fault", fault]);
        }
        command.output().expect("runs").status.code()
    };
    assert_eq!(run(Some("revoke-ignores-secret")), Some(exit_codes::NON_CONFORMANT));
    assert_eq!(run(None), Some(exit_codes::OK));
}

#[test]
fn the_clean_reference_exits_0_and_keep_going_reports_every_distinct_finding() {
    let (_scratch, out) = out_dir("clean");
    let output = fuzz(&["--seed", "3", "--cases", "300", "--surface", "revoke-api"], &out);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(exit_codes::OK), "{stdout}");
    assert!(stdout.contains("300 cases in"), "{stdout}");
    assert!(stdout.contains("surfaces: revoke-api\n"), "{stdout}");
    assert!(stdout.contains("no finding"), "{stdout}");

    let (_scratch, out) = out_dir("keep-going");
    let args = [
        "--seed",
        "3",
        "--cases",
        "300",
        "--keep-going",
        "--fault",
        "revoke-internal-error",
        "--fault",
        "errors-echo-token",
    ];
    let output = fuzz(&args, &out);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(exit_codes::NON_CONFORMANT), "{stdout}");
    assert!(stdout.contains("300 cases in"), "keep-going runs every case: {stdout}");
    assert!(stdout.contains("server-error on revoke-api"), "{stdout}");
    assert!(stdout.contains("echo on revoke-endpoint"), "{stdout}");
    assert!(std::fs::read_dir(&out).expect("written").count() >= 2);
}

#[test]
fn bad_values_are_usage_errors() {
    let (_scratch, out) = out_dir("usage");
    for args in
        [&["--jobs", "0"][..], &["--surface", "everything"], &["--time-limit", "soon"], &["--answer-bound", "-1"]]
    {
        let output = fuzz(args, &out);
        assert_eq!(output.status.code(), Some(exit_codes::USAGE), "{args:?}");
        assert!(!output.stderr.is_empty());
    }
    let output = fuzz(&["--target", "aws", "--region", "eu-west-1"], &out);
    assert_eq!(output.status.code(), Some(exit_codes::USAGE), "AWS needs consent");
    assert!(String::from_utf8_lossy(&output.stdout).contains("--create-aws-resources"));
}
