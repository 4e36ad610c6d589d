//! The machine-readable reports as their consumers see them: the JSON report against its published
//! schema (`harness/schema/report-v2.json`), read with an independent validator, and the JUnit
//! report parsed back with an independent XML parser.

use std::collections::BTreeSet;
use std::path::PathBuf;

use cognito_conformance::report::model::{
    Evidence, ExpectationResult, RequestRecord, ResponseRecord, RunReport, SCHEMA_VERSION, ScenarioResult, StepRecord,
    Summary, TargetInfo, Verdict,
};
use cognito_conformance::report::{self, json, junit};
use jsonschema::{Draft, Validator};
use serde_json::{Value, json};

const EXPECTED_BODY: &str =
    "{\n  \"__type\": \"NotAuthorizedException\",\n  \"message\": \"Refresh Token has been revoked\"\n}";
const ACTUAL_BODY: &str = "{\n  \"__type\": \"NotAuthorizedException\",\n  \"message\": \"Invalid Refresh Token\"\n}";

fn expectation(
    step: &str,
    check: &str,
    evidence: Evidence,
    verdict: Verdict,
    values: (&str, &str),
) -> ExpectationResult {
    ExpectationResult {
        step: step.into(),
        check: check.into(),
        evidence,
        source: format!("spec §2.3 ({check})"),
        claim: (evidence != Evidence::Inferred).then(|| "E2".into()),
        verdict,
        expected: values.0.into(),
        actual: values.1.into(),
        rule: None,
    }
}

fn step(name: &str, request_body: &str, response_body: &str) -> StepRecord {
    StepRecord {
        name: name.into(),
        kind: "revoke_token".into(),
        request: Some(RequestRecord {
            method: "POST".into(),
            target: "RevokeToken".into(),
            url: "https://cognito-idp.us-east-1.amazonaws.com/".into(),
            body: request_body.into(),
        }),
        response: Some(ResponseRecord { status: 400, body: response_body.into(), duration_ms: Some(12) }),
        duration_ms: 7,
    }
}

fn scenario(id: &str, verdict: Verdict, reason: Option<&str>, expectations: Vec<ExpectationResult>) -> ScenarioResult {
    ScenarioResult {
        id: id.into(),
        title: format!("{id}: title"),
        file: format!("scenarios/revoke/{id}.toml"),
        spec: "§2.3".into(),
        tags: vec!["revoke".into(), "smoke".into()],
        verdict,
        reason: reason.map(Into::into),
        duration_ms: 1_500,
        expectations,
        steps: vec![step("revoke", "{\"Token\":\"<refresh-token#1>\"}", ACTUAL_BODY)],
        volatile: Vec::new(),
    }
}

/// One scenario per verdict, every evidence grade, and every optional field filled somewhere, so
/// the schema sees the whole serialised form.
fn full_report(strict: bool) -> RunReport {
    use Evidence::{AwsSeen, Documented, Inferred};
    let mut unsupported = expectation("revoke", "status = 200", AwsSeen, Verdict::Unsupported, ("200", "404"));
    unsupported.rule = Some("http-404".into());
    let mut error = expectation("sign-in", "status = 200", Documented, Verdict::Error, ("200", ""));
    error.rule = Some("unreachable".into());
    let scenarios = vec![
        scenario(
            "pass-1",
            Verdict::Pass,
            None,
            vec![expectation("revoke", "status = 200", Documented, Verdict::Pass, ("200", "200"))],
        ),
        scenario(
            "fail-1",
            Verdict::Fail,
            None,
            vec![
                expectation("refresh", "status = 400", Documented, Verdict::Fail, ("400", "200")),
                expectation("refresh", "body", AwsSeen, Verdict::Fail, (EXPECTED_BODY, ACTUAL_BODY)),
                expectation("refresh-again", "status = 400", Documented, Verdict::Skipped, ("400", "")),
            ],
        ),
        scenario(
            "warn-1",
            Verdict::Warn,
            None,
            vec![expectation("refresh", "ordering", Inferred, Verdict::Warn, ("a", "b"))],
        ),
        scenario("unsupported-1", Verdict::Unsupported, Some("no hosted UI"), vec![unsupported]),
        scenario("error-1", Verdict::Error, Some("connection refused"), vec![error]),
        scenario("skipped-1", Verdict::Skipped, Some("prerequisite failed"), vec![]),
    ];
    RunReport {
        schema_version: SCHEMA_VERSION,
        tool: "cognito-conformance 0.1.0".into(),
        target: TargetInfo {
            name: "reference".into(),
            endpoint: "http://127.0.0.1:4566".into(),
            faults: vec!["slow-revoke".into()],
        },
        strict,
        started_at: "2026-01-02T03:04:05Z".into(),
        duration_ms: 9_000,
        summary: Summary::of(&scenarios),
        scenarios,
    }
}

/// Every optional field left out: what the schema must not require.
fn minimal_report() -> RunReport {
    let mut report = full_report(false);
    report.target.faults.clear();
    report.scenarios.truncate(1);
    let scenario = &mut report.scenarios[0];
    scenario.reason = None;
    scenario.steps = vec![
        StepRecord { name: "decode".into(), kind: "decode".into(), request: None, response: None, duration_ms: 0 },
        // A report of an older version: its requests have no URL and its answers no duration.
        StepRecord {
            request: Some(RequestRecord {
                method: "POST".into(),
                target: "RevokeToken".into(),
                url: String::new(),
                body: String::new(),
            }),
            response: Some(ResponseRecord { status: 400, body: String::new(), duration_ms: None }),
            ..step("revoke", "", "")
        },
    ];
    report.summary = Summary::of(&report.scenarios);
    report
}

fn to_value(report: &RunReport) -> Value {
    let mut text = Vec::new();
    json::write(report, &mut text).expect("the JSON report is written");
    serde_json::from_slice(&text).expect("the JSON report is JSON")
}

fn schema() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema/report-v2.json");
    let text = std::fs::read_to_string(path).expect("the schema file is readable");
    assert_eq!(text, json::SCHEMA, "the embedded schema is the published one");
    serde_json::from_str(&text).expect("the schema is JSON")
}

fn validator() -> Validator {
    let schema = schema();
    jsonschema::meta::validate(&schema).expect("the schema is a valid draft 2020-12 schema");
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles")
}

fn errors(validator: &Validator, document: &Value) -> Vec<String> {
    validator.iter_errors(document).map(|e| format!("{} at {}", e, e.instance_path)).collect()
}

#[test]
fn the_json_report_is_valid_under_its_schema() {
    let validator = validator();
    for report in [full_report(false), full_report(true), minimal_report()] {
        let document = to_value(&report);
        assert_eq!(errors(&validator, &document), Vec::<String>::new(), "{document:#}");
    }
}

#[test]
fn the_schema_rejects_what_the_model_cannot_produce() {
    let validator = validator();
    let valid = to_value(&full_report(false));
    type Mutation = fn(&mut Value);
    let cases: [(&str, Mutation); 12] = [
        ("unknown verdict", |d| d["scenarios"][1]["verdict"] = json!("failed")),
        ("unknown expectation verdict", |d| d["scenarios"][1]["expectations"][0]["verdict"] = json!("FAIL")),
        ("unknown evidence", |d| d["scenarios"][0]["expectations"][0]["evidence"] = json!("aws_seen")),
        ("missing scenario id", |d| drop(d["scenarios"][0].as_object_mut().unwrap().remove("id"))),
        ("missing top-level field", |d| drop(d.as_object_mut().unwrap().remove("strict"))),
        ("missing verdict count", |d| drop(d["summary"]["by_verdict"].as_object_mut().unwrap().remove("skipped"))),
        ("extra top-level field", |d| d["extra"] = json!(1)),
        ("extra expectation field", |d| d["scenarios"][1]["expectations"][0]["note"] = json!("x")),
        ("extra request field", |d| d["scenarios"][0]["steps"][0]["request"]["headers"] = json!({})),
        ("other schema version", |d| d["schema_version"] = json!(3)),
        ("negative duration", |d| d["scenarios"][0]["duration_ms"] = json!(-1)),
        ("start time not RFC 3339", |d| d["started_at"] = json!("yesterday")),
    ];
    for (name, mutate) in cases {
        let mut document = valid.clone();
        mutate(&mut document);
        assert_ne!(document, valid, "{name}: the mutation changed nothing");
        assert!(!validator.is_valid(&document), "{name}: accepted");
    }
}

/// The serialised objects of each kind the schema defines (`""` is the report itself).
fn objects_by_definition(document: &Value) -> Vec<(&'static str, Vec<&Value>)> {
    let scenarios: Vec<&Value> = document["scenarios"].as_array().expect("scenarios").iter().collect();
    let within = |key: &str| -> Vec<&Value> {
        scenarios.iter().flat_map(|s| s[key].as_array().expect("an array of objects")).collect()
    };
    let steps = within("steps");
    let part = |key: &str| -> Vec<&Value> { steps.iter().filter_map(|s| s.get(key)).collect() };
    vec![
        ("", vec![document]),
        ("target", vec![&document["target"]]),
        ("summary", vec![&document["summary"]]),
        ("scenario", scenarios.clone()),
        ("expectation", within("expectations")),
        ("request", part("request")),
        ("response", part("response")),
        ("step", steps),
    ]
}

/// `additionalProperties: false` keeps the schema from allowing fewer fields than the model writes;
/// this keeps it from allowing or requiring more. Per kind of object, across the full and the
/// minimal report: every key ever written is a property, and the keys always written are required.
#[test]
fn the_schema_describes_exactly_the_serialised_fields() {
    let schema = schema();
    let documents = [to_value(&full_report(false)), to_value(&minimal_report())];
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<BTreeSet<String>>();
    let strings = |v: &Value| -> BTreeSet<String> {
        v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect()
    };
    let by_definition: Vec<_> = documents.iter().map(objects_by_definition).collect();
    for (index, (def, _)) in by_definition[0].iter().enumerate() {
        let objects: Vec<&Value> = by_definition.iter().flat_map(|d| d[index].1.iter().copied()).collect();
        assert!(!objects.is_empty(), "no {def:?} object to compare");
        let written = objects.iter().map(|o| keys(o)).reduce(|a, b| &a | &b).unwrap();
        let always = objects.iter().map(|o| keys(o)).reduce(|a, b| &a & &b).unwrap();
        let definition = if def.is_empty() { &schema } else { &schema["$defs"][*def] };
        assert_eq!(definition["additionalProperties"], json!(false), "{def:?}");
        assert_eq!(keys(&definition["properties"]), written, "properties of {def:?}");
        assert_eq!(strings(&definition["required"]), always, "required of {def:?}");
    }
    let verdicts: BTreeSet<String> = Verdict::ALL.iter().map(|v| v.name().to_owned()).collect();
    let by_verdict = &schema["$defs"]["summary"]["properties"]["by_verdict"];
    assert_eq!(by_verdict["additionalProperties"], json!(false));
    assert_eq!(strings(&by_verdict["required"]), verdicts);
    assert_eq!(keys(&documents[0]["summary"]["by_verdict"]), verdicts);
}

#[test]
fn the_json_report_round_trips() {
    for report in [full_report(true), minimal_report()] {
        let mut text = Vec::new();
        json::write(&report, &mut text).unwrap();
        assert_eq!(json::read(text.as_slice()).unwrap(), report);
        assert_eq!(serde_json::from_slice::<RunReport>(&text).unwrap(), report);
    }
}

fn junit_xml(report: &RunReport) -> String {
    let mut xml = Vec::new();
    junit::write(report, &mut xml).expect("the JUnit report is written");
    String::from_utf8(xml).expect("the JUnit report is UTF-8")
}

/// The element under `case` that says how it went (`failure`, `error`, `skipped`), if any.
fn outcome<'a>(case: roxmltree::Node<'a, 'a>) -> Option<roxmltree::Node<'a, 'a>> {
    let mut outcomes = case.children().filter(|n| matches!(n.tag_name().name(), "failure" | "error" | "skipped"));
    let first = outcomes.next();
    assert!(outcomes.next().is_none(), "one outcome per testcase");
    first
}

fn system_out<'a>(case: roxmltree::Node<'a, 'a>) -> Option<&'a str> {
    case.children().find(|n| n.has_tag_name("system-out")).and_then(|n| n.text())
}

#[test]
fn the_junit_report_has_a_testcase_per_scenario() {
    let report = full_report(false);
    let xml = junit_xml(&report);
    let document = roxmltree::Document::parse(&xml).unwrap();
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
    assert_eq!(suites.len(), 1);
    let suite = suites[0];
    assert_eq!(suite.attribute("name"), Some("reference"));
    assert_eq!(suite.attribute("tests"), Some("6"));
    assert_eq!(suite.attribute("failures"), Some("1"));
    assert_eq!(suite.attribute("errors"), Some("1"));
    assert_eq!(suite.attribute("skipped"), Some("2"));
    let cases: Vec<_> = suite.children().filter(|n| n.has_tag_name("testcase")).collect();
    let names: Vec<_> = cases.iter().map(|c| c.attribute("name").unwrap()).collect();
    let ids: Vec<_> = report.scenarios.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(names, ids);
    for (case, scenario) in cases.iter().zip(&report.scenarios) {
        assert_eq!(case.attribute("classname"), Some(scenario.file.as_str()));
        assert_eq!(case.attribute("time"), Some("1.500"));
    }
}

#[test]
fn junit_outcomes_follow_the_verdicts() {
    for strict in [false, true] {
        let xml = junit_xml(&full_report(strict));
        let document = roxmltree::Document::parse(&xml).unwrap();
        let case = |id: &str| {
            document.descendants().find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(id)).unwrap()
        };
        let kind = |id: &str| outcome(case(id)).map(|n| (n.tag_name().name(), n.attribute("type").unwrap_or("")));
        assert_eq!(kind("pass-1"), None);
        assert_eq!(kind("fail-1"), Some(("failure", "fail")));
        assert_eq!(kind("error-1"), Some(("error", "error")));
        assert_eq!(kind("unsupported-1"), Some(("skipped", "unsupported")));
        assert_eq!(kind("skipped-1"), Some(("skipped", "skipped")));
        let messages =
            ["error-1", "unsupported-1", "skipped-1"].map(|id| outcome(case(id)).unwrap().attribute("message"));
        assert_eq!(messages, [Some("connection refused"), Some("no hosted UI"), Some("prerequisite failed")]);
        if strict {
            assert_eq!(kind("warn-1"), Some(("failure", "warn")), "strict");
            assert_eq!(system_out(case("warn-1")), None);
        } else {
            assert_eq!(kind("warn-1"), None, "not strict");
            let out = system_out(case("warn-1")).unwrap();
            assert!(
                out.contains("[warn] step `refresh`: ordering\n  evidence: inferred, source: spec §2.3 (ordering)\n"),
                "{out}"
            );
            assert!(out.contains("  - a\n  + b\n"), "{out}");
        }
    }
}

#[test]
fn a_junit_failure_carries_evidence_source_and_diff() {
    let xml = junit_xml(&full_report(false));
    let document = roxmltree::Document::parse(&xml).unwrap();
    let failure = document.descendants().find(|n| n.has_tag_name("failure")).unwrap();
    assert_eq!(failure.attribute("message"), Some("step `refresh`: status = 400 (and 1 more)"));
    let text = failure.text().unwrap();
    for expected in [
        "[fail] step `refresh`: status = 400\n",
        "  evidence: documented, source: spec §2.3 (status = 400)\n  - 400\n  + 200\n",
        "[fail] step `refresh`: body\n  evidence: aws-seen, source: spec §2.3 (body)\n",
        "  --- expected\n  +++ actual\n  @@ -1,4 +1,4 @@\n",
        "  -  \"message\": \"Refresh Token has been revoked\"\n  +  \"message\": \"Invalid Refresh Token\"\n",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(!text.contains("refresh-again"), "skipped expectations are not failures: {text}");
    let error = document.descendants().find(|n| n.has_tag_name("error")).unwrap().text().unwrap();
    assert!(error.contains("reason: connection refused\n"), "{error}");
    assert!(error.contains("  rule: unreachable\n  - 200\n  + (not checked)\n"), "{error}");
}

#[test]
fn write_reports_leaves_both_reports_in_a_directory() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("report-formats-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let report = full_report(false);
    report::write_reports(&report, &dir.join("out")).unwrap();
    let text = std::fs::read_to_string(dir.join("out").join(report::JSON_FILE)).unwrap();
    let document: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(errors(&validator(), &document), Vec::<String>::new());
    assert_eq!(json::read(text.as_bytes()).unwrap(), report);
    let xml = std::fs::read_to_string(dir.join("out").join(report::JUNIT_FILE)).unwrap();
    assert_eq!(xml, junit_xml(&report));
    roxmltree::Document::parse(&xml).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}
