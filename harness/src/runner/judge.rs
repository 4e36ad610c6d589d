//! Judging expectations: each check against the step's answer, graded by its evidence.
//!
//! An unmet expectation fails when its evidence is documented or aws-seen, and warns when it is
//! inferred — unless the run is strict, when it fails too.

use serde_json::Value;

use super::context::{Context, StepOutput, json_path, value_text};
use crate::report::{Evidence, ExpectationResult, Verdict};
use crate::scenario::format::{BodyShape, Outcome};
use crate::scenario::model::{Check, Expectation, ValueTest};
use crate::scenario::template::Template;

/// What a check saw.
struct Observation {
    met: bool,
    expected: String,
    actual: String,
}

fn quote(value: Option<&str>) -> String {
    value.map_or_else(|| "(absent)".to_owned(), |v| format!("{v:?}"))
}

/// A short description of a check, for reports.
pub fn describe(check: &Check) -> String {
    match check {
        Check::Status(status) => format!("status = {status}"),
        Check::ErrorType(t) => format!("__type = {t:?}"),
        Check::Message(m) => format!("message = {:?}", m.source_text()),
        Check::MessageOneOf(ms) => {
            format!("message one of {:?}", ms.iter().map(Template::source_text).collect::<Vec<_>>())
        }
        Check::OAuthError(e) => format!("error = {e:?}"),
        Check::Body(shape) => format!("body is {}", body_shape(*shape)),
        Check::BodyHas { path, present } => {
            format!("body {} {}", if *present { "has" } else { "lacks" }, path.join("."))
        }
        Check::Header { name, test } => format!("header {name} {}", test_text(test)),
        Check::Claim { name, test } => format!("claim {name} {}", test_text(test)),
        Check::Offline(outcome) => format!("offline verification {}", outcome_text(*outcome)),
        Check::NoEcho => "no token, secret or hash echoed".into(),
        Check::NoServerError => "no server error (status below 500)".into(),
        Check::TypedError => "an error answer names its error (__type or error)".into(),
    }
}

fn body_shape(shape: BodyShape) -> &'static str {
    match shape {
        BodyShape::Empty => "empty",
        BodyShape::EmptyOrEmptyObject => "empty or {}",
        BodyShape::Object => "a JSON object",
    }
}

fn outcome_text(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Passes => "passes",
        Outcome::Fails => "fails",
    }
}

fn test_text(test: &ValueTest) -> &'static str {
    match test {
        ValueTest::Present(true) => "is present",
        ValueTest::Present(false) => "is absent",
        ValueTest::Equals(_) => "equals",
        ValueTest::Differs(_) => "differs",
        ValueTest::Contains(_) => "contains",
    }
}

fn value_test(ctx: &mut Context, test: &ValueTest, actual: Option<String>) -> Result<Observation, String> {
    Ok(match test {
        ValueTest::Present(present) => Observation {
            met: actual.is_some() == *present,
            expected: if *present { "present".into() } else { "absent".into() },
            actual: quote(actual.as_deref()),
        },
        ValueTest::Equals(template) => {
            let expected = ctx.render(template).map_err(|e| e.to_string())?;
            Observation {
                met: actual.as_deref() == Some(expected.as_str()),
                expected: format!("{expected:?}"),
                actual: quote(actual.as_deref()),
            }
        }
        ValueTest::Differs(template) => {
            let other = ctx.render(template).map_err(|e| e.to_string())?;
            Observation {
                met: actual.as_deref().is_some_and(|a| a != other),
                expected: format!("present and not {other:?}"),
                actual: quote(actual.as_deref()),
            }
        }
        ValueTest::Contains(needle) => Observation {
            met: actual.as_deref().is_some_and(|a| a.contains(needle.as_str())),
            expected: format!("containing {needle:?}"),
            actual: quote(actual.as_deref()),
        },
    })
}

fn observe(ctx: &mut Context, output: &StepOutput, check: &Check) -> Result<Observation, String> {
    let exchange = output.exchange.as_ref();
    let json = output.json.as_ref();
    let member = |name: &str| json.and_then(|j| j.get(name)).and_then(Value::as_str).map(str::to_owned);
    Ok(match check {
        Check::Status(status) => {
            let actual = exchange.map(|e| e.status);
            Observation {
                met: actual == Some(*status),
                expected: status.to_string(),
                actual: actual.map_or("(no answer)".into(), |s| s.to_string()),
            }
        }
        Check::ErrorType(expected) => {
            let actual = exchange.and_then(|e| e.error_type());
            Observation {
                met: actual.as_deref() == Some(expected.as_str()),
                expected: expected.clone(),
                actual: quote(actual.as_deref()),
            }
        }
        Check::Message(expected) => {
            let expected = ctx.render(expected).map_err(|e| e.to_string())?;
            let actual = member("message").or_else(|| member("Message"));
            Observation {
                met: actual.as_deref() == Some(expected.as_str()),
                expected: format!("{expected:?}"),
                actual: quote(actual.as_deref()),
            }
        }
        Check::MessageOneOf(allowed) => {
            let allowed =
                allowed.iter().map(|t| ctx.render(t)).collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())?;
            let actual = member("message").or_else(|| member("Message"));
            Observation {
                met: actual.as_ref().is_some_and(|a| allowed.contains(a)),
                expected: format!("one of {allowed:?}"),
                actual: quote(actual.as_deref()),
            }
        }
        Check::OAuthError(expected) => {
            let actual = member("error");
            Observation {
                met: actual.as_deref() == Some(expected.as_str()),
                expected: expected.clone(),
                actual: quote(actual.as_deref()),
            }
        }
        Check::Body(shape) => {
            let body = exchange.map(|e| e.body.as_slice()).unwrap_or_default();
            let text = String::from_utf8_lossy(body).trim().to_owned();
            let met = match shape {
                BodyShape::Empty => body.is_empty(),
                BodyShape::EmptyOrEmptyObject => {
                    body.is_empty() || json.is_some_and(|j| j.as_object().is_some_and(|o| o.is_empty()))
                }
                BodyShape::Object => json.is_some_and(Value::is_object),
            };
            let actual = if body.is_empty() { "(empty)".to_owned() } else { ctx.redactor.redact_cut(&text, 200) };
            Observation { met, expected: body_shape(*shape).into(), actual }
        }
        Check::BodyHas { path, present } => {
            let found = json.and_then(|j| json_path(j, path)).map(value_text);
            Observation {
                met: found.is_some() == *present,
                expected: if *present {
                    format!("{} present", path.join("."))
                } else {
                    format!("no {}", path.join("."))
                },
                actual: found.map_or("(absent)".into(), |_| "(present)".into()),
            }
        }
        Check::Header { name, test } => {
            value_test(ctx, test, exchange.and_then(|e| e.header(name)).map(str::to_owned))?
        }
        Check::Claim { name, test } => {
            let claims = output.decoded.as_ref().map(|d| &d.claims);
            value_test(ctx, test, claims.and_then(|c| c.get(name)).map(value_text))?
        }
        Check::Offline(outcome) => {
            let result = output.verified.as_ref().ok_or("the step did not verify anything")?;
            let met = matches!((outcome, result), (Outcome::Passes, Ok(_)) | (Outcome::Fails, Err(_)));
            let actual = match result {
                Ok(_) => "verification passed".to_owned(),
                Err(reason) => format!("verification failed: {reason}"),
            };
            Observation { met, expected: format!("verification {}", outcome_text(*outcome)), actual }
        }
        Check::NoEcho => {
            let exchange = exchange.ok_or("the step got no answer")?;
            // Only the parts that quote something are shown, so the observation names the leak and
            // stays free of incidental headers (dates, request ids).
            let parts = std::iter::once(("body".to_owned(), String::from_utf8_lossy(&exchange.body).into_owned()))
                .chain(exchange.headers.iter().map(|(name, value)| (format!("header {name}"), value.clone())));
            // A token the answer issues is no echo, even when it is byte for byte one known before
            // (without `jti`, a refresh within the same second can mint an identical ID token).
            let issued: Vec<&str> =
                [&output.access_token, &output.id_token, &output.refresh_token].into_iter().flatten().map(String::as_str).collect();
            let without_issued = |text: &str| issued.iter().fold(text.to_owned(), |text, token| text.replace(token, ""));
            let leaks: Vec<String> = parts
                .filter(|(_, text)| ctx.redactor.leaks_known_before(&without_issued(text), output.secrets_before))
                .map(|(place, text)| format!("{place}: {}", ctx.redactor.redact(&text)))
                .collect();
            let leaked = !leaks.is_empty();
            let text = leaks.join("\n");
            Observation {
                met: !leaked,
                expected: "no token, secret or hash in the answer".into(),
                actual: if leaked { ctx.redactor.redact_cut(&text, 300) } else { "none quoted".into() },
            }
        }
        Check::NoServerError => {
            let status = exchange.ok_or("the step got no answer")?.status;
            Observation { met: status < 500, expected: "status below 500".into(), actual: status.to_string() }
        }
        Check::TypedError => {
            let status = exchange.ok_or("the step got no answer")?.status;
            let named = member("__type").or_else(|| member("error"));
            Observation {
                met: status < 400 || named.is_some(),
                expected: "a success, or an error body with __type or error".into(),
                actual: match named {
                    Some(name) => format!("HTTP {status}, {name}"),
                    None => format!("HTTP {status} without __type or error"),
                },
            }
        }
    })
}

/// Judges `expectation` against a step's output. Takes the context mutably because filling an
/// expected value may derive a new secret from a known one, which is registered before it is shown.
pub fn judge(
    ctx: &mut Context,
    step: &str,
    output: &StepOutput,
    expectation: &Expectation,
    strict: bool,
) -> ExpectationResult {
    let check = describe(&expectation.check);
    let observed = observe(ctx, output, &expectation.check);
    let ctx = &*ctx;
    let base = |verdict, expected: String, actual: String, rule: Option<String>| ExpectationResult {
        step: step.to_owned(),
        check: check.clone(),
        evidence: expectation.evidence,
        source: expectation.source.clone(),
        claim: expectation.claim.clone(),
        verdict,
        expected: ctx.redactor.redact(&expected),
        actual: ctx.redactor.redact(&actual),
        rule,
    };
    match observed {
        Err(why) => base(Verdict::Skipped, String::new(), String::new(), Some(why)),
        Ok(observation) => {
            let verdict = match (observation.met, expectation.evidence) {
                (true, _) => Verdict::Pass,
                (false, Evidence::Inferred) if !strict => Verdict::Warn,
                (false, _) => Verdict::Fail,
            };
            base(verdict, observation.expected, observation.actual, None)
        }
    }
}

/// A result for an expectation that was not judged.
pub fn not_judged(step: &str, expectation: &Expectation, verdict: Verdict, rule: &str) -> ExpectationResult {
    ExpectationResult {
        step: step.to_owned(),
        check: describe(&expectation.check),
        evidence: expectation.evidence,
        source: expectation.source.clone(),
        claim: expectation.claim.clone(),
        verdict,
        expected: String::new(),
        actual: String::new(),
        rule: Some(rule.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::redact::SecretKind;
    use crate::wire::Exchange;

    const SECRET: &str = "k1x0MTJrWcHg8xq4nQ3UVvLzJp2bb5K1a7l9Eyd0Rt6sfAC3ZPmN";

    fn answered(body: String, headers: Vec<(String, String)>) -> StepOutput {
        let exchange = Exchange { status: 400, headers, body: body.into_bytes(), elapsed: Duration::ZERO };
        StepOutput { exchange: Some(exchange), secrets_before: 1, ..StepOutput::default() }
    }

    fn expectation(check: Check) -> Expectation {
        Expectation { check, evidence: Evidence::Documented, source: "spec §1.3".into(), claim: None }
    }

    #[test]
    fn a_body_is_redacted_before_it_is_cut_for_the_report() {
        let mut ctx = Context::default();
        ctx.redactor.register(SECRET, SecretKind::ClientSecret);
        for before in [170, 185, 190, 195, 199] {
            let output = answered(format!("{}{SECRET}\"}}", "x".repeat(before)), Vec::new());
            let result = judge(&mut ctx, "s", &output, &expectation(Check::Body(BodyShape::Empty)), true);
            assert_eq!(result.verdict, Verdict::Fail);
            assert!(!result.actual.contains(&SECRET[..200 - before]), "{before}: {}", result.actual);
        }
    }

    #[test]
    fn a_quoted_token_cut_short_by_the_target_is_not_shown() {
        let mut ctx = Context::default();
        let token = format!("eyJ{}", SECRET.repeat(30));
        ctx.redactor.register(&token, SecretKind::RefreshToken);
        let header = ("x-amzn-errormessage".to_owned(), format!("Invalid token {}", &token[..993]));
        let output = answered(format!("{{\"message\":\"Invalid token {token}\"}}"), vec![header]);
        let result = judge(&mut ctx, "s", &output, &expectation(Check::NoEcho), true);
        assert_eq!(result.verdict, Verdict::Fail);
        let windows: Vec<&str> = (0..token.len() - 12).map(|i| &token[i..i + 12]).collect();
        assert!(windows.iter().all(|w| !result.actual.contains(w)), "{}", result.actual);
    }
}
