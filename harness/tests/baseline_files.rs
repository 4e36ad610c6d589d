//! Committed baselines (`snapshots/<target>/expected.toml`) load, name their own target, and list
//! only expectations the committed suite states. A run compares only the scenarios it includes, so
//! an entry with a misspelt scenario id would otherwise never be checked; this test is where it is
//! caught. A baseline generated from a real run against the reference loads back and matches it.

use std::path::{Path, PathBuf};

use std::sync::Arc;

use cognito_conformance::baseline::{self, BaselineError, StaleWhy};
use cognito_conformance::reference::{Fault, FaultSet};
use cognito_conformance::report::{RunReport, Verdict};
use cognito_conformance::runner::{OnScenario, RunOptions, run};
use cognito_conformance::scenario::{self, Scenario};
use cognito_conformance::target::{ConnectOptions, Connected, TargetSpec};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `snapshots/*/expected.toml`, sorted; none when there is no `snapshots` directory yet.
fn committed_baselines() -> Vec<PathBuf> {
    let Ok(dirs) = std::fs::read_dir(repo_root().join("snapshots")) else { return Vec::new() };
    let mut files: Vec<PathBuf> = dirs
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("expected.toml"))
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

fn located(error: &BaselineError) -> String {
    let problems: Vec<String> = error.problems().iter().map(ToString::to_string).collect();
    if problems.is_empty() { error.to_string() } else { problems.join("\n") }
}

fn suite() -> Vec<Scenario> {
    scenario::load(&[repo_root().join("scenarios")]).unwrap_or_else(|e| panic!("suite: {e}"))
}

fn run_reference(faults: FaultSet, scenarios: Vec<Scenario>) -> RunReport {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    runtime.block_on(async {
        let target = Connected::open(&TargetSpec::Reference(faults), &ConnectOptions::default())
            .await
            .expect("the reference target starts");
        let quiet: OnScenario = Arc::new(|_| {});
        let report = run(scenarios, &target, &RunOptions::default(), quiet).await;
        target.close().await;
        report
    })
}

#[test]
fn committed_baselines_load_and_name_only_what_the_suite_states() {
    let suite = suite();
    for path in committed_baselines() {
        let loaded = baseline::load(&path).unwrap_or_else(|e| panic!("{}", located(&e)));
        let dir = path.parent().and_then(Path::file_name).and_then(|n| n.to_str()).unwrap_or_default();
        assert_eq!(loaded.target, dir, "{}: `target` names its directory", path.display());
        let unknown: Vec<String> =
            baseline::unknown_entries(&loaded, &suite).iter().map(|k| format!("    {}", k.key)).collect();
        assert!(
            unknown.is_empty(),
            "{}: entries no scenario states (misspelt, or the scenario changed):\n{}",
            path.display(),
            unknown.join("\n")
        );
    }
}

#[test]
fn a_missing_baseline_is_reported_as_missing() {
    let path = repo_root().join("snapshots/no-such-target/expected.toml");
    assert!(matches!(baseline::load(&path), Err(BaselineError::Missing { .. })));
}

#[test]
fn a_baseline_file_on_disk_loads() {
    let dir = std::env::temp_dir().join(format!("cc-baseline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("expected.toml");
    let text = "target = \"moto\"\n\n[[known]]\nscenario = \"s\"\nstep = \"t\"\ncheck = \"status = 200\"\n\
                verdict = \"unsupported\"\nreason = \"no RevokeToken\"\n";
    std::fs::write(&path, text).expect("write");
    let loaded = baseline::load(&path);
    std::fs::remove_dir_all(&dir).ok();
    let loaded = loaded.unwrap_or_else(|e| panic!("{}", located(&e)));
    assert_eq!((loaded.target.as_str(), loaded.known.len()), ("moto", 1));
}

/// A real run, with every reference fault on so that many expectations fail in many ways: its
/// generated baseline loads, names only what the suite states, and matches the run exactly; the
/// clean reference then makes every entry stale, and nothing new.
#[test]
fn a_baseline_generated_from_a_real_run_matches_it() {
    let suite = suite();
    let broken = run_reference(Fault::ALL.into_iter().collect(), suite.clone());
    let non_pass = {
        let mut keys: Vec<_> = broken
            .scenarios
            .iter()
            .flat_map(|s| {
                s.expectations.iter().filter(|e| e.verdict != Verdict::Pass).map(|e| (&s.id, &e.step, &e.check))
            })
            .collect();
        keys.sort();
        keys.dedup();
        keys.len()
    };
    assert!(non_pass > 0, "every fault on, yet nothing failed");

    let text = baseline::generate("reference", &broken.scenarios, None).expect("no error verdicts");
    let generated =
        baseline::parse(Path::new("expected.toml"), &text).unwrap_or_else(|e| panic!("{}\n{text}", located(&e)));
    assert!(baseline::unknown_entries(&generated, &suite).is_empty());
    let outcome = baseline::compare(&generated, &broken.scenarios);
    assert!(outcome.is_clean(), "{}", baseline::render(&outcome, Path::new("expected.toml")));
    assert_eq!(outcome.matched, non_pass);

    let clean = run_reference(FaultSet::none(), suite);
    let outcome = baseline::compare(&generated, &clean.scenarios);
    assert!(outcome.new_failures.is_empty() && outcome.changed.is_empty() && outcome.matched == 0, "{outcome:?}");
    assert_eq!(outcome.stale.len(), non_pass);
    assert!(outcome.stale.iter().all(|s| s.why == StaleWhy::Passes));
    let regenerated = baseline::generate("reference", &clean.scenarios, Some(&generated)).expect("no error verdicts");
    assert!(baseline::parse(Path::new("expected.toml"), &regenerated).expect("valid").known.is_empty());
}
