//! The suite against every target CI covers — the reference and the default emulators (moto,
//! cognito-local, ministack), plus any named in `CC_EMULATORS` — each checked against its committed
//! snapshots (`snapshots/<target>/*.snap`, with insta, so `cargo insta review` accepts changes) and
//! its baseline of known non-conformances (`snapshots/<target>/expected.toml`).
//!
//! One trial per target. Emulators are started by the harness itself on free loopback ports
//! (`--spawn`, which installs the pinned version on first use, as `emulator install` does), so the
//! trials need no set-up and can run side by side. A trial fails on any snapshot change or any
//! departure from the baseline, and says which; nothing here is skipped for a missing emulator.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use cognito_conformance::baseline::{self, BaselineError};
use cognito_conformance::reference::FaultSet;
use cognito_conformance::report::RunReport;
use cognito_conformance::runner::{self, RunOptions};
use cognito_conformance::scenario::load;
use cognito_conformance::snapshot;
use cognito_conformance::target::emulator::EMULATORS;
use cognito_conformance::target::{ConnectOptions, Connected, TargetSpec, builtin_profiles};
use cognito_conformance::wire::WireOptions;
use libtest_mimic::{Arguments, Failed, Trial};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The targets to cover: the reference, the defaults, and the opt-in ones of `CC_EMULATORS`.
fn targets() -> Vec<String> {
    let mut names = vec!["reference".to_owned()];
    // The emulators every test run covers: the table's default set.
    names.extend(EMULATORS.iter().filter(|e| e.default_set).map(|e| e.name.to_owned()));
    let extra = std::env::var("CC_EMULATORS").unwrap_or_default();
    for name in extra.split([',', ' ']).map(str::trim).filter(|n| !n.is_empty()) {
        if !names.iter().any(|known| known == name) {
            names.push(name.to_owned());
        }
    }
    names
}

fn run_target(name: &str) -> Result<RunReport, Failed> {
    let scenarios = load(&[root().join("scenarios")]).map_err(|e| Failed::from(e.to_string()))?;
    let spec = if name == "reference" {
        TargetSpec::Reference(FaultSet::none())
    } else {
        let profile = builtin_profiles()
            .into_iter()
            .find(|p| p.name == name)
            .ok_or_else(|| Failed::from(format!("CC_EMULATORS names `{name}`, which is no built-in emulator")))?;
        TargetSpec::Profile(profile)
    };
    // A generous request timeout: on a loaded CI machine an emulator's first request to a lazily
    // loaded part (moto's S3 router, which answers hosted paths) can take more than the default
    // 10 s, and a timeout is not a behaviour worth a snapshot.
    let connect = ConnectOptions {
        spawn: (name != "reference").then(|| Duration::from_secs(900)),
        wire: WireOptions { timeout: Duration::from_secs(60), ..WireOptions::default() },
        ..ConnectOptions::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let target = Connected::open(&spec, &connect).await.map_err(|e| Failed::from(format!("{name}: {e}")))?;
        let options = RunOptions { jobs: 8, ..RunOptions::default() };
        let report = runner::run(scenarios, &target, &options, Arc::new(|_| {})).await;
        target.close().await;
        Ok(report)
    })
}

/// Checks every transcript with insta; returns the scenarios whose snapshot changed.
fn check_snapshots(name: &str, report: &RunReport) -> Vec<String> {
    let dir = root().join("snapshots").join(name);
    let mut changed = Vec::new();
    for result in &report.scenarios {
        let contents = snapshot::render(&snapshot::transcript(result));
        let id = result.id.clone();
        let asserted = std::panic::catch_unwind(|| {
            insta::with_settings!({
                snapshot_path => dir.clone(),
                prepend_module_to_snapshot => false,
                omit_expression => true,
            }, {
                insta::assert_snapshot!(id.as_str(), contents);
            });
        });
        if asserted.is_err() {
            changed.push(result.id.clone());
        }
    }
    changed
}

fn check(name: &str) -> Result<(), Failed> {
    let path = root().join("snapshots").join(name).join("expected.toml");
    let known = match baseline::load(&path) {
        Ok(known) => known,
        Err(BaselineError::Missing { .. }) => baseline::Baseline::empty(name),
        Err(error) => return Err(Failed::from(format!("{error:?}"))),
    };
    let mut report = run_target(name)?;
    let mut problems = Vec::new();
    let outcome = baseline::compare(&known, &report.scenarios);
    if !outcome.is_clean() {
        problems.push(baseline::render(&outcome, &path));
    }
    // Scenarios the baseline calls unstable vary from run to run: not compared.
    report.scenarios.retain(|r| known.unstable(&r.id).is_none());
    let changed = check_snapshots(name, &report);
    if !changed.is_empty() {
        problems.push(format!(
            "{} snapshot(s) of {name} changed: {} (review with `cargo insta review`, or \
             `cognito-conformance run --target {name} --spawn --update-snapshots`)",
            changed.len(),
            changed.join(", ")
        ));
    }
    if problems.is_empty() { Ok(()) } else { Err(Failed::from(problems.join("\n\n"))) }
}

fn main() {
    let args = Arguments::from_args();
    let trials = targets().into_iter().map(|name| Trial::test(name.clone(), move || check(&name))).collect();
    libtest_mimic::run(&args, trials).exit();
}
