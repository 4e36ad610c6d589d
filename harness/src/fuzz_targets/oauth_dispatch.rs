//! Fuzz target `oauth_dispatch`: the hosted `/oauth2/revoke` and `/oauth2/token` endpoints — their
//! form parsing, client authentication (Basic header or form fields) and the revoke and refresh
//! cores behind them.
//!
//! Input: line 1 names the endpoint, `revoke` or `token` (anything else picks by the parity of its
//! first byte); line 2 is the `Content-Type` value; line 3 the `Authorization` value (an empty
//! line sends no such header); the rest is the form body. Placeholders name the provisioned
//! fixture ([`super::fixture`]); the endpoints serve its main pool.
//!
//! Properties, on a reference with no fault switched on:
//! - no panic, and never a 5xx;
//! - every answer other than 200 is JSON with a string `error` member (RFC 6749 §5.2);
//! - a 200 from `/oauth2/token` is JSON with an `access_token`;
//! - no answer echoes a submitted credential (`token`, `refresh_token`, `client_secret`, the
//!   Basic secret) or one of the fixture's, as [`super::echo`] defines it.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::echo::{assert_no_fixture_credential, examine_once, found, is_token_byte, replace, twin, unexplained};
use super::fixture::{FIXTURE, Fixture};
use super::{basic_credentials, body_bytes, first_time, headers, lines, names_revoke};
use crate::form::{decode_component, raw_pairs};
use crate::reference::{revoke_endpoint, token_endpoint};

/// Form fields whose value is a credential.
const SECRET_FIELDS: [&str; 5] = ["token", "refresh_token", "client_secret", "access_token", "id_token"];

/// Which endpoint an input goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Revoke,
    Token,
}

/// One decoded input.
struct Request<'a> {
    endpoint: Endpoint,
    headers: HeaderMap,
    body: &'a [u8],
}

impl Request<'_> {
    /// Answers the request from the provisioned state.
    fn send(&self, fixture: &Fixture) -> (StatusCode, HeaderMap, Vec<u8>) {
        fixture.reset();
        let service = &fixture.service;
        let response: Response = match self.endpoint {
            Endpoint::Revoke => revoke_endpoint(service, &fixture.pool_id, &self.headers, self.body),
            Endpoint::Token => token_endpoint(service, &fixture.pool_id, &self.headers, self.body),
        };
        let (parts, body) = response.into_parts();
        if parts.status == StatusCode::OK {
            fixture.changed();
        }
        (parts.status, parts.headers, body_bytes(body))
    }
}

/// Runs one input; see the module docs.
pub fn oauth_dispatch(data: &[u8]) {
    let fixture = &*FIXTURE;
    let _turn = fixture.turn();
    let data = fixture.expand(data);
    let Some(([endpoint, content_type, authorization], body)) = lines::<3>(&data) else { return };
    let endpoint = if names_revoke(endpoint) { Endpoint::Revoke } else { Endpoint::Token };
    let Some(headers) = headers([(header::CONTENT_TYPE, content_type), (header::AUTHORIZATION, authorization)]) else {
        return;
    };
    let request = Request { endpoint, headers, body };
    let (status, answer_headers, answer) = request.send(fixture);
    assert_shape(endpoint, status, &answer_headers, &answer);

    let basic = basic_credentials(&request.headers);
    let answer = String::from_utf8_lossy(&answer);
    // What `found` can return is made of token characters, so it fits in the answer's longest
    // run of them: most answers are fixed OAuth errors, whose runs are a few words long.
    let mut secrets = secret_values(body, longest_token_run(answer.as_bytes()));
    secrets.extend(basic.as_ref().map(|(_, secret)| secret.clone()));
    let found = examine_once("oauth_dispatch", &answer, found(&answer, &secrets));
    if found.is_empty() && !fixture.quoted_in(answer.as_bytes()) {
        return;
    }
    let mut public = public_values(body);
    public.extend(basic.as_ref().map(|(id, _)| id.clone()));
    public.push(String::from_utf8_lossy(content_type).into_owned());
    assert_no_fixture_credential(&answer, fixture.credentials(), &public, "an answer");
    for secret in unexplained(found, &public) {
        let twin = twin(secret);
        let mut changed = Request {
            endpoint,
            headers: request.headers.clone(),
            body: &replace(body, secret.as_bytes(), twin.as_bytes()),
        };
        if let Some((id, basic_secret)) = &basic {
            let credentials = format!("{id}:{}", basic_secret.replace(secret, &twin));
            let value = format!("Basic {}", STANDARD.encode(credentials));
            if let Ok(value) = HeaderValue::from_str(&value) {
                changed.headers.insert(header::AUTHORIZATION, value);
            }
        }
        let (_, _, again) = changed.send(fixture);
        assert!(
            !String::from_utf8_lossy(&again).contains(&twin),
            "an answer echoes a submitted credential `{secret}`: {answer}"
        );
    }
}

/// Checks the status and body of an answer.
fn assert_shape(endpoint: Endpoint, status: StatusCode, headers: &HeaderMap, body: &[u8]) {
    assert!(!status.is_server_error(), "{endpoint:?} answered HTTP {status}: {}", String::from_utf8_lossy(body));
    if status == StatusCode::OK {
        if endpoint == Endpoint::Token {
            let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            assert!(json["access_token"].is_string(), "a 200 from /oauth2/token without an access_token: {json}");
        }
        return;
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or_default();
    // A pure function of the answer: checked the first time only.
    if !first_time(("oauth_dispatch", status.as_u16(), content_type, body)) {
        return;
    }
    let json: Value = serde_json::from_slice(body).unwrap_or_else(|e| {
        panic!("HTTP {status} from {endpoint:?} is not JSON ({e}): {}", String::from_utf8_lossy(body))
    });
    assert!(json["error"].is_string(), "HTTP {status} from {endpoint:?} has no `error` member: {json}");
    assert!(
        content_type.starts_with("application/json"),
        "HTTP {status} from {endpoint:?} is labelled {content_type:?}"
    );
}

/// The length of the longest run of token characters in `answer`.
fn longest_token_run(answer: &[u8]) -> usize {
    answer.split(|byte| !is_token_byte(*byte)).map(<[u8]>::len).max().unwrap_or_default()
}

/// The values of a form body's credential fields that could fit in `room` bytes of an answer:
/// decoding shrinks a value at most threefold (`%XX`), so longer raw values are not decoded.
fn secret_values(body: &[u8], room: usize) -> Vec<String> {
    let longest_field = SECRET_FIELDS.iter().map(|field| field.len()).max().unwrap_or_default();
    raw_pairs(body)
        .filter(|(key, value)| key.len() <= 3 * longest_field && value.len() <= 3 * room)
        .filter(|(key, _)| SECRET_FIELDS.contains(&decode_component(key).as_ref()))
        .map(|(_, value)| decode_component(value).into_owned())
        .collect()
}

/// Every key of a form body, and the value of every field that is not a credential.
fn public_values(body: &[u8]) -> Vec<String> {
    let mut values = Vec::new();
    for (key, value) in raw_pairs(body) {
        let key = decode_component(key);
        if !SECRET_FIELDS.contains(&key.as_ref()) {
            values.push(decode_component(value).into_owned());
        }
        values.push(key.into_owned());
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_fields_are_told_from_public_ones() {
        assert_eq!(secret_values(b"%74oken=abcdefgh&x=1&refresh_token=long-long-long", 4), ["abcdefgh"]);
        assert_eq!(public_values(b"token=s&a=b"), ["token", "b", "a"]);
        assert_eq!(longest_token_run(br#"{"error":"invalid_client"}"#), "invalid_client".len());
    }
}
