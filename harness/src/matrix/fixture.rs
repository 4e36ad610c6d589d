//! Transcripts for the matrix's unit tests, and a stand-in for the snapshot renderer.

use crate::report::model::{Evidence, Verdict};
use crate::snapshot::{ExpectationLine, StepLine, Transcript};

/// A transcript whose expectations have the given grades and verdicts.
pub fn transcript(scenario: &str, verdict: Verdict, expectations: &[(Evidence, Verdict)]) -> Transcript {
    Transcript {
        scenario: scenario.into(),
        title: format!("{scenario} <title> & more"),
        spec: "§2.3".into(),
        verdict,
        reason: None,
        expectations: expectations
            .iter()
            .enumerate()
            .map(|(i, (evidence, verdict))| ExpectationLine {
                step: "revoke".into(),
                check: format!("check {i}"),
                claim: Some(format!("C{i}")),
                evidence: *evidence,
                verdict: *verdict,
                expected: None,
                actual: None,
                rule: None,
            })
            .collect(),
        steps: vec![StepLine {
            name: "revoke".into(),
            kind: "revoke_token".into(),
            request: Some("POST RevokeToken".into()),
            request_body: Some("{\"Token\": \"<refresh-token#1>\"}".into()),
            status: Some(200),
            response_body: Some("{}".into()),
        }],
    }
}

/// A stand-in for the snapshot renderer.
pub fn render(transcript: &Transcript) -> String {
    serde_json::to_string_pretty(transcript).unwrap_or_default() + "\n"
}
