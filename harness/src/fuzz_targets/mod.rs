//! Entry points of the libFuzzer targets in `fuzz/` (cargo-fuzz), one per parser of our own.
//!
//! Each target is a `pub fn NAME(data: &[u8])` that feeds one input to one parser and checks the
//! properties it must keep. It never panics except to report a broken property, with a message
//! that says which one. The binaries in `fuzz/fuzz_targets/` are one line each; keeping the
//! behaviour here lets ordinary tests (`harness/tests/fuzz_corpora.rs`) replay the committed seed
//! corpora on every `cargo test`, without libFuzzer or a nightly toolchain.
//!
//! - [`scenario_file`]: scenario TOML → checked model; diagnostics stay inside the file, and
//!   re-rendering the TOML changes neither the verdict nor the model.
//! - [`scenario_diagnostics`]: any bytes (long lines included) read as a scenario file is read,
//!   and every diagnostic rendered, bounded and located.
//! - [`api_request`]: `X-Amz-Target` + `Content-Type` + body → the operation and its typed input;
//!   refusals are typed client errors with fixed messages.
//! - [`api_dispatch`]: the same inputs through the whole service, from a provisioned state;
//!   errors are typed client errors that echo no submitted credential.
//! - [`oauth_form`]: `/oauth2/revoke` and `/oauth2/token` form bodies with an `Authorization`
//!   header → the decoded request, which must agree with a plain reading of the RFCs.
//! - [`oauth_dispatch`]: the same inputs through the whole endpoints; never a 5xx, every refusal
//!   an OAuth error, no credential echoed.
//! - [`jwt_claims`]: [`crate::jwt::decode`] round-trips, and a token that verifies offline
//!   decodes to the same claims.
//! - [`snapshot_normaliser`]: normalising is idempotent and leaves no token or volatile value.
//!
//! `fuzz/README.md` says how to run them and what the input formats are.

mod api_dispatch;
mod api_request;
mod echo;
mod fixture;
mod jwt_claims;
mod oauth_dispatch;
mod oauth_form;
mod scenario_diagnostics;
mod scenario_file;
mod snapshot_normaliser;

use std::collections::HashSet;
use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::pin::pin;
use std::sync::LazyLock;
use std::task::{Context, Poll, Waker};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use parking_lot::Mutex;
use serde::de::IgnoredAny;

use crate::reference::error::ApiError;

pub use api_dispatch::api_dispatch;
pub use api_request::api_request;
pub use jwt_claims::jwt_claims;
pub use oauth_dispatch::oauth_dispatch;
pub use oauth_form::oauth_form;
pub use scenario_diagnostics::scenario_diagnostics;
pub use scenario_file::scenario_file;
pub use snapshot_normaliser::snapshot_normaliser;

/// A target's entry point: one input in, a panic if a property breaks.
pub type Target = fn(&[u8]);

/// Every target by name: the name of its `fuzz/fuzz_targets/<name>.rs` binary and of its corpus
/// directory `fuzz/corpus/<name>/`. The replay test fails when the two sets differ.
pub const TARGETS: [(&str, Target); 8] = [
    ("api_dispatch", api_dispatch),
    ("api_request", api_request),
    ("jwt_claims", jwt_claims),
    ("oauth_dispatch", oauth_dispatch),
    ("oauth_form", oauth_form),
    ("scenario_diagnostics", scenario_diagnostics),
    ("scenario_file", scenario_file),
    ("snapshot_normaliser", snapshot_normaliser),
];

/// The first `N` lines of `data` (without their `\n`) and the rest, or `None` when `data` has
/// fewer than `N` line breaks. Seeds stay readable: one header per line, then the body.
fn lines<const N: usize>(data: &[u8]) -> Option<([&[u8]; N], &[u8])> {
    let mut heads = [&data[..0]; N];
    let mut rest = data;
    for head in &mut heads {
        let end = memchr::memchr(b'\n', rest)?;
        *head = &rest[..end];
        rest = &rest[end + 1..];
    }
    Some((heads, rest))
}

/// The headers of an input's header lines: an empty line sends no such header. `None` when a line
/// is no valid header value, as no HTTP request can carry it.
fn headers<const N: usize>(lines: [(HeaderName, &[u8]); N]) -> Option<HeaderMap> {
    let mut headers = HeaderMap::new();
    for (name, value) in lines {
        if !value.is_empty() {
            headers.insert(name, HeaderValue::from_bytes(value).ok()?);
        }
    }
    Some(headers)
}

/// Whether line 1 of an OAuth input picks `/oauth2/revoke`: `revoke`, or anything but `token`
/// whose first byte is even (so every input picks one).
fn names_revoke(line: &[u8]) -> bool {
    match line {
        b"revoke" => true,
        b"token" => false,
        other => other.first().is_none_or(|b| b % 2 == 0),
    }
}

/// The client id and secret of a well-formed `Authorization: Basic` header (split at the first
/// colon, not URL-decoded): the OAuth targets' own reading, independent of the reference's.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// Checks that an AWS error renders as Cognito renders client errors: HTTP 4xx,
/// `x-amzn-errortype: <type>:`, and a JSON body `{"__type":"<type>","message":…}`.
fn assert_aws_rendering(error: &ApiError) {
    let response = error.clone().into_response();
    let status = response.status();
    assert!(status.is_client_error(), "{error:?} renders with HTTP {status}");
    let error_type = response.headers().get("x-amzn-errortype").and_then(|value| value.to_str().ok());
    assert_eq!(error_type, Some(format!("{}:", error.kind.name()).as_str()), "x-amzn-errortype of {error:?}");
    // Members are sorted, so the body starts with `__type`: checked without building a tree.
    let body = body_bytes(response.into_body());
    let prefix = format!(r#"{{"__type":"{}","message":"#, error.kind.name());
    assert!(body.starts_with(prefix.as_bytes()), "the body of {error:?} does not start with {prefix}");
    let json = serde_json::from_slice::<IgnoredAny>(&body);
    assert!(json.is_ok(), "the body of {error:?} is not JSON: {}", String::from_utf8_lossy(&body));
}

/// Whether `key` is seen for the first time (by its 64-bit hash; the memory is cleared after 65,536
/// keys). Checks of a pure function of `key` run only the first time: most inputs end in one of a
/// few dozen answers, and checking an answer's rendering again would cost more than the decoding
/// under test.
fn first_time(key: impl Hash) -> bool {
    static SEEN: LazyLock<Mutex<HashSet<u64>>> = LazyLock::new(Mutex::default);
    let mut hasher = DefaultHasher::new();
    key.hash(&mut hasher);
    let mut seen = SEEN.lock();
    if seen.len() >= 1 << 16 {
        seen.clear();
    }
    seen.insert(hasher.finish())
}

/// The bytes of a response body that is already complete, as every body the reference builds
/// from a string is: polled once, without a runtime.
fn body_bytes(body: Body) -> Vec<u8> {
    let mut future = pin!(axum::body::to_bytes(body, usize::MAX));
    match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(Ok(bytes)) => bytes.to_vec(),
        Poll::Ready(Err(error)) => panic!("a reference answer's body failed to read: {error}"),
        Poll::Pending => panic!("a reference answer's body was not complete when built"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_headers_from_the_body() {
        let (heads, rest) = lines::<2>(b"a\nb\nbody\nmore").expect("two lines");
        assert_eq!(heads, [&b"a"[..], &b"b"[..]]);
        assert_eq!(rest, b"body\nmore");
        assert_eq!(lines::<2>(b"a\n"), None);
        let (heads, rest) = lines::<1>(b"\n").expect("one empty line");
        assert_eq!((heads, rest), ([&b""[..]], &b""[..]));
    }
}
