//! The "no credential echoed" property of the request-decoding targets, made robust against
//! coincidences.
//!
//! An answer that contains a submitted credential is not necessarily an echo: a fuzzer that
//! submits `constraint` as a token will find it in every validation message, and one that copies
//! a token into a non-secret member (`ClientName`, an unknown key) is rightly quoted back. So a
//! submitted value `S` found in an answer counts as echoed only when
//! 1. it is at least [`MIN_LEN`] bytes long and made of token characters ([`testable`]);
//! 2. it occurs in no non-secret part of the request (keys, other values, headers); and
//! 3. the same request with `S` replaced by a twin of the same shape ([`twin`]) is answered with
//!    the twin in it — so the answer follows the submitted value, not a fixed text.
//!
//! [`found`] applies 1, [`unexplained`] 2; the targets run 3, once per answer and value
//! ([`examine_once`]).
//!
//! Check 3 runs only when 1 and 2 flagged something, which is rare, so it costs nothing on the
//! hot path. Its blind spot: an answer that echoes a credential only when it is the right one.
//! The fixture's own credentials cover that case separately, since a random 52-character secret
//! or a token can only be in an answer if something quoted it.

/// Shorter submitted values are not checked: fixed texts contain every short word.
pub const MIN_LEN: usize = 8;

/// Whether `answer` and `request` share [`MIN_LEN`] consecutive token characters: a necessary
/// condition for `answer` to contain a value [`found`] could return (such values are token
/// characters and occur literally in the request). It lets the targets skip decoding the request
/// for most answers, and costs little: it walks the short answer, and searches the request with
/// `memchr` for each run of the answer long enough to matter.
pub fn shares_run(answer: &[u8], request: &[u8]) -> bool {
    answer
        .split(|byte| !is_token_byte(*byte))
        .filter(|run| run.len() >= MIN_LEN)
        .flat_map(|run| run.windows(MIN_LEN))
        .any(|window| contains_window(request, window))
}

/// A byte of the characters tokens, ids and secrets are made of (base64url, `.` and `=`).
pub fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'=')
}

/// Whether `haystack` contains the [`MIN_LEN`]-byte `window`: candidates found by `memchr`,
/// compared as one word (a slice comparison would go through libFuzzer's `memcmp` hook).
fn contains_window(haystack: &[u8], window: &[u8]) -> bool {
    let word = |bytes: &[u8]| {
        let mut word = [0; MIN_LEN];
        word.copy_from_slice(bytes);
        u64::from_le_bytes(word)
    };
    let wanted = word(window);
    memchr::memchr_iter(window[0], haystack)
        .any(|at| haystack.get(at..at + MIN_LEN).is_some_and(|candidate| word(candidate) == wanted))
}

/// Whether `value` can be checked by replacing it in the raw request: long enough, and written
/// the same way raw and decoded (token characters need no escaping in JSON or a form).
pub fn testable(value: &str) -> bool {
    value.len() >= MIN_LEN && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'='))
}

/// The submitted `secrets` that `answer` contains and that [`testable`] admits. Cheap tests first:
/// a token longer than the answer is dismissed before any search.
pub fn found<'a>(answer: &str, secrets: &'a [String]) -> Vec<&'a str> {
    secrets
        .iter()
        .map(String::as_str)
        .filter(|secret| (MIN_LEN..=answer.len()).contains(&secret.len()))
        .filter(|secret| answer.contains(secret) && testable(secret))
        .collect()
}

/// The `found` values not yet examined in this `answer` (by `target`).
///
/// A fuzzer soon learns the words of the fixed answers (`invalid_client`, `constraint`) from the
/// comparisons above and submits them as credentials, which every such answer then "contains";
/// examining each again would cost more than the decoding under test. So a pair (answer, value)
/// is examined the first time only. The blind spot this adds: a target whose echo of `S` for one
/// request is, byte for byte, an answer it gave as fixed text, with `S` in it, to another.
pub fn examine_once<'a>(target: &str, answer: &str, found: Vec<&'a str>) -> Vec<&'a str> {
    found.into_iter().filter(|secret| super::first_time((target, "echo", answer, *secret))).collect()
}

/// The `found` values that no `public` part of the request holds: the suspects of an echo.
pub fn unexplained<'a>(found: Vec<&'a str>, public: &[String]) -> Vec<&'a str> {
    found.into_iter().filter(|secret| !public.iter().any(|part| part.contains(secret))).collect()
}

/// `value` with every letter and digit moved to the next one of its kind: the same length and
/// character classes, so it passes the same validation, but different at every such position.
pub fn twin(value: &str) -> String {
    let next = |c: char, first: char, count: u8| {
        let offset = (c as u8 - first as u8 + 1) % count;
        char::from(first as u8 + offset)
    };
    value
        .chars()
        .map(|c| match c {
            'a'..='z' => next(c, 'a', 26),
            'A'..='Z' => next(c, 'A', 26),
            '0'..='9' => next(c, '0', 10),
            other => other,
        })
        .collect()
}

/// `haystack` with every occurrence of `needle` replaced by `with` (same length).
pub fn replace(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = haystack.to_vec();
    if needle.is_empty() || needle.len() != with.len() {
        return out;
    }
    let mut at = 0;
    while let Some(found) = memchr::memmem::find(&out[at..], needle) {
        let start = at + found;
        out[start..start + needle.len()].copy_from_slice(with);
        at = start + needle.len();
    }
    out
}

/// Panics when any of the fixture's `credentials` is in `answer` although no `public` part of the
/// request holds it.
pub fn assert_no_fixture_credential<'a>(
    answer: &str,
    credentials: impl Iterator<Item = &'a str>,
    public: &[String],
    what: &str,
) {
    for credential in credentials {
        if answer.contains(credential) && !public.iter().any(|part| part.contains(credential)) {
            panic!("{what} quotes a credential of the fixture ({} bytes): {answer}", credential.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twins_differ_everywhere_but_keep_the_shape() {
        assert_eq!(twin("azAZ09-_.="), "baBA10-_.=");
        let value = "eyJhbGciOiJSUzI1NiJ9";
        assert_eq!(twin(value).len(), value.len());
        assert!(twin(value).chars().zip(value.chars()).all(|(a, b)| a != b));
    }

    #[test]
    fn suspects_skip_short_public_and_absent_values() {
        let secrets = ["constraint".to_owned(), "short".to_owned(), "quotedname".to_owned(), "absent-value".to_owned()];
        let public = ["my quotedname".to_owned()];
        let answer = "Value at 'x' failed to satisfy constraint; short; quotedname";
        let found = found(answer, &secrets);
        assert_eq!(found, ["constraint", "quotedname"]);
        assert_eq!(unexplained(found, &public), ["constraint"]);
    }

    #[test]
    fn shared_runs_are_found_and_short_ones_ignored() {
        assert!(shares_run(b"Unknown member 'abcdefgh1' in request.", b"{\"abcdefgh1\": 1}"));
        assert!(shares_run(b"echo: token=SECRET-value!", b"token=xSECRET-valuex"));
        assert!(!shares_run(b"Request body is not valid JSON.", b"{\"Token\": \"abc\"}"));
        assert!(!shares_run(b"a b c d e f g h i", b"a b c d e f g h i"));
        assert!(!shares_run(b"short", b"short"));
    }

    #[test]
    fn replace_changes_every_occurrence() {
        assert_eq!(replace(b"abab-ab", b"ab", b"xy"), b"xyxy-xy");
        assert_eq!(replace(b"abc", b"", b""), b"abc");
    }
}
