//! A hand-built run with one scenario per verdict, for the report formats' unit tests.

use super::model::{
    Evidence, ExpectationResult, RequestRecord, ResponseRecord, RunReport, SCHEMA_VERSION, ScenarioResult, StepRecord,
    Summary, TargetInfo, Verdict,
};

pub(crate) const EXPECTED_BODY: &str =
    "{\n  \"__type\": \"NotAuthorizedException\",\n  \"message\": \"Refresh Token has been revoked\"\n}";
pub(crate) const ACTUAL_BODY: &str =
    "{\n  \"__type\": \"NotAuthorizedException\",\n  \"message\": \"Invalid Refresh Token\"\n}";

pub(crate) fn expectation(
    step: &str,
    check: &str,
    verdict: Verdict,
    expected: &str,
    actual: &str,
) -> ExpectationResult {
    ExpectationResult {
        step: step.into(),
        check: check.into(),
        evidence: Evidence::Documented,
        source: "spec §2.3".into(),
        claim: Some("E2".into()),
        verdict,
        expected: expected.into(),
        actual: actual.into(),
        rule: None,
    }
}

pub(crate) fn scenario(id: &str, verdict: Verdict, expectations: Vec<ExpectationResult>) -> ScenarioResult {
    ScenarioResult {
        id: id.into(),
        title: format!("{id} title"),
        file: format!("scenarios/{id}.toml"),
        spec: "§2.3".into(),
        tags: vec!["revoke".into()],
        verdict,
        reason: None,
        duration_ms: 45,
        expectations,
        steps: vec![StepRecord {
            name: "revoke".into(),
            kind: "revoke_token".into(),
            request: Some(RequestRecord {
                method: "POST".into(),
                target: "RevokeToken".into(),
                url: "https://cognito-idp.us-east-1.amazonaws.com/".into(),
                body: "{\"Token\":\"<refresh-token#1>\"}".into(),
            }),
            response: Some(ResponseRecord { status: 200, body: "{}".into(), duration_ms: Some(4) }),
            duration_ms: 12,
        }],
        volatile: Vec::new(),
    }
}

/// Every verdict once, in [`Verdict::ALL`] order, with the problems each format must spell out.
pub(crate) fn scenarios() -> Vec<ScenarioResult> {
    let pass = scenario(
        "revoke-basic",
        Verdict::Pass,
        vec![expectation("revoke", "status = 200", Verdict::Pass, "200", "200")],
    );

    let mut fail = scenario(
        "revoke-twice",
        Verdict::Fail,
        vec![
            expectation("revoke", "status = 200", Verdict::Pass, "200", "200"),
            expectation("refresh", "status = 400", Verdict::Fail, "400", "200"),
            expectation("refresh", "body", Verdict::Fail, EXPECTED_BODY, ACTUAL_BODY),
            expectation("refresh-again", "status = 400", Verdict::Skipped, "400", ""),
        ],
    );
    fail.duration_ms = 1_234;

    let mut warn_expectation =
        expectation("refresh", "__type = \"NotAuthorizedException\"", Verdict::Warn, "NotAuthorizedException", "");
    warn_expectation.evidence = Evidence::Inferred;
    warn_expectation.source = "inferred.md#ordering".into();
    let warn = scenario("revoke-ordering", Verdict::Warn, vec![warn_expectation]);

    let mut unsupported_expectation =
        expectation("revoke", "status = 200", Verdict::Unsupported, "200", "400 UnknownOperationException");
    unsupported_expectation.evidence = Evidence::AwsSeen;
    unsupported_expectation.rule = Some("unknown-operation".into());
    let mut unsupported = scenario("revoke-hosted", Verdict::Unsupported, vec![unsupported_expectation]);
    unsupported.reason = Some("the target has no RevokeToken".into());

    let mut error_expectation = expectation("sign-in", "status = 200", Verdict::Error, "200", "");
    error_expectation.rule = Some("unreachable".into());
    let mut error = scenario("sign-in-basic", Verdict::Error, vec![error_expectation]);
    error.reason = Some("connection refused".into());

    let mut skipped = scenario(
        "revoke-after-delete",
        Verdict::Skipped,
        vec![expectation("revoke", "status = 200", Verdict::Skipped, "200", "")],
    );
    skipped.reason = Some("needs a pool the target could not create".into());
    skipped.steps.clear();

    vec![pass, fail, warn, unsupported, error, skipped]
}

pub(crate) fn report_of(scenarios: Vec<ScenarioResult>) -> RunReport {
    RunReport {
        schema_version: SCHEMA_VERSION,
        tool: "cognito-conformance 0.1.0".into(),
        target: TargetInfo {
            name: "reference".into(),
            endpoint: "http://127.0.0.1:4566".into(),
            faults: vec!["slow-revoke".into()],
        },
        strict: false,
        started_at: "2026-01-02T03:04:05Z".into(),
        duration_ms: 3_200,
        summary: Summary::of(&scenarios),
        scenarios,
    }
}

pub(crate) fn report() -> RunReport {
    report_of(scenarios())
}
