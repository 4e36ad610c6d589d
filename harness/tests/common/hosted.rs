//! The fixture and assertions of the hosted-endpoint binaries (`reference_hosted_*.rs`): one
//! reference with a pool, its domain, a public and a confidential client and two users, and the
//! OAuth answers of spec §2.

use reqwest::StatusCode;
use serde_json::json;

use super::{AppClient, Reply, Session, Target};

/// Form parameters or headers, as name-value pairs.
pub type Form<'a> = Vec<(&'a str, &'a str)>;

/// The hosted domain every fixture pool gets.
pub const DOMAIN: &str = "hosted-test";

/// One reference with a pool, its domain, a public and a confidential client, and two users.
pub struct Fixture {
    pub target: Target,
    pub pool: String,
    pub public: AppClient,
    pub confidential: AppClient,
}

/// Starts a reference and provisions the [`Fixture`].
pub async fn fixture() -> Fixture {
    let target = Target::start().await;
    let pool = target.pool().await;
    target.domain(&pool, DOMAIN).await;
    let public = target.client(&pool, json!({})).await;
    let confidential = target.client(&pool, json!({ "GenerateSecret": true })).await;
    assert!(public.secret.is_none());
    assert!(confidential.secret.is_some());
    target.user(&pool, "alice").await;
    target.user(&pool, "bob").await;
    Fixture { target, pool, public, confidential }
}

/// The Host name of the hosted domain `prefix`.
pub fn host_of(prefix: &str) -> String {
    format!("{prefix}.auth.us-east-1.amazoncognito.com")
}

impl Fixture {
    /// POSTs a form to `/oauth2/revoke` of the fixture's domain.
    pub async fn revoke(&self, form: &[(&str, &str)], headers: &[(&str, &str)]) -> Reply {
        self.target.hosted_post(DOMAIN, "/oauth2/revoke", form, headers).await
    }

    /// POSTs a form to `/oauth2/token` of the fixture's domain.
    pub async fn token(&self, form: &[(&str, &str)], headers: &[(&str, &str)]) -> Reply {
        self.target.hosted_post(DOMAIN, "/oauth2/token", form, headers).await
    }

    /// The refresh grant on `/oauth2/token`, authenticated as `client` normally would be.
    pub async fn refresh_grant(&self, client: &AppClient, refresh_token: &str) -> Reply {
        self.target.refresh_grant(DOMAIN, client, refresh_token).await
    }

    /// GET `/oauth2/userInfo` of `domain` with `Authorization: Bearer <token>`.
    pub async fn userinfo(&self, domain: &str, access_token: Option<&str>) -> Reply {
        self.target.userinfo(domain, access_token).await
    }

    /// The session's family still works: API refresh, GetUser, and the token endpoint.
    pub async fn assert_alive(&self, client: &AppClient, session: &Session) {
        self.target.refresh(client, session).await.ok();
        self.target.get_user(&session.access_token).await.ok();
        let reply = self.refresh_grant(client, &session.refresh_token).await;
        assert_eq!(reply.status, StatusCode::OK, "token endpoint: {}", reply.text);
    }

    /// The session's family is revoked everywhere (spec §3 E1, E2, E4, E8).
    pub async fn assert_dead(&self, client: &AppClient, session: &Session) {
        let message = self.target.refresh(client, session).await.expect_error("NotAuthorizedException");
        assert_eq!(message, "Refresh Token has been revoked");
        let message = self.target.get_user(&session.access_token).await.expect_error("NotAuthorizedException");
        assert_eq!(message, "Access Token has been revoked");
        let reply = self.refresh_grant(client, &session.refresh_token).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_grant");
        let reply = self.userinfo(DOMAIN, Some(&session.access_token)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "userInfo: {}", reply.text);
    }
}

/// An OAuth error answer: status, `error` code and the JSON content type (spec §2.1, §2.2).
#[track_caller]
pub fn assert_oauth_error(reply: &Reply, status: StatusCode, code: &str) {
    assert_eq!(reply.status, status, "body: {}", reply.text);
    assert_eq!(reply.oauth_error(), Some(code), "body: {}", reply.text);
    let content_type = reply.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(content_type.starts_with("application/json"), "content type {content_type}");
}

/// A 200 with an empty body, as `/oauth2/revoke` answers success (spec §2.1).
#[track_caller]
pub fn assert_empty_ok(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::OK, "body: {}", reply.text);
    assert!(reply.text.is_empty(), "body should be empty: {:?}", reply.text);
}
