//! Hostile and broken input files: each is refused with a location and exit 2, every problem of
//! a directory is reported in one run, and nothing blocks, reads without end or panics — a FIFO, a
//! link to `/dev/zero`, a dangling link, bytes that are not UTF-8, a file of many megabytes.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn check(dir: &Path) -> (Output, Duration) {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_cognito-conformance"))
        .args(["check", "--scenarios"])
        .arg(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    (output, started.elapsed())
}

fn valid_scenario() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/revoke-token-basic.toml"))
        .expect("the suite's shortest scenario")
}

#[test]
fn a_valid_control_passes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.toml"), valid_scenario()).unwrap();
    let (output, _) = check(dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
}

#[cfg(unix)]
#[test]
fn every_unreadable_file_is_located_and_none_blocks_or_reads_forever() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    std::fs::write(path("ok.toml"), valid_scenario()).unwrap();
    std::fs::write(path("bad-utf8.toml"), b"title = \"t\xff\"\nspec = \"\xc3\"\n").unwrap();
    std::os::unix::fs::symlink("/nonexistent/anywhere", path("dangling.toml")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", path("zero.toml")).unwrap();
    let fifo = std::process::Command::new("mkfifo").arg(path("fifo.toml")).status().expect("mkfifo runs");
    assert!(fifo.success());
    std::fs::write(path("big.toml"), "#".repeat(5 * 1024 * 1024)).unwrap();

    let (output, took) = check(dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(took < Duration::from_secs(30), "check took {took:?}: something blocked");
    let shown = |name: &str| dir.path().join(name).display().to_string();
    for (file, at, why) in [
        ("bad-utf8.toml", "1:11", "not UTF-8: byte 0xff"),
        ("dangling.toml", "1:1", "cannot read this file"),
        ("zero.toml", "1:1", "not a regular file"),
        ("fifo.toml", "1:1", "not a regular file"),
        ("big.toml", "1:1", "larger than 4 MiB"),
    ] {
        let expected = format!("{}:{at}: {why}", shown(file));
        assert!(stderr.contains(&expected), "missing `{expected}` in:\n{stderr}");
    }
    assert!(stderr.contains("5 invalid scenario file problem(s)"), "{stderr}");
}
