//! Redaction: secrets and tokens become stable placeholders before anything is printed, reported
//! or snapshotted.
//!
//! Every secret a run handles — client secrets, passwords, SECRET_HASHes, and every token a target
//! issues — is registered with its kind. [`Redactor::redact`] replaces each occurrence with a
//! placeholder numbered per kind in order of registration (`<refresh-token#1>`), so equal values
//! stay equal and different values stay different, and a report still says something.

use std::collections::HashMap;

use memchr::memmem::Finder;

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

/// Registered secrets and their placeholders.
#[derive(Debug, Default, Clone)]
pub struct Redactor {
    index: HashMap<String, usize>,
    counts: HashMap<SecretKind, usize>,
    /// Longest first, so a secret that contains another is replaced whole.
    entries: Vec<Entry>,
}

impl Redactor {
    /// An empty redactor.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `value` as a secret of `kind` (idempotent); returns its placeholder.
    pub fn register(&mut self, value: &str, kind: SecretKind) -> Option<String> {
        if value.len() < MIN_SECRET_LEN {
            return None;
        }
        if let Some(existing) = self.index.get(value) {
            return Some(self.entries[*existing].placeholder.clone());
        }
        let count = self.counts.entry(kind).or_default();
        *count += 1;
        let placeholder = format!("<{}#{}>", kind.label(), count);
        let order = self.entries.len();
        // A secret with `+`, `/` or `=` travels form-encoded in `/oauth2/*` bodies: that spelling
        // is the same secret, under the same placeholder.
        let encoded: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
        let spellings = if encoded == value { vec![value.to_owned()] } else { vec![value.to_owned(), encoded] };
        for spelling in spellings {
            if self.index.contains_key(&spelling) {
                continue;
            }
            let position = self.entries.partition_point(|entry| entry.finder.needle().len() >= spelling.len());
            let finder = Finder::new(spelling.as_bytes()).into_owned();
            self.entries.insert(position, Entry { finder, placeholder: placeholder.clone(), order });
        }
        self.index = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, entry)| (String::from_utf8_lossy(entry.finder.needle()).into_owned(), i))
            .collect();
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

    /// The registered secrets (for no-echo checks).
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        self.index.keys().map(String::as_str)
    }

    /// `text` with every registered secret replaced by its placeholder.
    pub fn redact(&self, text: &str) -> String {
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

    #[test]
    fn short_values_are_not_secrets() {
        let mut redactor = Redactor::new();
        assert_eq!(redactor.register("abc", SecretKind::Password), None);
        assert_eq!(redactor.redact("abc"), "abc");
    }
}
