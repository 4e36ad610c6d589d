//! Fuzz target `api_dispatch`: the reference's decoding of an AWS JSON 1.1 request —
//! `X-Amz-Target`, `Content-Type` and body — and the dispatch to its operation.
//!
//! This is the parser hostile clients reach first, so it must answer anything with a typed AWS
//! error and never leak what it was sent. Input: line 1 is the `X-Amz-Target` value, line 2 the
//! `Content-Type` value (an empty line sends no such header), the rest is the body. Placeholders
//! (`@POOL@`, `@REFRESH@`, …) name the provisioned fixture ([`super::fixture`]); inputs whose
//! header lines are not valid header values are skipped, as no HTTP request can carry them.
//!
//! Properties, on a reference with no fault switched on:
//! - no panic;
//! - a success is a JSON object;
//! - an error renders as a typed AWS error: HTTP 4xx (never `InternalError`, which only a fault
//!   produces), `x-amzn-errortype`, and a JSON body whose `__type` and `message` are the error's;
//! - no error message echoes a submitted credential (`Token`, `RefreshToken`, `ClientSecret`,
//!   `AuthParameters.SECRET_HASH`, …) or one of the fixture's, as [`super::echo`] defines it.
//!
//! Rendering is checked once per distinct error, and the body is decoded for the echo check only
//! when the message shares a run of token characters with it ([`shares_run`]): both would
//! otherwise cost more than the decoding under test.

use axum::http::{HeaderMap, HeaderName, header};
use serde_json::Value;

use super::echo::{assert_no_fixture_credential, examine_once, found, replace, shares_run, twin, unexplained};
use super::fixture::FIXTURE;
use super::{assert_aws_rendering, first_time, headers, lines};
use crate::reference::error::{ApiError, ErrorType};
use crate::reference::server::answer_api;

/// Members whose string value is a credential, at any depth (`AuthParameters` included).
const SECRET_MEMBERS: [&str; 15] = [
    "Token",
    "AccessToken",
    "RefreshToken",
    "IdToken",
    "ClientSecret",
    "Password",
    "TemporaryPassword",
    "ProposedPassword",
    "PreviousPassword",
    "Session",
    "REFRESH_TOKEN",
    "SECRET_HASH",
    "PASSWORD",
    "NEW_PASSWORD",
    "DEVICE_KEY",
];

/// Runs one input; see the module docs.
pub fn api_dispatch(data: &[u8]) {
    let fixture = &*FIXTURE;
    let _turn = fixture.turn();
    let data = fixture.expand(data);
    let Some(([target, content_type], body)) = lines::<2>(&data) else { return };
    let Some(headers) =
        headers([(HeaderName::from_static("x-amz-target"), target), (header::CONTENT_TYPE, content_type)])
    else {
        return;
    };
    let error = match answer(&headers, body) {
        Ok(value) => {
            assert!(value.is_object(), "a success answer is not a JSON object: {value}");
            return;
        }
        Err(error) => error,
    };
    assert_typed(&error);
    if !fixture.quoted_in(error.message.as_bytes()) && !shares_run(error.message.as_bytes(), body) {
        return;
    }
    let (secrets, mut public) = request_parts(body);
    public.extend([target, content_type].map(|line| String::from_utf8_lossy(line).into_owned()));
    assert_no_fixture_credential(&error.message, fixture.credentials(), &public, "an error message");
    let found = examine_once("api_dispatch", &error.message, found(&error.message, &secrets));
    for secret in unexplained(found, &public) {
        let twin = twin(secret);
        if let Err(again) = answer(&headers, &replace(body, secret.as_bytes(), twin.as_bytes())) {
            assert!(
                !again.message.contains(&twin),
                "an error message echoes a submitted credential `{secret}`: {}",
                error.message
            );
        }
    }
}

/// Answers one request from the provisioned state.
fn answer(headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    FIXTURE.reset();
    let answer = answer_api(&FIXTURE.service, headers, body);
    if answer.is_ok() {
        FIXTURE.changed();
    }
    answer
}

/// Checks that `error` renders as Cognito renders client errors.
///
/// Rendering depends on the kind and the message only, so a pair is checked the first time only.
fn assert_typed(error: &ApiError) {
    assert_ne!(error.kind, ErrorType::InternalError, "a fault-free reference answered InternalError: {error:?}");
    if !first_time(("api_dispatch", error.kind.name(), &error.message)) {
        return;
    }
    assert_aws_rendering(error);
}

/// The credential values of a JSON body, and every other string in it (keys included).
/// `TokenValidityUnits` reuses the credential names for units (`"IdToken": "minutes"`). A body that
/// is not JSON is public as a whole: which of its strings is a key (quoted back as an unknown
/// member before the syntax error is met) and which a credential cannot be told.
fn request_parts(body: &[u8]) -> (Vec<String>, Vec<String>) {
    fn walk(value: &Value, units: bool, secrets: &mut Vec<String>, public: &mut Vec<String>) {
        match value {
            Value::String(text) => public.push(text.clone()),
            Value::Number(number) => public.push(number.to_string()),
            Value::Array(items) => items.iter().for_each(|item| walk(item, units, secrets, public)),
            Value::Object(members) => {
                for (key, value) in members {
                    public.push(key.clone());
                    match value {
                        Value::String(text) if !units && SECRET_MEMBERS.contains(&key.as_str()) => {
                            secrets.push(text.clone())
                        }
                        value => walk(value, units || key == "TokenValidityUnits", secrets, public),
                    }
                }
            }
            Value::Null | Value::Bool(_) => {}
        }
    }
    let (mut secrets, mut public) = (Vec::new(), Vec::new());
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => walk(&value, false, &mut secrets, &mut public),
        Err(_) => public.push(String::from_utf8_lossy(body).into_owned()),
    }
    (secrets, public)
}
