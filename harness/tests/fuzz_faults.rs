//! The network fuzzer against the reference: with each security-relevant fault switched on it must
//! find the violation within a documented number of cases at a fixed seed, and the scenario it
//! writes must fail against the faulty reference and pass against the clean one. Against the clean
//! reference it must find nothing.
//!
//! Faults left out have nothing to do with the fuzzed surfaces (sign-in's SECRET_HASH, claims,
//! AdminDisableUser, the refresh answer's shape) or change an answer's wording only
//! (`revoke-endpoint-rejects-unknown`: a typed 400 where the spec says 200, which the scenario
//! suite checks; the fuzzer's oracle judges state, secrets and well-formedness, not status codes).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cognito_conformance::fuzz::{FindingKind, FuzzOptions, FuzzSummary, Surface, fuzz};
use cognito_conformance::reference::{Fault, FaultSet};
use cognito_conformance::report::Verdict;
use cognito_conformance::runner::{TargetState, run_scenario};
use cognito_conformance::scenario::parse_scenario;
use cognito_conformance::target::{ConnectOptions, Connected, TargetSpec};

/// The fixed seed of every test here.
const SEED: u64 = 20261122;
/// The documented bound: each fault is found within this many cases at [`SEED`].
const CASES_TO_FIND: u64 = 400;
/// Cases the clean reference must survive without a finding.
const CLEAN_CASES: u64 = 1_500;

async fn reference(faults: FaultSet) -> Connected {
    Connected::open(&TargetSpec::Reference(faults), &ConnectOptions::default()).await.expect("the reference starts")
}

fn options(cases: u64, jobs: usize, out: &Path) -> FuzzOptions {
    FuzzOptions {
        cases,
        seed: SEED,
        time_limit: None,
        surfaces: Surface::ALL.to_vec(),
        jobs,
        answer_bound: Duration::from_secs(10),
        out_dir: Some(out.to_owned()),
        shrink_limit: 150,
        ..FuzzOptions::default()
    }
}

async fn run_file(faults: FaultSet, text: &str) -> Verdict {
    let target = reference(faults).await;
    // A reproduction's id is its file's name.
    let id = text.lines().find_map(|line| line.strip_prefix("id = \"")).and_then(|rest| rest.strip_suffix('"'));
    let path = format!("{}.toml", id.expect("a reproduction names its id"));
    let scenario = parse_scenario(Path::new(&path), text).expect("the reproduction parses");
    let state = TargetState::default();
    let result = run_scenario(&target.wire, &state, &scenario, true, Instant::now() + Duration::from_secs(120)).await;
    target.close().await;
    result.verdict
}

async fn finds(fault: Fault, kinds: &[FindingKind]) -> FuzzSummary {
    let (_scratch, out) = scratch_dir(fault.name());
    let target = reference(FaultSet::from_iter([fault])).await;
    // One worker, so the first finding's index is the same on every run.
    let summary = fuzz(&target, options(CASES_TO_FIND, 1, &out), Arc::new(|_, _| {})).await.expect("the fuzzer runs");
    target.close().await;
    let finding = summary.findings.first().unwrap_or_else(|| {
        panic!("{fault}: no finding in {} cases (seed {SEED})", summary.cases);
    });
    assert!(kinds.contains(&finding.kind), "{fault}: found {:?}, expected one of {kinds:?}", finding.kind);
    assert!(finding.case < CASES_TO_FIND);
    assert_eq!(finding.reproduced, Some(true), "{fault}: the reproduction did not fail on the faulty reference");
    let written = finding.written.as_ref().expect("a reproduction is written");
    let text = std::fs::read_to_string(written).expect("the reproduction is readable");
    assert_eq!(text, finding.scenario);
    assert_eq!(run_file(FaultSet::from_iter([fault]), &text).await, Verdict::Fail, "{fault}: reproduction\n{text}");
    assert_eq!(run_file(FaultSet::none(), &text).await, Verdict::Pass, "{fault}: clean run of\n{text}");
    eprintln!("{fault}: {} at case #{}, shrunk in {} steps", finding.kind.name(), finding.case, finding.shrink_steps);
    summary
}

/// A directory for reproductions, not created yet; the guard removes it, even when a test fails.
fn scratch_dir(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let guard = tempfile::Builder::new().prefix(&format!("cc-fuzz-{name}-")).tempdir().expect("a temporary directory");
    let out = guard.path().join("reproductions");
    (guard, out)
}

macro_rules! fault_test {
    ($name:ident, $fault:expr, $($kind:expr),+) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            finds($fault, &[$($kind),+]).await;
        }
    };
}

fault_test!(revoke_by_jti, Fault::RevokeByJti, FindingKind::KeptAlive);
fault_test!(access_survives_revoke, Fault::AccessSurvivesRevoke, FindingKind::KeptAlive);
fault_test!(no_client_binding, Fault::NoClientBinding, FindingKind::WronglyRevoked, FindingKind::WronglyIssued);
fault_test!(revoke_ignores_secret, Fault::RevokeIgnoresSecret, FindingKind::WronglyRevoked);
fault_test!(revocation_flag_ignored, Fault::RevocationFlagIgnored, FindingKind::WronglyRevoked);
fault_test!(origin_jti_rotates, Fault::OriginJtiRotates, FindingKind::KeptAlive);
fault_test!(errors_echo_token, Fault::ErrorsEchoToken, FindingKind::Echo);
fault_test!(rotate_keys_on_revoke, Fault::RotateKeysOnRevoke, FindingKind::WronglyRevoked);
fault_test!(revoke_accepts_access_token, Fault::RevokeAcceptsAccessToken, FindingKind::WronglyRevoked);
fault_test!(revoke_internal_error, Fault::RevokeInternalError, FindingKind::ServerError);
fault_test!(getuser_skips_verification, Fault::GetUserSkipsVerification, FindingKind::KeptAlive);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clean_reference_shows_nothing() {
    let (_scratch, out) = scratch_dir("clean");
    let target = reference(FaultSet::none()).await;
    let summary = fuzz(&target, options(CLEAN_CASES, 4, &out), Arc::new(|_, _| {})).await.expect("the fuzzer runs");
    target.close().await;
    assert_eq!(summary.cases, CLEAN_CASES);
    assert!(summary.findings.is_empty(), "{:#?}", summary.findings.first().map(|f| (&f.kind, &f.detail, &f.scenario)));
    assert!(summary.unsupported.is_empty());
    let [revoked, kept, either] = summary.predictions;
    assert!(revoked > 0 && kept > 0 && either > 0, "the oracle's three outcomes all occur: {:?}", summary.predictions);
    assert!(!out.exists(), "no reproduction is written when nothing is found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_gives_the_same_finding() {
    let fault = Fault::RevokeIgnoresSecret;
    let mut seen = Vec::new();
    for _ in 0..2 {
        let (_scratch, out) = scratch_dir("same-seed");
        let target = reference(FaultSet::from_iter([fault])).await;
        let summary = fuzz(&target, options(CASES_TO_FIND, 1, &out), Arc::new(|_, _| {})).await.expect("fuzzer runs");
        target.close().await;
        let finding = summary.findings.into_iter().next().expect("a finding");
        seen.push((finding.case, finding.shrunk, finding.scenario));
    }
    assert_eq!(seen[0], seen[1]);
}
