//! Sign-in and refresh over the AWS JSON 1.1 API, over real HTTP: USER_PASSWORD_AUTH,
//! ADMIN_USER_PASSWORD_AUTH, every refresh path of spec §8.1 (which, without rotation, answer no
//! refresh token; spec §4.5), GetTokensFromRefreshToken's raw client secret, and the errors of
//! sign-in and refresh (wrong password, unknown user or client, flow not enabled, another client's,
//! garbage or tampered refresh tokens).
//!
//! Revocation is only meaningful if every way to turn a refresh token into new tokens is known and
//! checked; `reference_family.rs` and `reference_revoke_api.rs` revoke what these tests mint.

mod common;

use cognito_conformance::reference::secret_hash;
use common::assertions::{assert_alive, assert_no_leak, refresh_refused};
use common::fixtures::{refresh_token_of_another_instance, tamper_middle};
use common::{AppClient, PASSWORD, REFRESH_PATHS, RefreshPath, Session, Target, claims};
use serde_json::json;

#[tokio::test]
async fn user_password_auth_returns_access_id_and_refresh_tokens() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({})).await;
    target.user(&pool, "alice").await;
    let reply = target.try_sign_in(&client, "alice").await;
    assert_eq!(reply.headers["content-type"], "application/x-amz-json-1.1");
    let result = &reply.ok()["AuthenticationResult"];
    for member in ["AccessToken", "IdToken", "RefreshToken"] {
        assert!(result[member].as_str().is_some_and(|t| !t.is_empty()), "{member} in {result}");
    }
    assert_eq!(result["ExpiresIn"], 3600);
    assert_eq!(result["TokenType"], "Bearer");
    assert!(reply.json.get("ChallengeName").is_none());
    let session = Session::from_result(result, "alice");
    let got = target.get_user(&session.access_token).await;
    assert_eq!(got.ok()["Username"], "alice");
    assert_eq!(got.json["UserAttributes"][0]["Name"], "sub");
    assert_eq!(got.json["UserAttributes"][0]["Value"], claims(&session.access_token)["sub"]);
}

#[tokio::test]
async fn every_refresh_path_mints_new_tokens_and_no_refresh_token() {
    // Spec §4.5: without rotation, refresh replies leave RefreshToken out.
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({ "GenerateSecret": true })).await;
    target.user(&pool, "alice").await;
    let session = target.sign_in(&client, "alice").await;
    for path in REFRESH_PATHS {
        let reply = target.refresh_on(&client, "alice", &session.refresh_token, path).await;
        let result = &reply.ok()["AuthenticationResult"];
        assert!(result.get("RefreshToken").is_none(), "{path:?} returned a refresh token");
        assert_eq!(result["ExpiresIn"], 3600, "{path:?}");
        assert_eq!(result["TokenType"], "Bearer", "{path:?}");
        let access = result["AccessToken"].as_str().expect("access");
        assert_ne!(access, session.access_token, "{path:?}");
        assert_eq!(claims(access)["origin_jti"], claims(&session.access_token)["origin_jti"], "{path:?}");
        assert_eq!(claims(result["IdToken"].as_str().expect("id"))["token_use"], "id", "{path:?}");
        target.get_user(access).await.ok();
    }
}

#[tokio::test]
async fn admin_initiate_auth_signs_in_with_admin_user_password_auth_only_in_its_pool() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({ "GenerateSecret": true })).await;
    target.user(&pool, "alice").await;
    let reply = target.try_admin_sign_in(&client, "alice").await;
    let session = Session::from_result(&reply.ok()["AuthenticationResult"], "alice");
    assert!(!session.refresh_token.is_empty());
    target.refresh_on(&client, "alice", &session.refresh_token, RefreshPath::Admin).await.ok();

    let other_pool = target.pool().await;
    let body = json!({ "UserPoolId": other_pool, "ClientId": client.id, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
        "AuthParameters": { "USERNAME": "alice", "PASSWORD": PASSWORD } });
    target.call("AdminInitiateAuth", body).await.expect_error("ResourceNotFoundException");
    let user_flow = json!({ "UserPoolId": pool, "ClientId": client.id, "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": { "USERNAME": "alice", "PASSWORD": PASSWORD } });
    target.call("AdminInitiateAuth", user_flow).await.expect_error("InvalidParameterException");
    let admin_flow = json!({ "USERNAME": "alice", "PASSWORD": PASSWORD });
    target.initiate(&client.id, "ADMIN_USER_PASSWORD_AUTH", admin_flow).await.expect_error("InvalidParameterException");
    // The admin flow must be allowed on the client.
    let no_admin = target.client(&pool, json!({ "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"] })).await;
    let message = target.try_admin_sign_in(&no_admin, "alice").await.expect_error("InvalidParameterException");
    assert!(message.contains("not enabled"), "{message}");
}

#[tokio::test]
async fn get_tokens_from_refresh_token_takes_the_raw_client_secret() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({ "GenerateSecret": true })).await;
    let secret = client.secret.clone().expect("secret");
    target.user(&pool, "alice").await;
    let session = target.sign_in(&client, "alice").await;
    let body = |secret: Option<&str>| {
        let mut body = json!({ "RefreshToken": session.refresh_token, "ClientId": client.id });
        if let Some(secret) = secret {
            body["ClientSecret"] = json!(secret);
        }
        body
    };
    let missing = target.call("GetTokensFromRefreshToken", body(None)).await;
    missing.expect_error("NotAuthorizedException");
    assert_no_leak(&missing, &[&secret, &session.refresh_token]);
    let wrong_secret = "W".repeat(52);
    let wrong = target.call("GetTokensFromRefreshToken", body(Some(&wrong_secret))).await;
    wrong.expect_error("NotAuthorizedException");
    assert_no_leak(&wrong, &[&secret, &wrong_secret, &session.refresh_token]);
    let hash = secret_hash(&secret, "alice", &client.id);
    let hashed = target.call("GetTokensFromRefreshToken", body(Some(&hash))).await;
    hashed.expect_error("InvalidParameterException"); // a hash is not a [\w+]+ secret
    assert_no_leak(&hashed, &[&hash, &secret, &session.refresh_token]);

    let ok = target.call("GetTokensFromRefreshToken", body(Some(&secret))).await;
    let result = &ok.ok()["AuthenticationResult"];
    assert!(result.get("RefreshToken").is_none());
    target.get_user(result["AccessToken"].as_str().expect("access")).await.ok();

    let unknown = json!({ "RefreshToken": session.refresh_token, "ClientId": "nosuchclient0000000000000a" });
    target.call("GetTokensFromRefreshToken", unknown).await.expect_error("ResourceNotFoundException");
    let missing_members = target.call("GetTokensFromRefreshToken", json!({})).await;
    let message = missing_members.expect_error("InvalidParameterException");
    assert!(message.starts_with("2 validation errors detected: "), "{message}");
}

#[tokio::test]
async fn sign_in_errors_wrong_password_unknown_user_flow_not_enabled_missing_parameters_unknown_client() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, json!({})).await;
    target.user(&pool, "alice").await;

    let wrong_password = "Wr0ngPassw0rd!";
    let reply = target
        .initiate(&client.id, "USER_PASSWORD_AUTH", json!({ "USERNAME": "alice", "PASSWORD": wrong_password }))
        .await;
    assert_eq!(reply.expect_error("NotAuthorizedException"), "Incorrect username or password.");
    assert_no_leak(&reply, &[wrong_password]);

    let unknown =
        target.initiate(&client.id, "USER_PASSWORD_AUTH", json!({ "USERNAME": "bob", "PASSWORD": PASSWORD })).await;
    unknown.expect_error("UserNotFoundException");

    for params in [json!({ "USERNAME": "alice" }), json!({ "PASSWORD": PASSWORD }), json!({})] {
        let reply = target.initiate(&client.id, "USER_PASSWORD_AUTH", params).await;
        let message = reply.expect_error("InvalidParameterException");
        assert!(message.contains("Missing required parameter"), "{message}");
        assert_no_leak(&reply, &[PASSWORD]);
    }
    let no_flow = target.call("InitiateAuth", json!({ "AuthParameters": {} })).await;
    let message = no_flow.expect_error("InvalidParameterException");
    assert!(message.starts_with("2 validation errors detected: ") && message.contains("'authFlow'"), "{message}");
    let bad_flow = target.initiate(&client.id, "PASSWORD_PLEASE", json!({})).await;
    assert!(bad_flow.expect_error("InvalidParameterException").contains("enum value set"));

    let srp_only = target.client(&pool, json!({ "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"] })).await;
    let message = target.try_sign_in(&srp_only, "alice").await.expect_error("InvalidParameterException");
    assert_eq!(message, "USER_PASSWORD_AUTH flow not enabled for this client");

    let ghost = AppClient { pool_id: pool.clone(), id: "nosuchclient0000000000000a".into(), secret: None };
    let message = target.try_sign_in(&ghost, "alice").await.expect_error("ResourceNotFoundException");
    assert!(message.contains("nosuchclient0000000000000a"), "{message}");
}

#[tokio::test]
async fn refresh_errors_other_client_garbage_tampered_missing_and_flow_not_enabled() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let (client, sibling) = (target.client(&pool, json!({})).await, target.client(&pool, json!({})).await);
    let foreign_pool = target.pool().await;
    let foreign = target.client(&foreign_pool, json!({})).await;
    target.user(&pool, "alice").await;
    let session = target.sign_in(&client, "alice").await;
    let token = session.refresh_token.as_str();

    // Spec §3: a token presented by another client, of the same pool or of another one.
    for other in [&sibling, &foreign] {
        for path in REFRESH_PATHS {
            let reply = target.refresh_on(other, "alice", token, path).await;
            assert_eq!(reply.expect_error("NotAuthorizedException"), "Refresh Token has different Client", "{path:?}");
            assert_no_leak(&reply, &[token]);
        }
    }

    // Garbage, a token with one character changed, and a token of another instance.
    let tampered = tamper_middle(token);
    let elsewhere = refresh_token_of_another_instance().await;
    for bad in ["garbage-refresh-token", "a.b.c.d.e", tampered.as_str(), elsewhere.as_str()] {
        for path in REFRESH_PATHS {
            let reply = target.refresh_on(&client, "alice", bad, path).await;
            assert_eq!(reply.expect_error("NotAuthorizedException"), "Invalid Refresh Token.", "{path:?}");
            assert_no_leak(&reply, &[bad]);
        }
    }

    let missing = target.initiate(&client.id, "REFRESH_TOKEN_AUTH", json!({})).await;
    assert!(missing.expect_error("InvalidParameterException").contains("REFRESH_TOKEN"));
    let no_refresh = target.client(&pool, json!({ "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"] })).await;
    let other_session = target.sign_in(&no_refresh, "alice").await;
    let reply = target.refresh(&no_refresh, &other_session).await;
    assert!(reply.expect_error("InvalidParameterException").contains("not enabled"));
    assert_no_leak(&reply, &[&other_session.refresh_token]);
    let ghost = AppClient { pool_id: pool.clone(), id: "nosuchclient0000000000000a".into(), secret: None };
    refresh_refused(&target, &ghost, &session, "ResourceNotFoundException").await;
    // None of this hurt the session.
    assert_alive(&target, &client, &session).await;
}
