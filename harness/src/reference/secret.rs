//! Client authentication: SECRET_HASH (spec §5) and the raw client secret (spec §1.2, §2).
//!
//! Both compare in constant time, and no message ever quotes a secret or a hash: only the client
//! id appears, as in Cognito's own messages.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::error::ApiError;
use super::faults::Fault;
use super::service::Service;
use super::store::Client;

/// How a caller failed a confidential client's secret check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretCheck {
    /// No SECRET_HASH although the client has a secret.
    HashMissing,
    /// A SECRET_HASH that does not match.
    HashWrong,
    /// No ClientSecret although the client has a secret.
    SecretMissing,
    /// A ClientSecret that does not match.
    SecretWrong,
}

impl SecretCheck {
    /// The `NotAuthorizedException` the sign-in and refresh operations answer with (spec §5).
    pub fn to_api(self, client_id: &str) -> ApiError {
        ApiError::not_authorized(match self {
            SecretCheck::HashMissing => {
                format!("Client {client_id} is configured with secret but SECRET_HASH was not received")
            }
            SecretCheck::HashWrong => format!("Unable to verify secret hash for client {client_id}"),
            SecretCheck::SecretMissing => {
                format!("Client {client_id} is configured with secret but ClientSecret was not received")
            }
            SecretCheck::SecretWrong => format!("Unable to verify secret for client {client_id}"),
        })
    }
}

/// `Base64(HMAC-SHA256(key = secret, message = username + client_id))` over UTF-8 (spec §5).
pub fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    secret_hash_bytes(secret, format!("{username}{client_id}").as_bytes())
}

fn secret_hash_bytes(secret: &str, message: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return String::new() };
    mac.update(message);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// The `secret-hash-latin1` fault's hash: characters above U+00FF become `?`, as Python's
/// `encode("latin-1", "replace")` would.
fn latin1_secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    let message: Vec<u8> =
        format!("{username}{client_id}").chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect();
    secret_hash_bytes(secret, &message)
}

fn equal(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Checks a SECRET_HASH for `username` on `client`; public clients need none.
pub fn check_secret_hash(
    service: &Service,
    client: &Client,
    username: &str,
    provided: Option<&str>,
) -> Result<(), SecretCheck> {
    let Some(secret) = &client.secret else { return Ok(()) };
    let provided = provided.ok_or(SecretCheck::HashMissing)?;
    let expected = if service.has(Fault::SecretHashLatin1) {
        latin1_secret_hash(secret, username, &client.id)
    } else {
        secret_hash(secret, username, &client.id)
    };
    if equal(&expected, provided) { Ok(()) } else { Err(SecretCheck::HashWrong) }
}

/// Checks a raw client secret; a secret sent for a public client is ignored (spec Q5, inferred).
pub fn check_client_secret(client: &Client, provided: Option<&str>) -> Result<(), SecretCheck> {
    let Some(secret) = &client.secret else { return Ok(()) };
    let provided = provided.ok_or(SecretCheck::SecretMissing)?;
    if equal(secret, provided) { Ok(()) } else { Err(SecretCheck::SecretWrong) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_hash_matches_an_independent_computation() {
        // Computed with Python: base64(hmac.new(b"secret", b"aliceclient", sha256).digest())
        assert_eq!(secret_hash("secret", "alice", "client"), "RTsve+FQ659UKyESgvLg9GYmZEL+QjzQsW/OjL77/b0=");
    }

    #[test]
    fn latin1_differs_only_for_non_latin1_usernames() {
        assert_eq!(latin1_secret_hash("s", "bob", "c"), secret_hash("s", "bob", "c"));
        assert_ne!(latin1_secret_hash("s", "zoë", "c"), secret_hash("s", "zoë", "c"));
        assert_ne!(latin1_secret_hash("s", "渡辺", "c"), secret_hash("s", "渡辺", "c"));
    }
}
