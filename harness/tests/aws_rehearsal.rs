//! `--target aws` rehearsed on loopback: the binary runs the whole suite in AWS mode against the
//! rehearsal (the reference behind TLS under AWS's own host names, with SigV4, throttling, a
//! domain delay and a revocation lag), exactly as it would run against Cognito — the shared
//! credentials file, the CA bundle, real host names, SNI — and leaves nothing behind, whether it
//! finishes, is killed, or is stopped by a signal.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use cognito_conformance::rehearsal::{Rehearsal, RehearsalConfig, StateFiles};
use cognito_conformance::runner::plan::RunPlan;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_cognito-conformance");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A rehearsal, its state files, and a home directory with nothing else in it.
struct Rehearsed {
    rehearsal: Rehearsal,
    files: StateFiles,
    home: tempfile::TempDir,
}

impl Rehearsed {
    async fn start(config: RehearsalConfig) -> Self {
        let rehearsal = Rehearsal::start(config).await.expect("the rehearsal starts");
        let home = tempfile::tempdir().expect("temp dir");
        let files = rehearsal.write_state(&home.path().join("rehearsal")).expect("state files");
        Self { rehearsal, files, home }
    }

    /// The binary as a user runs it against the rehearsal: credentials from the shared
    /// credentials file of `AWS_PROFILE`, nothing else of this machine's environment.
    fn harness(&self, command: &str) -> Command {
        let mut harness = Command::new(BIN);
        harness
            .current_dir(root())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("AWS_CONFIG_FILE", self.home.path().join("no-config"))
            .envs(self.files.environment())
            .args([command, "--target", "aws", "--region", "us-east-1", "--ca-bundle"])
            .arg(&self.files.ca)
            .args(["--rehearsal", &self.rehearsal.addr().to_string()]);
        harness
    }

    fn report_dir(&self) -> PathBuf {
        self.home.path().join("reports")
    }

    /// What a run's output must never carry.
    fn assert_no_secret(&self, text: &str) {
        let secret = self.rehearsal.credentials().secret_access_key();
        assert!(!text.contains(secret), "the secret access key leaked");
        assert!(!text.contains(&secret[..12]), "part of the secret access key leaked");
    }
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

async fn output(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output()).await.expect("join").expect("the binary runs")
}

fn suite() -> Vec<cognito_conformance::scenario::Scenario> {
    cognito_conformance::scenario::load(&[root().join("scenarios")]).expect("the suite loads")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_whole_suite_passes_in_aws_mode_over_tls_to_the_real_host_names() {
    let rehearsed = Rehearsed::start(RehearsalConfig::default()).await;
    let mut run = rehearsed.harness("run");
    run.arg("--create-aws-resources").arg("--report-dir").arg(rehearsed.report_dir());
    let output = output(run).await;
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    let suite = suite();
    let count = suite.len();
    assert!(all.contains(&format!("{count} scenarios: {count} pass")), "{all}");
    assert!(all.contains("target: aws (https://cognito-idp.us-east-1.amazonaws.com)"), "{all}");
    rehearsed.assert_no_secret(&all);

    let report = std::fs::read_to_string(rehearsed.report_dir().join("report.json")).expect("report.json");
    rehearsed.assert_no_secret(&report);
    let report: Value = serde_json::from_str(&report).expect("JSON");
    assert_eq!(report["target"]["endpoint"], "https://cognito-idp.us-east-1.amazonaws.com");
    assert_eq!(report["summary"]["by_verdict"]["pass"], count, "{}", report["summary"]);

    // The transcripts show AWS's own host names, over HTTPS, for the API and the hosted domain.
    let urls: Vec<&str> = report["scenarios"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|scenario| scenario["steps"].as_array().into_iter().flatten())
        .filter_map(|step| step["request"]["url"].as_str())
        .collect();
    assert!(urls.contains(&"https://cognito-idp.us-east-1.amazonaws.com/"), "{urls:?}");
    let hosted = urls.iter().find(|url| url.ends_with(".auth.us-east-1.amazoncognito.com/oauth2/revoke"));
    assert!(hosted.is_some_and(|url| url.starts_with("https://cc-")), "{urls:?}");

    // One pool per distinct pool configuration and at most one domain each, all deleted again; the
    // rehearsal saw the run through AWS's front door.
    let plan = RunPlan::new(&suite, None);
    let calls = rehearsed.rehearsal.calls();
    assert_eq!(calls.get("CreateUserPool").copied(), Some(plan.pools_created() as u64), "{calls:?}");
    assert_eq!(calls.get("CreateUserPoolDomain").copied(), Some(plan.domains_created() as u64), "{calls:?}");
    assert!(plan.pools_created() < 10 && plan.domains_created() <= plan.pools_created());
    assert_eq!(rehearsed.rehearsal.stats().pools, 0, "pools left behind");
    for operation in ["RevokeToken", "oauth2/revoke", "jwks.json", "CreateUserPoolClient", "AdminCreateUser"] {
        assert!(calls.get(operation).is_some_and(|n| *n > 0), "no {operation} reached the rehearsal: {calls:?}");
    }
    rehearsed.rehearsal.shutdown().await;
}

/// Waits until the run has created pools and signed users in, or panics.
async fn until_midway(rehearsal: &Rehearsal, child: &mut Child) {
    let started = Instant::now();
    loop {
        let signed_in = rehearsal.calls().get("InitiateAuth").copied().unwrap_or(0);
        if rehearsal.stats().pools > 0 && signed_in >= 5 {
            return;
        }
        if let Some(status) = child.try_wait().expect("wait") {
            panic!("the run ended before it was midway: {status}");
        }
        assert!(started.elapsed() < Duration::from_secs(120), "the run never got going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_run_leaves_nothing_that_cleanup_cannot_find() {
    let rehearsed = Rehearsed::start(RehearsalConfig::default()).await;
    let mut run = rehearsed.harness("run");
    run.arg("--create-aws-resources").stdout(Stdio::null()).stderr(Stdio::null());
    let mut child = run.spawn().expect("the run starts");
    until_midway(&rehearsed.rehearsal, &mut child).await;
    child.kill().expect("kill -9");
    child.wait().expect("reaped");
    let left = rehearsed.rehearsal.stats().pools;
    assert!(left > 0, "the killed run left nothing, so this test shows nothing");

    let cleanup = output(rehearsed.harness("cleanup")).await;
    let all = text(&cleanup);
    assert_eq!(cleanup.status.code(), Some(0), "{all}");
    assert!(all.contains(&format!("{left} pool(s) deleted")), "{all}");
    rehearsed.assert_no_secret(&all);
    // The rehearsal refuses to delete a pool that has a domain, so none left means domains went
    // first.
    assert_eq!(rehearsed.rehearsal.stats().pools, 0, "cleanup left pools: {all}");
    rehearsed.rehearsal.shutdown().await;
}

/// Sends `signal` to the run midway; it must delete what it created, write its report and exit
/// with `code`, as for Ctrl-C.
async fn stopped_by(signal: &str, code: i32) {
    let rehearsed = Rehearsed::start(RehearsalConfig::default()).await;
    let mut run = rehearsed.harness("run");
    run.arg("--create-aws-resources").arg("--report-dir").arg(rehearsed.report_dir());
    run.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = run.spawn().expect("the run starts");
    until_midway(&rehearsed.rehearsal, &mut child).await;
    let sent = Command::new("kill").args([signal, &child.id().to_string()]).status().expect("kill");
    assert!(sent.success());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output()).await.expect("join").expect("wait");
    let all = text(&output);
    assert_eq!(output.status.code(), Some(code), "{signal}: {all}");
    rehearsed.assert_no_secret(&all);
    assert_eq!(rehearsed.rehearsal.stats().pools, 0, "{signal} left pools: {all}");
    let report = std::fs::read_to_string(rehearsed.report_dir().join("report.json")).expect("report.json");
    rehearsed.assert_no_secret(&report);
    rehearsed.rehearsal.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_cleans_up_like_ctrl_c() {
    stopped_by("-TERM", 143).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_cleans_up() {
    stopped_by("-INT", 130).await;
}
