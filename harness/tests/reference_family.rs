//! Revocation keyed on the token family (spec §3, §6.1, §8.2), over the AWS JSON 1.1 API: a
//! RevokeToken kills the refresh token on every refresh path and every access token of its family
//! (the first one and those minted by later refreshes) — and nothing else; revoked tokens still
//! verify offline against an unchanged JWKS; GlobalSignOut, AdminUserGlobalSignOut and
//! AdminDisableUser revoke every family of the user even on clients with revocation disabled; and
//! revoked stays revoked when EnableTokenRevocation is switched off and on again. Sign-out is
//! time-based: a sign-in in the same second is revoked too, one in a later second lives.
//!
//! This is the core property the harness checks a target for. RevokeToken's request handling case
//! by case is in `reference_revoke_api.rs`.

mod common;

use common::assertions::{access_refused, assert_alive, assert_no_leak, assert_revoked, refresh_refused};
use common::{REFRESH_PATHS, Target, access_of, claims, issuer, verify_offline};
use serde_json::json;

/// Seconds since the epoch, as the reference stamps `iat` and `auth_time`.
fn second_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after the epoch").as_secs()
}

/// Waits until the clock has entered a later second than when called.
async fn next_second() {
    let start = second_now();
    while second_now() == start {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn revoke_token_kills_the_refresh_token_on_every_refresh_path() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({ "GenerateSecret": true })).await;
    target.user(&pool, "alice").await;
    let session = target.sign_in(&client, "alice").await;
    target.revoke(&client, &session.refresh_token).await.ok();
    for path in REFRESH_PATHS {
        let reply = target.refresh_on(&client, "alice", &session.refresh_token, path).await;
        assert_eq!(reply.expect_error("NotAuthorizedException"), "Refresh Token has been revoked", "{path:?}");
        assert_no_leak(&reply, &[&session.refresh_token, client.secret.as_deref().expect("secret")]);
    }
}

#[tokio::test]
async fn revoke_token_kills_every_access_token_of_the_family_including_the_first() {
    // Spec §8.2: the key is origin_jti, so tokens minted by later refreshes die too.
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({ "GenerateSecret": true })).await;
    target.user(&pool, "alice").await;
    let session = target.sign_in(&client, "alice").await;
    let mut family = vec![session.access_token.clone()];
    for path in REFRESH_PATHS {
        family.push(access_of(&target.refresh_on(&client, "alice", &session.refresh_token, path).await));
    }
    for token in &family {
        target.get_user(token).await.ok();
    }
    target.revoke(&client, &session.refresh_token).await.ok();
    for token in &family {
        assert_eq!(access_refused(&target, token).await, "Access Token has been revoked");
        let sign_out = target.call("GlobalSignOut", json!({ "AccessToken": token })).await;
        assert_eq!(sign_out.expect_error("NotAuthorizedException"), "Access Token has been revoked");
        assert_no_leak(&sign_out, &[token]);
    }
}

#[tokio::test]
async fn revoke_token_leaves_other_sessions_of_the_same_user_and_other_users_alone() {
    // Spec §3 E6.
    let target = Target::start().await;
    let pool = target.pool().await;
    let (client, other_client) = (target.client(&pool, json!({})).await, target.client(&pool, json!({})).await);
    target.user(&pool, "alice").await;
    target.user(&pool, "bob").await;
    let revoked = target.sign_in(&client, "alice").await;
    let second_sign_in = target.sign_in(&client, "alice").await;
    let other_client_session = target.sign_in(&other_client, "alice").await;
    let bob = target.sign_in(&client, "bob").await;

    target.revoke(&client, &revoked.refresh_token).await.ok();
    assert_revoked(&target, &client, &revoked, &[&revoked.access_token]).await;
    assert_alive(&target, &client, &second_sign_in).await;
    assert_alive(&target, &other_client, &other_client_session).await;
    assert_alive(&target, &client, &bob).await;
    // A GlobalSignOut attempt with the dead token does not reach the live sessions either.
    target
        .call("GlobalSignOut", json!({ "AccessToken": revoked.access_token }))
        .await
        .expect_error("NotAuthorizedException");
    assert_alive(&target, &client, &second_sign_in).await;
}

#[tokio::test]
async fn revoked_tokens_still_verify_offline_against_an_unchanged_jwks() {
    // Spec §3 E7, §8.3: revocation does not rotate keys.
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({})).await;
    target.user(&pool, "alice").await;
    let session = target.sign_in(&client, "alice").await;
    let other = target.sign_in(&client, "alice").await;
    let before = target.jwks(&pool).await.ok().clone();
    target.revoke(&client, &session.refresh_token).await.ok();
    let after = target.jwks(&pool).await.ok().clone();
    assert_eq!(before, after);
    for token in [&session.access_token, &session.id_token, &other.access_token, &other.id_token] {
        let verified = verify_offline(token, &after, &issuer(&pool)).expect("verifies offline");
        assert_eq!(verified, claims(token));
    }
    access_refused(&target, &session.access_token).await;
}

#[tokio::test]
async fn global_sign_out_revokes_every_family_of_the_user_even_with_revocation_disabled() {
    // Spec §6.1: sign-out predates EnableTokenRevocation and works regardless.
    let target = Target::start().await;
    let pool = target.pool().await;
    let enabled = target.client(&pool, json!({})).await;
    let disabled = target.client(&pool, json!({ "EnableTokenRevocation": false })).await;
    target.user(&pool, "alice").await;
    target.user(&pool, "bob").await;
    let first = target.sign_in(&enabled, "alice").await;
    let second = target.sign_in(&enabled, "alice").await;
    let legacy = target.sign_in(&disabled, "alice").await;
    let legacy_refreshed = access_of(&target.refresh(&disabled, &legacy).await);
    let bob = target.sign_in(&enabled, "bob").await;

    let reply = target.call("GlobalSignOut", json!({ "AccessToken": second.access_token })).await;
    assert_eq!(reply.ok(), &json!({}));
    assert_revoked(&target, &enabled, &first, &[&first.access_token]).await;
    assert_revoked(&target, &enabled, &second, &[&second.access_token]).await;
    assert_revoked(&target, &disabled, &legacy, &[&legacy.access_token, &legacy_refreshed]).await;
    assert_alive(&target, &enabled, &bob).await;

    // Spec §6.1: a second GlobalSignOut with the now-revoked token fails.
    let again = target.call("GlobalSignOut", json!({ "AccessToken": second.access_token })).await;
    assert_eq!(again.expect_error("NotAuthorizedException"), "Access Token has been revoked");
    // A fresh sign-in in a later second starts a live family (spec §6.1: sign-out is time-based).
    next_second().await;
    let fresh = target.sign_in(&enabled, "alice").await;
    assert_alive(&target, &enabled, &fresh).await;
    let invalid = target.call("GlobalSignOut", json!({ "AccessToken": "not.a.token" })).await;
    invalid.expect_error("NotAuthorizedException");
}

#[tokio::test]
async fn admin_user_global_sign_out_revokes_every_family_of_the_user_even_with_revocation_disabled() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let enabled = target.client(&pool, json!({ "GenerateSecret": true })).await;
    let disabled = target.client(&pool, json!({ "EnableTokenRevocation": false })).await;
    target.user(&pool, "alice").await;
    target.user(&pool, "bob").await;
    let modern = target.sign_in(&enabled, "alice").await;
    let legacy = target.sign_in(&disabled, "alice").await;
    let bob = target.sign_in(&disabled, "bob").await;

    let user = json!({ "UserPoolId": pool, "Username": "alice" });
    assert_eq!(target.call("AdminUserGlobalSignOut", user.clone()).await.ok(), &json!({}));
    assert_revoked(&target, &enabled, &modern, &[&modern.access_token]).await;
    assert_revoked(&target, &disabled, &legacy, &[&legacy.access_token]).await;
    for path in REFRESH_PATHS {
        let reply = target.refresh_on(&enabled, "alice", &modern.refresh_token, path).await;
        assert_eq!(reply.expect_error("NotAuthorizedException"), "Refresh Token has been revoked", "{path:?}");
    }
    assert_alive(&target, &disabled, &bob).await;
    target.call("AdminUserGlobalSignOut", user).await.ok(); // harmless when repeated
    let unknown = json!({ "UserPoolId": pool, "Username": "nobody" });
    target.call("AdminUserGlobalSignOut", unknown).await.expect_error("UserNotFoundException");
    let no_pool = json!({ "UserPoolId": "us-east-1_nosuchpool", "Username": "alice" });
    target.call("AdminUserGlobalSignOut", no_pool).await.expect_error("ResourceNotFoundException");
}

#[tokio::test]
async fn admin_disable_user_revokes_every_family_and_admin_enable_user_does_not_restore_them() {
    // Spec §6.1, §3 E9.
    let target = Target::start().await;
    let pool = target.pool().await;
    let enabled = target.client(&pool, json!({})).await;
    let disabled = target.client(&pool, json!({ "EnableTokenRevocation": false })).await;
    target.user(&pool, "alice").await;
    target.user(&pool, "bob").await;
    let modern = target.sign_in(&enabled, "alice").await;
    let legacy = target.sign_in(&disabled, "alice").await;
    let bob = target.sign_in(&enabled, "bob").await;
    let user = json!({ "UserPoolId": pool, "Username": "alice" });

    target.call("AdminDisableUser", user.clone()).await.ok();
    for (client, session) in [(&enabled, &modern), (&disabled, &legacy)] {
        refresh_refused(&target, client, session, "NotAuthorizedException").await;
        access_refused(&target, &session.access_token).await;
    }
    assert_alive(&target, &enabled, &bob).await;

    target.call("AdminEnableUser", user).await.ok();
    assert_revoked(&target, &enabled, &modern, &[&modern.access_token]).await;
    assert_revoked(&target, &disabled, &legacy, &[&legacy.access_token]).await;
    let fresh = target.sign_in(&enabled, "alice").await;
    assert_alive(&target, &enabled, &fresh).await;
}

#[tokio::test]
async fn revoked_stays_revoked_after_enable_token_revocation_is_switched_off() {
    // Spec §1.4 R12, §3 E9.
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({})).await;
    target.user(&pool, "alice").await;
    let revoked = target.sign_in(&client, "alice").await;
    let refreshed = access_of(&target.refresh(&client, &revoked).await);
    target.revoke(&client, &revoked.refresh_token).await.ok();

    let off = json!({ "UserPoolId": pool, "ClientId": client.id, "EnableTokenRevocation": false,
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH"] });
    assert_eq!(target.call("UpdateUserPoolClient", off).await.ok()["UserPoolClient"]["EnableTokenRevocation"], false);
    assert_revoked(&target, &client, &revoked, &[&revoked.access_token, &refreshed]).await;
    // Switching it back on resurrects nothing either.
    let on = json!({ "UserPoolId": pool, "ClientId": client.id,
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] });
    target.call("UpdateUserPoolClient", on).await.ok();
    assert_revoked(&target, &client, &revoked, &[&revoked.access_token, &refreshed]).await;
}

#[tokio::test]
async fn a_sign_in_in_the_second_of_a_global_sign_out_is_revoked_too_and_a_later_one_lives() {
    // Spec §6.1 and the reference's choice `same-second-sign-out`: sign-out is time-based.
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({})).await;
    target.user(&pool, "alice").await;
    // Retried until the sign-out and the sign-in after it fall in one second, as they almost
    // always do; the clock is read before the one and after the other.
    let mut same_second = None;
    for _ in 0..20 {
        let session = target.sign_in(&client, "alice").await;
        let before = second_now();
        target.call("GlobalSignOut", json!({ "AccessToken": session.access_token })).await.ok();
        let fresh = target.sign_in(&client, "alice").await;
        if second_now() == before {
            same_second = Some(fresh);
            break;
        }
    }
    let fresh = same_second.expect("a sign-out and a sign-in within one second");
    assert_revoked(&target, &client, &fresh, &[&fresh.access_token]).await;

    next_second().await;
    let later = target.sign_in(&client, "alice").await;
    assert_alive(&target, &client, &later).await;
}
