//! Hostile requests never get a 5xx, a panic or a hang from the hosted endpoints of the reference
//! target: a property test over `/oauth2/revoke`, `/oauth2/token` and `/oauth2/userInfo` with
//! random or realistic forms, odd content types and `Authorization` headers, addressed by path or by
//! `Host` — while ordinary sessions on the same reference keep working.
//!
//! The hosted endpoints parse forms and credentials by hand, which is where malformed input bites
//! (spec §8.14). The JSON API gets the same treatment in `reference_hostile_api.rs`.

mod common;

use common::hostile::{DOMAIN, SHARED, check_hosted_reply};
use common::{basic, try_send};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use reqwest::StatusCode;
use reqwest::header::HeaderValue;

/// A form body for a hosted endpoint: raw bytes, or the endpoint's parameters (each present or
/// not) with realistic or hostile values, sometimes repeated or joined by strangers.
fn form_body(path: &'static str) -> impl Strategy<Value = Vec<u8>> {
    let f = &SHARED.fixture.hosted;
    let tokens = vec![
        f.session.refresh_token.clone(),
        f.session.access_token.clone(),
        f.session.id_token.clone(),
        f.confidential_session.refresh_token.clone(),
        format!("{}x", f.session.refresh_token),
        "garbage".to_owned(),
        String::new(),
    ];
    let ids = vec![f.public.id.clone(), f.confidential.id.clone(), "nosuchclient".to_owned(), String::new()];
    let secrets = vec![f.confidential.secret.clone().unwrap_or_default(), "wrong".to_owned(), String::new()];
    let grants = vec!["refresh_token", "refresh_token", "refresh_token", "authorization_code", ""];
    let hostile = || prop_oneof![".{0,40}", (1usize..100_000).prop_map(|n| "z".repeat(n))];
    let param = move |weight: f64, known: Vec<String>| {
        prop::option::weighted(weight, prop_oneof![6 => prop::sample::select(known), 1 => hostile()])
    };
    let revoke = path == "/oauth2/revoke";
    let params = (
        param(if revoke { 0.9 } else { 0.1 }, tokens.clone()),
        param(0.7, ids),
        param(0.3, secrets),
        param(if revoke { 0.1 } else { 0.9 }, grants.into_iter().map(str::to_owned).collect()),
        param(if revoke { 0.1 } else { 0.9 }, tokens),
        prop::option::of(prop::sample::select(vec!["refresh_token", "access_token", "junk"])),
        prop::collection::vec((".{0,8}", ".{0,16}"), 0..2),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(token, client_id, secret, grant, refresh, hint, strangers, repeat)| {
            let mut pairs: Vec<(String, String)> = Vec::new();
            let named = [
                ("token", token),
                ("client_id", client_id),
                ("client_secret", secret),
                ("grant_type", grant),
                ("refresh_token", refresh),
                ("token_type_hint", hint.map(str::to_owned)),
            ];
            for (name, value) in named {
                if let Some(value) = value {
                    pairs.push((name.to_owned(), value));
                }
            }
            if repeat && let Some(first) = pairs.first().cloned() {
                pairs.push(first);
            }
            pairs.extend(strangers);
            form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish().into_bytes()
        });
    prop_oneof![
        8 => params,
        1 => prop::collection::vec(any::<u8>(), 0..256),
        1 => "[%&=+a-z0-9]{0,64}".prop_map(String::into_bytes),
    ]
}

/// An `Authorization` header, or none.
fn authorization() -> impl Strategy<Value = Option<Vec<u8>>> {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    let f = &SHARED.fixture.hosted;
    let (id, secret) = (f.confidential.id.clone(), f.confidential.secret.clone().unwrap_or_default());
    let bearer = f.session.access_token.clone();
    let id_token = f.session.id_token.clone();
    prop_oneof![
        2 => Just(None),
        1 => Just(Some(basic(&id, &secret).into_bytes())),
        1 => ".{0,40}".prop_map(move |s| Some(basic(&id, &s).into_bytes())),
        1 => prop::collection::vec(any::<u8>(), 0..48).prop_map(|raw| Some(format!("Basic {}", STANDARD.encode(raw)).into_bytes())),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(|mut raw| {
            // Header values may not hold control characters other than tab.
            raw.retain(|b| (*b >= 0x20 && *b != 0x7f) || *b == b'\t');
            Some(raw)
        }),
        2 => Just(Some(format!("Bearer {bearer}").into_bytes())),
        1 => Just(Some(format!("bearer  {id_token}").into_bytes())),
        1 => "(Basic|Bearer|basic|Digest) [ -~]{0,40}".prop_map(|s| Some(s.into_bytes())),
    ]
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![
        8 => Just(Some("application/x-www-form-urlencoded")),
        1 => Just(Some("application/x-www-form-urlencoded; charset=UTF-8")),
        1 => Just(Some("APPLICATION/X-WWW-FORM-URLENCODED")),
        1 => prop::sample::select(vec![Some("application/json"), Some("text/plain"), Some(";;;"), None]),
    ]
}

fn hosted_case() -> impl Strategy<Value = (&'static str, Option<&'static str>, Option<Vec<u8>>, Vec<u8>, bool)> {
    prop::sample::select(vec!["/oauth2/revoke", "/oauth2/token", "/oauth2/userInfo"])
        .prop_flat_map(|path| (Just(path), content_type(), authorization(), form_body(path), any::<bool>()))
}

fn run_hosted(
    path: &str,
    content_type: Option<&str>,
    authorization: Option<Vec<u8>>,
    body: Vec<u8>,
    by_host: bool,
) -> Result<(), TestCaseError> {
    let f = &SHARED.fixture;
    let mut request = if by_host {
        f.http
            .post(format!("{}{path}", f.target.endpoint))
            .header("Host", format!("{DOMAIN}.auth.us-east-1.amazoncognito.com"))
    } else {
        f.http.post(format!("{}/_domain/{DOMAIN}{path}", f.target.endpoint))
    };
    if let Some(content_type) = content_type {
        request = request.header("Content-Type", content_type);
    }
    if let Some(value) = authorization.and_then(|raw| HeaderValue::from_bytes(&raw).ok()) {
        request = request.header("Authorization", value);
    }
    let reply = SHARED.runtime.block_on(try_send(request.body(body))).map_err(TestCaseError::fail)?;
    check_hosted_reply(&reply).map_err(|why| TestCaseError::fail(format!("{path}: {why}")))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn hosted_forms_never_get_a_5xx((path, content_type, authorization, body, by_host) in hosted_case()) {
        run_hosted(path, content_type, authorization, body, by_host)?;
    }
}

#[test]
fn well_formed_traffic_keeps_working_beside_the_hostile_cases() {
    // Test threads run side by side, so this usually overlaps the property above: whatever it
    // sends, the shared reference keeps serving ordinary sessions correctly.
    let f = &SHARED.fixture;
    let (target, client) = (&f.target, &f.hosted.public);
    SHARED.runtime.block_on(async {
        for i in 0..8 {
            let username = format!("survivor{i}");
            target.user(&f.hosted.pool, &username).await;
            let session = target.sign_in(client, &username).await;
            let form = [
                ("grant_type", "refresh_token"),
                ("client_id", client.id.as_str()),
                ("refresh_token", &session.refresh_token),
            ];
            let reply = target.hosted_post(DOMAIN, "/oauth2/token", &form, &[]).await;
            assert_eq!(reply.status, StatusCode::OK, "body: {}", reply.text);
            let access = reply.json["access_token"].as_str().expect("access token").to_owned();
            target.get_user(&access).await.ok();
            let form = [("token", session.refresh_token.as_str()), ("client_id", &client.id)];
            let reply = target.hosted_post(DOMAIN, "/oauth2/revoke", &form, &[]).await;
            assert_eq!(reply.status, StatusCode::OK, "body: {}", reply.text);
            for token in [&access, &session.access_token] {
                let message = target.get_user(token).await.expect_error("NotAuthorizedException");
                assert_eq!(message, "Access Token has been revoked");
            }
        }
    });
}
