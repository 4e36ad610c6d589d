//! The network fuzzer's speed, with the oracle on, measured in one run.
//!
//! `cargo bench --bench fuzz` prints cases per second against the in-process reference (clean,
//! all three surfaces, the default workers) and, when moto is installed
//! (`cognito-conformance emulator install moto`), against a spawned moto with `--include-unsupported`
//! (moto lacks all three surfaces, so every case there is a finding; `--keep-going` counts them),
//! and the ratio of the two. Each case is one attack plus the oracle's probes: GetUser for each of
//! the six families, and a refresh for families the attack could have revoked.
//!
//! Options (after `--`): `--seconds N` (default 10) per target.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use cognito_conformance::fuzz::{FuzzOptions, FuzzSummary, fuzz};
use cognito_conformance::reference::FaultSet;
use cognito_conformance::target::config::ProfileConfig;
use cognito_conformance::target::emulator;
use cognito_conformance::target::{ConnectOptions, Connected, TargetSpec};

async fn measure(spec: &TargetSpec, connect: &ConnectOptions, options: FuzzOptions) -> FuzzSummary {
    let target = Connected::open(spec, connect).await.expect("the target starts");
    let summary = fuzz(&target, options, Arc::new(|_, _| {})).await.expect("the fuzzer runs");
    target.close().await;
    summary
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds = args
        .iter()
        .position(|a| a == "--seconds")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(10);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let options = FuzzOptions {
        cases: u64::MAX,
        seed: 1,
        time_limit: Some(Duration::from_secs(seconds)),
        jobs: cores * 2,
        ..FuzzOptions::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let reference = runtime.block_on(measure(
        &TargetSpec::Reference(FaultSet::none()),
        &ConnectOptions::default(),
        options.clone(),
    ));
    println!(
        "reference: {:.0} cases/s ({} cases in {:.1} s, {} workers, {} findings)",
        reference.rate(),
        reference.cases,
        reference.elapsed.as_secs_f64(),
        options.jobs,
        reference.findings.len()
    );
    let moto = emulator::find("moto").expect("moto is in the table");
    if !emulator::root().is_ok_and(|root| emulator::install::is_installed(moto, &root)) {
        println!("moto: not installed (cognito-conformance emulator install moto), skipped");
        return;
    }
    let profiles = ProfileConfig::builtin();
    let spec = TargetSpec::parse("moto", FaultSet::none(), &profiles.profiles).expect("moto is a profile");
    let connect = ConnectOptions { spawn: Some(Duration::from_secs(300)), ..ConnectOptions::default() };
    let moto_options = FuzzOptions { keep_going: true, include_unsupported: true, max_findings: 0, ..options.clone() };
    let moto = runtime.block_on(measure(&spec, &connect, moto_options));
    println!(
        "moto:      {:.0} cases/s ({} cases in {:.1} s; unsupported surfaces: {})",
        moto.rate(),
        moto.cases,
        moto.elapsed.as_secs_f64(),
        moto.unsupported.iter().map(|(s, _)| s.name()).collect::<Vec<_>>().join(", ")
    );
    println!("reference ÷ moto: {:.1}×", reference.rate() / moto.rate().max(1e-9));
}
