//! The verdict of one path, as a scenario of the report model (`audit-<path>`), so the human,
//! JSON and JUnit reports show audits as they show runs.
//!
//! One expectation per path: "API refuses the access token within 5 s of RevokeToken". It passes
//! when the API refused a call sent within `--grace` of the revocation's answer, and fails
//! otherwise with the measured exposure window (or "still accepted after W s") and what is left
//! of the token's lifetime. Its grade is the weaker of the two facts behind it — the path ends the
//! session at Cognito (the path's claim) and the token still verifies offline (claim E7) — both
//! documented. It names no claim: a failure here is the API's, not a departure of the target
//! from a fact about Cognito, so it must not count among the target's "claims broken".

use std::time::Duration;

use super::paths::RevocationPath;
use super::template::TokenKind;
use super::watch::{FIRST_PAUSE, Watched};
use crate::report::model::{Evidence, ExpectationResult, ScenarioResult, StepRecord};
use crate::report::Verdict;
use crate::runner::provision::wire_rule;
use crate::scenario::claims::Claims;

/// How a path came out, before it is judged.
#[derive(Debug, Clone)]
pub enum PathOutcome {
    /// The API was watched after the revocation.
    Watched {
        /// How the watch ended.
        watched: Watched,
        /// What was left of the token's lifetime when the watch ended, from its `exp`.
        remaining: Option<Duration>,
    },
    /// The target lacks the path.
    Unsupported(String),
    /// The path could not be checked (sign-in or the revocation failed).
    Error(String),
}

/// What the verdicts need besides the outcome.
#[derive(Debug, Clone, Copy)]
pub struct Judging {
    /// `--grace`.
    pub grace: Duration,
    /// The token the API gets.
    pub token: TokenKind,
}

/// `1.3 s`, `0.25 s`, `60 s`.
pub fn seconds(duration: Duration) -> String {
    let value = (duration.as_secs_f64() * 100.0).round() / 100.0;
    format!("{value} s")
}

/// `59m 57s`: a lifetime to the second.
fn lifetime(duration: Duration) -> String {
    humantime::format_duration(Duration::from_secs(duration.as_secs())).to_string()
}

fn grade(path: RevocationPath) -> Evidence {
    let Ok(claims) = Claims::embedded() else { return Evidence::Inferred };
    let grade_of = |id: &str| claims.get(id).map_or(Evidence::Inferred, |claim| claim.grade);
    let offline = grade_of("E7");
    path.claim().map_or(offline, |claim| grade_of(claim).max(offline))
}

/// The report's scenario for `path`.
pub fn judge(
    path: RevocationPath,
    outcome: &PathOutcome,
    judging: Judging,
    steps: Vec<StepRecord>,
    duration: Duration,
) -> ScenarioResult {
    let token = judging.token.label();
    let check = format!("API refuses the {token} within {} of {}", seconds(judging.grace), path.action());
    let left = |remaining: &Option<Duration>| match remaining {
        Some(remaining) if !remaining.is_zero() => format!("; the {token} stays valid for {} more (exp)", lifetime(*remaining)),
        Some(_) => format!("; the {token} has expired"),
        None => format!("; the {token} has no readable exp"),
    };
    let (verdict, actual, rule, reason) = match outcome {
        PathOutcome::Watched { watched: Watched::Refused { after, status }, .. } if *after <= judging.grace => {
            let when = if *after < FIRST_PAUSE { "at once".to_owned() } else { format!("after {}", seconds(*after)) };
            (Verdict::Pass, format!("refused {when} (HTTP {status})"), None, None)
        }
        PathOutcome::Watched { watched: Watched::Refused { after, status }, remaining } => (
            Verdict::Fail,
            format!("refused only after {} (HTTP {status}): exposed for up to {}{}", seconds(*after), seconds(*after), left(remaining)),
            None,
            None,
        ),
        PathOutcome::Watched { watched: Watched::Accepted { last, at_expiry }, remaining } => {
            let ended = if *at_expiry { " (the watch stopped at the token's exp)" } else { "" };
            (Verdict::Fail, format!("still accepted after {}{ended}{}", seconds(*last), left(remaining)), None, None)
        }
        PathOutcome::Watched { watched: Watched::NoAnswer(error), .. } => (
            Verdict::Error,
            "(no answer from the API)".to_owned(),
            Some(wire_rule(error).to_owned()),
            Some(format!("the API did not answer: {error}")),
        ),
        PathOutcome::Unsupported(why) => {
            (Verdict::Unsupported, "(not checked)".to_owned(), Some("path unsupported".to_owned()), Some(why.clone()))
        }
        PathOutcome::Error(why) => {
            (Verdict::Error, "(not checked)".to_owned(), Some("could not check".to_owned()), Some(why.clone()))
        }
    };
    let expectation = ExpectationResult {
        step: "watch".into(),
        check,
        evidence: grade(path),
        source: format!("spec {}", path.spec()),
        claim: None,
        verdict,
        expected: format!("refused within {}", seconds(judging.grace)),
        actual,
        rule,
    };
    ScenarioResult {
        id: format!("audit-{}", path.name()),
        title: format!("Does the API refuse a session's {token} once {} has ended it?", path.action()),
        file: "audit-api".into(),
        spec: path.spec().into(),
        tags: vec!["audit".into()],
        verdict,
        reason,
        duration_ms: duration.as_millis() as u64,
        expectations: vec![expectation],
        steps,
        volatile: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JUDGING: Judging = Judging { grace: Duration::from_secs(5), token: TokenKind::Access };

    fn verdict_of(outcome: PathOutcome) -> (Verdict, String) {
        let result = judge(RevocationPath::RevokeToken, &outcome, JUDGING, Vec::new(), Duration::ZERO);
        assert_eq!(result.id, "audit-revoke-token");
        (result.verdict, result.expectations[0].actual.clone())
    }

    fn watched(watched: Watched) -> PathOutcome {
        PathOutcome::Watched { watched, remaining: Some(Duration::from_secs(3597)) }
    }

    #[test]
    fn refused_within_grace_passes_and_later_fails_with_the_window() {
        let at_once = verdict_of(watched(Watched::Refused { after: Duration::from_millis(3), status: 401 }));
        assert_eq!(at_once, (Verdict::Pass, "refused at once (HTTP 401)".into()));
        let (verdict, actual) = verdict_of(watched(Watched::Refused { after: Duration::from_millis(7750), status: 403 }));
        assert_eq!(verdict, Verdict::Fail);
        assert!(actual.contains("exposed for up to 7.75 s") && actual.contains("59m 57s more"), "{actual}");
    }

    #[test]
    fn still_accepted_fails_with_the_remaining_lifetime() {
        let (verdict, actual) =
            verdict_of(watched(Watched::Accepted { last: Duration::from_secs(3), at_expiry: false }));
        assert_eq!(verdict, Verdict::Fail);
        assert_eq!(actual, "still accepted after 3 s; the access token stays valid for 59m 57s more (exp)");
    }

    #[test]
    fn the_grade_is_the_documented_facts() {
        for path in RevocationPath::ALL {
            assert_eq!(grade(path), Evidence::Documented, "{}", path.name());
        }
    }
}
