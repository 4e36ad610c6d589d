//! Fuzz target `snapshot_normaliser`: [`normalise_text`] and [`normalise_body`], which turn what a
//! target answered into the text committed as a snapshot.
//!
//! A snapshot that still held a token or an id would leak it into the repository, or change on
//! every run; one that changed when normalised again would make `--update-snapshots` flap. The
//! module docs promise the opposite, and this target checks exactly those promises.
//!
//! Input: the text to normalise (non-UTF-8 input is skipped). Leading lines `@volatile VALUE`
//! (at most four) add volatile values to the fixed ones in [`FIXED`], so the fuzzer can try odd
//! values (`true`, spaces, digits of a number) too.
//!
//! Properties, for both functions:
//! - idempotence: normalising the output again changes nothing;
//! - no volatile value the normaliser replaces — at least four bytes, none of `<`, `>`, `"`, `\`
//!   or a control character — survives, raw or form-encoded, outside a placeholder (placeholders
//!   already present are kept, so a value may survive inside one);
//! - no JWT-shaped token (the module's `TOKEN` pattern) survives outside a placeholder. For a body
//!   that comes out as JSON, this is checked in its decoded strings, as the promise is about the
//!   values: the JSON escape `\u001e` followed by `yJa.b.c` is no token that escaped redaction.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::report::model::Volatile;
use crate::snapshot::normalise::{PLACEHOLDER, TOKEN, is_usable_volatile};
use crate::snapshot::{normalise_body, normalise_text};

/// The volatile values every input is normalised with: a scenario's ids and names, as the runner
/// records them, plus two the normaliser must ignore (too short; contains `<`).
pub const FIXED: [(&str, &str); 8] = [
    ("pool-id", "us-east-1_Fz3kQ9pLm"),
    ("client-id", "4f2kq8z1m0x7c3v9b5n6h2j4k1"),
    ("domain", "cc-fuzz-7h3k"),
    ("pool-name", "cc-pool-fuzz 7h3k"),
    ("username", "cc-user+7h3k@example.com"),
    ("sub", "3f1c7e2a-9b4d-4e8f-a1c2-7d9e0f1b2c3d"),
    ("username", "abc"),
    ("pool-name", "cc<pool>"),
];

/// `normalise_text` or `normalise_body`.
type Normalise = fn(&str, &[Volatile]) -> String;

/// The marker of a line that adds a volatile value.
const EXTRA: &str = "@volatile ";

static PLACEHOLDERS: LazyLock<Regex> = LazyLock::new(|| Regex::new(PLACEHOLDER).expect("the placeholder pattern"));
static TOKENS: LazyLock<Regex> = LazyLock::new(|| Regex::new(TOKEN).expect("the token pattern"));

/// Runs one input; see the module docs.
pub fn snapshot_normaliser(data: &[u8]) {
    let Ok(mut text) = std::str::from_utf8(data) else { return };
    let mut volatile: Vec<Volatile> =
        FIXED.iter().map(|(label, value)| Volatile { value: (*value).to_owned(), label }).collect();
    for _ in 0..4 {
        let Some((line, rest)) = text.strip_prefix(EXTRA).and_then(|rest| rest.split_once('\n')) else { break };
        volatile.push(Volatile { value: line.to_owned(), label: "fuzz" });
        text = rest;
    }
    let checks: [(&str, Normalise); 2] = [("normalise_text", normalise_text), ("normalise_body", normalise_body)];
    for (name, normalise) in checks {
        let once = normalise(text, &volatile);
        let twice = normalise(&once, &volatile);
        assert_eq!(once, twice, "{name} is not idempotent on {text:?}");
        for value in volatile.iter().map(|v| v.value.as_str()).filter(|value| is_usable_volatile(value)) {
            let encoded: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
            for needle in [value, encoded.as_str()] {
                let survivor = outside_placeholders(&once).find(|part| part.contains(needle));
                assert!(survivor.is_none(), "{name} left the volatile value {needle:?} in {once:?} (input {text:?})");
            }
        }
        let decoded = (name == "normalise_body").then(|| serde_json::from_str::<Value>(&once).ok()).flatten();
        let texts = match &decoded {
            Some(json) => strings(json),
            None => vec![once.as_str()],
        };
        for text in texts {
            let token = outside_placeholders(text).find_map(|part| TOKENS.find(part));
            assert!(token.is_none(), "{name} left the token {:?} in {once:?}", token.map(|t| t.as_str()));
        }
    }
}

/// The parts of `text` between its placeholders.
fn outside_placeholders(text: &str) -> impl Iterator<Item = &str> {
    let mut last = 0;
    let mut bounds: Vec<(usize, usize)> = PLACEHOLDERS
        .find_iter(text)
        .map(|found| {
            let part = (last, found.start());
            last = found.end();
            part
        })
        .collect();
    bounds.push((last, text.len()));
    bounds.into_iter().map(move |(start, end)| &text[start..end])
}

/// Every key and string value of `json`.
fn strings(json: &Value) -> Vec<&str> {
    match json {
        Value::String(text) => vec![text.as_str()],
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::Object(members) => {
            members.iter().flat_map(|(key, value)| std::iter::once(key.as_str()).chain(strings(value))).collect()
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => Vec::new(),
    }
}
