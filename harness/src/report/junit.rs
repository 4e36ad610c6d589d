//! The JUnit XML report, for CI systems that show test results (GitLab, Jenkins, and the GitHub
//! Actions that read JUnit).
//!
//! Mapping:
//!
//! - `<testsuites name>` is the tool (`cognito-conformance <version>`) and its `time` the run's
//!   wall time. There is one `<testsuite>`, named after the target, so runs against two targets
//!   stay apart when a CI system merges reports. Its properties carry what the name cannot: the
//!   endpoint, the faults, whether the run was strict, and the start time (a property rather than
//!   a `timestamp`, which would mean parsing the model's RFC 3339 text back).
//! - One `<testcase>` per scenario: `name` is the scenario id, `classname` the scenario file,
//!   `time` its duration. Nothing else goes on a testcase (no properties): several consumers
//!   validate against schemas that do not allow more.
//! - Verdicts:
//!
//!   | verdict                 | JUnit                                        |
//!   |-------------------------|----------------------------------------------|
//!   | pass                    | success                                      |
//!   | fail                    | `<failure type="fail">`                      |
//!   | warn, run `strict`      | `<failure type="warn">`                      |
//!   | warn, not strict        | success; the warnings in `<system-out>`      |
//!   | error                   | `<error type="error">`                       |
//!   | unsupported             | `<skipped type="unsupported">`               |
//!   | skipped                 | `<skipped type="skipped">`                   |
//!
//!   A warning is a success unless strict because an inferred expectation is not a proven
//!   conformance bug, and a red CI build should mean one. Unsupported is not a failure either: the
//!   target lacks the operation, which the verdict already says.
//! - `message` is one line: the scenario's reason when it has one, else the first problem
//!   (`step \`refresh\`: status = 400`, and how many more), else the verdict.
//! - The element's text (and a non-strict warning's `<system-out>`) spells out the reason and every
//!   expectation that needs attention as the human report does: step, check, evidence and source,
//!   rule, and the expected/actual diff, without colour.

use std::io::Write;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::ReportError;
use super::detail::{Palette, Problem};
use super::model::{RunReport, ScenarioResult, Verdict};

/// Writes `report` as JUnit XML.
pub fn write(report: &RunReport, out: impl Write) -> Result<(), ReportError> {
    Ok(to_junit(report).serialize(out)?)
}

/// The JUnit document for `report`, for callers that add to it before writing.
pub fn to_junit(report: &RunReport) -> Report {
    let mut suite = TestSuite::new(&report.target.name);
    suite.set_time(Duration::from_millis(report.duration_ms));
    suite.add_property(Property::new("endpoint", &report.target.endpoint));
    if !report.target.faults.is_empty() {
        suite.add_property(Property::new("faults", report.target.faults.join(",")));
    }
    suite.add_property(Property::new("strict", report.strict.to_string()));
    suite.add_property(Property::new("started_at", &report.started_at));
    suite.add_test_cases(report.scenarios.iter().map(|scenario| test_case(scenario, report.strict)));

    let mut junit = Report::new(&report.tool);
    junit.set_time(Duration::from_millis(report.duration_ms));
    junit.add_test_suite(suite);
    junit
}

fn test_case(scenario: &ScenarioResult, strict: bool) -> TestCase {
    let status = match scenario.verdict {
        Verdict::Pass => TestCaseStatus::success(),
        Verdict::Warn if !strict => TestCaseStatus::success(),
        Verdict::Fail | Verdict::Warn => non_success(NonSuccessKind::Failure, scenario),
        Verdict::Error => non_success(NonSuccessKind::Error, scenario),
        Verdict::Unsupported | Verdict::Skipped => annotated(TestCaseStatus::skipped(), scenario),
    };
    let mut case = TestCase::new(&scenario.id, status);
    case.set_classname(&scenario.file);
    case.set_time(Duration::from_millis(scenario.duration_ms));
    if scenario.verdict == Verdict::Warn && !strict {
        case.set_system_out(details(scenario));
    }
    case
}

fn non_success(kind: NonSuccessKind, scenario: &ScenarioResult) -> TestCaseStatus {
    annotated(TestCaseStatus::non_success(kind), scenario)
}

fn annotated(mut status: TestCaseStatus, scenario: &ScenarioResult) -> TestCaseStatus {
    status.set_type(scenario.verdict.name()).set_message(message(scenario));
    let details = details(scenario);
    if !details.is_empty() {
        status.set_description(details);
    }
    status
}

/// One line: XML parsers turn newlines in attributes into spaces, and CI systems show the message
/// as a title.
fn message(scenario: &ScenarioResult) -> String {
    if let Some(reason) = scenario.reason.as_deref().and_then(|r| r.lines().next()) {
        return reason.to_owned();
    }
    let mut problems = scenario.problems();
    match problems.next() {
        Some(first) => {
            let more = problems.count();
            let first = format!("step `{}`: {}", first.step, first.check);
            if more == 0 { first } else { format!("{first} (and {more} more)") }
        }
        None => scenario.verdict.name().to_owned(),
    }
}

/// The reason and every problem, as the human report spells them.
fn details(scenario: &ScenarioResult) -> String {
    let mut text = String::new();
    if let Some(reason) = &scenario.reason {
        text.push_str("reason: ");
        text.push_str(reason);
        text.push('\n');
    }
    for expectation in scenario.problems() {
        text.push_str(&Problem { expectation, indent: "", palette: Palette::PLAIN }.to_string());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    fn cases(strict: bool) -> Vec<TestCase> {
        let mut report = fixture::report();
        report.strict = strict;
        let mut junit = to_junit(&report);
        assert_eq!(junit.test_suites.len(), 1);
        junit.test_suites.remove(0).test_cases
    }

    fn kind_and_type(case: &TestCase) -> (&'static str, Option<&str>) {
        match &case.status {
            TestCaseStatus::Success { .. } => ("success", None),
            TestCaseStatus::NonSuccess { kind: NonSuccessKind::Failure, ty, .. } => ("failure", ty.as_deref()),
            TestCaseStatus::NonSuccess { kind: NonSuccessKind::Error, ty, .. } => ("error", ty.as_deref()),
            TestCaseStatus::Skipped { ty, .. } => ("skipped", ty.as_deref()),
        }
    }

    #[test]
    fn each_verdict_maps_as_documented() {
        let cases = cases(false);
        let mapped: Vec<_> = cases.iter().map(kind_and_type).collect();
        assert_eq!(
            mapped,
            [
                ("success", None),
                ("failure", Some("fail")),
                ("success", None),
                ("skipped", Some("unsupported")),
                ("error", Some("error")),
                ("skipped", Some("skipped")),
            ]
        );
    }

    #[test]
    fn under_strict_a_warning_fails() {
        let cases = cases(true);
        assert_eq!(kind_and_type(&cases[2]), ("failure", Some("warn")));
        assert!(cases[2].system_out.is_none());
    }

    #[test]
    fn a_warning_that_passes_keeps_its_detail_in_system_out() {
        let cases = cases(false);
        let out = cases[2].system_out.as_ref().unwrap().as_str();
        assert!(out.starts_with("[warn] step `refresh`: __type = \"NotAuthorizedException\"\n"), "{out}");
        assert!(out.contains("evidence: inferred, source: inferred.md#ordering\n"), "{out}");
        assert!(cases[0].system_out.is_none());
    }

    #[test]
    fn a_failure_carries_every_problem_with_its_diff() {
        let cases = cases(false);
        let TestCaseStatus::NonSuccess { message, description, .. } = &cases[1].status else {
            panic!("not a failure: {:?}", cases[1].status);
        };
        assert_eq!(message.as_ref().unwrap().as_str(), "step `refresh`: status = 400 (and 1 more)");
        let text = description.as_ref().unwrap().as_str();
        assert!(
            text.starts_with(
                "[fail] step `refresh`: status = 400\n  evidence: documented, source: spec §2.3\n  - 400\n  + 200\n"
            ),
            "{text}"
        );
        assert!(text.contains("[fail] step `refresh`: body\n"), "{text}");
        assert!(text.contains("  -  \"message\": \"Refresh Token has been revoked\"\n"), "{text}");
        assert!(!text.contains("refresh-again"), "skipped expectations are left out: {text}");
    }

    #[test]
    fn reasons_become_messages() {
        let cases = cases(false);
        let message = |case: &TestCase| match &case.status {
            TestCaseStatus::NonSuccess { message, .. } | TestCaseStatus::Skipped { message, .. } => {
                message.as_ref().map(|m| m.as_str().to_owned())
            }
            TestCaseStatus::Success { .. } => None,
        };
        assert_eq!(message(&cases[3]).as_deref(), Some("the target has no RevokeToken"));
        assert_eq!(message(&cases[4]).as_deref(), Some("connection refused"));
        assert_eq!(message(&cases[5]).as_deref(), Some("needs a pool the target could not create"));
    }

    #[test]
    fn names_times_and_properties_follow_the_model() {
        let report = fixture::report();
        let junit = to_junit(&report);
        assert_eq!(junit.name.as_ref().unwrap().as_str(), "cognito-conformance 0.1.0");
        let suite = &junit.test_suites[0];
        assert_eq!(suite.name.as_str(), "reference");
        assert_eq!(suite.time, Some(Duration::from_millis(3_200)));
        let properties: Vec<_> = suite.properties.iter().map(|p| (p.name.as_str(), p.value.as_str())).collect();
        assert!(properties.contains(&("endpoint", "http://127.0.0.1:4566")), "{properties:?}");
        assert!(properties.contains(&("faults", "slow-revoke")), "{properties:?}");
        let case = &suite.test_cases[1];
        assert_eq!(case.name.as_str(), "revoke-twice");
        assert_eq!(case.classname.as_ref().unwrap().as_str(), "scenarios/revoke-twice.toml");
        assert_eq!(case.time, Some(Duration::from_millis(1_234)));
    }
}
