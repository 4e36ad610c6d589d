//! The real binary against targets that misbehave on purpose (`common/hostile_server.rs`): for
//! every mode the run must end with exit 3 or 4 as the README's exit-code table documents, write
//! both reports, end within its deadline plus 5 s, peak under 200 MB of resident memory, and put
//! no fragment of 12 or more characters of any secret in stdout, stderr or a report.
//!
//! The modes run in parallel, each its own child process, so the suite takes about one deadline.

mod common;

use std::collections::HashSet;
use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::hostile_server::{self, Mode};
use common::reliability::{Row, check_section};

/// The deadline given to runs that cannot get anywhere, in seconds.
const DEADLINE: u64 = 3;
/// The echo mode runs the whole suite through its proxy; it ends well before this.
const ECHO_DEADLINE: u64 = 30;
/// The per-request timeout.
const TIMEOUT: u64 = 1;
const MEMORY_LIMIT_KB: i64 = 200 * 1024;
const FRAGMENT: usize = 12;

/// What one run of the binary did.
struct Ran {
    exit: i32,
    wall: Duration,
    peak_kb: i64,
    outputs: Vec<(String, Vec<u8>)>,
}

/// Runs the binary, measuring its peak resident memory with `wait4` (std's `wait` drops the rusage).
// The child is reaped by `wait4`, which clippy does not know.
#[allow(unsafe_code, clippy::zombie_processes)]
fn run_binary(args: &[&str], dir: &Path) -> Ran {
    let stdout = File::create(dir.join("stdout")).expect("a stdout file");
    let stderr = File::create(dir.join("stderr")).expect("a stderr file");
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_cognito-conformance"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("the binary starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, writing into the two locals above.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4: {}", std::io::Error::last_os_error());
    let wall = started.elapsed();
    let exit = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { 128 + libc::WTERMSIG(status) };
    let outputs = ["stdout", "stderr", "report/report.json", "report/junit.xml"]
        .iter()
        .map(|name| (name.to_string(), std::fs::read(dir.join(name)).unwrap_or_default()))
        .collect();
    Ran { exit, wall, peak_kb: usage.ru_maxrss, outputs }
}

/// Every window of [`FRAGMENT`] bytes of the secrets (whole secrets when shorter).
fn windows(secrets: &[String]) -> HashSet<&[u8]> {
    secrets
        .iter()
        .flat_map(|secret| {
            let bytes = secret.as_bytes();
            if bytes.len() < FRAGMENT { vec![bytes] } else { bytes.windows(FRAGMENT).collect() }
        })
        .collect()
}

/// The first place a secret's window occurs in `text`, if any.
fn leak(windows: &HashSet<&[u8]>, shortest: usize, text: &[u8]) -> Option<String> {
    for width in [FRAGMENT].into_iter().chain((shortest < FRAGMENT).then_some(shortest)) {
        if let Some((at, window)) = text.windows(width).enumerate().find(|(_, w)| windows.contains(w)) {
            let around = &text[at.saturating_sub(120)..(at + 120).min(text.len())];
            return Some(format!(
                "`{}` at byte {at}, in …{}…",
                String::from_utf8_lossy(window),
                String::from_utf8_lossy(around)
            ));
        }
    }
    None
}

/// Runs `mode` and checks the run; returns the outcome for the README.
fn try_mode(mode: Mode) -> String {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let hostile = runtime.block_on(hostile_server::start(mode));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let report = dir.path().join("report");
    let deadline = if mode == Mode::EchoSecrets { ECHO_DEADLINE } else { DEADLINE };
    let (deadline_text, timeout_text) = (deadline.to_string(), TIMEOUT.to_string());
    let args = [
        "run",
        "--target",
        &hostile.url,
        "--deadline",
        &deadline_text,
        "--timeout",
        &timeout_text,
        "--report-dir",
        report.to_str().expect("a UTF-8 path"),
    ];
    let ran = run_binary(&args, dir.path());
    let stderr = String::from_utf8_lossy(&ran.outputs[1].1).into_owned();
    let name = mode.describe();
    assert!(matches!(ran.exit, 3 | 4), "{name}: exit {} (3 or 4 expected); stderr:\n{stderr}", ran.exit);
    for file in ["report.json", "junit.xml"] {
        let text = std::fs::read_to_string(report.join(file)).unwrap_or_default();
        assert!(!text.is_empty(), "{name}: {file} was not written; stderr:\n{stderr}");
    }
    assert!(
        ran.wall <= Duration::from_secs(deadline + 5),
        "{name}: the run took {:?}, past its {deadline} s deadline + 5 s",
        ran.wall
    );
    assert!(ran.peak_kb < MEMORY_LIMIT_KB, "{name}: peak resident memory {} KB", ran.peak_kb);
    let secrets = hostile.seen.lock().expect("the record").clone();
    if mode == Mode::EchoSecrets {
        assert!(secrets.len() >= 10, "{name}: the proxy saw only {} secrets", secrets.len());
    }
    let windows = windows(&secrets);
    let shortest = secrets.iter().map(String::len).min().unwrap_or(FRAGMENT);
    for (file, text) in &ran.outputs {
        if let Some(found) = leak(&windows, shortest, text) {
            panic!("{name}: a secret's fragment in {file}: {found}");
        }
    }
    runtime.shutdown_background();
    let exit = ran.exit;
    // The figures behind the README row, for `--nocapture`.
    eprintln!(
        "{name}: exit {exit}, {:.1} s of a {deadline} s deadline, peak {} MB",
        ran.wall.as_secs_f64(),
        ran.peak_kb / 1024
    );
    if mode == Mode::EchoSecrets {
        format!(
            "exit {exit}; both reports; within deadline + 5 s; under 200 MB; no 12-character fragment of any secret it was sent"
        )
    } else {
        format!("exit {exit}; both reports; within deadline + 5 s; under 200 MB")
    }
}

#[test]
fn every_hostile_mode_ends_in_time_with_reports_bounded_memory_and_no_secret() {
    let handles: Vec<_> = Mode::ALL.iter().map(|mode| (*mode, std::thread::spawn(move || try_mode(*mode)))).collect();
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for (mode, handle) in handles {
        match handle.join() {
            Ok(outcome) => rows.push(Row::new(mode.describe(), 1, outcome)),
            Err(panic) => failures.push(
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default(),
            ),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    check_section("hostile-target", &rows);
}
