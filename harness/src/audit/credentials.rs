//! The test user's credentials and the client's secret for an audit of an existing pool: from a
//! TOML file (`--credentials FILE`) or the environment, never from flags, which end up in shell
//! histories, process lists and CI logs.
//!
//! ```toml
//! username = "audit-user"
//! password = "…"
//! client_secret = "…"   # only when the app client has a secret
//! ```
//!
//! The file is read through [`crate::input::read_input`] and refuses unknown keys, with located
//! diagnostics (exit 2) as every input file. Without a file: `CC_AUDIT_USERNAME`,
//! `CC_AUDIT_PASSWORD` and `CC_AUDIT_CLIENT_SECRET`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::scenario::ScenarioError;

/// The environment variable of the username.
pub const ENV_USERNAME: &str = "CC_AUDIT_USERNAME";
/// The environment variable of the password.
pub const ENV_PASSWORD: &str = "CC_AUDIT_PASSWORD";
/// The environment variable of the client secret.
pub const ENV_CLIENT_SECRET: &str = "CC_AUDIT_CLIENT_SECRET";

/// A test user's credentials, and the client's secret if it has one.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditCredentials {
    /// The sign-in name.
    pub username: String,
    /// The password (permanent).
    pub password: String,
    /// The app client's secret.
    #[serde(default)]
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for AuditCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditCredentials").field("username", &self.username).finish_non_exhaustive()
    }
}

/// Why the credentials cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// `--credentials` names nothing readable.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is invalid (located; printed as diagnostics).
    #[error("invalid credentials file {0}")]
    Invalid(String, Vec<ScenarioError>),
    /// Neither a file nor the environment gives them.
    #[error(
        "an audit of --pool-id needs its test user: --credentials FILE (username, password, client_secret) \
         or {ENV_USERNAME} and {ENV_PASSWORD} (and {ENV_CLIENT_SECRET}) in the environment"
    )]
    Missing,
}

impl AuditCredentials {
    /// From `file`, else from the environment as `env` reads it.
    pub fn load(file: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Result<Self, CredentialsError> {
        match file {
            Some(path) => Self::read(path),
            None => {
                let (Some(username), Some(password)) = (env(ENV_USERNAME), env(ENV_PASSWORD)) else {
                    return Err(CredentialsError::Missing);
                };
                Ok(Self { username, password, client_secret: env(ENV_CLIENT_SECRET).filter(|s| !s.is_empty()) })
            }
        }
    }

    fn read(path: &Path) -> Result<Self, CredentialsError> {
        std::fs::symlink_metadata(path).map_err(|source| CredentialsError::Io { path: path.into(), source })?;
        let invalid = |problems| CredentialsError::Invalid(path.display().to_string(), problems);
        let text = crate::input::read_input(path).map_err(|problem| invalid(vec![*problem]))?;
        toml::from_str(&text).map_err(|error| {
            // A diagnostic shows the file's lines, and toml's message may quote a value: the
            // values are masked (same length, so the caret stays put) and only the first line of
            // the message is kept.
            let message = error.message().lines().next().unwrap_or("invalid").trim().to_owned();
            let masked = mask_values(&text);
            invalid(vec![ScenarioError::new(path, &masked, error.span().unwrap_or(0..0), message, "here", None)])
        })
    }
}

/// `text` with every byte inside a quoted string turned into `*`: the keys stay readable, the
/// secrets do not, and every offset is unchanged.
fn mask_values(text: &str) -> String {
    let mut quote = None;
    let masked: Vec<u8> = text
        .bytes()
        .map(|byte| match (quote, byte) {
            (_, b'\n') => {
                quote = None;
                byte
            }
            (None, b'"' | b'\'') => {
                quote = Some(byte);
                byte
            }
            (Some(open), _) if byte == open => {
                quote = None;
                byte
            }
            (Some(_), _) => b'*',
            (None, _) => byte,
        })
        .collect();
    String::from_utf8(masked).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<AuditCredentials, CredentialsError> {
        let file = tempfile::NamedTempFile::new().expect("a temporary file");
        std::fs::write(file.path(), text).expect("written");
        AuditCredentials::load(Some(file.path()), |_| None)
    }

    #[test]
    fn a_file_gives_the_user_and_the_secret() {
        let credentials = load("username = \"a\"\npassword = \"p\"\nclient_secret = \"s\"\n").expect("valid");
        assert_eq!(
            (credentials.username.as_str(), credentials.password.as_str(), credentials.client_secret.as_deref()),
            ("a", "p", Some("s"))
        );
        assert!(!format!("{credentials:?}").contains('p'.to_string().as_str().repeat(2).as_str()));
    }

    #[test]
    fn an_unknown_key_is_located() {
        let text = "username = \"a\"\npassword = \"hunter2hunter2\"\nsecret = \"s3cr3t-value\"\n";
        let Err(CredentialsError::Invalid(_, problems)) = load(text) else {
            panic!("refused");
        };
        let rendered = crate::diagnostic::render(&problems[0], false);
        assert!(rendered.contains(":3:1"), "{rendered}");
        assert!(rendered.contains("unknown field `secret`"), "{rendered}");
        assert!(!rendered.contains("hunter2") && !rendered.contains("s3cr3t"), "{rendered}");
    }

    #[test]
    fn the_environment_is_the_fallback() {
        let env = |name: &str| match name {
            ENV_USERNAME => Some("u".to_owned()),
            ENV_PASSWORD => Some("p".to_owned()),
            _ => None,
        };
        let credentials = AuditCredentials::load(None, env).expect("from the environment");
        assert_eq!((credentials.username.as_str(), credentials.client_secret), ("u", None));
        assert!(matches!(AuditCredentials::load(None, |_| None), Err(CredentialsError::Missing)));
    }
}
