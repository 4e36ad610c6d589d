//! The committed matrix and the README's summary of it are what the committed snapshots say, so
//! neither can drift from the recorded runs (or be edited to look better).

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn binary(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_cognito-conformance"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn the_readme_shows_the_matrix_summary_of_the_committed_snapshots() {
    let summary = binary(&["matrix", "--summary"]);
    assert!(summary.lines().count() >= 6, "a header, a rule and one row per target:\n{summary}");
    for target in ["reference", "moto", "cognito-local", "ministack", "ministack-auth", "fakecloud", "aws-local-run"] {
        assert!(summary.contains(&format!("| {target} |")), "{target} is in the matrix:\n{summary}");
    }
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README");
    assert!(readme.contains(&summary), "README.md must carry `matrix --summary` verbatim:\n{summary}");
}

#[test]
fn the_committed_matrix_is_rebuilt_from_the_committed_snapshots() {
    let out = std::env::temp_dir().join(format!("cc-matrix-{}", std::process::id()));
    binary(&["matrix", "--out", &out.to_string_lossy()]);
    for file in ["matrix.md", "matrix.html"] {
        let rebuilt = std::fs::read_to_string(out.join(file)).expect("rebuilt");
        let committed = std::fs::read_to_string(repo().join("snapshots").join(file)).expect("committed");
        assert!(rebuilt == committed, "snapshots/{file} is out of date: run `cognito-conformance matrix`");
    }
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn diff_lists_where_two_targets_differ_behaviour_by_behaviour() {
    let run = |left: &str, right: &str| {
        Command::new(env!("CARGO_BIN_EXE_cognito-conformance"))
            .args(["diff", "--left", left, "--right", right])
            .current_dir(repo())
            .output()
            .expect("the binary runs")
    };
    let same = run("reference", "reference");
    assert_eq!(same.status.code(), Some(0), "{}", String::from_utf8_lossy(&same.stdout));
    let differ = run("reference", "moto");
    let text = String::from_utf8_lossy(&differ.stdout);
    assert_eq!(differ.status.code(), Some(cognito_conformance::exit_codes::CHANGED), "{text}");
    // moto lacks RevokeToken: the scenario that revokes a token must be listed with both verdicts.
    let line = text
        .lines()
        .find(|l| l.starts_with("revoke-token-success-kills-refresh-token"))
        .unwrap_or_else(|| panic!("the revoke scenario is listed:\n{text}"));
    assert!(line.contains("pass") && line.contains("unsupported"), "{line}");
}
