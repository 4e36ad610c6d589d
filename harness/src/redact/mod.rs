//! Redaction: secrets and tokens become stable placeholders before anything is printed, reported
//! or snapshotted.
//!
//! Every secret a run handles — client secrets, passwords, SECRET_HASHes, and every token a target
//! issues — is registered with its kind. [`Redactor::redact`] replaces each occurrence with a
//! placeholder numbered per kind in order of registration (`<refresh-token#1>`), so equal values
//! stay equal and different values stay different, and a report still says something.
//!
//! A piece of a secret is a secret too: any run of [`MIN_FRAGMENT_LEN`] or more characters a text
//! shares with a registered secret (a token the target cut short, a secret straddling where a
//! report cuts a body) becomes `<refresh-token-part#1>`, naming the secret it came from
//! ([`fragments`]). And text is cut only after it is redacted ([`Redactor::redact_cut`]), so a cut
//! never leaves the head of a secret that redaction would have recognised whole.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use memchr::memmem::Finder;

mod fragments;

use fragments::FragmentIndex;
pub use fragments::MIN_FRAGMENT_LEN;

/// What kind of secret a value is; names the placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretKind {
    /// An access token.
    AccessToken,
    /// An ID token.
    IdToken,
    /// A refresh token.
    RefreshToken,
    /// An app client's secret.
    ClientSecret,
    /// A SECRET_HASH.
    SecretHash,
    /// A user's password.
    Password,
    /// Anything else secret (a session, a made-up wrong secret).
    Other,
}

impl SecretKind {
    fn label(self) -> &'static str {
        match self {
            SecretKind::AccessToken => "access-token",
            SecretKind::IdToken => "id-token",
            SecretKind::RefreshToken => "refresh-token",
            SecretKind::ClientSecret => "client-secret",
            SecretKind::SecretHash => "secret-hash",
            SecretKind::Password => "password",
            SecretKind::Other => "secret",
        }
    }
}

/// Values shorter than this are not treated as secrets: replacing them would mangle ordinary text.
const MIN_SECRET_LEN: usize = 8;

/// One registered secret with a searcher built once (every answer of every step is redacted, so
/// a fresh substring search per secret per text would cost more than the rest of the harness).
#[derive(Debug, Clone)]
struct Entry {
    finder: Finder<'static>,
    placeholder: String,
    /// Registration order: 0 for the first secret.
    order: usize,
}

/// Every secret any scenario of a run registered. Scenarios run side by side against one target,
/// each with its own redactor (placeholders numbered per scenario); a target that quotes one
/// scenario's secret in another's answer is caught by this, and the quote becomes
/// [`OTHER_SCENARIO`].
#[derive(Debug, Clone, Default)]
pub struct RunSecrets(Arc<parking_lot::Mutex<RunIndex>>);

#[derive(Debug, Default)]
struct RunIndex {
    seen: HashSet<String>,
    fragments: FragmentIndex,
}

/// What a secret of another scenario of the run, or a fragment of one, becomes.
pub const OTHER_SCENARIO: &str = "<other-scenario-secret#0>";

/// Registered secrets and their placeholders.
#[derive(Debug, Default, Clone)]
pub struct Redactor {
    /// Each spelling's entry in `values`.
    index: HashMap<String, usize>,
    /// Each registered value's placeholder and kind.
    values: Vec<(String, SecretKind)>,
    /// The run's secrets, which this redactor adds to and redacts too.
    run: Option<RunSecrets>,
    counts: HashMap<SecretKind, usize>,
    /// Longest first, so a secret that contains another is replaced whole.
    entries: Vec<Entry>,
    /// Every spelling's pieces, tagged with an index into `part_placeholders`.
    fragments: FragmentIndex,
    /// `<refresh-token-part#1>`: what a fragment of `<refresh-token#1>` becomes.
    part_placeholders: Vec<String>,
}

impl Redactor {
    /// An empty redactor.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty redactor that shares what it registers with the run's other scenarios, and
    /// redacts theirs.
    pub fn sharing(run: RunSecrets) -> Self {
        Self { run: Some(run), ..Self::default() }
    }

    /// Registers `value` as a secret of `kind` (idempotent); returns its placeholder.
    pub fn register(&mut self, value: &str, kind: SecretKind) -> Option<String> {
        if value.len() < MIN_SECRET_LEN {
            return None;
        }
        if let Some(existing) = self.index.get(value) {
            return Some(self.values[*existing].0.clone());
        }
        let count = self.counts.entry(kind).or_default();
        *count += 1;
        let placeholder = format!("<{}#{}>", kind.label(), count);
        let part = self.part_placeholders.len();
        self.part_placeholders.push(format!("<{}-part#{}>", kind.label(), count));
        let order = self.entries.len();
        // A secret with `+`, `/` or `=` travels form-encoded in `/oauth2/*` bodies: that spelling
        // is the same secret, under the same placeholder.
        let encoded: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
        let spellings = if encoded == value { vec![value.to_owned()] } else { vec![value.to_owned(), encoded] };
        let value_id = self.values.len();
        self.values.push((placeholder.clone(), kind));
        for spelling in spellings {
            if self.index.contains_key(&spelling) {
                continue;
            }
            let position = self.entries.partition_point(|entry| entry.finder.needle().len() >= spelling.len());
            let finder = Finder::new(spelling.as_bytes()).into_owned();
            self.fragments.insert(spelling.as_bytes(), part);
            if let Some(run) = &self.run {
                let mut run = run.0.lock();
                if run.seen.insert(spelling.clone()) {
                    run.fragments.insert(spelling.as_bytes(), 0);
                }
            }
            self.entries.insert(position, Entry { finder, placeholder: placeholder.clone(), order });
            self.index.insert(spelling, value_id);
        }
        Some(placeholder)
    }

    /// Whether any registered secret occurs in `text`.
    pub fn leaks(&self, text: &str) -> bool {
        self.leaks_known_before(text, usize::MAX)
    }

    /// How many secrets are registered; a mark for [`Redactor::leaks_known_before`].
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no secret is registered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether any of the first `mark` registered secrets occurs in `text`: an answer that issues
    /// new tokens carries them legitimately, but must not quote the ones it was sent.
    pub fn leaks_known_before(&self, text: &str, mark: usize) -> bool {
        self.entries.iter().filter(|entry| entry.order < mark).any(|entry| entry.finder.find(text.as_bytes()).is_some())
    }

    /// The kind `value` was registered as, if it was (in any of its spellings).
    pub fn kind_of(&self, value: &str) -> Option<SecretKind> {
        self.index.get(value).map(|i| self.values[*i].1)
    }

    /// The registered secrets (for no-echo checks).
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        self.index.keys().map(String::as_str)
    }

    /// `text` redacted, then cut to `max` characters (`…` marks a cut). Redacting first means a cut
    /// falls between placeholders, never inside a secret whose head would then be shown.
    pub fn redact_cut(&self, text: &str, max: usize) -> String {
        let redacted = self.redact(text);
        match redacted.char_indices().nth(max) {
            Some((at, _)) => format!("{}…", &redacted[..at]),
            None => redacted,
        }
    }

    /// `text` with every registered secret replaced by its placeholder, and every fragment of
    /// [`MIN_FRAGMENT_LEN`] or more characters of one by its part placeholder.
    pub fn redact(&self, text: &str) -> String {
        let whole = self.redact_whole(text);
        let own = replace(&whole, &self.fragments.find(whole.as_bytes()), |part| &self.part_placeholders[part]);
        match &self.run {
            Some(run) => {
                let parts = run.0.lock().fragments.find(own.as_bytes());
                replace(&own, &parts, |_| OTHER_SCENARIO)
            }
            None => own,
        }
    }

    /// `text` with every registered secret, whole, replaced by its placeholder.
    fn redact_whole(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for entry in &self.entries {
            if entry.finder.find(out.as_bytes()).is_none() {
                continue;
            }
            let mut replaced = String::with_capacity(out.len());
            let mut last = 0;
            for start in entry.finder.find_iter(out.as_bytes()) {
                // A needle of whole UTF-8 text matches only at character boundaries.
                replaced.push_str(&out[last..start]);
                replaced.push_str(&entry.placeholder);
                last = start + entry.finder.needle().len();
            }
            replaced.push_str(&out[last..]);
            out = replaced;
        }
        out
    }
}

/// `text` with each byte range replaced by its tag's placeholder; a range that begins or ends
/// inside a character takes the whole character.
fn replace<'a>(text: &str, ranges: &[(std::ops::Range<usize>, usize)], placeholder: impl Fn(usize) -> &'a str) -> String {
    if ranges.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (range, tag) in ranges {
        let mut start = range.start.max(last);
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = range.end;
        while !text.is_char_boundary(end) {
            end += 1;
        }
        if end <= last {
            continue;
        }
        out.push_str(&text[last..start]);
        out.push_str(placeholder(*tag));
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_redacted_form_encoded_too() {
        let mut redactor = Redactor::new();
        let placeholder = redactor.register("s3cr3t+value/with==", SecretKind::ClientSecret).expect("long enough");
        let text = "client_secret=s3cr3t%2Bvalue%2Fwith%3D%3D&x=s3cr3t+value/with==";
        assert_eq!(redactor.redact(text), format!("client_secret={placeholder}&x={placeholder}"));
        assert_eq!(redactor.register("s3cr3t+value/with==", SecretKind::ClientSecret), Some(placeholder));
        assert!(redactor.leaks("s3cr3t%2Bvalue%2Fwith%3D%3D"));
    }

    #[test]
    fn placeholders_keep_equality() {
        let mut redactor = Redactor::new();
        redactor.register("refresh-aaaaaaaa", SecretKind::RefreshToken);
        redactor.register("refresh-bbbbbbbb", SecretKind::RefreshToken);
        let text = "refresh-aaaaaaaa then refresh-bbbbbbbb then refresh-aaaaaaaa";
        assert_eq!(redactor.redact(text), "<refresh-token#1> then <refresh-token#2> then <refresh-token#1>");
        assert!(redactor.leaks(text));
        assert!(!redactor.leaks(&redactor.redact(text)));
    }

    #[test]
    fn longer_secrets_win_over_their_substrings() {
        let mut redactor = Redactor::new();
        redactor.register("secret12", SecretKind::ClientSecret);
        redactor.register("xxsecret12xx", SecretKind::SecretHash);
        assert_eq!(redactor.redact("xxsecret12xx / secret12"), "<secret-hash#1> / <client-secret#1>");
    }

    #[test]
    fn leaks_can_be_limited_to_secrets_known_before_a_mark() {
        let mut redactor = Redactor::new();
        redactor.register("sent-token-1", SecretKind::RefreshToken);
        let mark = redactor.len();
        redactor.register("issued-token", SecretKind::AccessToken);
        assert!(!redactor.leaks_known_before("answer: issued-token", mark));
        assert!(redactor.leaks_known_before("answer: sent-token-1", mark));
        assert!(redactor.leaks("answer: issued-token"));
    }

    /// Every window of `MIN_FRAGMENT_LEN` characters of `secret` that occurs in `text`.
    fn fragments_in(secret: &str, text: &str) -> Vec<String> {
        let chars: Vec<char> = secret.chars().collect();
        chars
            .windows(MIN_FRAGMENT_LEN)
            .map(|window| window.iter().collect::<String>())
            .filter(|window| text.contains(window.as_str()))
            .collect()
    }

    #[test]
    fn a_token_the_target_cut_short_is_redacted_as_a_part() {
        let mut redactor = Redactor::new();
        let token: String = (0..1700).map(|i| char::from(b'A' + (i * 7 % 26) as u8 + (i / 26 % 2) as u8 * 32)).collect();
        redactor.register(&token, SecretKind::RefreshToken);
        // `errors-echo-token`: the reference quotes the token, and its header cuts it at 1,024 bytes.
        let header = format!("Invalid Refresh Token {}", &token[..993]);
        let redacted = redactor.redact(&header);
        assert_eq!(redacted, "Invalid Refresh Token <refresh-token-part#1>");
        assert!(fragments_in(&token, &redacted).is_empty());
        assert!(fragments_in(&token, &redactor.redact(&header[..40])).is_empty());
    }

    #[test]
    fn every_fragment_of_twelve_characters_at_every_offset_is_redacted() {
        let mut redactor = Redactor::new();
        let secret = "kq3v9x2m7c1z8b4n6h5j0p2w4e6r8t1y3u5i7o9a2s4d6f8g1";
        redactor.register(secret, SecretKind::ClientSecret);
        for start in 0..secret.len() - MIN_FRAGMENT_LEN {
            for len in [MIN_FRAGMENT_LEN, MIN_FRAGMENT_LEN + 1, 20] {
                let Some(fragment) = secret.get(start..start + len) else { continue };
                let text = format!("{{\"message\":\"bad {fragment}!\"}}");
                let redacted = redactor.redact(&text);
                assert_eq!(redacted, "{\"message\":\"bad <client-secret-part#1>!\"}", "{start}+{len}");
            }
        }
        assert_eq!(redactor.redact(&secret[5..16]), &secret[5..16], "11 characters are not a fragment");
        assert_eq!(redactor.redact(&format!("x{secret}y")), "x<client-secret#1>y", "whole secrets keep their placeholder");
    }

    #[test]
    fn text_is_redacted_before_it_is_cut() {
        let mut redactor = Redactor::new();
        let secret = "k1x0MTJrWcHg8xq4nQ3UVvLzJp2bb5K1a7l9Eyd0Rt6sfAC3ZPmN";
        let placeholder = redactor.register(secret, SecretKind::ClientSecret).expect("long enough");
        // The secret straddles the cut at every offset, including where fewer than 12 characters
        // of it would fall before the cut.
        for before in 190..200 {
            let text = format!("{}{secret} tail", "x".repeat(before));
            let cut = redactor.redact_cut(&text, 200);
            assert!(!cut.contains(&secret[..200 - before]), "{before}: {cut}");
            assert!(cut.starts_with(&format!("{}{}", "x".repeat(before), &placeholder[..200 - before])), "{cut}");
            assert!(cut.ends_with('…'));
        }
    }

    #[test]
    fn a_secret_of_another_scenario_of_the_run_is_redacted() {
        let run = RunSecrets::default();
        let mut first = Redactor::sharing(run.clone());
        let second = Redactor::sharing(run.clone());
        let token = "eyJfirst-scenario-token.payload-of-the-first.signature";
        first.register(token, SecretKind::RefreshToken);
        assert_eq!(second.redact(&format!("quoted: {token}")), format!("quoted: {OTHER_SCENARIO}"));
        assert_eq!(second.redact(&format!("cut: {}", &token[..20])), format!("cut: {OTHER_SCENARIO}"));
        assert_eq!(first.redact(token), "<refresh-token#1>", "its own scenario keeps its placeholder");
        assert_eq!(Redactor::new().redact(token), token, "outside the run, unknown");
    }

    #[test]
    fn short_values_are_not_secrets() {
        let mut redactor = Redactor::new();
        assert_eq!(redactor.register("abc", SecretKind::Password), None);
        assert_eq!(redactor.redact("abc"), "abc");
    }
}
