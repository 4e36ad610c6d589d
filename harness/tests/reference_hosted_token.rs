//! `/oauth2/token` with `grant_type=refresh_token` on a pool's domain (spec §2.2; where the spec
//! is silent, the table in `reference/mod.rs`): new tokens of the same family and no refresh token,
//! confidential clients by Basic header or `client_secret_post`, and the OAuth errors for revoked or
//! foreign refresh tokens, wrong secrets, missing or unsupported parameters and clients without the
//! refresh flow.
//!
//! The token endpoint is a refresh path of its own (spec §8.1), so a revoked family must be refused
//! here too.

mod common;

use common::hosted::{DOMAIN, assert_empty_ok, assert_oauth_error, fixture};
use common::{basic, claims, secret};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn token_refresh_grant_returns_new_tokens_without_a_refresh_token() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    let reply = f
        .token(
            &[("grant_type", "refresh_token"), ("client_id", &f.public.id), ("refresh_token", &session.refresh_token)],
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "body: {}", reply.text);
    let content_type = reply.headers.get("content-type").and_then(|v| v.to_str().ok());
    assert_eq!(content_type, Some("application/json;charset=UTF-8"));
    let body = reply.json.as_object().expect("a JSON object");
    assert!(body.get("refresh_token").is_none(), "rotation is off: no refresh_token ({})", reply.text);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let access = body["access_token"].as_str().expect("access_token");
    let id = body["id_token"].as_str().expect("id_token");
    assert_ne!(access, session.access_token);
    let (new_access, old_access) = (claims(access), claims(&session.access_token));
    assert_eq!(new_access["token_use"], "access");
    assert_eq!(claims(id)["token_use"], "id");
    assert_eq!(new_access["origin_jti"], old_access["origin_jti"]);
    assert!(new_access["origin_jti"].is_string());
    assert_eq!(claims(id)["origin_jti"], old_access["origin_jti"]);
    assert_ne!(new_access["jti"], old_access["jti"]);
    assert_eq!(new_access["client_id"], f.public.id.as_str());
    assert_eq!(claims(id)["aud"], f.public.id.as_str());
    // The new access token works, and dies with its family.
    f.target.get_user(access).await.ok();
    assert_empty_ok(&f.revoke(&[("token", &session.refresh_token), ("client_id", &f.public.id)], &[]).await);
    let message = f.target.get_user(access).await.expect_error("NotAuthorizedException");
    assert_eq!(message, "Access Token has been revoked");
}

#[tokio::test]
async fn token_confidential_client_via_basic_and_via_client_secret_post() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.confidential, "alice").await;
    let auth = basic(&f.confidential.id, secret(&f.confidential));
    let grant = [("grant_type", "refresh_token"), ("refresh_token", session.refresh_token.as_str())];
    let reply = f.token(&grant, &[("Authorization", &auth)]).await;
    assert_eq!(reply.status, StatusCode::OK, "basic: {}", reply.text);
    assert!(reply.json["access_token"].is_string());
    // Basic plus a matching client_id.
    let with_id = [grant[0], grant[1], ("client_id", f.confidential.id.as_str())];
    let reply = f.token(&with_id, &[("Authorization", &auth)]).await;
    assert_eq!(reply.status, StatusCode::OK, "basic + client_id: {}", reply.text);
    // client_secret_post.
    let post =
        [grant[0], grant[1], ("client_id", f.confidential.id.as_str()), ("client_secret", secret(&f.confidential))];
    let reply = f.token(&post, &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "client_secret_post: {}", reply.text);
    assert_eq!(claims(reply.json["access_token"].as_str().expect("access"))["client_id"], f.confidential.id.as_str());
}

#[tokio::test]
async fn token_with_revoked_refresh_token_is_invalid_grant() {
    let f = fixture().await;
    for client in [&f.public, &f.confidential] {
        let session = f.target.sign_in(client, "alice").await;
        f.target.revoke(client, &session.refresh_token).await.ok();
        let reply = f.refresh_grant(client, &session.refresh_token).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_grant");
        assert_eq!(
            reply.headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/json;charset=UTF-8")
        );
    }
}

#[tokio::test]
async fn token_with_another_clients_token_is_invalid_grant() {
    let f = fixture().await;
    let second = f.target.client(&f.pool, json!({})).await;
    let session = f.target.sign_in(&f.public, "alice").await;
    let reply = f.refresh_grant(&second, &session.refresh_token).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_grant");
    let reply = f.refresh_grant(&f.confidential, &session.refresh_token).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_grant");
    // Garbage is invalid_grant too.
    let reply = f.refresh_grant(&f.public, "garbage").await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_grant");
    let reply = f.refresh_grant(&f.public, &session.access_token).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_grant");
    f.assert_alive(&f.public, &session).await;
}

#[tokio::test]
async fn token_with_wrong_secret_is_400_invalid_client() {
    // mod.rs table (Q8): the token endpoint answers invalid_client with 400.
    let f = fixture().await;
    let session = f.target.sign_in(&f.confidential, "alice").await;
    let grant = [("grant_type", "refresh_token"), ("refresh_token", session.refresh_token.as_str())];
    let wrong = basic(&f.confidential.id, "not-the-secret-at-all-000000");
    let reply = f.token(&grant, &[("Authorization", &wrong)]).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_client");
    let post = [grant[0], grant[1], ("client_id", f.confidential.id.as_str()), ("client_secret", "wrong-secret")];
    assert_oauth_error(&f.token(&post, &[]).await, StatusCode::BAD_REQUEST, "invalid_client");
    // No secret at all.
    let bare = [grant[0], grant[1], ("client_id", f.confidential.id.as_str())];
    assert_oauth_error(&f.token(&bare, &[]).await, StatusCode::BAD_REQUEST, "invalid_client");
    // An unknown client.
    let unknown = [grant[0], grant[1], ("client_id", "nosuchclient")];
    assert_oauth_error(&f.token(&unknown, &[]).await, StatusCode::BAD_REQUEST, "invalid_client");
    f.assert_alive(&f.confidential, &session).await;
}

#[tokio::test]
async fn token_missing_or_unsupported_parameters() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    let (id, rt) = (f.public.id.as_str(), session.refresh_token.as_str());
    let reply = f.token(&[("client_id", id), ("refresh_token", rt)], &[]).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    for grant in ["authorization_code", "client_credentials", "password", "REFRESH_TOKEN", "refresh_token "] {
        let reply = f.token(&[("grant_type", grant), ("client_id", id), ("refresh_token", rt)], &[]).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let reply = f.token(&[("grant_type", "refresh_token"), ("client_id", id)], &[]).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    let reply = f.token(&[("grant_type", "refresh_token"), ("client_id", id), ("refresh_token", "")], &[]).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    let reply = f
        .token(
            &[
                ("grant_type", "refresh_token"),
                ("grant_type", "refresh_token"),
                ("client_id", id),
                ("refresh_token", rt),
            ],
            &[],
        )
        .await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    let request = f
        .target
        .http
        .post(format!("{}/_domain/{DOMAIN}/oauth2/token", f.target.endpoint))
        .header("Content-Type", "application/json")
        .body(json!({ "grant_type": "refresh_token", "client_id": id, "refresh_token": rt }).to_string());
    assert_oauth_error(&f.target.send(request).await, StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn token_client_without_refresh_flow_is_unauthorized_client() {
    let f = fixture().await;
    let no_refresh = f.target.client(&f.pool, json!({ "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"] })).await;
    let session = f.target.sign_in(&no_refresh, "alice").await;
    let reply = f.refresh_grant(&no_refresh, &session.refresh_token).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "unauthorized_client");
}
