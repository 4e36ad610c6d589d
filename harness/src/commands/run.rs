//! `run`: scenarios against a target, reported as asked, with the exit code the verdicts call for.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cognito_conformance::reference::{Fault, FaultSet};
use cognito_conformance::report::human::{HumanReporter, Progress};
use cognito_conformance::report::{RunReport, Verdict, json, junit, write_reports};
use cognito_conformance::runner::{self, OnScenario, RunOptions};
use cognito_conformance::target::{Connected, ProfileConfig, TargetSpec};
use cognito_conformance::wire::WireOptions;
use cognito_conformance::{Error, exit_codes};

use super::select::select;
use crate::cli::{Format, RunArgs};

/// The exit code a finished run calls for: 3 when anything could not be checked, 4 when the
/// target departs from the contract (or lacks part of it), 0 when everything passed (warnings
/// allowed unless `--strict`, which already turned them into failures).
pub fn exit_code(report: &RunReport) -> i32 {
    let count = |v| report.summary.count(v);
    if count(Verdict::Error) > 0 {
        exit_codes::RUNTIME
    } else if count(Verdict::Fail) + count(Verdict::Unsupported) + count(Verdict::Skipped) > 0 {
        exit_codes::NON_CONFORMANT
    } else {
        exit_codes::OK
    }
}

fn seconds(value: f64, flag: &str) -> Result<Duration, Error> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| Error::Usage(format!("{flag} must be a positive number of seconds")))
}

pub fn run(args: RunArgs) -> Result<i32, Error> {
    let scenarios = select(&args.selection)?;
    if scenarios.is_empty() {
        eprintln!("no scenario selected: nothing to run");
        return Ok(exit_codes::NOTHING_RAN);
    }
    let faults: FaultSet = args.faults.iter().map(|name| name.parse::<Fault>()).collect::<Result<_, _>>()?;
    let profiles = match &args.config {
        Some(path) => ProfileConfig::load(path)?,
        None => ProfileConfig::builtin(),
    };
    let spec = TargetSpec::parse(&args.target, faults, &profiles.profiles)?;
    if args.jobs == Some(0) {
        return Err(Error::Usage("--jobs must be at least 1".into()));
    }
    let options = RunOptions {
        jobs: args.jobs.unwrap_or_else(runner::default_jobs),
        strict: args.strict,
        deadline: seconds(args.deadline, "--deadline")?,
        fail_fast: args.fail_fast,
    };
    let wire_options = WireOptions { timeout: seconds(args.timeout, "--timeout")?, ..WireOptions::default() };
    let total = scenarios.len() as u64;
    let human = args.format == Format::Human;
    let report = super::runtime()?.block_on(async {
        let target = Connected::open(&spec, args.allow_remote, wire_options).await?;
        let reporter = Arc::new(Mutex::new(if human {
            HumanReporter::stdout(total)
        } else {
            HumanReporter::new(std::io::stdout(), Progress::hidden())
        }));
        let progress = Arc::new(Mutex::new(if human { Progress::hidden() } else { Progress::new(total) }));
        let on_scenario: OnScenario = {
            let (reporter, progress) = (reporter.clone(), progress.clone());
            Arc::new(move |result| {
                if human {
                    if let Ok(mut reporter) = reporter.lock() {
                        let _ = reporter.scenario_finished(result);
                    }
                } else if let Ok(mut progress) = progress.lock() {
                    progress.inc(result);
                }
            })
        };
        let report = runner::run(scenarios, &target, &options, on_scenario).await;
        target.close().await;
        if let Ok(progress) = progress.lock() {
            progress.finish();
        }
        if human && let Ok(mut reporter) = reporter.lock() {
            reporter.finish(&report)?;
        }
        Ok::<_, Error>(report)
    })?;
    // Reports are written before anything else can fail, so a run's evidence is never lost.
    let written = args.report_dir.as_deref().map(|dir| write_reports(&report, dir));
    let mut stdout = std::io::stdout().lock();
    match args.format {
        Format::Human => {}
        Format::Json => json::write(&report, &mut stdout)?,
        Format::Junit => junit::write(&report, &mut stdout)?,
    }
    stdout.flush()?;
    if let Some(written) = written {
        written?;
    }
    Ok(exit_code(&report))
}
