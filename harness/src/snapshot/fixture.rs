//! A hand-built scenario result with per-run values in every place they can hide, for the
//! snapshot module's unit tests.

pub(crate) use crate::report::fixture::expectation;
use crate::report::model::{RequestRecord, ResponseRecord, ScenarioResult, StepRecord, Verdict, Volatile};

pub(crate) const POOL_ID: &str = "us-east-1_AbCdEf123";
pub(crate) const CLIENT_ID: &str = "4f9k2j3h5g6f7d8s9a0q1w2e3r";
pub(crate) const SUB: &str = "0b5c6e2a-1d3f-4a5b-9c8d-7e6f5a4b3c2d";
pub(crate) const REQUEST_ID: &str = "d2b7a3c1-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

pub(crate) fn step(name: &str, target: &str, body: &str, status: u16, answer: &str) -> StepRecord {
    StepRecord {
        name: name.into(),
        kind: "call".into(),
        request: Some(RequestRecord {
            method: "POST".into(),
            target: target.into(),
            url: String::new(),
            body: body.into(),
        }),
        response: Some(ResponseRecord { status, body: answer.into(), duration_ms: Some(5) }),
        duration_ms: 7,
    }
}

/// `revoke-kills-refresh` as a target that fails its last expectation would give it.
pub(crate) fn result() -> ScenarioResult {
    let create = step(
        "provision:CreateUserPoolClient",
        "CreateUserPoolClient",
        &format!(r#"{{"UserPoolId":"{POOL_ID}","ClientName":"app"}}"#),
        200,
        &format!(
            r#"{{"UserPoolClient":{{"UserPoolId":"{POOL_ID}","ClientId":"{CLIENT_ID}","CreationDate":1.7e9,"LastModifiedDate":"2026-01-02T03:04:05Z"}}}}"#
        ),
    );
    let sign_in = step(
        "sign-in",
        "InitiateAuth",
        &format!(r#"{{"ClientId":"{CLIENT_ID}","AuthParameters":{{"USERNAME":"alice","PASSWORD":"<password#1>"}}}}"#),
        200,
        &format!(
            r#"{{"AuthenticationResult":{{"RefreshToken":"<refresh-token#1>"}},"ChallengeParameters":{{"sub":"{SUB}"}}}}"#
        ),
    );
    let revoke = step(
        "revoke",
        "/oauth2/revoke",
        &format!("token=<refresh-token#1>&client_id={CLIENT_ID}"),
        400,
        &format!("<html>request {REQUEST_ID} failed at 2026-01-02T03:04:06.123Z</html>"),
    );
    ScenarioResult {
        id: "revoke-kills-refresh".into(),
        title: "RevokeToken kills the refresh token".into(),
        file: "scenarios/revoke-kills-refresh.toml".into(),
        spec: "§2.3".into(),
        tags: vec!["revoke".into()],
        verdict: Verdict::Fail,
        reason: None,
        duration_ms: 45,
        expectations: vec![
            expectation("sign-in", "status = 200", Verdict::Pass, "200", "200"),
            expectation("revoke", "status = 200", Verdict::Fail, "200", &format!("400 for client {CLIENT_ID}")),
        ],
        steps: vec![create, sign_in, revoke],
        volatile: vec![
            Volatile { value: POOL_ID.into(), label: "pool-id" },
            Volatile { value: CLIENT_ID.into(), label: "client-id" },
            Volatile { value: SUB.into(), label: "sub" },
        ],
    }
}
