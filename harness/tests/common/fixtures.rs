//! Tokens the reference under test never issued, for the "unknown token" cases of refresh and
//! revoke.

use serde_json::json;

use super::Target;

/// `token` with its middle character changed (`A` to `B`, anything else to `A`).
pub fn tamper_middle(token: &str) -> String {
    let mut tampered = token.to_owned().into_bytes();
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    String::from_utf8(tampered).expect("ascii")
}

/// A well-formed refresh token of alice, issued by another reference instance.
pub async fn refresh_token_of_another_instance() -> String {
    let other = Target::start().await;
    let pool = other.pool().await;
    let client = other.client(&pool, json!({})).await;
    other.user(&pool, "alice").await;
    other.sign_in(&client, "alice").await.refresh_token
}
