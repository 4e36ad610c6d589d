//! The normalised transcript of one scenario on one target: what a snapshot file holds.
//!
//! It is a plain data model so that `diff` and `matrix` can read snapshots back without running
//! anything. Every string in it is already normalised: tokens, secrets and passwords are
//! redaction placeholders (`<refresh-token#1>`), and ids, names and times that change from run to
//! run are stable placeholders (`<pool-id#1>`, `<time>`). Equal placeholders mean equal values,
//! so "the same token twice" survives normalisation.

use serde::{Deserialize, Serialize};

use crate::report::model::{Evidence, Verdict};

/// One scenario as it ran on one target, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transcript {
    /// The scenario id (also the snapshot's file name).
    pub scenario: String,
    /// The scenario's title.
    pub title: String,
    /// The spec section(s) it checks.
    pub spec: String,
    /// The combined verdict.
    pub verdict: Verdict,
    /// Why the scenario stopped early, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Every expectation, in file order.
    #[serde(default)]
    pub expectations: Vec<ExpectationLine>,
    /// Every step, in order, provisioning and teardown included.
    #[serde(default)]
    pub steps: Vec<StepLine>,
}

/// One judged expectation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectationLine {
    /// The step it belongs to.
    pub step: String,
    /// What was checked.
    pub check: String,
    /// The claim of the registry it checks; absent for a one-off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<String>,
    /// The evidence grade.
    pub evidence: Evidence,
    /// The outcome.
    pub verdict: Verdict,
    /// The expected value (only for verdicts other than pass).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// The value seen (only for verdicts other than pass).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    /// The classification rule for `unsupported` and `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

impl ExpectationLine {
    /// The key that names this expectation across targets and runs: `scenario`, `step`, `check`.
    pub fn key<'a>(&'a self, scenario: &'a str) -> (&'a str, &'a str, &'a str) {
        (scenario, &self.step, &self.check)
    }
}

/// One step as it went over the wire (or not, for local steps).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepLine {
    /// The step's name (`provision:CreateUserPool` for fixtures).
    pub name: String,
    /// The step's kind.
    pub kind: String,
    /// `POST RevokeToken` or `POST /oauth2/revoke`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// The request body, normalised (pretty JSON with sorted keys, or form text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<String>,
    /// The HTTP status of the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The answer's body, normalised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_body: Option<String>,
}
