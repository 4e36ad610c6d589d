//! The suite compiled into the binary is the checkout's: every scenario file and the kill list,
//! byte for byte, and the baseline of every built-in target that has one.

use std::path::{Path, PathBuf};

use cognito_conformance::embedded;
use cognito_conformance::target::builtin_profiles;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every file under `dir`, relative to it, sorted.
fn files_under(dir: &Path, prefix: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable").map(|e| e.expect("entry").path()) {
        if entry.is_dir() {
            files_under(&entry, &prefix.join(entry.file_name().expect("named")), out);
        } else {
            out.push(prefix.join(entry.file_name().expect("named")));
        }
    }
}

#[test]
fn the_embedded_files_are_the_checkouts_scenarios_directory() {
    let dir = repo().join("scenarios");
    let mut on_disk = Vec::new();
    files_under(&dir, Path::new(""), &mut on_disk);
    on_disk.sort();
    let embedded = embedded::files();
    let names: Vec<PathBuf> = embedded.iter().map(|(path, _)| path.clone()).collect();
    assert_eq!(names, on_disk);
    for (path, text) in embedded {
        assert_eq!(std::fs::read_to_string(dir.join(&path)).expect("readable"), text, "{}", path.display());
    }
    assert!(names.iter().any(|p| p == Path::new("KILLS.toml")));
}

#[test]
fn every_builtin_target_with_a_baseline_has_it_embedded() {
    let targets = std::iter::once("reference".to_owned()).chain(builtin_profiles().into_iter().map(|p| p.name));
    let mut with_baseline = 0;
    for target in targets {
        let path = repo().join("snapshots").join(&target).join("expected.toml");
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                with_baseline += 1;
                assert_eq!(embedded::baseline_text(&target), Some(text.as_str()), "{target}: not embedded, or stale");
            }
            Err(_) => assert_eq!(embedded::baseline_text(&target), None, "{target}: embedded but not in the checkout"),
        }
    }
    assert_eq!(embedded::baseline_targets().count(), with_baseline, "an embedded baseline of no built-in target");
}

#[test]
fn the_embedded_suite_loads_like_the_checkouts() {
    let from_disk = cognito_conformance::scenario::load(&[repo().join("scenarios")]).expect("the checkout's suite");
    let embedded = embedded::load().expect("the embedded suite");
    let ids = |s: &[cognito_conformance::scenario::Scenario]| s.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&embedded), ids(&from_disk));
}
