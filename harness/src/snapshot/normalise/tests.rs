use proptest::prelude::*;

use super::*;
use crate::report::model::{RequestRecord, ResponseRecord};
use crate::snapshot::fixture::{self, CLIENT_ID, POOL_ID, REQUEST_ID, SUB};

fn volatile() -> Vec<Volatile> {
    fixture::result().volatile
}

/// A result whose texts are those of `transcript`, as if a target had answered with them.
fn result_of(transcript: &Transcript, volatile: Vec<Volatile>) -> ScenarioResult {
    let mut result = fixture::result();
    result.title = transcript.title.clone();
    result.spec = transcript.spec.clone();
    result.reason = transcript.reason.clone();
    result.volatile = volatile;
    result.steps = transcript
        .steps
        .iter()
        .map(|line| {
            let (method, target) = line.request.as_deref().and_then(|r| r.split_once(' ')).unwrap_or(("GET", ""));
            StepRecord {
                name: line.name.clone(),
                kind: line.kind.clone(),
                request: line.request.as_ref().map(|_| RequestRecord {
                    method: method.into(),
                    target: target.into(),
                    url: String::new(),
                    body: line.request_body.clone().unwrap_or_default(),
                }),
                response: line.status.map(|status| ResponseRecord {
                    status,
                    body: line.response_body.clone().unwrap_or_default(),
                    duration_ms: Some(3),
                }),
                duration_ms: 1,
            }
        })
        .collect();
    result.expectations = transcript
        .expectations
        .iter()
        .map(|line| {
            let mut e = fixture::expectation(
                &line.step,
                &line.check,
                line.verdict,
                line.expected.as_deref().unwrap_or(""),
                line.actual.as_deref().unwrap_or(""),
            );
            e.evidence = line.evidence;
            e.rule = line.rule.clone();
            e
        })
        .collect();
    result
}

fn everything(transcript: &Transcript) -> String {
    serde_json::to_string(transcript).expect("a transcript serialises")
}

#[test]
fn volatile_values_become_placeholders_that_keep_equality() {
    let transcript = transcript(&fixture::result());
    let text = everything(&transcript);
    for raw in [POOL_ID, CLIENT_ID, SUB, REQUEST_ID] {
        assert!(!text.contains(raw), "{raw} survived in {text}");
    }
    let create = &transcript.steps[0];
    assert!(create.request_body.as_deref().is_some_and(|b| b.contains(r#""UserPoolId": "<pool-id#1>""#)));
    assert!(create.response_body.as_deref().is_some_and(|b| b.contains(r#""UserPoolId": "<pool-id#1>""#)));
    assert!(create.response_body.as_deref().is_some_and(|b| b.contains(r#""ClientId": "<client-id#1>""#)));
    assert_eq!(transcript.steps[2].request_body.as_deref(), Some("token=<refresh-token#1>&client_id=<client-id#1>"));
    assert_eq!(transcript.steps[2].request.as_deref(), Some("POST /oauth2/revoke"));
    assert!(transcript.steps[1].response_body.as_deref().is_some_and(|b| b.contains(r#""sub": "<sub#1>""#)));
    assert_eq!(transcript.expectations[1].actual.as_deref(), Some("400 for client <client-id#1>"));
}

#[test]
fn longer_values_win_and_encoded_forms_are_caught() {
    let volatile = vec![
        Volatile { value: "pool-abcd".into(), label: "pool-name" },
        Volatile { value: "pool-abcd.auth.example".into(), label: "domain" },
        Volatile { value: "alice@example.com".into(), label: "username" },
    ];
    assert_eq!(
        normalise_text("pool-abcd.auth.example hosts pool-abcd; user=alice%40example.com", &volatile),
        "<domain#1> hosts <pool-name#1>; user=<username#1>"
    );
}

#[test]
fn json_is_pretty_with_sorted_keys_and_times_hidden() {
    let body = r#"{"b":1,"UserCreateDate":"2026-01-02T03:04:05Z","a":{"exp":1767322800,"iat":"1767322800","nbf":null,"AuthenticatedAt":12,"Name":"x"},"At":"2026-01-02 03:04"}"#;
    let expected = r#"{
  "At": "<time>",
  "UserCreateDate": "<time>",
  "a": {
    "AuthenticatedAt": "<time>",
    "Name": "x",
    "exp": "<time>",
    "iat": "<time>",
    "nbf": null
  },
  "b": 1
}"#;
    assert_eq!(normalise_body(body, &[]), expected);
}

#[test]
fn text_that_is_not_json_stays_text() {
    for body in ["<html><body>Bad Request</body></html>", r#"{"__type":"NotAuthorizedExc"#, "grant_type=refresh_token"]
    {
        assert_eq!(normalise_body(body, &[]), body);
    }
}

#[test]
fn uuids_are_numbered_by_equality_and_times_collapse() {
    let first = "6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e";
    let second = "11111111-2222-4333-8444-555555555555";
    let text = format!("{first} {second} {} at 2026-01-02T03:04:05+01:00", first.to_uppercase());
    assert_eq!(normalise_text(&text, &[]), "<uuid#1> <uuid#2> <uuid#1> at <time>");
    assert_eq!(normalise_text("date: Sun, 22 Nov 2026 20:30:08 GMT.", &[]), "date: <time>.");
    // ministack under AUTH=true quotes the clock in a SigV4 refusal.
    let expired = "Signature expired: 20240101T000000Z is now earlier than 20261205T224639Z (20261205T225139Z - 5 min.)";
    assert_eq!(normalise_text(expired, &[]), "Signature expired: <time> is now earlier than <time> (<time> - 5 min.)");
}

#[test]
fn numbering_follows_steps_then_expectations() {
    let mut result = fixture::result();
    result.volatile.push(Volatile { value: "second-client-id".into(), label: "client-id" });
    result.expectations[1].actual = "second-client-id".into();
    let transcript = transcript(&result);
    assert_eq!(transcript.expectations[1].actual.as_deref(), Some("<client-id#2>"));
}

#[test]
fn existing_placeholders_are_kept_and_not_reused() {
    let text = "<refresh-token#1> <uuid#3> <time> 6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e";
    assert_eq!(normalise_text(text, &[]), "<refresh-token#1> <uuid#3> <time> <uuid#4>");
}

#[test]
fn secrets_never_survive() {
    let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    let body = format!(
        r#"{{"AccessToken":"{jwt}","Password":"hunter2hunter2","ClientSecret":"<client-secret#1>","Session":"abc"}}"#
    );
    let normalised = normalise_body(&body, &[]);
    for raw in [jwt, "hunter2hunter2", "abc\""] {
        assert!(!normalised.contains(raw), "{raw} survived in {normalised}");
    }
    assert!(normalised.contains(r#""AccessToken": "<access-token#1>""#));
    assert!(normalised.contains(r#""ClientSecret": "<client-secret#1>""#));
    assert!(normalised.contains(r#""Password": "<password#1>""#));
    let units = normalise_body(r#"{"TokenValidityUnits":{"AccessToken":"hours","RefreshToken":"days"}}"#, &[]);
    assert!(units.contains(r#""AccessToken": "hours""#) && units.contains(r#""RefreshToken": "days""#), "{units}");
    let form = normalise_text(&format!("client_secret=s3cr3t&token=<refresh-token#2>&x={jwt}"), &[]);
    assert_eq!(form, "client_secret=<client-secret#1>&token=<refresh-token#2>&x=<token#1>");
}

#[test]
fn passing_expectations_hide_expected_and_actual() {
    let transcript = transcript(&fixture::result());
    let pass = &transcript.expectations[0];
    assert_eq!((pass.expected.as_deref(), pass.actual.as_deref()), (None, None));
    assert_eq!(transcript.expectations[1].expected.as_deref(), Some("200"));
}

#[test]
fn a_transcript_normalised_again_is_unchanged() {
    let once = transcript(&fixture::result());
    let twice = transcript(&result_of(&once, volatile()));
    assert_eq!(once, twice);
}

/// Text made of the pieces normalisation cares about, glued by arbitrary characters.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(POOL_ID.to_owned()),
        Just(CLIENT_ID.to_owned()),
        Just(SUB.to_owned()),
        Just(REQUEST_ID.to_uppercase()),
        Just("2026-01-02T03:04:05.6Z".to_owned()),
        Just("<refresh-token#1>".to_owned()),
        Just("<time>".to_owned()),
        Just("eyJa.b.c".to_owned()),
        Just("&token=".to_owned()),
        Just(r#"{"exp":1,"k":"#.to_owned()),
        "[ -~]{0,6}",
        "\\PC{0,3}",
    ]
}

proptest! {
    #[test]
    fn normalising_is_idempotent(pieces in prop::collection::vec(piece(), 0..12)) {
        let text: String = pieces.concat();
        let volatile = volatile();
        let once = normalise_text(&text, &volatile);
        prop_assert_eq!(&normalise_text(&once, &volatile), &once);
        for raw in [POOL_ID, CLIENT_ID, SUB] {
            prop_assert!(!once.contains(raw));
        }
        let body = normalise_body(&text, &volatile);
        prop_assert_eq!(&normalise_body(&body, &volatile), &body);
        let json = normalise_body(&format!(r#"{{"k":{:?},"UserCreateDate":"{text}x"}}"#, text), &volatile);
        prop_assert_eq!(&normalise_body(&json, &volatile), &json);
    }
}

#[test]
fn a_form_encoded_secret_gets_the_placeholder_of_its_value() {
    let mut normaliser = Normaliser::new(&[]);
    let json = normaliser.body(r#"{"ClientSecret":"a+b/c=="}"#);
    let form = normaliser.text("client_secret=a%2Bb%2Fc%3D%3D");
    assert!(json.contains("<client-secret#1>"), "{json}");
    assert_eq!(form, "client_secret=<client-secret#1>");
}
