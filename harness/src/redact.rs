//! Redaction: secrets and tokens become stable placeholders before anything is printed, reported
//! or snapshotted.
//!
//! Every secret a run handles — client secrets, passwords, SECRET_HASHes, and every token a target
//! issues — is registered with its kind. [`Redactor::redact`] replaces each occurrence with a
//! placeholder numbered per kind in order of registration (`<refresh-token#1>`), so equal values
//! stay equal and different values stay different, and a report still says something.

use std::collections::HashMap;

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

/// Registered secrets and their placeholders.
#[derive(Debug, Default, Clone)]
pub struct Redactor {
    placeholders: HashMap<String, String>,
    counts: HashMap<SecretKind, usize>,
    /// Longest first, so a secret that contains another is replaced whole.
    ordered: Vec<String>,
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
        if let Some(existing) = self.placeholders.get(value) {
            return Some(existing.clone());
        }
        let count = self.counts.entry(kind).or_default();
        *count += 1;
        let placeholder = format!("<{}#{}>", kind.label(), count);
        self.placeholders.insert(value.to_owned(), placeholder.clone());
        let position = self.ordered.partition_point(|other| other.len() >= value.len());
        self.ordered.insert(position, value.to_owned());
        Some(placeholder)
    }

    /// Whether any registered secret occurs in `text`.
    pub fn leaks(&self, text: &str) -> bool {
        self.ordered.iter().any(|secret| text.contains(secret.as_str()))
    }

    /// The registered secrets (for no-echo checks).
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        self.ordered.iter().map(String::as_str)
    }

    /// `text` with every registered secret replaced by its placeholder.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.ordered {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), &self.placeholders[secret]);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn short_values_are_not_secrets() {
        let mut redactor = Redactor::new();
        assert_eq!(redactor.register("abc", SecretKind::Password), None);
        assert_eq!(redactor.redact("abc"), "abc");
    }
}
