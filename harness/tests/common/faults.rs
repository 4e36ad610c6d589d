//! The fixture and reply verdicts of the fault binaries (`reference_faults_*.rs`). Each fault test
//! runs one observation against a clean reference and against one with only that fault switched
//! on, and compares what these helpers reduce the replies to.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{AppClient, Reply, Target, basic, claims};

/// The user every fixture has.
pub const ALICE: &str = "alice";
/// The hosted domain of every fixture pool.
pub const DOMAIN: &str = "faults";

/// A successful JSON-API call, as [`verdict`] writes it.
pub const OK: &str = "200";
/// The documented answer for an access token of a revoked family (spec §3 E4).
pub const ACCESS_REVOKED: &str = "400 NotAuthorizedException: Access Token has been revoked";
/// The documented answer for a revoked refresh token (spec §3 E1).
pub const REFRESH_REVOKED: &str = "400 NotAuthorizedException: Refresh Token has been revoked";

/// A JSON-API reply reduced to what the tests compare: `200`, or status, `__type` and message.
pub fn verdict(reply: &Reply) -> String {
    if reply.status == StatusCode::OK {
        return OK.to_owned();
    }
    format!("{} {}: {}", reply.status.as_u16(), reply.error_type().unwrap_or("?"), reply.message().unwrap_or_default())
}

/// A reply reduced to status and error type (`__type` or OAuth `error`), for answers whose message
/// the spec leaves open.
pub fn kind(reply: &Reply) -> String {
    let error = reply.error_type().or_else(|| reply.oauth_error()).unwrap_or_default();
    format!("{} {error}", reply.status.as_u16())
}

/// A pool with one client (created with `settings`), the user alice and the hosted domain.
pub struct Fixture {
    pub pool: String,
    pub client: AppClient,
}

/// Provisions a [`Fixture`] on `target`.
pub async fn fixture(target: &Target, settings: Value) -> Fixture {
    let pool = target.pool().await;
    let client = target.client(&pool, settings).await;
    target.user(&pool, ALICE).await;
    target.domain(&pool, DOMAIN).await;
    Fixture { pool, client }
}

/// `/oauth2/revoke` for `token` by `client`: Basic auth for a confidential client, `client_id` in
/// the form for a public one.
pub async fn hosted_revoke(target: &Target, client: &AppClient, token: &str) -> Reply {
    match &client.secret {
        Some(secret) => {
            let authorization = basic(&client.id, secret);
            target
                .hosted_post(DOMAIN, "/oauth2/revoke", &[("token", token)], &[("Authorization", &authorization)])
                .await
        }
        None => target.hosted_post(DOMAIN, "/oauth2/revoke", &[("token", token), ("client_id", &client.id)], &[]).await,
    }
}

/// `/oauth2/token` with the refresh grant, for a public client.
pub async fn hosted_refresh(target: &Target, client: &AppClient, refresh_token: &str) -> Reply {
    assert!(client.secret.is_none(), "hosted_refresh sends a public client's form");
    target.refresh_grant(DOMAIN, client, refresh_token).await
}

/// `GET /oauth2/userInfo` with a bearer token; the status.
pub async fn user_info(target: &Target, access_token: &str) -> u16 {
    target.userinfo(DOMAIN, Some(access_token)).await.status.as_u16()
}

/// An admin operation on a user (`AdminDisableUser`, …) that must succeed.
pub async fn admin_user(target: &Target, operation: &str, pool: &str, username: &str) {
    target.call(operation, json!({ "UserPoolId": pool, "Username": username })).await.ok();
}

/// Whether a JWT carries `claim`.
pub fn has_claim(token: &str, claim: &str) -> bool {
    claims(token).get(claim).is_some()
}
