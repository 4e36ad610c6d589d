//! `run`: scenarios against a target, reported as asked; the verdicts and their comparison with
//! snapshots and the baseline make its [`Outcome`].

use std::sync::{Arc, Mutex};

use crate::Checked;
use crate::baseline::{self, BaselineError};
use crate::embedded::BaselineSource;
use crate::outcome::{Stop, Verdicts};
use crate::reference::{Fault, FaultSet};
use crate::report::human::{HumanReporter, Progress};
use crate::report::write_reports;
use crate::runner::plan::RunPlan;
use crate::runner::{self, OnScenario, RunOptions};
use crate::snapshot;
use crate::target::{Connected, TargetSpec, aws};
use crate::{Error, Outcome};

use super::output::{self, quiet};
use super::select::select;
use super::target::{resolve, reused_pool, seconds};
use crate::cli::args::{Format, RunArgs};

/// Completes when SIGINT (Ctrl-C) or SIGTERM arrives, recording which.
async fn signalled(which: Arc<Mutex<Option<Stop>>>) {
    let stop = super::stop_signal().await;
    if let Ok(mut which) = which.lock() {
        *which = Some(stop);
    }
}

/// `value` as one shell word: as it is when it has nothing a shell would read, else single-quoted.
fn shell_word(value: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c);
    if !value.is_empty() && value.chars().all(plain) {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// The `cleanup` command that reaches the same target the same way, ready to paste: every flag
/// that decides where requests go and whether they may, shell-quoted.
fn cleanup_command(args: &RunArgs) -> String {
    let target = &args.target;
    let mut words = vec!["cognito-conformance".to_owned(), "cleanup".to_owned(), "--target".to_owned()];
    words.push(shell_word(&target.target));
    let mut flag = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            words.push(name.to_owned());
            words.push(shell_word(&value));
        }
    };
    flag("--config", target.config.as_ref().map(|p| p.display().to_string()));
    flag("--region", target.region.clone());
    flag("--endpoint-url", target.endpoint_url.clone());
    flag("--rehearsal", target.rehearsal.map(|a| a.to_string()));
    flag("--ca-bundle", target.ca_bundle.as_ref().map(|p| p.display().to_string()));
    flag("--pool-id", target.pool_id.clone());
    if target.allow_remote {
        words.push("--allow-remote".to_owned());
    }
    words.join(" ")
}

pub fn run(args: RunArgs) -> Result<Outcome, Error> {
    let scenarios = select(&args.selection)?;
    if scenarios.is_empty() {
        errln!("no scenario selected: nothing to run");
        return Ok(Outcome::NothingRan);
    }
    let faults: FaultSet = args.faults.iter().map(|name| name.parse::<Fault>()).collect::<Result<_, _>>()?;
    if !faults.is_empty() && (args.update_snapshots || args.update_baseline) {
        return Err(Error::Usage("--update-snapshots and --update-baseline cannot record a run with --fault".into()));
    }
    let (spec, connect) = resolve(&args.target, faults)?;
    if let TargetSpec::Aws { region, .. } = &spec
        && !args.target.create_aws_resources
    {
        outln!("{}", RunPlan::new(&scenarios, reused_pool(&args.target).as_ref()).consent_text(region.as_deref()))?;
        return Ok(Outcome::ConsentNeeded);
    }
    let default_jobs = if matches!(spec, TargetSpec::Aws { .. }) { aws::AWS_JOBS } else { runner::default_jobs() };
    let options = RunOptions {
        jobs: args.jobs.map_or(default_jobs, usize::from),
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
            errln!("interrupted: {}", outcome.cleanup.describe());
        } else if human && let Ok(mut reporter) = reporter.lock() {
            quiet(reporter.finish(&outcome.report))?;
        }
        // A spawned emulator stops with the run, and what it held with it.
        if outcome.cleanup.left > 0 && !args.target.spawn {
            errln!(
                "{} resource(s) the run created could not be deleted: `{}` removes them",
                outcome.cleanup.left,
                cleanup_command(&args),
            );
        }
        Ok::<_, Error>((outcome.report, stop))
    })?;
    if let Some(stop) = stop {
        // What finished is evidence too: written before the exit.
        if let Some(dir) = args.report_dir.as_deref() {
            write_reports(&report, dir)?;
        }
        return Ok(Outcome::Stopped(stop));
    }
    // Reports are written before anything else can fail, so a run's evidence is never lost.
    output::emit_reports(&report, args.report_dir.as_deref(), args.format)?;
    let mut verdicts = Verdicts::of(&report);
    let target_name = spec.name();
    // After a human report, more for people on stdout; after JSON or JUnit, stderr.
    let say = |text: &str| -> std::io::Result<()> {
        if human {
            outln!("{text}")
        } else {
            errln!("{text}");
            Ok(())
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
        say(&comparison.render())?;
        for result in report.scenarios.iter().filter(|r| unstable(&r.id)) {
            say(&format!("unstable, snapshot not compared: {}", result.id))?;
        }
        verdicts.snapshots_changed = !comparison.is_clean();
    }
    if args.update_baseline {
        // Refused when some check could not be made; the error verdicts alone make the exit 3.
        match baseline::generate(target_name, &report.scenarios, known.as_ref()) {
            Ok(text) => {
                if let Some(parent) = baseline_path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&baseline_path, text)?;
                say(&format!("wrote {}", baseline_path.display()))?;
            }
            Err(refused) => errln!("{refused}"),
        }
    } else if args.baseline {
        // Judged as the library's front door judges it (`Checked`), so the policy exists once.
        let known = known.unwrap_or_else(|| baseline::Baseline::empty(target_name));
        let checked = Checked::judge(report, Some((known, source.path().to_owned())));
        say(&checked.explain())?;
        verdicts.baseline_matched = checked.verdicts().baseline_matched;
    }
    Ok(Outcome::Run(verdicts))
}

/// Prints an invalid baseline's located problems and turns it into the top-level error.
fn baseline_error(error: BaselineError) -> Error {
    super::select::print_report(&error);
    Error::Baseline(error)
}
