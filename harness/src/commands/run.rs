//! `run`: scenarios against a target, reported as asked, with the exit code the verdicts call for.

use std::io::Write;
use std::sync::{Arc, Mutex};

use cognito_conformance::baseline::{self, BaselineError};
use cognito_conformance::embedded::BaselineSource;
use cognito_conformance::reference::{Fault, FaultSet};
use cognito_conformance::report::human::{HumanReporter, Progress};
use cognito_conformance::report::{RunReport, Verdict, json, junit, write_reports};
use cognito_conformance::runner::plan::RunPlan;
use cognito_conformance::runner::{self, OnScenario, RunOptions};
use cognito_conformance::snapshot;
use cognito_conformance::target::{Connected, TargetSpec, aws};
use cognito_conformance::{Error, exit_codes};

use super::Stop;
use super::select::select;
use super::target::{resolve, reused_pool, seconds};
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

/// Completes when SIGINT (Ctrl-C) or SIGTERM arrives, recording which.
async fn signalled(which: Arc<Mutex<Option<Stop>>>) {
    let stop = super::stop_signal().await;
    if let Ok(mut which) = which.lock() {
        *which = Some(stop);
    }
}

/// The target as the user gave it, for hints that name a command to run.
fn target_as_given(args: &RunArgs) -> String {
    let mut text = format!("--target {}", args.target.target);
    if let Some(config) = &args.target.config {
        text.push_str(&format!(" --config {}", config.display()));
    }
    if let Some(region) = &args.target.region {
        text.push_str(&format!(" --region {region}"));
    }
    if let Some(url) = &args.target.endpoint_url {
        text.push_str(&format!(" --endpoint-url {url}"));
    }
    text
}

pub fn run(args: RunArgs) -> Result<i32, Error> {
    let scenarios = select(&args.selection)?;
    if scenarios.is_empty() {
        eprintln!("no scenario selected: nothing to run");
        return Ok(exit_codes::NOTHING_RAN);
    }
    let faults: FaultSet = args.faults.iter().map(|name| name.parse::<Fault>()).collect::<Result<_, _>>()?;
    if !faults.is_empty() && (args.update_snapshots || args.update_baseline) {
        return Err(Error::Usage("--update-snapshots and --update-baseline cannot record a run with --fault".into()));
    }
    let (spec, connect) = resolve(&args.target, faults)?;
    if let TargetSpec::Aws { region, .. } = &spec
        && !args.target.create_aws_resources
    {
        println!("{}", RunPlan::new(&scenarios, reused_pool(&args.target).as_ref()).consent_text(region.as_deref()));
        return Ok(exit_codes::USAGE);
    }
    if args.jobs == Some(0) {
        return Err(Error::Usage("--jobs must be at least 1".into()));
    }
    let default_jobs = if matches!(spec, TargetSpec::Aws { .. }) { aws::AWS_JOBS } else { runner::default_jobs() };
    let options = RunOptions {
        jobs: args.jobs.unwrap_or(default_jobs),
        strict: args.strict,
        deadline: seconds(args.deadline, "--deadline")?,
        fail_fast: args.fail_fast,
        reuse: reused_pool(&args.target),
    };
    let whole_suite = args.selection.paths.is_empty()
        && args.selection.scenarios.is_none()
        && args.selection.filter.is_none()
        && args.selection.tags.is_empty()
        && args.selection.skip_tags.is_empty();
    let total = scenarios.len() as u64;
    let human = args.format == Format::Human;
    let (report, stop) = super::runtime()?.block_on(async {
        let target = Connected::open(&spec, &connect).await?;
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
        let which = Arc::new(Mutex::new(None));
        let outcome = runner::run_until(scenarios, &target, &options, on_scenario, signalled(which.clone())).await;
        target.close().await;
        let stop = if outcome.interrupted { which.lock().ok().and_then(|w| *w) } else { None };
        if let Ok(progress) = progress.lock() {
            progress.finish();
        }
        if stop.is_some() {
            eprintln!("interrupted: {}", outcome.cleanup.describe());
        } else if human && let Ok(mut reporter) = reporter.lock() {
            reporter.finish(&outcome.report)?;
        }
        if outcome.cleanup.left > 0 {
            eprintln!(
                "{} resource(s) the run created could not be deleted: `cognito-conformance cleanup {}` removes them{}",
                outcome.cleanup.left,
                target_as_given(&args),
                args.target
                    .pool_id
                    .as_ref()
                    .map(|id| format!(" (add --pool-id {id} for the ones in your pool)"))
                    .unwrap_or_default(),
            );
        }
        Ok::<_, Error>((outcome.report, stop))
    })?;
    if let Some(stop) = stop {
        // What finished is evidence too: written before the exit.
        if let Some(dir) = args.report_dir.as_deref() {
            write_reports(&report, dir)?;
        }
        return Ok(stop.exit_code());
    }
    // Reports are written before anything else can fail, so a run's evidence is never lost.
    let written = args.report_dir.as_deref().map(|dir| write_reports(&report, dir));
    let mut stdout = std::io::stdout().lock();
    match args.format {
        Format::Human => {}
        Format::Json => json::write(&report, &mut stdout)?,
        Format::Junit => junit::write(&report, &mut stdout)?,
    }
    stdout.flush()?;
    drop(stdout);
    if let Some(written) = written {
        written?;
    }
    let mut code = exit_code(&report);
    let target_name = spec.name();
    let say = |text: &str| {
        if human {
            println!("{text}");
        } else {
            eprintln!("{text}");
        }
    };
    let baseline_path = args.snapshot_dir.join(target_name).join("expected.toml");
    let source = BaselineSource::find(&args.snapshot_dir, target_name);
    let known = match source.load() {
        Ok(known) => Some(known),
        Err(BaselineError::Missing { .. }) => None,
        Err(error) if args.snapshot || args.baseline || args.update_baseline => return Err(baseline_error(error)),
        Err(_) => None,
    };
    if args.snapshot || args.update_snapshots {
        let mode = if args.update_snapshots {
            snapshot::Mode::Update { prune_orphans: whole_suite }
        } else {
            snapshot::Mode::Check
        };
        // Scenarios the baseline calls unstable vary from run to run; their snapshots are kept
        // (and updated) but not compared.
        let unstable = |id: &str| known.as_ref().and_then(|k| k.unstable(id)).is_some() && !args.update_snapshots;
        let compared: Vec<_> = report.scenarios.iter().filter(|r| !unstable(&r.id)).cloned().collect();
        let comparison = snapshot::compare(&args.snapshot_dir, target_name, &compared, mode)?;
        say(&comparison.render());
        for result in report.scenarios.iter().filter(|r| unstable(&r.id)) {
            say(&format!("unstable, snapshot not compared: {}", result.id));
        }
        if !comparison.is_clean() {
            code = exit_codes::CHANGED;
        }
    }
    if args.update_baseline {
        let text = baseline::generate(target_name, &report.scenarios, known.as_ref());
        if let Some(parent) = baseline_path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&baseline_path, text)?;
        say(&format!("wrote {}", baseline_path.display()));
    } else if args.baseline {
        let known = known.unwrap_or_else(|| baseline::Baseline::empty(target_name));
        let outcome = baseline::compare(&known, &report.scenarios);
        say(&baseline::render(&outcome, source.path()));
        // Known non-conformances are accepted; any difference from them is a change.
        if code == exit_codes::NON_CONFORMANT || code == exit_codes::RUNTIME || code == exit_codes::OK {
            code = if outcome.is_clean() { exit_codes::OK } else { exit_codes::CHANGED };
        }
    }
    Ok(code)
}

/// Prints an invalid baseline's located problems and turns it into the top-level error.
fn baseline_error(error: BaselineError) -> Error {
    super::select::print_report(&error);
    Error::Baseline(error)
}
