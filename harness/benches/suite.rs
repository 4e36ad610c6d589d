//! The whole scenario suite against the in-process reference, timed in one run.
//!
//! `cargo bench --bench suite` prints, for the default `--jobs` and for `--jobs 1`:
//! - wall time per run (median of several runs);
//! - the speed-up of the default over `--jobs 1`;
//! - the harness's own share of the wall time: time when no request was in flight (the union of
//!   request intervals subtracted from the wall time), and, for `--jobs 1`, wall time minus the
//!   sum of request times.
//!
//! Options (after `--`): `--runs N` (default 7).

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cognito_conformance::reference::FaultSet;
use cognito_conformance::report::Verdict;
use cognito_conformance::runner::{self, RunOptions};
use cognito_conformance::scenario::load;
use cognito_conformance::target::{ConnectOptions, Connected, TargetSpec};
use cognito_conformance::wire::Timeline;

struct Sample {
    wall: Duration,
    idle: Duration,
    request_total: Duration,
}

async fn run_once(jobs: usize) -> Sample {
    let scenarios = load(&[Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")]).expect("suite loads");
    let mut target =
        Connected::open(&TargetSpec::Reference(FaultSet::none()), &ConnectOptions::default()).await.expect("reference");
    let timeline = Timeline::new();
    target.wire = target.wire.clone().with_timeline(timeline.clone());
    let options = RunOptions { jobs, ..RunOptions::default() };
    let started = Instant::now();
    let report = runner::run(scenarios, &target, &options, Arc::new(|_| {})).await;
    let wall = started.elapsed();
    target.close().await;
    assert_eq!(report.summary.count(Verdict::Pass), report.summary.total, "the suite passes against the reference");
    Sample { wall, idle: wall.saturating_sub(timeline.busy()), request_total: timeline.total() }
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs =
        args.iter().position(|a| a == "--runs").and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(7);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let scenarios = load(&[Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")]).expect("suite loads").len();
    let default_jobs = runner::default_jobs();
    println!(
        "suite benchmark: {scenarios} scenarios, {runs} runs each, {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    runtime.block_on(run_once(default_jobs)); // warm-up: page in code, fill connection pools
    let mut results = Vec::new();
    for jobs in [default_jobs, 1] {
        let samples: Vec<Sample> = (0..runs).map(|_| runtime.block_on(run_once(jobs))).collect();
        let wall = median(samples.iter().map(|s| s.wall).collect());
        let idle = median(samples.iter().map(|s| s.idle).collect());
        let requests = median(samples.iter().map(|s| s.request_total).collect());
        println!(
            "--jobs {jobs:<3} wall median {:>7.1} ms   no request in flight {:>5.1} ms ({:.1}% of wall)   sum of request times {:>7.1} ms",
            ms(wall),
            ms(idle),
            100.0 * idle.as_secs_f64() / wall.as_secs_f64(),
            ms(requests)
        );
        results.push((jobs, wall, requests));
    }
    let (_, parallel, _) = results[0];
    let (_, sequential, sequential_requests) = results[1];
    println!(
        "speed-up of --jobs {default_jobs} over --jobs 1: {:.2}×",
        sequential.as_secs_f64() / parallel.as_secs_f64()
    );
    println!(
        "--jobs 1 harness share (wall − sum of request times): {:.1}%",
        100.0 * sequential.saturating_sub(sequential_requests).as_secs_f64() / sequential.as_secs_f64()
    );
}
