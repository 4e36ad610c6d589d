//! The results of a run, as every report format sees them.
//!
//! The runner fills a [`RunReport`]; `human`, `json` and `junit` render it. The JSON report is this
//! model serialised as is, so its field names are a public, versioned contract
//! ([`SCHEMA_VERSION`], `harness/schema/report-v2.json`). Everything here is already redacted:
//! tokens, secrets and passwords were replaced by placeholders before the model was built.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The version of the JSON report's schema. Bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 2;

/// How an expectation, a scenario or a run came out. Only `Pass` counts as passing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Met.
    Pass,
    /// An inferred expectation not met (a failure under `--strict`).
    Warn,
    /// A prerequisite step failed, so this was not checked.
    Skipped,
    /// The target lacks the operation or endpoint (UnknownOperationException, 404, 501).
    Unsupported,
    /// A documented or aws-seen expectation not met.
    Fail,
    /// The check could not be made: unreachable, timeout, malformed response, provisioning failed.
    Error,
}

impl Verdict {
    /// All verdicts, in report order.
    pub const ALL: [Verdict; 6] =
        [Verdict::Pass, Verdict::Fail, Verdict::Warn, Verdict::Unsupported, Verdict::Error, Verdict::Skipped];

    /// The lower-case name used in every report.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Warn => "warn",
            Verdict::Unsupported => "unsupported",
            Verdict::Error => "error",
            Verdict::Skipped => "skipped",
        }
    }

    /// How a set of verdicts combines into one: the most serious wins
    /// (error > fail > unsupported > warn > skipped > pass).
    pub fn severity(self) -> u8 {
        match self {
            Verdict::Pass => 0,
            Verdict::Skipped => 1,
            Verdict::Warn => 2,
            Verdict::Unsupported => 3,
            Verdict::Fail => 4,
            Verdict::Error => 5,
        }
    }

    /// The combined verdict of `verdicts`; `Pass` when empty.
    pub fn combine(verdicts: impl IntoIterator<Item = Verdict>) -> Verdict {
        verdicts.into_iter().max_by_key(|v| v.severity()).unwrap_or(Verdict::Pass)
    }

    /// Whether reports show the expectation behind this verdict in detail. `Skipped` is left out:
    /// it follows from an earlier problem, which is the one worth reading.
    pub fn needs_attention(self) -> bool {
        matches!(self, Verdict::Fail | Verdict::Warn | Verdict::Error | Verdict::Unsupported)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How strong the evidence behind an expectation is (spec "Confidence marks").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    /// Stated in AWS documentation or the service model.
    Documented,
    /// Seen in a published capture from real AWS.
    AwsSeen,
    /// Concluded from the sources; not confirmed. Unmet → warn, not fail.
    Inferred,
}

impl Evidence {
    /// The grade named `name` in a file, if any.
    pub fn parse(name: &str) -> Option<Self> {
        [Evidence::Documented, Evidence::AwsSeen, Evidence::Inferred].into_iter().find(|grade| grade.name() == name)
    }

    /// The name used in scenario files and reports.
    pub fn name(self) -> &'static str {
        match self {
            Evidence::Documented => "documented",
            Evidence::AwsSeen => "aws-seen",
            Evidence::Inferred => "inferred",
        }
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One judged expectation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectationResult {
    /// The step it belongs to.
    pub step: String,
    /// What was checked, e.g. `status = 200` or `__type = "NotAuthorizedException"`.
    pub check: String,
    /// The evidence grade.
    pub evidence: Evidence,
    /// Where the expectation comes from (spec section, document, issue).
    pub source: String,
    /// The claim of the registry it checks (`E1`, `no-echo`); absent for a one-off expectation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<String>,
    /// The outcome.
    pub verdict: Verdict,
    /// The expected value, rendered for people.
    pub expected: String,
    /// The value seen, rendered for people (empty when not checked).
    pub actual: String,
    /// The classification rule applied when the verdict is `unsupported` or `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

/// The request a step sent, redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// `POST`, `GET`, …
    pub method: String,
    /// The operation (`RevokeToken`) or the path (`/oauth2/revoke`).
    pub target: String,
    /// Where it went: scheme, host and path, so a report shows which host a run reached (AWS's
    /// own names, or an emulator's address). Not in snapshots, where addresses vary.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    /// The body, redacted (JSON text or form text).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
}

/// The response a step got, redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseRecord {
    /// HTTP status.
    pub status: u16,
    /// The body, redacted and cut to a bounded length.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
    /// Time from sending the request to the full answer, in milliseconds (the last attempt's, if
    /// throttling was retried). Never in snapshots: it changes on every run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

/// One step of a scenario as it ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    /// The step's name.
    pub name: String,
    /// The step's kind (`sign_in`, `revoke_token`, …).
    pub kind: String,
    /// What was sent, if anything (local steps such as `decode` send nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestRecord>,
    /// What came back, if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseRecord>,
    /// Wall time of the step, in milliseconds.
    pub duration_ms: u64,
}

/// One scenario as it ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioResult {
    /// The scenario id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The file it came from, relative to the working directory when possible.
    pub file: String,
    /// The spec section(s) it checks.
    pub spec: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// The combined verdict.
    pub verdict: Verdict,
    /// Why the scenario could not run, for `error` and `unsupported` verdicts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Wall time, in milliseconds.
    pub duration_ms: u64,
    /// Every expectation, in file order.
    pub expectations: Vec<ExpectationResult>,
    /// Every step, in order, as far as the scenario got.
    pub steps: Vec<StepRecord>,
    /// Values that change from run to run (ids the target assigned, generated names). Not in the
    /// JSON report: snapshots use them to replace each with a stable placeholder.
    #[serde(skip)]
    pub volatile: Vec<Volatile>,
}

/// A value in a scenario's transcript that differs on every run, such as a pool id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volatile {
    /// The value as the target or the runner produced it.
    pub value: String,
    /// What it is, used in its placeholder: `pool-id`, `client-id`, `domain`, `pool-name`,
    /// `username`, `sub`.
    pub label: &'static str,
}

impl ScenarioResult {
    /// The expectations every report spells out: those whose verdict
    /// [needs attention](Verdict::needs_attention), in file order.
    pub fn problems(&self) -> impl Iterator<Item = &ExpectationResult> {
        self.expectations.iter().filter(|e| e.verdict.needs_attention())
    }
}

/// The target a run went against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetInfo {
    /// `reference`, a profile name, or `url`.
    pub name: String,
    /// The endpoint URL.
    pub endpoint: String,
    /// Faults switched on (reference only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<String>,
}

/// Counts of scenarios by verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Scenarios run.
    pub total: usize,
    /// Count per verdict name; every verdict is present, zero or not.
    pub by_verdict: BTreeMap<Verdict, usize>,
}

impl Summary {
    /// Counts `scenarios`.
    pub fn of(scenarios: &[ScenarioResult]) -> Self {
        let mut by_verdict: BTreeMap<Verdict, usize> = Verdict::ALL.iter().map(|v| (*v, 0)).collect();
        for scenario in scenarios {
            *by_verdict.entry(scenario.verdict).or_default() += 1;
        }
        Self { total: scenarios.len(), by_verdict }
    }

    /// How many scenarios got `verdict`.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.by_verdict.get(&verdict).copied().unwrap_or(0)
    }
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `cognito-conformance <version>`.
    pub tool: String,
    /// The target.
    pub target: TargetInfo,
    /// Whether inferred expectations were strict (unmet → fail).
    pub strict: bool,
    /// Start time, RFC 3339 UTC.
    pub started_at: String,
    /// Wall time, in milliseconds.
    pub duration_ms: u64,
    /// Counts by verdict.
    pub summary: Summary,
    /// Every scenario, in selection order.
    pub scenarios: Vec<ScenarioResult>,
}
