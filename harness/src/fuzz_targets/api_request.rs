//! Fuzz target `api_request`: the reference's decoding of an AWS JSON 1.1 request —
//! `X-Amz-Target`, `Content-Type` and body — into its operation and typed input
//! ([`ApiRequest::decode`]), before anything is looked up.
//!
//! Decoding is the part every hostile request reaches, so it gets a target of its own that runs
//! fast; [`api_dispatch`](super::api_dispatch) takes the same inputs through the whole service.
//! Input: line 1 is the `X-Amz-Target` value, line 2 the `Content-Type` value (an empty line
//! sends no such header), the rest is the body. Unlike `api_dispatch`'s, the seeds carry short
//! literal values where that target has placeholders: decoding looks nothing up, and expanding
//! placeholders in every mutated input would cost more than the decoding under test.
//!
//! Properties:
//! - no panic;
//! - an accepted request is the operation the header named, and its body is a JSON object;
//! - a body refused as not JSON is not JSON (an array is refused too: serde would read a struct
//!   from one);
//! - a refusal is a typed client error (`UnknownOperationException`, `SerializationException`)
//!   that renders as AWS renders it (checked once per distinct error), with one of the decoder's
//!   fixed messages, whose only variable part is the operation or a member name. So it can echo no
//!   value of the request: a token or a secret sent in a member is never quoted.

use std::fmt;

use axum::http::{HeaderName, header};
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::{assert_aws_rendering, first_time, headers, lines};
use crate::cognito::TARGET_PREFIX;
use crate::reference::ApiRequest;
use crate::reference::error::{ApiError, ErrorType};
use crate::reference::server::api_operation;

/// The decoder's refusals that quote nothing.
const FIXED_MESSAGES: [&str; 6] = [
    "Missing X-Amz-Target header.",
    "Malformed X-Amz-Target header.",
    "Unknown X-Amz-Target.",
    "Content-Type must be application/x-amz-json-1.1.",
    NOT_JSON,
    "Request body does not match the operation's input shape.",
];

/// The message of a body that does not parse.
const NOT_JSON: &str = "Request body is not valid JSON.";

/// Runs one input; see the module docs.
pub fn api_request(data: &[u8]) {
    let Some(([target, content_type], body)) = lines::<2>(data) else { return };
    let Some(headers) =
        headers([(HeaderName::from_static("x-amz-target"), target), (header::CONTENT_TYPE, content_type)])
    else {
        return;
    };
    let decoded = api_operation(&headers).and_then(|operation| ApiRequest::decode(operation, body));
    match decoded {
        Ok(request) => {
            let named = target.strip_prefix(TARGET_PREFIX.as_bytes());
            assert_eq!(named, Some(request.operation().as_bytes()), "decoded as another operation: {request:?}");
            let object = std::str::from_utf8(body).ok().map(serde_json::from_str::<AnyObject>);
            assert!(
                matches!(object, Some(Ok(_))),
                "accepted a body that is not a JSON object as {}",
                request.operation()
            );
        }
        Err(error) => {
            assert_refusal(&error, target);
            // The converse does not hold: serde reports an unknown member or a wrong type as
            // soon as it meets one, before a syntax error further on.
            if error.message == NOT_JSON {
                // JSON text is UTF-8 (RFC 8259 §8.1), which `IgnoredAny` does not check.
                let json = std::str::from_utf8(body).ok().map(serde_json::from_str::<IgnoredAny>);
                assert!(
                    !matches!(json, Some(Ok(_))),
                    "a JSON body was refused as not JSON: {}",
                    String::from_utf8_lossy(body)
                );
            }
        }
    }
}

/// A JSON object whose members are skipped: checks a body's shape without building a tree.
struct AnyObject;

impl<'de> Deserialize<'de> for AnyObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> Visitor<'de> for Members {
            type Value = AnyObject;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AnyObject, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(AnyObject)
            }
        }
        deserializer.deserialize_map(Members)
    }
}

fn assert_refusal(error: &ApiError, target: &[u8]) {
    assert!(
        matches!(error.kind, ErrorType::UnknownOperation | ErrorType::Serialization),
        "decoding refused with {error:?}"
    );
    let message = error.message.as_str();
    let quoted = message
        .strip_prefix("Unknown member '")
        .and_then(|rest| rest.strip_suffix("' in request."))
        .or_else(|| message.strip_prefix("Unknown operation ").and_then(|rest| rest.strip_suffix('.')));
    match quoted {
        Some(name) => {
            assert!(
                !name.is_empty() && name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric()),
                "a refusal quotes more than a name: {message}"
            );
            if message.starts_with("Unknown operation ") {
                assert_eq!(target.strip_prefix(TARGET_PREFIX.as_bytes()), Some(name.as_bytes()), "{message}");
            }
        }
        None => assert!(FIXED_MESSAGES.contains(&message), "a refusal with an unexpected message: {message}"),
    }
    if first_time(("api_request", error.kind.name(), message)) {
        assert_aws_rendering(error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_accepts_refuses_and_classifies() {
        api_request(b"AWSCognitoIdentityProviderService.RevokeToken\napplication/x-amz-json-1.1\n{\"Token\":\"t\"}");
        api_request(b"AWSCognitoIdentityProviderService.RevokeToken\napplication/x-amz-json-1.1\n{\"Token\":");
        api_request(b"AWSCognitoIdentityProviderService.RevokeToken\napplication/x-amz-json-1.1\n{\"Tok\":1}");
        api_request(b"AWSCognitoIdentityProviderService.Nope\napplication/x-amz-json-1.1\n{}");
        api_request(b"\n\n{}");
        assert!(serde_json::from_str::<AnyObject>(r#"{"a":[1,{"b":null}],"c":"d"}"#).is_ok());
        for not_an_object in ["[]", "1", "\"{}\"", "{\"a\":}", "{} x"] {
            assert!(serde_json::from_str::<AnyObject>(not_an_object).is_err(), "{not_an_object} read as an object");
        }
        let refused = std::panic::catch_unwind(|| {
            assert_refusal(&ApiError::serialization("Bad token eyJhbGciOi"), b"");
        });
        assert!(refused.is_err(), "a message quoting a value is caught");
    }
}
