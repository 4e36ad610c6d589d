//! `/oauth2/userInfo` of a pool's domain (spec §2.3): a valid access token answers the user's
//! attributes by GET and POST; a revoked, forged, garbage or foreign-pool token, one after
//! GlobalSignOut, or no bearer token at all is a 401 with an `invalid_token` challenge that quotes
//! nothing.
//!
//! userInfo is how a resource server checks an access token online, so it must see revocation and
//! sign-out at once.

mod common;

use base64::Engine;
use common::claims;
use common::hosted::{DOMAIN, assert_empty_ok, fixture};
use reqwest::StatusCode;
use serde_json::json;

/// The userInfo description the docs give for any bad token (DG-USERINFO).
const INVALID_TOKEN_DESCRIPTION: &str =
    "Access token is expired, disabled, or deleted, or the user has globally signed out.";

#[tokio::test]
async fn userinfo_with_a_valid_token_returns_the_user() {
    let f = fixture().await;
    f.target
        .call(
            "AdminCreateUser",
            json!({
                "UserPoolId": f.pool, "Username": "carol", "MessageAction": "SUPPRESS",
                "UserAttributes": [{ "Name": "email", "Value": "carol@example.com" }, { "Name": "custom:tier", "Value": "gold" }],
            }),
        )
        .await
        .ok();
    f.target
        .call(
            "AdminSetUserPassword",
            json!({ "UserPoolId": f.pool, "Username": "carol", "Password": common::PASSWORD, "Permanent": true }),
        )
        .await
        .ok();
    let session = f.target.sign_in(&f.public, "carol").await;
    for method in [reqwest::Method::GET, reqwest::Method::POST] {
        let request = f
            .target
            .http
            .request(method.clone(), format!("{}/_domain/{DOMAIN}/oauth2/userInfo", f.target.endpoint))
            .header("Authorization", format!("Bearer {}", session.access_token));
        let reply = f.target.send(request).await;
        assert_eq!(reply.status, StatusCode::OK, "{method}: {}", reply.text);
        let content_type = reply.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(content_type.starts_with("application/json"), "{content_type}");
        assert_eq!(reply.json["sub"], claims(&session.access_token)["sub"]);
        assert!(reply.json["sub"].is_string());
        assert_eq!(reply.json["username"], "carol");
        assert_eq!(reply.json["email"], "carol@example.com");
        assert_eq!(reply.json["custom:tier"], "gold");
    }
}

#[tokio::test]
async fn userinfo_with_revoked_or_garbage_token_is_401_invalid_token() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    f.userinfo(DOMAIN, Some(&session.access_token)).await.ok();
    assert_empty_ok(&f.revoke(&[("token", &session.refresh_token), ("client_id", &f.public.id)], &[]).await);
    let fresh = f.target.sign_in(&f.public, "bob").await;
    // A token whose signature no longer matches its payload.
    let mut parts: Vec<String> = fresh.access_token.split('.').map(str::to_owned).collect();
    let mut payload = claims(&fresh.access_token);
    payload["username"] = json!("alice");
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload.to_string());
    let forged = parts.join(".");
    for token in [session.access_token.as_str(), "garbage", "a.b.c", &forged, &session.refresh_token, &fresh.id_token] {
        let reply = f.userinfo(DOMAIN, Some(token)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "body: {}", reply.text);
        let challenge = reply.headers.get("www-authenticate").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(challenge.contains("error=\"invalid_token\""), "challenge {challenge}");
        assert!(challenge.contains(INVALID_TOKEN_DESCRIPTION), "challenge {challenge}");
        assert_eq!(reply.oauth_error(), Some("invalid_token"));
        assert!(!reply.text.contains(token), "the body echoes the token");
    }
    f.userinfo(DOMAIN, Some(&fresh.access_token)).await.ok();
}

#[tokio::test]
async fn userinfo_without_bearer_is_401() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    let reply = f.userinfo(DOMAIN, None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "body: {}", reply.text);
    assert!(reply.headers.get("www-authenticate").is_some());
    for header in
        [format!("Basic {}", session.access_token), session.access_token.clone(), "Bearer".to_owned(), String::new()]
    {
        let request = f
            .target
            .http
            .get(format!("{}/_domain/{DOMAIN}/oauth2/userInfo", f.target.endpoint))
            .header("Authorization", header.as_str());
        let reply = f.target.send(request).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{header:?}: {}", reply.text);
    }
}

#[tokio::test]
async fn userinfo_with_token_of_another_pools_user_is_401() {
    let f = fixture().await;
    let other_pool = f.target.pool().await;
    f.target.domain(&other_pool, "other-domain").await;
    let other_client = f.target.client(&other_pool, json!({})).await;
    f.target.user(&other_pool, "alice").await;
    let foreign = f.target.sign_in(&other_client, "alice").await;
    let reply = f.userinfo(DOMAIN, Some(&foreign.access_token)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "body: {}", reply.text);
    let challenge = reply.headers.get("www-authenticate").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(challenge.contains("error=\"invalid_token\""), "challenge {challenge}");
    // It is valid on its own pool's domain.
    let reply = f.userinfo("other-domain", Some(&foreign.access_token)).await;
    assert_eq!(reply.ok()["username"], "alice");
}

#[tokio::test]
async fn userinfo_after_global_sign_out_is_401() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    f.target.call("GlobalSignOut", json!({ "AccessToken": session.access_token })).await.ok();
    let reply = f.userinfo(DOMAIN, Some(&session.access_token)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "body: {}", reply.text);
    assert_eq!(reply.oauth_error(), Some("invalid_token"));
}
