//! What a whole-suite run costs where it matters: against AWS (rehearsed) and against emulators.
//!
//! `cargo bench --bench aws_run` measures, in one run, on this machine:
//! 1. the whole suite in AWS mode (`run --target aws --create-aws-resources`) against the AWS
//!    rehearsal with 40 ms added to every answer and a 60 s delay before a new hosted domain
//!    answers (the default revocation lag and rate limit stay on): wall time, API calls by
//!    operation, throttled calls, and whether every scenario passed;
//! 2. the whole suite against spawned moto and ministack (`run --target NAME --spawn`), with this
//!    build's binary and, when `CC_BENCH_BASELINE_BIN` names one, an earlier build's binary side by
//!    side, and the ratio of the two wall times. The earlier binary reads the suite of its own
//!    checkout, `CC_BENCH_BASELINE_ROOT` (default: this one), since the scenario format moves on.
//!
//! Each run is the release binary in a child process, as a user runs it; wall time includes
//! everything the run does (for `--spawn`, the emulator's start and stop). Options (after `--`):
//! `--skip-aws`, `--skip-emulators`, `--latency-ms N`, `--domain-delay-s N`.
//! The emulators are those of the emulator table (installed on first use, or in
//! `CC_EMULATORS_DIR`).

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use cognito_conformance::rehearsal::{Rehearsal, RehearsalConfig};

const BIN: &str = env!("CARGO_BIN_EXE_cognito-conformance");
const EMULATORS: [&str; 2] = ["moto", "ministack"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn summary_line(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout.lines().find(|line| line.contains(" scenarios: ")).unwrap_or("(no summary)").trim().to_owned()
}

struct Options {
    aws: bool,
    emulators: bool,
    latency: Duration,
    domain_delay: Duration,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let number = |flag: &str, default: u64| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    Options {
        aws: !args.iter().any(|a| a == "--skip-aws"),
        emulators: !args.iter().any(|a| a == "--skip-emulators"),
        latency: Duration::from_millis(number("--latency-ms", 40)),
        domain_delay: Duration::from_secs(number("--domain-delay-s", 60)),
    }
}

async fn aws_mode(options: &Options) {
    let config = RehearsalConfig { latency: options.latency, domain_delay: options.domain_delay, ..Default::default() };
    println!(
        "AWS mode against the rehearsal: {} ms per answer, {} s domain delay, revocation lag {} ms, rate limit {:?}/s",
        config.latency.as_millis(),
        config.domain_delay.as_secs(),
        config.revocation_lag.as_millis(),
        config.rate_limit,
    );
    let rehearsal = Rehearsal::start(config).await.expect("the rehearsal starts");
    let home = tempfile::tempdir().expect("temp dir");
    let files = rehearsal.write_state(&home.path().join("rehearsal")).expect("state files");
    let mut command = Command::new(BIN);
    command
        .current_dir(root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", home.path().join("no-config"))
        .envs(files.environment())
        .args(["run", "--target", "aws", "--region", "us-east-1", "--create-aws-resources", "--ca-bundle"])
        .arg(&files.ca)
        .args(["--rehearsal", &rehearsal.addr().to_string()]);
    let started = Instant::now();
    let output = tokio::task::spawn_blocking(move || command.output()).await.expect("join").expect("run");
    let wall = started.elapsed();
    let calls = rehearsal.calls();
    let total: u64 = calls.values().sum();
    println!("  wall time {:.1} s, exit {:?}: {}", wall.as_secs_f64(), output.status.code(), summary_line(&output));
    println!("  {total} calls ({} throttled and retried), by operation:", rehearsal.throttled());
    let mut by_count: Vec<(&String, &u64)> = calls.iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (operation, count) in by_count {
        println!("    {count:>6}  {operation}");
    }
    let stats = rehearsal.stats();
    println!("  left behind: {} pool(s), {} client(s), {} user(s)", stats.pools, stats.clients, stats.users);
    rehearsal.shutdown().await;
}

/// One whole-suite run against a spawned emulator with `binary`, in checkout `dir`: wall time and
/// the summary.
fn emulator_run(binary: &Path, dir: &Path, name: &str) -> (Duration, String) {
    let mut command = Command::new(binary);
    command.current_dir(dir).args(["run", "--target", name, "--spawn"]);
    if std::env::var_os("CC_EMULATORS_DIR").is_none() {
        command.env("CC_EMULATORS_DIR", root().join(".emulators"));
    }
    let started = Instant::now();
    let output = command.output().expect("run");
    (started.elapsed(), summary_line(&output))
}

fn emulators() {
    let baseline = std::env::var_os("CC_BENCH_BASELINE_BIN").map(PathBuf::from);
    let baseline_root = std::env::var_os("CC_BENCH_BASELINE_ROOT").map_or_else(root, PathBuf::from);
    match &baseline {
        Some(path) => println!("emulators: this build against {} (CC_BENCH_BASELINE_BIN)", path.display()),
        None => println!("emulators: this build only (set CC_BENCH_BASELINE_BIN to compare with an earlier one)"),
    }
    for name in EMULATORS {
        // The first run installs the emulator if needed; it is not measured.
        let _ = emulator_run(Path::new(BIN), &root(), name);
        let (new_wall, new_summary) = emulator_run(Path::new(BIN), &root(), name);
        println!("  {name:<10} this build    {:>6.1} s  {new_summary}", new_wall.as_secs_f64());
        if let Some(path) = &baseline {
            let (old_wall, old_summary) = emulator_run(path, &baseline_root, name);
            println!("  {name:<10} baseline      {:>6.1} s  {old_summary}", old_wall.as_secs_f64());
            println!("  {name:<10} speed-up      {:>6.1}×", old_wall.as_secs_f64() / new_wall.as_secs_f64());
        }
    }
}

fn main() {
    let options = options();
    if options.aws {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
        runtime.block_on(aws_mode(&options));
    }
    if options.emulators {
        emulators();
    }
}
