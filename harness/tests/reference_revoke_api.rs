//! RevokeToken, case by case (spec §1.4 R1–R12; where the spec is silent, the reference's choices
//! are tabled in `reference/mod.rs`): the empty 200, idempotence, unknown and malformed tokens,
//! access and ID tokens, revocation disabled, other and unknown clients, client secrets,
//! RevokeAssociatedSessions and the validation-error count.
//!
//! Each case also checks that a refused revoke revoked nothing and quoted no token or secret. What
//! a successful revoke does to the family is covered by `reference_family.rs`; the hosted
//! `/oauth2/revoke` by `reference_hosted_revoke.rs`.

mod common;

use cognito_conformance::reference::secret_hash;
use common::assertions::{assert_alive, assert_no_leak, assert_revoked};
use common::fixtures::{refresh_token_of_another_instance, tamper_middle};
use common::{AppClient, Session, Target};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A pool with a public client and a signed-in user.
async fn revoke_fixture(settings: Value) -> (Target, AppClient, Session) {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, settings).await;
    target.user(&pool, "alice").await;
    let session = target.sign_in(&client, "alice").await;
    (target, client, session)
}

#[tokio::test]
async fn r1_revoke_token_answers_200_with_an_empty_json_object() {
    let (target, client, session) = revoke_fixture(json!({})).await;
    let reply = target.revoke(&client, &session.refresh_token).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text, "{}");
    assert_eq!(reply.headers["content-type"], "application/x-amz-json-1.1");
    assert_revoked(&target, &client, &session, &[&session.access_token]).await;
}

#[tokio::test]
async fn r2_revoking_twice_answers_200_both_times() {
    let (target, client, session) = revoke_fixture(json!({})).await;
    target.revoke(&client, &session.refresh_token).await.ok();
    let again = target.revoke(&client, &session.refresh_token).await;
    assert_eq!(again.ok(), &json!({}));
    assert_revoked(&target, &client, &session, &[&session.access_token]).await;
    // A token already dead by sign-out is also "revoked" without complaint.
    let signed_out = target.sign_in(&client, "alice").await;
    target.call("GlobalSignOut", json!({ "AccessToken": signed_out.access_token })).await.ok();
    target.revoke(&client, &signed_out.refresh_token).await.ok();
}

#[tokio::test]
async fn r3_unknown_but_well_formed_tokens_answer_200_and_revoke_nothing() {
    let (target, client, session) = revoke_fixture(json!({})).await;
    let elsewhere = refresh_token_of_another_instance().await;
    let tampered = tamper_middle(&session.refresh_token);
    for token in ["garbage", "a.b.c.d.e", "====", elsewhere.as_str(), tampered.as_str()] {
        let reply = target.revoke(&client, token).await;
        assert_eq!(reply.ok(), &json!({}), "{token}");
    }
    assert_alive(&target, &client, &session).await;
}

#[tokio::test]
async fn r4_tokens_outside_the_pattern_are_invalid_parameters_and_never_echoed() {
    // Spec §1.5: the model pattern is [A-Za-z0-9-_=.]+ and the member is sensitive.
    let (target, client, session) = revoke_fixture(json!({})).await;
    let with_space = format!("{} ", session.refresh_token);
    let with_newline = format!("{}\n", session.refresh_token);
    let with_plus = session.refresh_token.replacen('.', "+", 1);
    for token in [with_space.as_str(), with_newline.as_str(), with_plus.as_str(), "secret token", "t\u{f6}ken/value"] {
        let reply = target.revoke(&client, token).await;
        let message = reply.expect_error("InvalidParameterException");
        assert!(message.contains("'token'") && message.contains("regular expression pattern"), "{message}");
        assert_no_leak(&reply, &[token.trim(), &session.refresh_token]);
    }
    let empty = target.revoke(&client, "").await;
    assert!(empty.expect_error("InvalidParameterException").contains("'token'"));
    assert_alive(&target, &client, &session).await;
}

#[tokio::test]
async fn r5_access_and_id_tokens_are_unsupported_token_types_and_the_family_survives() {
    let (target, client, session) = revoke_fixture(json!({})).await;
    for token in [&session.access_token, &session.id_token] {
        let reply = target.revoke(&client, token).await;
        reply.expect_error("UnsupportedTokenTypeException");
        assert_no_leak(&reply, &[token]);
    }
    assert_alive(&target, &client, &session).await;
}

#[tokio::test]
async fn r6_revocation_disabled_is_an_unsupported_operation_and_revokes_nothing() {
    let (target, client, session) = revoke_fixture(json!({ "EnableTokenRevocation": false })).await;
    let reply = target.revoke(&client, &session.refresh_token).await;
    reply.expect_error("UnsupportedOperationException");
    assert_no_leak(&reply, &[&session.refresh_token]);
    assert_alive(&target, &client, &session).await;
}

#[tokio::test]
async fn r7_a_client_of_the_same_pool_is_unauthorized_and_the_token_still_works() {
    let (target, client, session) = revoke_fixture(json!({})).await;
    let sibling = target.client(&client.pool_id, json!({})).await;
    let reply = target.revoke(&sibling, &session.refresh_token).await;
    reply.expect_error("UnauthorizedException");
    assert_no_leak(&reply, &[&session.refresh_token]);
    assert_alive(&target, &client, &session).await;
    // The issuing client still can.
    target.revoke(&client, &session.refresh_token).await.ok();
    assert_revoked(&target, &client, &session, &[&session.access_token]).await;
}

#[tokio::test]
async fn r8_a_client_of_another_pool_is_unauthorized_and_the_token_still_works() {
    let (target, client, session) = revoke_fixture(json!({})).await;
    let other_pool = target.pool().await;
    let foreign = target.client(&other_pool, json!({})).await;
    let reply = target.revoke(&foreign, &session.refresh_token).await;
    reply.expect_error("UnauthorizedException");
    assert_no_leak(&reply, &[&session.refresh_token]);
    assert_alive(&target, &client, &session).await;
}

#[tokio::test]
async fn r9_an_unknown_client_id_is_unauthorized() {
    let (target, client, session) = revoke_fixture(json!({})).await;
    let body = json!({ "Token": session.refresh_token, "ClientId": "nosuchclient0000000000000a" });
    let reply = target.call("RevokeToken", body).await;
    reply.expect_error("UnauthorizedException");
    assert_no_leak(&reply, &[&session.refresh_token]);
    assert_alive(&target, &client, &session).await;
}

#[tokio::test]
async fn r10_a_secret_client_needs_its_secret_and_short_secrets_are_invalid_parameters() {
    let (target, client, session) = revoke_fixture(json!({ "GenerateSecret": true })).await;
    let secret = client.secret.clone().expect("secret");
    let revoke = |secret: Option<&str>| {
        let mut body = json!({ "Token": session.refresh_token, "ClientId": client.id });
        if let Some(secret) = secret {
            body["ClientSecret"] = json!(secret);
        }
        body
    };
    let wrong = format!("{}x", &secret[..51]);
    assert_ne!(wrong, secret);
    let hash = secret_hash(&secret, "alice", &client.id);
    let other = "A".repeat(64);
    for (attempt, label) in [(None, "missing"), (Some(wrong.as_str()), "wrong"), (Some(other.as_str()), "other")] {
        let reply = target.call("RevokeToken", revoke(attempt)).await;
        assert!(!reply.expect_error("UnauthorizedException").is_empty(), "{label}");
        assert_no_leak(&reply, &[&secret, &wrong, &session.refresh_token]);
        assert_alive(&target, &client, &session).await;
    }
    // Shorter than ClientSecretType's 24 characters, or not [\w+]+ (a hash has '/' and '='):
    // validation errors that do not quote the value.
    for invalid in ["tooShortSecret", hash.as_str()] {
        let reply = target.call("RevokeToken", revoke(Some(invalid))).await;
        let message = reply.expect_error("InvalidParameterException");
        assert!(message.contains("'clientSecret'"), "{message}");
        assert_no_leak(&reply, &[invalid, &secret, &session.refresh_token]);
    }
    assert_alive(&target, &client, &session).await;
    assert_eq!(target.call("RevokeToken", revoke(Some(&secret))).await.ok(), &json!({}));
    assert_revoked(&target, &client, &session, &[&session.access_token]).await;
}

#[tokio::test]
async fn r11_a_secret_sent_for_a_public_client_is_ignored() {
    let (target, client, session) = revoke_fixture(json!({})).await;
    let body = json!({ "Token": session.refresh_token, "ClientId": client.id, "ClientSecret": "S".repeat(40) });
    assert_eq!(target.call("RevokeToken", body).await.ok(), &json!({}));
    assert_revoked(&target, &client, &session, &[&session.access_token]).await;
}

#[tokio::test]
async fn revoke_associated_sessions_accepts_none_and_linked_only() {
    // Spec §6.3: LINKED behaves as NONE without session tracking.
    let (target, client, session) = revoke_fixture(json!({})).await;
    let body =
        |value: &str, token: &str| json!({ "Token": token, "ClientId": client.id, "RevokeAssociatedSessions": value });
    for bad in ["ALL", "linked", ""] {
        let reply = target.call("RevokeToken", body(bad, &session.refresh_token)).await;
        assert!(reply.expect_error("InvalidParameterException").contains("'revokeAssociatedSessions'"));
    }
    assert_alive(&target, &client, &session).await;
    let other = target.sign_in(&client, "alice").await;
    target.call("RevokeToken", body("NONE", &session.refresh_token)).await.ok();
    assert_revoked(&target, &client, &session, &[&session.access_token]).await;
    assert_alive(&target, &client, &other).await;
    target.call("RevokeToken", body("LINKED", &other.refresh_token)).await.ok();
    assert_revoked(&target, &client, &other, &[&other.access_token]).await;
}

#[tokio::test]
async fn revoke_token_counts_every_validation_error() {
    let (target, _client, _session) = revoke_fixture(json!({})).await;
    let reply = target.call("RevokeToken", json!({})).await;
    let message = reply.expect_error("InvalidParameterException");
    assert!(message.starts_with("2 validation errors detected: "), "{message}");
    assert!(message.contains("Value null at 'token'") && message.contains("Value null at 'clientId'"), "{message}");
    let three = json!({ "Token": "bad token", "ClientId": "bad id", "ClientSecret": "short" });
    let reply = target.call("RevokeToken", three).await;
    let message = reply.expect_error("InvalidParameterException");
    assert!(message.starts_with("3 validation errors detected: "), "{message}");
    assert_no_leak(&reply, &["bad token"]);
}
