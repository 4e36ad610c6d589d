//! Assertions over the JSON API that several binaries share: a session is alive, a family is
//! revoked (spec §3 E1, E4), and no answer quotes a token, secret, hash or password (spec §1.5,
//! §8.5).

use cognito_conformance::reference::secret_hash;

use super::{AppClient, Reply, Session, Target};

/// Where `reply` quotes `needle` — its body or one of its headers — or `None`.
pub fn quoted(reply: &Reply, needle: &str) -> Option<String> {
    if reply.text.contains(needle) {
        return Some(format!("body quotes a secret: {}", reply.text));
    }
    reply.headers.iter().find_map(|(name, value)| {
        let value = String::from_utf8_lossy(value.as_bytes());
        value.contains(needle).then(|| format!("header {name} quotes a secret: {value}"))
    })
}

/// Asserts that neither the body nor any header of a reply (`x-amzn-ErrorMessage` above all)
/// carries any of `values` (tokens, secrets, hashes, passwords; spec §1.5, §8.5).
#[track_caller]
pub fn assert_no_leak(reply: &Reply, values: &[&str]) {
    for value in values {
        assert!(value.len() >= 6, "leak probe too short to be meaningful: {value:?}");
        if let Some(leak) = quoted(reply, value) {
            panic!("an answer echoes a sensitive value: {leak}");
        }
    }
}

/// Asserts that a session is alive: GetUser with its access token and a refresh both work.
pub async fn assert_alive(target: &Target, client: &AppClient, session: &Session) {
    target.get_user(&session.access_token).await.ok();
    target.refresh(client, session).await.ok();
}

/// Asserts that a family is dead: refresh says "Refresh Token has been revoked" and GetUser with
/// each of `access_tokens` says "Access Token has been revoked" (spec §3 E1, E4).
pub async fn assert_revoked(target: &Target, client: &AppClient, session: &Session, access_tokens: &[&str]) {
    let message = refresh_refused(target, client, session, "NotAuthorizedException").await;
    assert_eq!(message, "Refresh Token has been revoked");
    for token in access_tokens {
        assert_eq!(access_refused(target, token).await, "Access Token has been revoked");
    }
}

/// GetUser refuses `access_token` with NotAuthorizedException without quoting it; the message.
pub async fn access_refused(target: &Target, access_token: &str) -> String {
    let reply = target.get_user(access_token).await;
    let message = reply.expect_error("NotAuthorizedException");
    assert_no_leak(&reply, &[access_token]);
    message
}

/// REFRESH_TOKEN_AUTH with the session's token fails with `error_type`, quoting neither the token
/// nor the client's secret; the message.
pub async fn refresh_refused(target: &Target, client: &AppClient, session: &Session, error_type: &str) -> String {
    let reply = target.refresh(client, session).await;
    let message = reply.expect_error(error_type);
    assert_no_leak(&reply, &[&session.refresh_token]);
    if let Some(secret) = &client.secret {
        assert_no_leak(&reply, &[secret, &secret_hash(secret, &session.username, &client.id)]);
    }
    message
}
