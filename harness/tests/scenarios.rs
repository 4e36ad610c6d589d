//! The committed scenario suite against the clean reference target: one trial per scenario file,
//! named by scenario id, all sharing one in-process reference. A trial fails, with the runner's
//! human-readable details, unless its scenario passes.
//!
//! `cargo test --test scenarios -- <filter>` runs the scenarios whose id contains `<filter>`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cognito_conformance::reference::FaultSet;
use cognito_conformance::report::Verdict;
use cognito_conformance::report::human::write_scenario;
use cognito_conformance::runner::run_scenario;
use cognito_conformance::scenario::{LoadError, load};
use cognito_conformance::target::{ConnectOptions, Connected, TargetSpec};
use libtest_mimic::{Arguments, Failed, Trial};

/// How long one scenario may take before its trial fails.
const SCENARIO_DEADLINE: Duration = Duration::from_secs(120);

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn main() {
    let args = Arguments::from_args();
    let scenarios = match load(&[suite_dir()]) {
        Ok(scenarios) => scenarios,
        Err(LoadError::Invalid(problems)) => {
            let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
            panic!("the scenario suite does not load:\n{}", text.join("\n"));
        }
        Err(other) => panic!("the scenario suite does not load: {other}"),
    };
    let runtime = Arc::new(
        tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime for the reference"),
    );
    let target = runtime
        .block_on(Connected::open(&TargetSpec::Reference(FaultSet::none()), &ConnectOptions::default()))
        .expect("the reference target starts");
    let target = Arc::new(target);
    let trials = scenarios
        .into_iter()
        .map(|scenario| {
            let (runtime, target) = (runtime.clone(), target.clone());
            Trial::test(scenario.id.clone(), move || {
                let deadline = Instant::now() + SCENARIO_DEADLINE;
                let result = runtime.block_on(run_scenario(&target.wire, &target.state, &scenario, false, deadline));
                if result.verdict == Verdict::Pass {
                    return Ok(());
                }
                let mut details = Vec::new();
                write_scenario(&mut details, &result).map_err(|e| Failed::from(e.to_string()))?;
                Err(Failed::from(String::from_utf8_lossy(&details).into_owned()))
            })
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    if let Ok(target) = Arc::try_unwrap(target) {
        runtime.block_on(target.close());
    }
    conclusion.exit();
}
