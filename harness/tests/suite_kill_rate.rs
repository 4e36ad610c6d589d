//! The scenario suite's kill matrix: for every reference fault, the suite run against the reference
//! with that fault on must fail exactly the scenarios `scenarios/KILLS.toml` lists for it, and the
//! clean reference must pass every scenario.
//!
//! A fault no scenario fails is a bug class the suite cannot see; a scenario that starts or stops
//! failing under a fault is a change in what the suite proves, so the list is kept by hand and a
//! mismatch prints the observed matrix, ready to paste after review.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cognito_conformance::reference::{Fault, FaultSet};
use cognito_conformance::report::model::Summary;
use cognito_conformance::report::{RunReport, Verdict};
use cognito_conformance::runner::{OnScenario, RunOptions, run, run_scenario};
use cognito_conformance::scenario::{LoadError, Scenario, load};
use cognito_conformance::target::{ConnectOptions, Connected, TargetSpec};
use serde::Deserialize;
use tokio::task::JoinSet;

/// `scenarios/KILLS.toml`: `[faults] <fault-name> = ["scenario-id", …]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Kills {
    faults: BTreeMap<String, Vec<String>>,
}

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn kills_file() -> PathBuf {
    suite_dir().join("KILLS.toml")
}

fn suite() -> Vec<Scenario> {
    load(&[suite_dir()]).unwrap_or_else(|error| match error {
        LoadError::Invalid(problems) => {
            panic!("{}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
        }
        other => panic!("{other}"),
    })
}

/// The documented kill lists, checked for shape: every fault present, known, non-empty, no
/// duplicates, and every id a scenario of the suite.
fn documented(scenarios: &[Scenario]) -> BTreeMap<Fault, BTreeSet<String>> {
    let path = kills_file();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let kills: Kills = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let ids: BTreeSet<&str> = scenarios.iter().map(|s| s.id.as_str()).collect();
    let mut lists = BTreeMap::new();
    for (name, list) in kills.faults {
        let fault: Fault = name.parse().unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!list.is_empty(), "{}: `{name}` kills nothing; every fault must fail a scenario", path.display());
        let set: BTreeSet<String> = list.iter().cloned().collect();
        assert_eq!(set.len(), list.len(), "{}: `{name}` lists a scenario twice", path.display());
        for id in &set {
            assert!(ids.contains(id.as_str()), "{}: `{name}` lists `{id}`, which is no scenario", path.display());
        }
        lists.insert(fault, set);
    }
    for fault in Fault::ALL {
        assert!(lists.contains_key(&fault), "{}: fault `{fault}` is missing", path.display());
    }
    lists
}

/// The suite against the reference with `faults`. The clean reference runs it as `run` does, in
/// the run's shared pools. With a fault, each scenario runs on its own (`run_scenario`), in pools of its
/// own: a fault may act pool-wide (`rotate-keys-on-revoke` rotates the pool's keys on any revoke),
/// and in shared pools which other scenarios it then breaks would depend on timing. The matrix
/// says what each scenario proves on its own.
async fn run_with(faults: FaultSet, scenarios: Vec<Scenario>) -> RunReport {
    let target = Connected::open(&TargetSpec::Reference(faults.clone()), &ConnectOptions::default())
        .await
        .expect("the reference target starts");
    let quiet: OnScenario = Arc::new(|_| {});
    if faults.is_empty() {
        let report = run(scenarios, &target, &RunOptions::default(), quiet).await;
        target.close().await;
        return report;
    }
    let mut report = run(Vec::new(), &target, &RunOptions::default(), quiet).await;
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut runs = JoinSet::new();
    for (index, scenario) in scenarios.into_iter().enumerate() {
        let (wire, state) = (target.wire.clone(), target.state.clone());
        runs.spawn(async move { (index, run_scenario(&wire, &state, &scenario, false, deadline).await) });
    }
    let mut results = Vec::new();
    while let Some(joined) = runs.join_next().await {
        results.push(joined.expect("a scenario run panicked"));
    }
    results.sort_by_key(|(index, _)| *index);
    report.scenarios = results.into_iter().map(|(_, result)| result).collect();
    report.summary = Summary::of(&report.scenarios);
    target.close().await;
    report
}

fn with_verdict(report: &RunReport, verdict: Verdict) -> BTreeSet<String> {
    report.scenarios.iter().filter(|s| s.verdict == verdict).map(|s| s.id.clone()).collect()
}

fn toml_list(ids: &BTreeSet<String>) -> String {
    let quoted: Vec<String> = ids.iter().map(|id| format!("  \"{id}\",")).collect();
    format!("[\n{}\n]", quoted.join("\n"))
}

#[test]
fn the_kills_file_names_every_fault() {
    let scenarios = suite();
    let lists = documented(&scenarios);
    assert_eq!(lists.len(), Fault::ALL.len());
}

#[test]
fn every_fault_fails_exactly_its_documented_scenarios() {
    let scenarios = suite();
    let expected = documented(&scenarios);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    let reports: BTreeMap<Option<Fault>, RunReport> = runtime.block_on(async {
        let mut runs = JoinSet::new();
        for fault in std::iter::once(None).chain(Fault::ALL.into_iter().map(Some)) {
            let scenarios = scenarios.clone();
            runs.spawn(async move { (fault, run_with(fault.into_iter().collect(), scenarios).await) });
        }
        let mut reports = BTreeMap::new();
        while let Some(joined) = runs.join_next().await {
            let (fault, report) = joined.expect("a suite run panicked");
            reports.insert(fault, report);
        }
        reports
    });

    let mut problems = Vec::new();
    let clean = &reports[&None];
    let not_passing: Vec<String> = clean
        .scenarios
        .iter()
        .filter(|s| s.verdict != Verdict::Pass)
        .map(|s| format!("{} ({})", s.id, s.verdict.name()))
        .collect();
    if !not_passing.is_empty() {
        problems.push(format!("the clean reference does not pass: {}", not_passing.join(", ")));
    }
    let mut observed_matrix = Vec::new();
    for fault in Fault::ALL {
        let report = &reports[&Some(fault)];
        let failing = with_verdict(report, Verdict::Fail);
        observed_matrix.push(format!("{} = {}", fault.name(), toml_list(&failing)));
        for verdict in [Verdict::Error, Verdict::Unsupported] {
            let odd = with_verdict(report, verdict);
            if !odd.is_empty() {
                problems.push(format!("{fault}: scenarios answered {}: {odd:?}", verdict.name()));
            }
        }
        let documented = &expected[&fault];
        if failing != *documented {
            let newly: Vec<&String> = failing.difference(documented).collect();
            let no_longer: Vec<&String> = documented.difference(&failing).collect();
            problems.push(format!("{fault}: fails but not listed {newly:?}; listed but passes {no_longer:?}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n\nobserved matrix (review, then paste under [faults] in scenarios/KILLS.toml):\n{}",
        problems.join("\n"),
        observed_matrix.join("\n")
    );
}
