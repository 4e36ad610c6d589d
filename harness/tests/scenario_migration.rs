//! The move to claims, defaults and suite-wide checks kept every expectation of every scenario.
//!
//! `tests/data/expectations-before-13.json` lists each scenario's expectations as the old files
//! wrote them (step, check, value, evidence grade). The suite as it loads now must state exactly
//! those, step by step and at the same grade — except an inferred `no_echo`, which the suite-wide
//! `no-echo` check (inferred too) now makes on its step. Scenarios added since are named here.

use std::collections::BTreeMap;

use cognito_conformance::embedded;
use cognito_conformance::report::Evidence;
use cognito_conformance::scenario::Scenario;
use cognito_conformance::scenario::claims::SuiteCheck;
use cognito_conformance::scenario::format::{BodyShape, Outcome};
use cognito_conformance::scenario::model::{Check, ValueTest};
use cognito_conformance::scenario::template::Template;
use serde::Deserialize;

/// Scenarios written after the migration.
const ADDED: [&str; 3] =
    ["revoke-token-basic", "oauth-revoke-client-secret-post-refused", "oauth-revoke-stray-grant-type-ignored"];

#[derive(Debug, Deserialize)]
struct Before {
    step: String,
    check: String,
    value: String,
    evidence: String,
}

/// One expectation, comparable across the two formats.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Stated {
    step: String,
    check: String,
    value: String,
    evidence: String,
}

fn with_test(name: &str, test: &ValueTest) -> String {
    match test {
        ValueTest::Present(true) => name.to_owned(),
        ValueTest::Present(false) => format!("{name} present=false"),
        ValueTest::Equals(t) => format!("{name} equals={}", t.source_text()),
        ValueTest::Differs(t) => format!("{name} differs={}", t.source_text()),
        ValueTest::Contains(c) => format!("{name} contains={c}"),
    }
}

/// The check as the old file's key and value.
fn as_written(check: &Check) -> (&'static str, String) {
    match check {
        Check::Status(status) => ("status", status.to_string()),
        Check::ErrorType(t) => ("error_type", t.clone()),
        Check::Message(m) => ("message", m.source_text()),
        Check::MessageOneOf(ms) => {
            ("message_one_of", ms.iter().map(Template::source_text).collect::<Vec<_>>().join("\n"))
        }
        Check::OAuthError(e) => ("oauth_error", e.clone()),
        Check::Body(shape) => (
            "body",
            match shape {
                BodyShape::Empty => "empty",
                BodyShape::EmptyOrEmptyObject => "empty-or-empty-object",
                BodyShape::Object => "object",
            }
            .into(),
        ),
        Check::BodyHas { path, present } => ("body_has", with_test(&path.join("."), &ValueTest::Present(*present))),
        Check::Header { name, test } => ("header", with_test(name, test)),
        Check::Claim { name, test } => ("jwt_claim", with_test(name, test)),
        Check::Offline(outcome) => ("offline", if *outcome == Outcome::Passes { "passes" } else { "fails" }.into()),
        Check::NoEcho => ("no_echo", "true".into()),
        Check::NoServerError => ("no_server_error", "true".into()),
        Check::TypedError => ("typed_error", "true".into()),
    }
}

/// An old value in the same form: an explicit `present=true` is the default, and a list of
/// messages is one per line.
fn normalised(before: &Before) -> String {
    if before.check == "message_one_of" {
        let messages: Vec<String> = serde_json::from_str(&before.value).expect("message_one_of is a JSON list");
        return messages.join("\n");
    }
    before.value.strip_suffix(" present=true").unwrap_or(&before.value).to_owned()
}

fn stated_now(scenario: &Scenario) -> Vec<Stated> {
    let mut stated: Vec<Stated> = scenario
        .steps
        .iter()
        .flat_map(|step| {
            step.expectations.iter().map(|e| {
                let (check, value) = as_written(&e.check);
                Stated { step: step.name.clone(), check: check.into(), value, evidence: e.evidence.name().into() }
            })
        })
        .collect();
    stated.sort();
    stated
}

#[test]
fn every_scenario_states_what_it_stated_before_the_move_to_claims() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/expectations-before-13.json");
    let before: BTreeMap<String, Vec<Before>> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the data file")).expect("valid JSON");
    let suite = embedded::load().expect("the embedded suite loads");
    let now: BTreeMap<&str, &Scenario> = suite.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut problems = Vec::new();
    for (id, old) in &before {
        let Some(scenario) = now.get(id.as_str()) else {
            problems.push(format!("{id}: gone"));
            continue;
        };
        let no_echo = scenario.suite_checks.iter().find(|(suite, _)| *suite == SuiteCheck::NoEcho);
        let mut expected = Vec::new();
        for e in old {
            if e.check == "no_echo" && e.evidence == Evidence::Inferred.name() {
                let covered =
                    scenario.steps.iter().any(|s| s.name == e.step && s.suite_checks.contains(&SuiteCheck::NoEcho))
                        && no_echo.is_some_and(|(_, bound)| bound.evidence == Evidence::Inferred);
                if !covered {
                    problems.push(format!("{id}: the inferred no_echo of step `{}` is not made any more", e.step));
                }
                continue;
            }
            let value = normalised(e);
            expected.push(Stated { step: e.step.clone(), check: e.check.clone(), value, evidence: e.evidence.clone() });
        }
        expected.sort();
        let actual = stated_now(scenario);
        for missing in expected.iter().filter(|e| !actual.contains(e)) {
            problems.push(format!("{id}: lost {missing:?}"));
        }
        for extra in actual.iter().filter(|a| !expected.contains(a)) {
            problems.push(format!("{id}: new {extra:?}"));
        }
    }
    for scenario in &suite {
        if !before.contains_key(&scenario.id) && !ADDED.contains(&scenario.id.as_str()) {
            problems.push(format!("{}: not in the data file, and not listed as added", scenario.id));
        }
    }
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
}
