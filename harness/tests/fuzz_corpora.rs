//! The fuzz targets' seed corpora, replayed as ordinary tests.
//!
//! Every file in `fuzz/corpus/<target>/` (and in `fuzz/regressions/<target>/`, where crashes the
//! fuzzer found are kept once fixed) goes through the target's library function, so `cargo test`
//! checks the same properties libFuzzer does, on every input we committed, without a nightly
//! toolchain. A corpus directory without a target, or a target without a corpus, fails the run:
//! a new target cannot go unreplayed.

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use cognito_conformance::fuzz_targets::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The directory names under `fuzz/<kind>/`, or none when it does not exist.
fn target_dirs(kind: &str) -> BTreeSet<String> {
    let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind)) else { return BTreeSet::new() };
    entries
        .map(|entry| entry.expect("a readable directory entry"))
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect()
}

/// The files of `fuzz/<kind>/<target>/`, sorted; none when the directory does not exist.
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind).join(target)) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.is_file() && !path.file_name().is_some_and(|name| name.to_string_lossy().starts_with('.')))
        .collect();
    files.sort();
    files
}

/// Runs `target` over its corpus and regressions; fails naming every input that broke a property.
fn replay(target: &str) {
    let (_, run) = TARGETS.iter().find(|(name, _)| *name == target).expect("a target of that name");
    let corpus = inputs("corpus", target);
    assert!(!corpus.is_empty(), "fuzz/corpus/{target}/ has no seed");
    let mut failures = Vec::new();
    for path in corpus.iter().chain(&inputs("regressions", target)) {
        let data = std::fs::read(path).expect("a readable corpus file");
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| run(&data))) {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            failures.push(format!("{}: {message}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{target} fails on {} input(s):\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_target_has_a_corpus_and_every_corpus_a_target() {
    let targets: BTreeSet<String> = TARGETS.iter().map(|(name, _)| (*name).to_owned()).collect();
    assert_eq!(target_dirs("corpus"), targets, "fuzz/corpus/ and fuzz_targets::TARGETS differ");
    let strays: Vec<_> = target_dirs("regressions").difference(&targets).cloned().collect();
    assert!(strays.is_empty(), "fuzz/regressions/ has directories of no target: {strays:?}");
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).expect("fuzz/Cargo.toml");
    for target in &targets {
        assert!(
            manifest.contains(&format!("name = \"{target}\""))
                && fuzz_dir().join(format!("fuzz_targets/{target}.rs")).is_file(),
            "fuzz/Cargo.toml or fuzz/fuzz_targets/ lacks the binary of {target}"
        );
    }
}

#[test]
fn api_request_corpus() {
    replay("api_request");
}

#[test]
fn api_dispatch_corpus() {
    replay("api_dispatch");
}

#[test]
fn jwt_claims_corpus() {
    replay("jwt_claims");
}

#[test]
fn oauth_form_corpus() {
    replay("oauth_form");
}

#[test]
fn oauth_dispatch_corpus() {
    replay("oauth_dispatch");
}

#[test]
fn scenario_diagnostics_corpus() {
    replay("scenario_diagnostics");
}

#[test]
fn scenario_file_corpus() {
    replay("scenario_file");
}

#[test]
fn snapshot_normaliser_corpus() {
    replay("snapshot_normaliser");
}
