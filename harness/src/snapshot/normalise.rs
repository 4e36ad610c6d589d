//! Normalisation: from a [`ScenarioResult`] to a [`Transcript`] that is byte-identical from run to
//! run, so a snapshot changes only when a target's behaviour does.
//!
//! What differs per run becomes a placeholder that keeps equality, numbered per kind in order of
//! first appearance (steps in order, then expectations, then the reason):
//! - the scenario's [`Volatile`] values (pool ids, client ids, domains, …) → `<pool-id#1>`, also
//!   where they appear form-encoded;
//! - UUIDs → `<uuid#1>`; JWT-shaped tokens that escaped redaction → `<token#1>`;
//! - the value of a field that names a secret (`Password`, `client_secret`, `RefreshToken`, …)
//!   when it is not already a placeholder → `<password#1>`, `<refresh-token#1>`, …;
//! - ISO-8601 (extended, and the basic form SigV4 uses: `20240101T000000Z`) and HTTP (RFC 7231)
//!   timestamps, and the values of JSON members whose key names a time → `<time>`.
//!
//! Placeholders already present (the runner's `<refresh-token#1>`) are kept as they are. JSON
//! bodies are re-rendered pretty with sorted keys, so a target that orders members differently
//! does not look different; other bodies stay text.
//!
//! Normalising is idempotent: normalised text normalised again is unchanged. That holds because
//! every replacement is a placeholder, placeholders are never rewritten, and nothing replaced
//! contains `<`, `>`, `"`, `\` or a control character (so a replacement can neither run into a
//! placeholder nor change how JSON text lexes). Volatile values that contain such characters, or
//! are shorter than four bytes, are therefore not treated as volatile: no id or name looks so.

use std::collections::HashMap;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};
use regex::{Regex, RegexBuilder};
use serde_json::{Map, Value};

use super::transcript::{ExpectationLine, StepLine, Transcript};
use crate::form::decode_component;
use crate::report::model::{ExpectationResult, ScenarioResult, StepRecord, Verdict, Volatile};

/// The placeholder of every time: times are never compared, so they are not numbered.
pub const TIME: &str = "<time>";

/// Shorter volatile values are ignored: replacing them would mangle ordinary text.
const MIN_VOLATILE_LEN: usize = 4;

/// A placeholder: the redactor's, ours, or `<time>`.
pub(crate) const PLACEHOLDER: &str = r"<[A-Za-z][A-Za-z0-9_.-]*#[0-9]+>|<time>";
/// A JWS (three parts) or JWE (five parts) that redaction missed.
pub(crate) const TOKEN: &str = r"eyJ[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*){2,4}";
const UUID: &str = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const TIMESTAMP: &str = r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT)|\b[0-9]{8}T[0-9]{6}Z\b|[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?";

/// A form field that holds a secret. The value stops at `<`, so a placeholder value is left alone.
static FORM_SECRET: LazyLock<Regex> = LazyLock::new(|| {
    let keys = "client_secret|refresh_token|access_token|id_token|token|password|new_password|secret_hash|session";
    compile(&format!(r#"(?i)(^|[&?\s])({keys})=([^&\s"\\<>\p{{Cc}}]*)"#))
});
static NUMBERED: LazyLock<Regex> = LazyLock::new(|| compile(r"<([A-Za-z][A-Za-z0-9_.-]*)#([0-9]+)>"));
static ISO_DATE: LazyLock<Regex> = LazyLock::new(|| compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"));

fn compile(pattern: &str) -> Regex {
    RegexBuilder::new(pattern).size_limit(1 << 28).build().expect("the patterns and escaped literals compile")
}

/// The normalised transcript of `result`.
pub fn transcript(result: &ScenarioResult) -> Transcript {
    let mut normaliser = Normaliser::new(&result.volatile);
    for text in texts(result) {
        normaliser.reserve(text);
    }
    let steps = result.steps.iter().map(|step| normaliser.step(step)).collect();
    let expectations = result.expectations.iter().map(|e| normaliser.expectation(e)).collect();
    let reason = result.reason.as_deref().map(|reason| normaliser.text(reason));
    Transcript {
        scenario: result.id.clone(),
        title: normaliser.text(&result.title),
        spec: normaliser.text(&result.spec),
        verdict: result.verdict,
        reason,
        expectations,
        steps,
    }
}

/// `text` normalised on its own: volatile values, UUIDs, tokens, secret fields and timestamps
/// replaced. Numbering starts after any placeholder of the same kind already in `text`.
pub fn normalise_text(text: &str, volatile: &[Volatile]) -> String {
    let mut normaliser = Normaliser::new(volatile);
    normaliser.reserve(text);
    normaliser.text(text)
}

/// A request or response body normalised on its own: JSON re-rendered pretty with sorted keys and
/// times replaced, anything else as [`normalise_text`].
pub fn normalise_body(body: &str, volatile: &[Volatile]) -> String {
    let mut normaliser = Normaliser::new(volatile);
    normaliser.reserve(body);
    normaliser.body(body)
}

/// Every text of `result` that may hold a placeholder already.
fn texts(result: &ScenarioResult) -> Vec<&str> {
    let mut texts = vec![result.title.as_str(), result.spec.as_str()];
    texts.extend(result.reason.as_deref());
    for step in &result.steps {
        texts.push(&step.name);
        if let Some(request) = &step.request {
            texts.extend([request.target.as_str(), request.body.as_str()]);
        }
        texts.extend(step.response.as_ref().map(|response| response.body.as_str()));
    }
    for e in &result.expectations {
        texts.extend([e.step.as_str(), e.check.as_str(), e.expected.as_str(), e.actual.as_str()]);
        texts.extend(e.rule.as_deref());
    }
    texts
}

/// Whether a volatile value is replaced: long enough, and free of the characters that could make a
/// replacement run into a placeholder or change how JSON text lexes (see the module docs).
pub(crate) fn is_usable_volatile(value: &str) -> bool {
    value.len() >= MIN_VOLATILE_LEN && !value.chars().any(|c| matches!(c, '<' | '>' | '"' | '\\') || c.is_control())
}

/// Whether a JSON member's value is a time, by its key.
fn is_time_key(key: &str) -> bool {
    matches!(key, "AuthenticatedAt" | "iat" | "exp" | "auth_time" | "nbf") || key.ends_with("Date")
}

/// Whether a value under a time key looks like a time (epoch seconds or a date), not a placeholder.
fn is_time_value(value: &Value) -> bool {
    match value {
        Value::Number(_) => true,
        Value::String(text) => {
            let text = text.trim();
            let numeric =
                text.bytes().any(|b| b.is_ascii_digit()) && text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
            numeric || ISO_DATE.is_match(text)
        }
        _ => false,
    }
}

/// The placeholder kind of a JSON member's value when its key names a secret.
fn secret_label(key: &str) -> Option<&'static str> {
    let key: String = key.chars().filter(|c| *c != '_').flat_map(char::to_lowercase).collect();
    Some(match key.as_str() {
        "accesstoken" => "access-token",
        "idtoken" => "id-token",
        "refreshtoken" => "refresh-token",
        "clientsecret" => "client-secret",
        "secrethash" => "secret-hash",
        "password" | "newpassword" | "previouspassword" | "proposedpassword" | "temporarypassword" => "password",
        "session" | "token" => "secret",
        _ => return None,
    })
}

/// A label safe inside a placeholder (`[A-Za-z][A-Za-z0-9_.-]*`), so that the placeholder is
/// recognised, and kept, when normalised again.
fn safe_label(label: &str) -> String {
    let label: String = label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') { c } else { '-' })
        .collect();
    if label.starts_with(|c: char| c.is_ascii_alphabetic()) { label } else { format!("v-{label}") }
}

/// What [`Normaliser::next_match`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    Keep,
    Volatile,
    Token,
    Uuid,
    Time,
}

/// Placeholders (kept), tokens, UUIDs and times: every kind but the scenario's own values.
static GENERIC: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!("(?P<keep>{PLACEHOLDER})|(?P<token>{TOKEN})|(?P<uuid>{UUID})|(?P<time>{TIMESTAMP})"))
});

/// One scenario's numbering state: the same value gets the same placeholder in every text.
struct Normaliser {
    /// The scenario's volatile values (every spelling), longest first; `None` when it has none.
    volatile: Option<AhoCorasick>,
    /// Each spelling of a volatile value → its (label, value).
    needles: HashMap<String, (String, String)>,
    /// (label, value) → its number.
    numbers: HashMap<(String, String), usize>,
    /// The highest number given or seen, per label.
    counts: HashMap<String, usize>,
}

impl Normaliser {
    fn new(volatile: &[Volatile]) -> Self {
        let mut needles = HashMap::new();
        for entry in volatile {
            let value = &entry.value;
            if !is_usable_volatile(value) {
                continue;
            }
            let encoded: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
            for needle in [value.clone(), encoded] {
                needles.entry(needle).or_insert_with(|| (safe_label(entry.label), value.clone()));
            }
        }
        // Longest first, so that a value containing another is replaced whole.
        let mut sorted: Vec<&String> = needles.keys().collect();
        sorted.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        let volatile = (!sorted.is_empty()).then(|| {
            // A DFA would search faster but takes longer to build than the few texts of a
            // scenario take to search.
            AhoCorasick::builder()
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .match_kind(MatchKind::LeftmostFirst)
                .build(&sorted)
                .expect("a scenario's few volatile values fit any automaton")
        });
        Self { volatile, needles, numbers: HashMap::new(), counts: HashMap::new() }
    }

    /// The next match at or after `from`, as one regex `keep|volatile|token|uuid|time` (tried in
    /// that order at the leftmost position) would find it. The fixed kinds are one pattern,
    /// compiled once; the volatile values are literals, searched with Aho-Corasick, which a
    /// scenario builds in microseconds where a regex holding them took milliseconds to compile.
    fn next_match(&self, text: &str, from: usize) -> Option<(Found, usize, usize)> {
        let fixed = GENERIC.captures_at(text, from).and_then(|captures| {
            let whole = captures.get(0)?;
            let kind = if captures.name("keep").is_some() {
                Found::Keep
            } else if captures.name("token").is_some() {
                Found::Token
            } else if captures.name("uuid").is_some() {
                Found::Uuid
            } else {
                Found::Time
            };
            Some((kind, whole.start(), whole.end()))
        });
        let volatile = self
            .volatile
            .as_ref()
            .and_then(|matcher| matcher.find(Input::new(text).span(from..text.len())))
            .map(|found| (Found::Volatile, found.start(), found.end()));
        match (fixed, volatile) {
            (Some(fixed), Some(volatile)) if volatile.1 < fixed.1 => Some(volatile),
            (Some(fixed), Some(volatile)) if volatile.1 == fixed.1 && fixed.0 != Found::Keep => Some(volatile),
            (Some(fixed), _) => Some(fixed),
            (None, volatile) => volatile,
        }
    }

    /// Notes the placeholders already in `text`, so new numbers never reuse theirs.
    fn reserve(&mut self, text: &str) {
        for captures in NUMBERED.captures_iter(text) {
            if let Ok(number) = captures[2].parse::<usize>() {
                let count = self.counts.entry(captures[1].to_owned()).or_default();
                *count = (*count).max(number);
            }
        }
    }

    /// The placeholder of `value` as a `label`.
    fn number(&mut self, label: &str, value: &str) -> String {
        let key = (label.to_owned(), value.to_owned());
        let number = match self.numbers.get(&key) {
            Some(number) => *number,
            None => {
                let count = self.counts.entry(key.0.clone()).or_default();
                *count = count.saturating_add(1);
                let number = *count;
                self.numbers.insert(key, number);
                number
            }
        };
        format!("<{label}#{number}>")
    }

    fn text(&mut self, text: &str) -> String {
        // The request id in an S3-style XML error (what a shared-port emulator answers for a path
        // it routes to S3) is new on every request.
        static XML_REQUEST_ID: LazyLock<Regex> = LazyLock::new(|| compile(r"<RequestId>[A-Za-z0-9+/=_-]+</RequestId>"));
        let text = XML_REQUEST_ID.replace_all(text, "<RequestId>request-id</RequestId>");
        let text = FORM_SECRET.replace_all(&text, |captures: &regex::Captures<'_>| {
            let (prefix, key, value) = (&captures[1], &captures[2], &captures[3]);
            if value.is_empty() || is_placeholder(value) {
                return captures[0].to_owned();
            }
            let label = secret_label(key).unwrap_or("secret");
            // Numbered by the value it encodes, so a secret sent form-encoded (`%2B` for `+`)
            // gets the placeholder it has where it appears as it is.
            format!("{prefix}{key}={}", self.number(label, &decode_component(value.as_bytes())))
        });
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        while let Some((kind, start, end)) = self.next_match(&text, last) {
            out.push_str(&text[last..start]);
            last = end;
            let found = &text[start..end];
            match kind {
                Found::Keep => out.push_str(found),
                Found::Volatile => {
                    let (label, value) =
                        self.needles.get(found).cloned().unwrap_or_else(|| ("volatile".into(), found.into()));
                    out.push_str(&self.number(&label, &value));
                }
                Found::Token => out.push_str(&self.number("token", found)),
                Found::Uuid => out.push_str(&self.number("uuid", &found.to_ascii_lowercase())),
                Found::Time => out.push_str(TIME),
            }
        }
        out.push_str(&text[last..]);
        out
    }

    fn body(&mut self, body: &str) -> String {
        let trimmed = body.trim();
        if (trimmed.starts_with('{') || trimmed.starts_with('['))
            && let Ok(value) = serde_json::from_str::<Value>(trimmed)
        {
            let value = self.json(value);
            if let Ok(rendered) = serde_json::to_string_pretty(&value) {
                // A volatile value can hide only in a number; as text it is caught.
                return if self.needles.keys().any(|needle| rendered.contains(needle.as_str())) {
                    self.text(&rendered)
                } else {
                    rendered
                };
            }
        }
        self.text(body)
    }

    fn json(&mut self, value: Value) -> Value {
        match value {
            Value::String(text) => Value::String(self.text(&text)),
            Value::Array(items) => Value::Array(items.into_iter().map(|item| self.json(item)).collect()),
            Value::Object(members) => {
                let mut members: Vec<(String, Value)> = members.into_iter().collect();
                members.sort_by(|a, b| a.0.cmp(&b.0));
                // A JWK's id and modulus are the pool's signing key, which a target may pick per
                // pool; numbering them keeps "the same key" visible without the key itself.
                let is_jwk = members.iter().any(|(key, _)| key == "kty");
                let mut out = Map::new();
                for (key, value) in members {
                    let name = self.text(&key);
                    let value = match (&value, secret_label(&key)) {
                        _ if is_time_key(&key) && is_time_value(&value) => Value::String(TIME.to_owned()),
                        (Value::String(text), _)
                            if is_jwk && matches!(key.as_str(), "kid" | "n") && !is_placeholder(text) =>
                        {
                            Value::String(self.number(if key == "kid" { "kid" } else { "jwk-modulus" }, text))
                        }
                        // The CloudFront distribution a target assigns to a new hosted domain.
                        (Value::String(text), _) if key == "CloudFrontDomain" && !is_placeholder(text) => {
                            Value::String(self.number("cloudfront-domain", text))
                        }
                        (Value::String(text), Some(label)) if looks_secret(text) && !is_placeholder(text) => {
                            Value::String(self.number(label, text))
                        }
                        _ => self.json(value),
                    };
                    out.insert(name, value);
                }
                Value::Object(out)
            }
            other => other,
        }
    }

    fn step(&mut self, step: &StepRecord) -> StepLine {
        let name = self.text(&step.name);
        let request = step.request.as_ref().map(|r| self.text(&format!("{} {}", r.method, r.target)));
        let request_body = step.request.as_ref().filter(|r| !r.body.is_empty()).map(|r| self.body(&r.body));
        let response_body = step.response.as_ref().filter(|r| !r.body.is_empty()).map(|r| self.body(&r.body));
        StepLine {
            name,
            kind: step.kind.clone(),
            request,
            request_body,
            status: step.response.as_ref().map(|r| r.status),
            response_body,
        }
    }

    /// Claim times compared by an expectation (`auth_time` expected 1795378870, got 1795378871)
    /// differ on every run; numbered, they keep "equal" and "different" visible.
    fn epochs(&mut self, text: &str) -> String {
        static EPOCH: LazyLock<Regex> = LazyLock::new(|| compile(r"\b(?:1[5-9]|20)[0-9]{8}\b"));
        let found: Vec<String> = EPOCH.find_iter(text).map(|m| m.as_str().to_owned()).collect();
        let mut out = text.to_owned();
        for value in found {
            let placeholder = self.number("epoch", &value);
            out = out.replace(&value, &placeholder);
        }
        out
    }

    fn expectation(&mut self, e: &ExpectationResult) -> ExpectationLine {
        let step = self.text(&e.step);
        let check = self.text(&e.check);
        let shown = e.verdict != Verdict::Pass;
        let mut detail = |text: &str| {
            (shown && !text.is_empty()).then(|| {
                let normalised = self.text(text);
                self.epochs(&normalised)
            })
        };
        let expected = detail(&e.expected);
        let actual = detail(&e.actual);
        let rule = e.rule.as_deref().map(|rule| self.text(rule));
        let claim = e.claim.clone();
        ExpectationLine { step, check, claim, evidence: e.evidence, verdict: e.verdict, expected, actual, rule }
    }
}

/// Whether `text` is exactly one placeholder.
/// Whether a value under a secret-named key could be a secret. Cognito reuses those names for
/// one plain setting, `TokenValidityUnits` (`"AccessToken": "hours"`), which must stay readable.
fn looks_secret(text: &str) -> bool {
    !text.is_empty() && !matches!(text, "seconds" | "minutes" | "hours" | "days")
}

fn is_placeholder(text: &str) -> bool {
    static WHOLE: LazyLock<Regex> = LazyLock::new(|| compile(&format!("^(?:{PLACEHOLDER})$")));
    WHOLE.is_match(text)
}

#[cfg(test)]
mod tests;
