//! SECRET_HASH (spec §5) over the AWS JSON 1.1 API: it is `Base64(HMAC-SHA256(secret, username +
//! client id))` over UTF-8 (not the Latin-1 some emulators use, spec §7.1), a confidential client
//! refuses sign-in and refresh without it or with a wrong one — with Cognito's messages and without
//! echoing the hash, the secret or the token — and a refused attempt revokes nothing.
//!
//! The hash is how a confidential client proves itself on InitiateAuth, so a revocation check that
//! gets it wrong tests nothing. The raw-secret checks of RevokeToken and GetTokensFromRefreshToken
//! are in `reference_revoke_api.rs` and `reference_sign_in.rs`.

mod common;

use cognito_conformance::reference::secret_hash;
use common::assertions::{assert_alive, assert_no_leak};
use common::{PASSWORD, REFRESH_PATHS, Target, claims, hmac_b64};
use serde_json::json;

#[tokio::test]
async fn secret_hash_is_hmac_sha256_over_utf8_and_works_for_non_ascii_usernames() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({ "GenerateSecret": true })).await;
    let secret = client.secret.clone().expect("secret");
    for username in ["zoë", "渡辺", "plain"] {
        target.user(&pool, username).await;
        let utf8 = hmac_b64(&secret, format!("{username}{}", client.id).as_bytes());
        assert_eq!(utf8, secret_hash(&secret, username, &client.id), "common's hash is UTF-8 HMAC-SHA256");
        assert_eq!(utf8.len(), 44);
        let session = target.sign_in(&client, username).await;
        assert_eq!(claims(&session.access_token)["username"], username);
        for path in REFRESH_PATHS {
            target.refresh_on(&client, username, &session.refresh_token, path).await.ok();
        }
        // The Latin-1 encoding moto uses (spec §7.1) differs for these names and must be refused.
        let latin1: Vec<u8> =
            format!("{username}{}", client.id).chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect();
        let latin1 = hmac_b64(&secret, &latin1);
        if latin1 != utf8 {
            let params = json!({ "USERNAME": username, "PASSWORD": PASSWORD, "SECRET_HASH": latin1 });
            let reply = target.initiate(&client.id, "USER_PASSWORD_AUTH", params).await;
            reply.expect_error("NotAuthorizedException");
            assert_no_leak(&reply, &[&latin1, &secret]);
        }
    }
}

#[tokio::test]
async fn missing_secret_hash_is_refused_with_cognitos_message() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({ "GenerateSecret": true })).await;
    target.user(&pool, "alice").await;
    let session = target.sign_in(&client, "alice").await;
    let expected = format!("Client {} is configured with secret but SECRET_HASH was not received", client.id);

    let sign_in = json!({ "USERNAME": "alice", "PASSWORD": PASSWORD });
    let reply = target.initiate(&client.id, "USER_PASSWORD_AUTH", sign_in.clone()).await;
    assert_eq!(reply.expect_error("NotAuthorizedException"), expected);
    let admin = json!({ "UserPoolId": pool, "ClientId": client.id, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
        "AuthParameters": sign_in });
    assert_eq!(target.call("AdminInitiateAuth", admin).await.expect_error("NotAuthorizedException"), expected);
    for flow in ["REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"] {
        let reply = target.initiate(&client.id, flow, json!({ "REFRESH_TOKEN": session.refresh_token })).await;
        assert_eq!(reply.expect_error("NotAuthorizedException"), expected);
        assert_no_leak(&reply, &[&session.refresh_token, client.secret.as_deref().expect("secret")]);
    }
    // The missing hash revoked nothing.
    assert_alive(&target, &client, &session).await;
}

#[tokio::test]
async fn wrong_secret_hash_is_refused_without_echoing_hash_secret_or_token() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({ "GenerateSecret": true })).await;
    let secret = client.secret.clone().expect("secret");
    target.user(&pool, "alice").await;
    target.user(&pool, "bob").await;
    let session = target.sign_in(&client, "alice").await;
    let expected = format!("Unable to verify secret hash for client {}", client.id);

    let other_secret = "x".repeat(52);
    let wrong_hashes = [
        secret_hash(&other_secret, "alice", &client.id),  // wrong key
        secret_hash(&secret, "bob", &client.id),          // another user's
        secret_hash(&secret, "alice", "someotherclient"), // another client's
        "not-even-base64".to_owned(),
    ];
    for wrong in &wrong_hashes {
        let params = json!({ "USERNAME": "alice", "PASSWORD": PASSWORD, "SECRET_HASH": wrong });
        let reply = target.initiate(&client.id, "USER_PASSWORD_AUTH", params).await;
        assert_eq!(reply.expect_error("NotAuthorizedException"), expected);
        assert_no_leak(&reply, &[wrong, &secret, PASSWORD]);
        let params = json!({ "REFRESH_TOKEN": session.refresh_token, "SECRET_HASH": wrong });
        let reply = target.initiate(&client.id, "REFRESH_TOKEN_AUTH", params).await;
        assert_eq!(reply.expect_error("NotAuthorizedException"), expected);
        assert_no_leak(&reply, &[wrong, &secret, &session.refresh_token]);
    }
    // The refresh hash is over the token owner's username: bob's hash cannot refresh alice's token.
    let bobs =
        json!({ "REFRESH_TOKEN": session.refresh_token, "SECRET_HASH": secret_hash(&secret, "bob", &client.id) });
    target.initiate(&client.id, "REFRESH_TOKEN_AUTH", bobs).await.expect_error("NotAuthorizedException");
    assert_alive(&target, &client, &session).await;
}
