//! Telling "the target lacks this" from "the target got it wrong".
//!
//! A target's answer is classified *unsupported* — and its expectations are not judged — when one
//! of these rules matches, and the report names the rule:
//!
//! | rule | why |
//! |---|---|
//! | `__type` is `UnknownOperationException` | the AWS JSON protocol's own "no such operation" |
//! | HTTP 404 without an AWS error type | no such endpoint (e.g. `/oauth2/*` routed to another service on a shared port); a 404 carrying `__type` (aws-local-run's `ResourceNotFoundException`) is an answer and is judged |
//! | HTTP 501 | "not implemented" by definition |
//! | HTTP 500 whose body says "not implemented" | emulators that crash on unimplemented operations |
//!
//! A status the scenario explicitly expects (say `status = 404`) is never classified away. Answers
//! these rules cannot place (a generic server error, a hosted endpoint answering in another
//! protocol) go to the [probe](super::probe).

use crate::report::Verdict;
use crate::wire::Exchange;

/// An answer that is not judged, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// `Unsupported` or `Error`.
    pub verdict: Verdict,
    /// The rule applied.
    pub rule: String,
}

impl Classification {
    /// An `error` classification.
    pub fn error(rule: impl Into<String>) -> Self {
        Self { verdict: Verdict::Error, rule: rule.into() }
    }

    /// An `unsupported` classification.
    pub fn unsupported(rule: impl Into<String>) -> Self {
        Self { verdict: Verdict::Unsupported, rule: rule.into() }
    }
}

fn says_not_implemented(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body).to_ascii_lowercase();
    text.contains("not implemented") || text.contains("not yet implemented") || text.contains("notimplemented")
}

/// Classifies `exchange`; `None` means "judge it". `expected_status` says whether the scenario
/// explicitly expects the status the answer has.
pub fn classify(exchange: &Exchange, expected_status: bool) -> Option<Classification> {
    if exchange.error_type().as_deref() == Some("UnknownOperationException") {
        return Some(Classification::unsupported("__type UnknownOperationException"));
    }
    if expected_status {
        return None;
    }
    match exchange.status {
        404 if exchange.error_type().is_none() => Some(Classification::unsupported("HTTP 404 (no such endpoint)")),
        501 => Some(Classification::unsupported("HTTP 501 (not implemented)")),
        500 if says_not_implemented(&exchange.body) => {
            Some(Classification::unsupported("HTTP 500 whose body says \"not implemented\""))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn answer(status: u16, body: &str) -> Exchange {
        Exchange { status, headers: Vec::new(), body: body.as_bytes().to_vec(), elapsed: Duration::ZERO }
    }

    #[test]
    fn rules() {
        let unknown = answer(400, r#"{"__type":"com.amazon.coral.service#UnknownOperationException"}"#);
        assert_eq!(classify(&unknown, true).map(|c| c.verdict), Some(Verdict::Unsupported));
        assert_eq!(classify(&answer(404, "<Error/>"), false).map(|c| c.verdict), Some(Verdict::Unsupported));
        assert_eq!(classify(&answer(404, ""), true), None);
        assert_eq!(classify(&answer(404, r#"{"__type":"ResourceNotFoundException"}"#), false), None);
        assert_eq!(classify(&answer(501, ""), false).map(|c| c.verdict), Some(Verdict::Unsupported));
        assert!(classify(&answer(500, "NotImplementedError: revoke_token is not yet implemented"), false).is_some());
        assert_eq!(classify(&answer(500, "{\"__type\":\"InternalErrorException\"}"), false), None);
        assert_eq!(classify(&answer(400, "{\"__type\":\"NotAuthorizedException\"}"), false), None);
    }
}
