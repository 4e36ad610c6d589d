//! The CLI's snapshot files and insta's agree: insta accepts a file the harness wrote as its own
//! snapshot and leaves it untouched, and the harness reads it back to the same transcript.

use std::fs;
use std::path::PathBuf;

use cognito_conformance::report::model::{
    Evidence, ExpectationResult, RequestRecord, ResponseRecord, ScenarioResult, StepRecord, Verdict, Volatile,
};
use cognito_conformance::snapshot::{self, Mode, Outcome};

fn result() -> ScenarioResult {
    ScenarioResult {
        id: "revoke-kills-refresh".into(),
        title: "RevokeToken kills the refresh token".into(),
        file: "scenarios/revoke-kills-refresh.toml".into(),
        spec: "§2.3".into(),
        tags: vec![],
        verdict: Verdict::Fail,
        reason: None,
        duration_ms: 3,
        expectations: vec![ExpectationResult {
            step: "refresh".into(),
            check: "status = 400".into(),
            evidence: Evidence::Documented,
            source: "spec §2.3".into(),
            claim: None,
            verdict: Verdict::Fail,
            expected: "400".into(),
            actual: "200".into(),
            rule: None,
        }],
        steps: vec![StepRecord {
            name: "refresh".into(),
            kind: "refresh".into(),
            request: Some(RequestRecord {
                method: "POST".into(),
                target: "InitiateAuth".into(),
                url: "http://127.0.0.1:49152/".into(),
                body: r#"{"ClientId":"4f9k2j3h5g6f7d8s9a0q1w2e3r","AuthFlow":"REFRESH_TOKEN_AUTH"}"#.into(),
            }),
            response: Some(ResponseRecord {
                status: 200,
                body: r#"{"AuthenticationResult":{"AccessToken":"<access-token#1>","ExpiresIn":3600}}"#.into(),
                duration_ms: Some(2),
            }),
            duration_ms: 1,
        }],
        volatile: vec![Volatile { value: "4f9k2j3h5g6f7d8s9a0q1w2e3r".into(), label: "client-id" }],
    }
}

#[test]
fn insta_accepts_our_files_and_leaves_them_alone() {
    let dir = std::env::temp_dir().join(format!("ccf-snapshot-files-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let written = snapshot::compare(&dir, "reference", &[result()], Mode::Update { prune_orphans: false }).unwrap();
    assert_eq!(written.scenarios[0].outcome, Outcome::Written { created: true });
    let path: PathBuf = written.scenarios[0].path.clone();
    let before = fs::read(&path).unwrap();
    assert!(!String::from_utf8_lossy(&before).contains("49152"), "a request's URL (and port) went into the snapshot");

    // As `harness/tests/targets.rs` asserts.
    let contents = snapshot::render(&snapshot::transcript(&result()));
    insta::with_settings!({
        snapshot_path => dir.join("reference"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("revoke-kills-refresh", contents);
    });

    assert_eq!(fs::read(&path).unwrap(), before, "insta rewrote the file");
    assert!(!path.with_extension("snap.new").exists());
    assert_eq!(snapshot::read(&path).unwrap(), snapshot::transcript(&result()));
    let again = snapshot::compare(&dir, "reference", &[result()], Mode::Check).unwrap();
    assert!(again.is_clean(), "{}", again.render());
    fs::remove_dir_all(dir).unwrap();
}
