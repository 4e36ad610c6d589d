//! `fuzz`: the network fuzzer against a target, with a progress bar, a summary and the finding's
//! reproduction. Exit 4 when a property broke, 5 when the target lacks every surface asked for.

use std::sync::Arc;
use std::time::Duration;

use crate::fuzz::{self, FuzzOptions, FuzzSummary, OnCase, Surface};
use crate::outcome::Stop;
use crate::reference::{Fault, FaultSet};
use crate::target::{Connected, TargetSpec};
use crate::{Error, Outcome};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::target::{resolve, seconds};
use crate::cli::args::{FuzzArgs, SurfaceArg};

/// Cases when neither `--cases` nor `--time-limit` is given.
const DEFAULT_CASES: u64 = 10_000;

fn surfaces(args: &[SurfaceArg]) -> Vec<Surface> {
    let mut out: Vec<Surface> = args
        .iter()
        .flat_map(|arg| match arg {
            SurfaceArg::RevokeApi => vec![Surface::RevokeApi],
            SurfaceArg::RevokeEndpoint => vec![Surface::RevokeEndpoint],
            SurfaceArg::TokenEndpoint => vec![Surface::TokenEndpoint],
            SurfaceArg::All => Surface::ALL.to_vec(),
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn progress_bar(total: Option<u64>) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
    let template = if total.is_some() {
        "{elapsed_precise} [{bar:30}] {human_pos}/{human_len} cases · {per_sec} · {msg}"
    } else {
        "{elapsed_precise} {human_pos} cases · {per_sec} · {msg}"
    };
    let style =
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()).progress_chars("=> ");
    bar.set_style(style);
    bar.set_message("0 findings");
    if !bar.is_hidden() {
        bar.enable_steady_tick(Duration::from_millis(250));
    }
    bar
}

pub fn fuzz(args: FuzzArgs) -> Result<Outcome, Error> {
    let faults: FaultSet = args.faults.iter().map(|name| name.parse::<Fault>()).collect::<Result<_, _>>()?;
    if args.target.pool_id.is_some() {
        return Err(Error::Usage(
            "--pool-id applies to `run` and `cleanup`: the fuzzer's worlds have pools of their own".into(),
        ));
    }
    let (spec, connect) = resolve(&args.target, faults)?;
    if let TargetSpec::Aws { .. } = &spec
        && !args.target.create_aws_resources
    {
        outln!(
            "fuzz --target aws creates 2 user pools, a domain, 5 app clients and 3 users per worker in your \
             account, sends thousands of requests, and deletes them afterwards; add --create-aws-resources"
        )?;
        return Ok(Outcome::ConsentNeeded);
    }
    if args.cases == Some(0) {
        return Err(Error::Usage("--cases must be at least 1".into()));
    }
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let seed = args.seed.unwrap_or_else(rand::random);
    let cases = args.cases.unwrap_or(if args.time_limit.is_some() { u64::MAX } else { DEFAULT_CASES });
    let options = FuzzOptions {
        cases,
        seed,
        time_limit: args.time_limit,
        surfaces: surfaces(&args.surfaces),
        jobs: args.jobs.map_or(cores * 2, usize::from),
        answer_bound: seconds(args.answer_bound, "--answer-bound")?,
        out_dir: Some(args.out_dir.clone()),
        shrink_limit: args.shrink_limit,
        keep_going: args.keep_going,
        max_findings: args.max_findings,
        include_unsupported: args.include_unsupported,
    };
    errln!("fuzzing {} with seed {seed} ({} workers)", spec.name(), options.jobs);
    let bar = progress_bar((cases != u64::MAX).then_some(cases));
    let on_case: OnCase = {
        let bar = bar.clone();
        Arc::new(move |done, findings| {
            bar.set_position(done);
            if findings > 0 {
                bar.set_message(format!("{findings} finding(s)"));
            }
        })
    };
    let summary = super::runtime()?.block_on(async {
        let target = Connected::open(&spec, &connect).await?;
        let run = fuzz::fuzz(&target, options, on_case);
        let ended = tokio::select! {
            summary = run => Ok(summary),
            stop = super::stop_signal() => Err(stop),
        };
        if ended.is_err() {
            let deleted = target.state.live.delete_all(&target.wire).await;
            errln!("interrupted: {}", deleted.describe().replace("the run", "the fuzzer"));
        }
        target.close().await;
        Ok::<Result<FuzzSummary, Stop>, Error>(match ended {
            Ok(summary) => Ok(summary?),
            Err(stop) => Err(stop),
        })
    })?;
    bar.finish_and_clear();
    let summary = match summary {
        Ok(summary) => summary,
        Err(stop) => return Ok(Outcome::Stopped(stop)),
    };
    print_summary(&summary)?;
    // No case run (no surface the target has, or a time limit that ended before the first case)
    // is no evidence of anything, as for `run`.
    Ok(if summary.findings.is_empty() && (summary.surfaces.is_empty() || summary.cases == 0) {
        Outcome::NothingRan
    } else {
        Outcome::Fuzzed { findings: summary.findings.len() }
    })
}

fn print_summary(summary: &FuzzSummary) -> std::io::Result<()> {
    for (surface, rule) in &summary.unsupported {
        outln!("unsupported: {} ({rule}); not fuzzed", surface.name())?;
    }
    let names: Vec<&str> = summary.surfaces.iter().map(|s| s.name()).collect();
    let [revoked, kept, either] = summary.predictions;
    outln!(
        "{} cases in {:.1} s ({:.0} cases/s), seed {}, surfaces: {}",
        summary.cases,
        summary.elapsed.as_secs_f64(),
        summary.rate(),
        summary.seed,
        if names.is_empty() { "none".into() } else { names.join(", ") },
    )?;
    outln!("oracle, for the family each case aims at: {revoked} must revoke, {kept} must keep, {either} open")?;
    if summary.counts.len() > 1 || summary.counts.iter().any(|c| c.3 > 1) {
        outln!("cases breaking each property:")?;
        for (kind, family, surface, count) in &summary.counts {
            let family = family.map(|f| format!(" ({} family)", f.name())).unwrap_or_default();
            outln!("  {count:>8}  {}{family} on {}", kind.name(), surface.name())?;
        }
    }
    for finding in &summary.findings {
        let class = if finding.kind.is_security() { "security" } else { "robustness" };
        outln!()?;
        outln!("FINDING ({class}): {} — {}", finding.kind.name(), finding.detail)?;
        outln!("  seed {}, case #{}; shrunk in {} step(s) to:", summary.seed, finding.case, finding.shrink_steps)?;
        for line in finding.shrunk.attack().describe().lines() {
            outln!("    {line}")?;
        }
        outln!("  property: {}", finding.kind.source())?;
        if let Some(path) = &finding.written {
            outln!("  reproduction: {}", path.display())?;
            outln!("  reproduce with: cognito-conformance run {} --strict --target <this target>", path.display())?;
        }
        match finding.reproduced {
            Some(true) => outln!("  the reproduction fails against this target, as it should"),
            Some(false) => {
                outln!("  note: the reproduction passed when re-run (a state- or timing-dependent finding)")
            }
            None => outln!("  note: the reproduction could not be checked"),
        }?;
    }
    if summary.findings.is_empty() && !summary.surfaces.is_empty() {
        outln!("no finding")?;
    }
    Ok(())
}
