//! Telling "the target lacks this operation" from "the target crashed on this request" when all a
//! target says is a generic server error.
//!
//! Some emulators answer an operation they do not have exactly as they answer a crash: an HTML
//! 500 page that names nothing (moto's router, for one); others route a hosted `/oauth2/*` path to
//! their JSON API and answer it in the wrong protocol (ministack's `SerializationException`).
//! Judging that as a conformance failure
//! would blame the emulator for a bug when it simply lacks the feature; calling every 500
//! unsupported would hide real crashes. The probe asks the target two more questions, once per
//! operation or endpoint and run:
//!
//! 1. the same operation with an empty body, which any implementation refuses with a typed
//!    validation error;
//! 2. an operation that cannot exist.
//!
//! Only when the step's answer, answer 1 and answer 2 are the same (status and body, numbers
//! aside) is the step classified *unsupported*, under the rule [`PROBE_RULE`]. An operation that
//! answers the empty body with a typed 400 exists, so its 500 is a crash and is judged.
//!
//! A hosted endpoint is asked once per request body instead: the very request, sent to an
//! endpoint that cannot exist. A target that routes unknown paths to its JSON API answers by the
//! body's shape (ministack: a form is `SerializationException`, an empty body `InvalidAction`), so
//! only the step's own body can show that the endpoint answered as no endpoint would.
//!
//! Only answers that carry no verdict of their own are probed: a 5xx from the JSON API, and a
//! 4xx/5xx from a hosted endpoint without an OAuth `error` member.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::OnceCell;

use super::classify::Classification;
use crate::wire::{Exchange, Request, Wire};

/// The rule named in reports when the probe finds an operation missing.
pub const PROBE_RULE: &str = "probe: answered as a made-up operation or endpoint is";

/// The operation name no Cognito target has.
const MADE_UP_OPERATION: &str = "CognitoConformanceNoSuchOperation";

/// The endpoint path no hosted domain has.
const MADE_UP_PATH: &str = "/oauth2/cognito-conformance-no-such-endpoint";

/// What the probe learned, per operation or endpoint, for one target. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Probes {
    answers: Arc<parking_lot::Mutex<HashMap<String, Arc<ProbeAnswer>>>>,
}

/// The answer the probe gets once per key: `Some` when the target lacks the operation.
type ProbeAnswer = OnceCell<Option<Fingerprint>>;

/// A server error with its incidental numbers (request ids, times) blanked.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint {
    status: u16,
    body: String,
}

impl Fingerprint {
    /// The fingerprint of `exchange`, an answer about `name` (an operation or endpoint), which is
    /// blanked too: targets often quote what they do not support.
    fn of(exchange: &Exchange, name: &str) -> Self {
        let text = String::from_utf8_lossy(&exchange.body);
        let text = if name.is_empty() { text.into_owned() } else { text.replace(name, "<op>") };
        let mut body = String::with_capacity(text.len());
        let mut in_run = false;
        for c in text.chars() {
            if c.is_ascii_hexdigit() {
                if !in_run {
                    body.push('#');
                }
                in_run = true;
            } else {
                body.push(c);
                in_run = false;
            }
        }
        Self { status: exchange.status, body }
    }
}

/// Whether `answer` says nothing a scenario could judge, so the probe should look at it.
fn worth_probing(request: &Request, answer: &Exchange) -> bool {
    if request.operation().is_some() {
        return answer.status >= 500;
    }
    let oauth_error = answer.json().is_some_and(|json| json.get("error").is_some_and(|e| e.is_string()));
    answer.status >= 400 && !oauth_error
}

/// `request` with its path replaced by `path`, the rest as it was.
fn with_path(request: &Request, path: &str) -> Request {
    let url = match request.url.match_indices('/').nth(2) {
        Some((at, _)) => {
            let (origin, rest) = request.url.split_at(at);
            // Keep a path prefix addressing (`/_domain/<prefix>`) but swap the endpoint itself.
            match rest.find("/oauth2/") {
                Some(cut) => format!("{origin}{}{path}", &rest[..cut]),
                None => format!("{origin}{path}"),
            }
        }
        None => request.url.clone(),
    };
    Request { method: request.method.clone(), url, headers: request.headers.clone(), body: request.body.clone() }
}

impl Probes {
    /// Classifies `answer` (to `request`) as unsupported when the probe shows the target lacks the
    /// operation; `None` means "judge it".
    pub async fn lacks(&self, wire: &Wire, request: &Request, answer: &Exchange) -> Option<Classification> {
        if !worth_probing(request, answer) {
            return None;
        }
        let missing = match request.operation() {
            Some(op) => {
                let empty = wire.api_request(op, b"{}".to_vec());
                let made_up = wire.api_request(MADE_UP_OPERATION, b"{}".to_vec());
                let cell = self.answers.lock().entry(op.to_owned()).or_default().clone();
                cell.get_or_init(|| async {
                    let (empty, made_up) = tokio::join!(wire.send(&empty), wire.send(&made_up));
                    let empty = Fingerprint::of(&empty.ok()?, op);
                    (empty == Fingerprint::of(&made_up.ok()?, MADE_UP_OPERATION)).then_some(empty)
                })
                .await
                .clone()
                .map(|fingerprint| (fingerprint, op.to_owned()))
            }
            None => {
                let path = request.url.rsplit_once("/oauth2/").map(|(_, p)| p).unwrap_or_default();
                let key = format!("/oauth2/{path}\n{}", String::from_utf8_lossy(&request.body));
                let made_up = with_path(request, MADE_UP_PATH);
                let cell = self.answers.lock().entry(key).or_default().clone();
                cell.get_or_init(|| async { Some(Fingerprint::of(&wire.send(&made_up).await.ok()?, &MADE_UP_PATH[8..])) })
                    .await
                    .clone()
                    .map(|fingerprint| (fingerprint, path.to_owned()))
            }
        };
        let (missing, name) = missing?;
        (missing == Fingerprint::of(answer, &name)).then(|| Classification::unsupported(PROBE_RULE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_blank_numbers_and_ignore_non_server_errors() {
        let exchange = |status, body: &str| Exchange {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            elapsed: std::time::Duration::ZERO,
        };
        let a = Fingerprint::of(&exchange(500, "<h1>Internal Server Error</h1> id 12ab-77"), "");
        let b = Fingerprint::of(&exchange(500, "<h1>Internal Server Error</h1> id 9f-1"), "");
        assert_eq!(a, b);
        assert_ne!(a, Fingerprint::of(&exchange(502, "<h1>Internal Server Error</h1> id 1-1"), ""));
        let quoted = |op: &str| exchange(500, &format!(r#"{{"message":"Unsupported x-amz-target header \"{op}\""}}"#));
        assert_eq!(
            Fingerprint::of(&quoted("CreateUserPoolDomain"), "CreateUserPoolDomain"),
            Fingerprint::of(&quoted(MADE_UP_OPERATION), MADE_UP_OPERATION)
        );
        let api = Request {
            method: reqwest::Method::POST,
            url: "http://127.0.0.1:1/".into(),
            headers: vec![("x-amz-target".into(), "AWSCognitoIdentityProviderService.RevokeToken".into())],
            body: Vec::new(),
        };
        assert!(worth_probing(&api, &exchange(500, "<html>")));
        assert!(!worth_probing(&api, &exchange(400, "{\"__type\":\"InvalidParameterException\"}")));
        let hosted = Request { url: "http://127.0.0.1:1/oauth2/revoke".into(), headers: Vec::new(), ..api };
        assert!(worth_probing(&hosted, &exchange(400, "{\"__type\":\"SerializationException\"}")));
        assert!(!worth_probing(&hosted, &exchange(400, "{\"error\":\"invalid_request\"}")));
        assert!(!worth_probing(&hosted, &exchange(200, "")));
    }

    #[test]
    fn hosted_paths_are_swapped_keeping_the_addressing() {
        let request = |url: &str| Request {
            method: reqwest::Method::POST,
            url: url.into(),
            headers: vec![("host".into(), "x.auth.us-east-1.amazoncognito.com".into())],
            body: b"token=1".to_vec(),
        };
        let swapped = with_path(&request("http://127.0.0.1:5000/oauth2/revoke"), MADE_UP_PATH);
        assert_eq!(swapped.url, format!("http://127.0.0.1:5000{MADE_UP_PATH}"));
        assert_eq!(swapped.body, b"token=1", "the made-up endpoint gets the very request");
        assert_eq!(swapped.headers, request("http://a").headers);
        let prefixed = with_path(&request("http://127.0.0.1:5000/_domain/cc-x/oauth2/revoke"), MADE_UP_PATH);
        assert_eq!(prefixed.url, format!("http://127.0.0.1:5000/_domain/cc-x{MADE_UP_PATH}"));
    }
}
