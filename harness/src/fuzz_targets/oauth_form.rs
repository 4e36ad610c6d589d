//! Fuzz target `oauth_form`: the decoding of `/oauth2/revoke` and `/oauth2/token` requests — the
//! `Content-Type`, the form body and the client authentication (`Authorization: Basic` or
//! `client_id`/`client_secret`) — into [`RevokeRequest`] and [`TokenRequest`], before anything
//! is looked up.
//!
//! [`oauth_dispatch`](super::oauth_dispatch) takes the same inputs through the whole endpoint;
//! this target attacks the decoding alone, fast. Input: line 1 names the endpoint, `revoke` or
//! `token` (anything else picks by the parity of its first byte); line 2 is the `Content-Type`
//! value; line 3 the `Authorization` value (an empty line sends no such header); the rest is the
//! form body. Unlike `oauth_dispatch`'s, the seeds carry short literal values where that target
//! has placeholders: decoding looks nothing up.
//!
//! Properties:
//! - no panic;
//! - what is decoded agrees with a plain reading of the request (RFC 6749 §2.3.1, §4.1.3 and RFC
//!   7009 §2.1): the form is `application/x-www-form-urlencoded`, every parameter appears once,
//!   the token (or `grant_type=refresh_token` and the refresh token) is the form's, and the client
//!   is the Basic header's — id before the first colon, not URL-decoded — or the form's (a
//!   revocation never takes a `client_secret` from the form: spec §2.1);
//! - a refusal is an OAuth error (400 or 401, an `error` code) that renders as JSON with an
//!   `error` member (checked once per distinct error), with a fixed description or none: it can
//!   quote nothing of the request.

use std::borrow::Cow;
use std::collections::HashSet;

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::IntoResponse;
use serde_json::Value;

use super::{basic_credentials, body_bytes, first_time, headers, lines, names_revoke};
use crate::form::{decode_component, raw_pairs};
use crate::reference::error::OAuthError;
use crate::reference::{Credentials, RevokeRequest, TokenRequest};

/// Every description the decoders give.
const DESCRIPTIONS: [&str; 13] = [
    "Content-Type must be application/x-www-form-urlencoded",
    "a parameter is repeated",
    "token is missing",
    "grant_type is missing",
    "client_id is missing",
    "malformed Authorization header",
    "client authentication must use the Basic scheme",
    "Basic credentials are not valid base64",
    "Basic credentials are not UTF-8",
    "Basic credentials have no colon",
    "the Basic header and client_id disagree",
    "more than one client authentication method",
    "the revocation endpoint takes the client secret in the Authorization header only",
];

/// Runs one input; see the module docs.
pub fn oauth_form(data: &[u8]) {
    let Some(([endpoint, content_type, authorization], body)) = lines::<3>(data) else { return };
    let revoke = names_revoke(endpoint);
    let Some(headers) = headers([(header::CONTENT_TYPE, content_type), (header::AUTHORIZATION, authorization)]) else {
        return;
    };
    let decoded = if revoke {
        RevokeRequest::decode(&headers, body).map(|request| (Some(request.token), request.credentials))
    } else {
        TokenRequest::decode(&headers, body).map(|request| (request.refresh_token, Some(request.credentials)))
    };
    match decoded {
        Ok((token, credentials)) => assert_plain_reading(revoke, &headers, body, token, credentials),
        Err(error) => assert_refusal(&error),
    }
}

/// Checks an accepted request against a plain reading of it.
fn assert_plain_reading(
    revoke: bool,
    headers: &HeaderMap,
    body: &[u8],
    token: Option<String>,
    credentials: Option<Credentials>,
) {
    let text = |name| headers.get(name).and_then(|value: &HeaderValue| value.to_str().ok());
    let media_type = text(header::CONTENT_TYPE).unwrap_or_default().split(';').next().unwrap_or_default().trim();
    assert!(media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded"), "accepted as a form: {media_type}");
    // Read lazily (split with memchr, a value decoded only when looked at), not with the
    // decoder's `form_urlencoded::parse`: an independent reading, and a cheap one.
    let pairs: Vec<(Cow<str>, &[u8])> = raw_pairs(body).map(|(name, value)| (decode_component(name), value)).collect();
    let mut names = HashSet::with_capacity(pairs.len());
    for (name, _) in &pairs {
        assert!(names.insert(name.as_ref()), "a repeated parameter `{name}` was accepted");
    }
    let form = |wanted: &str| {
        let value = pairs.iter().find(|(name, _)| name == wanted).map(|(_, value)| decode_component(value));
        value.filter(|value| !value.is_empty())
    };
    if revoke {
        assert_eq!(token.as_deref(), form("token").as_deref(), "the token is not the form's");
        assert_eq!(form("client_secret"), None, "a client_secret in the revocation form was accepted");
    } else {
        assert_eq!(form("grant_type").as_deref(), Some("refresh_token"), "accepted another grant");
        assert_eq!(token.as_deref(), form("refresh_token").as_deref(), "the refresh token is not the form's");
    }
    let expected = match text(header::AUTHORIZATION) {
        Some(value) => {
            let (id, secret) = basic_credentials(headers)
                .unwrap_or_else(|| panic!("accepted an Authorization value that is no Basic id:secret: {value}"));
            let id = id.as_str();
            assert!(form("client_id").is_none_or(|body_id| body_id == id), "the header and client_id disagree");
            assert_eq!(form("client_secret"), None, "two authentication methods accepted");
            Some(Credentials { client_id: id.to_owned(), secret: (!secret.is_empty()).then_some(secret) })
        }
        None => form("client_id")
            .map(|id| Credentials { client_id: id.into_owned(), secret: form("client_secret").map(Cow::into_owned) }),
    };
    assert_eq!(credentials, expected, "the client is not the request's");
}

/// Checks that a refusal is an OAuth error that quotes nothing of the request.
fn assert_refusal(error: &OAuthError) {
    assert!(matches!(error.status.as_u16(), 400 | 401), "a refusal with HTTP {}", error.status);
    let description = error.description.as_deref();
    assert!(description.is_none_or(|text| DESCRIPTIONS.contains(&text)), "an unexpected description: {description:?}");
    if !first_time(("oauth_form", error.status.as_u16(), error.code.name(), description)) {
        return;
    }
    let response = error.clone().into_response();
    let labelled = response.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
    assert!(labelled.is_some_and(|value| value.starts_with("application/json")), "{error:?} is labelled {labelled:?}");
    let body: Value = serde_json::from_slice(&body_bytes(response.into_body())).expect("an OAuth error body is JSON");
    assert_eq!(body["error"].as_str(), Some(error.code.name()), "the body of {error:?}");
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    use super::*;

    #[test]
    fn decoding_agrees_with_a_plain_reading() {
        let form = "application/x-www-form-urlencoded";
        oauth_form(format!("revoke\n{form}\n\ntoken=abc&client_id=c&client_secret=s").as_bytes());
        oauth_form(format!("revoke\n{form}\nBasic {}\ntoken=abc", STANDARD.encode("id:se:cret")).as_bytes());
        oauth_form(format!("token\n{form}\n\ngrant_type=refresh_token&client_id=c&refresh_token=r").as_bytes());
        oauth_form(format!("token\n{form}\n\ngrant_type=refresh_token&client_id=c&client_id=d").as_bytes());
        oauth_form(b"revoke\ntext/plain\n\ntoken=abc");
        let wrong = std::panic::catch_unwind(|| {
            let headers = HeaderMap::new();
            assert_plain_reading(true, &headers, b"token=abc", Some("abd".into()), None);
        });
        assert!(wrong.is_err(), "a token that is not the form's is caught");
    }
}
