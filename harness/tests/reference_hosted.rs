//! The hosted endpoints of a pool's domain over real HTTP: addressing, `/oauth2/revoke`
//! (spec §2.1), `/oauth2/token` with `grant_type=refresh_token` (spec §2.2) and `/oauth2/userInfo`
//! (spec §2.3). Where the spec is silent the tests follow the table in `reference/mod.rs`.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{AppClient, Reply, Session, Target, basic, claims};
use reqwest::StatusCode;
use serde_json::json;

/// Form parameters or headers, as name-value pairs.
type Form<'a> = Vec<(&'a str, &'a str)>;

/// The hosted domain every fixture pool gets.
const DOMAIN: &str = "hosted-test";

/// The userInfo description the docs give for any bad token (DG-USERINFO).
const INVALID_TOKEN_DESCRIPTION: &str =
    "Access token is expired, disabled, or deleted, or the user has globally signed out.";

/// One reference with a pool, its domain, a public and a confidential client, and two users.
struct Fixture {
    target: Target,
    pool: String,
    public: AppClient,
    confidential: AppClient,
}

async fn fixture() -> Fixture {
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

fn secret(client: &AppClient) -> &str {
    client.secret.as_deref().expect("a confidential client")
}

fn host_of(prefix: &str) -> String {
    format!("{prefix}.auth.us-east-1.amazoncognito.com")
}

impl Fixture {
    /// POSTs a form to `/oauth2/revoke` of the fixture's domain.
    async fn revoke(&self, form: &[(&str, &str)], headers: &[(&str, &str)]) -> Reply {
        self.target.hosted_post(DOMAIN, "/oauth2/revoke", form, headers).await
    }

    /// POSTs a form to `/oauth2/token` of the fixture's domain.
    async fn token(&self, form: &[(&str, &str)], headers: &[(&str, &str)]) -> Reply {
        self.target.hosted_post(DOMAIN, "/oauth2/token", form, headers).await
    }

    /// The refresh grant on `/oauth2/token`, authenticated as `client` normally would be.
    async fn refresh_grant(&self, client: &AppClient, refresh_token: &str) -> Reply {
        let form = [("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", &client.id)];
        match &client.secret {
            None => self.token(&form, &[]).await,
            Some(secret) => self.token(&form[..2], &[("Authorization", &basic(&client.id, secret))]).await,
        }
    }

    /// GET `/oauth2/userInfo` of `domain` with `Authorization: Bearer <token>`.
    async fn userinfo(&self, domain: &str, access_token: Option<&str>) -> Reply {
        let mut request = self.target.http.get(format!("{}/_domain/{domain}/oauth2/userInfo", self.target.endpoint));
        if let Some(token) = access_token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        self.target.send(request).await
    }

    /// The session's family still works: API refresh, GetUser, and the token endpoint.
    async fn assert_alive(&self, client: &AppClient, session: &Session) {
        self.target.refresh(client, session).await.ok();
        self.target.get_user(&session.access_token).await.ok();
        let reply = self.refresh_grant(client, &session.refresh_token).await;
        assert_eq!(reply.status, StatusCode::OK, "token endpoint: {}", reply.text);
    }

    /// The session's family is revoked everywhere (spec §3 E1, E2, E4, E8).
    async fn assert_dead(&self, client: &AppClient, session: &Session) {
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
fn assert_oauth_error(reply: &Reply, status: StatusCode, code: &str) {
    assert_eq!(reply.status, status, "body: {}", reply.text);
    assert_eq!(reply.oauth_error(), Some(code), "body: {}", reply.text);
    let content_type = reply.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(content_type.starts_with("application/json"), "content type {content_type}");
}

/// A 200 with an empty body, as `/oauth2/revoke` answers success (spec §2.1).
#[track_caller]
fn assert_empty_ok(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::OK, "body: {}", reply.text);
    assert!(reply.text.is_empty(), "body should be empty: {:?}", reply.text);
}

// ----- Addressing -------------------------------------------------------------------------------

#[tokio::test]
async fn path_prefix_addresses_the_domain() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    let reply = f.revoke(&[("token", &session.refresh_token), ("client_id", &f.public.id)], &[]).await;
    assert_empty_ok(&reply);
    f.assert_dead(&f.public, &session).await;
}

#[tokio::test]
async fn host_header_addresses_the_domain() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    // Host names are case-insensitive (RFC 9110 §4.2.3), and a port may follow.
    for host in [host_of(DOMAIN), format!("{}:443", host_of(DOMAIN)), host_of(DOMAIN).to_ascii_uppercase()] {
        let request = f
            .target
            .http
            .post(format!("{}/oauth2/token", f.target.endpoint))
            .header("Host", &host)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!(
                "grant_type=refresh_token&client_id={}&refresh_token={}",
                f.public.id, session.refresh_token
            ));
        let reply = f.target.send(request).await;
        assert_eq!(reply.status, StatusCode::OK, "host {host}: {}", reply.text);
        assert!(reply.json["access_token"].is_string());
        let request = f
            .target
            .http
            .get(format!("{}/oauth2/userInfo", f.target.endpoint))
            .header("Host", &host)
            .header("Authorization", format!("Bearer {}", session.access_token));
        let reply = f.target.send(request).await;
        assert_eq!(reply.status, StatusCode::OK, "host {host}: {}", reply.text);
        assert_eq!(reply.json["username"], "alice");
    }
    let request = f
        .target
        .http
        .post(format!("{}/oauth2/revoke", f.target.endpoint))
        .header("Host", host_of(DOMAIN))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("token={}&client_id={}", session.refresh_token, f.public.id));
    assert_empty_ok(&f.target.send(request).await);
    f.assert_dead(&f.public, &session).await;
}

#[tokio::test]
async fn a_domain_nobody_registered_is_not_found() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    let form = [("token", session.refresh_token.as_str()), ("client_id", &f.public.id)];
    for path in ["/oauth2/revoke", "/oauth2/token", "/oauth2/userInfo"] {
        let reply = f.target.hosted_post("nobody-here", path, &form, &[]).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}: {}", reply.text);
        let request = f
            .target
            .http
            .post(format!("{}{path}", f.target.endpoint))
            .header("Host", host_of("nobody-here"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!("token={}&client_id={}", session.refresh_token, f.public.id));
        let reply = f.target.send(request).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path} by host: {}", reply.text);
    }
    // A domain prefix that differs from the registered one only by a suffix does not match.
    let reply = f.target.hosted_post(&format!("{DOMAIN}x"), "/oauth2/revoke", &form, &[]).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    f.assert_alive(&f.public, &session).await;
}

#[tokio::test]
async fn a_deleted_domain_is_not_found() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    f.target.call("DeleteUserPoolDomain", json!({ "UserPoolId": f.pool, "Domain": DOMAIN })).await.ok();
    let reply = f.revoke(&[("token", &session.refresh_token), ("client_id", &f.public.id)], &[]).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "body: {}", reply.text);
    // The domain is gone, so check through the API only.
    f.target.refresh(&f.public, &session).await.ok();
    f.target.get_user(&session.access_token).await.ok();
}

#[tokio::test]
async fn oauth2_on_the_plain_host_is_not_found() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    for path in ["/oauth2/revoke", "/oauth2/token", "/oauth2/userInfo"] {
        let request = f
            .target
            .http
            .post(format!("{}{path}", f.target.endpoint))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!("token={}&client_id={}", session.refresh_token, f.public.id));
        let reply = f.target.send(request).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}: {}", reply.text);
    }
    f.assert_alive(&f.public, &session).await;
}

#[tokio::test]
async fn an_unknown_path_under_the_domain_is_not_found() {
    let f = fixture().await;
    for path in ["/oauth2/authorize", "/oauth2/revoke/extra", "/login", "/"] {
        let reply = f.target.hosted_post(DOMAIN, path, &[("a", "b")], &[]).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}: {}", reply.text);
    }
}

#[tokio::test]
async fn a_wrong_method_is_405_with_allow() {
    let f = fixture().await;
    let cases = [
        (reqwest::Method::GET, "/oauth2/revoke", "POST"),
        (reqwest::Method::PUT, "/oauth2/revoke", "POST"),
        (reqwest::Method::GET, "/oauth2/token", "POST"),
        (reqwest::Method::DELETE, "/oauth2/token", "POST"),
        (reqwest::Method::DELETE, "/oauth2/userInfo", "GET, POST"),
        (reqwest::Method::PUT, "/oauth2/userInfo", "GET, POST"),
    ];
    for (method, path, allow) in cases {
        let url = format!("{}/_domain/{DOMAIN}{path}", f.target.endpoint);
        let reply = f.target.send(f.target.http.request(method.clone(), url)).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}: {}", reply.text);
        let header = reply.headers.get("allow").and_then(|v| v.to_str().ok());
        assert_eq!(header, Some(allow), "{method} {path}");
        // The same through Host addressing.
        let request = f
            .target
            .http
            .request(method.clone(), format!("{}{path}", f.target.endpoint))
            .header("Host", host_of(DOMAIN));
        let reply = f.target.send(request).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} by host");
    }
}

// ----- /oauth2/revoke ---------------------------------------------------------------------------

#[tokio::test]
async fn revoke_public_client_with_client_id_kills_the_family_and_only_it() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    let other_session = f.target.sign_in(&f.public, "alice").await;
    let bob = f.target.sign_in(&f.public, "bob").await;
    let refreshed = f.target.refresh(&f.public, &session).await;
    let refreshed_access = refreshed.ok()["AuthenticationResult"]["AccessToken"].as_str().expect("access").to_owned();
    let reply = f.revoke(&[("token", &session.refresh_token), ("client_id", &f.public.id)], &[]).await;
    assert_empty_ok(&reply);
    f.assert_dead(&f.public, &session).await;
    let message = f.target.get_user(&refreshed_access).await.expect_error("NotAuthorizedException");
    assert_eq!(message, "Access Token has been revoked");
    // The user's other session and other users are untouched (spec §3 E6).
    f.assert_alive(&f.public, &other_session).await;
    f.assert_alive(&f.public, &bob).await;
}

#[tokio::test]
async fn revoke_confidential_client_with_basic_header() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.confidential, "alice").await;
    let other = f.target.sign_in(&f.confidential, "bob").await;
    let auth = basic(&f.confidential.id, secret(&f.confidential));
    let reply = f.revoke(&[("token", &session.refresh_token)], &[("Authorization", &auth)]).await;
    assert_empty_ok(&reply);
    f.assert_dead(&f.confidential, &session).await;
    f.assert_alive(&f.confidential, &other).await;
}

#[tokio::test]
async fn revoke_with_basic_header_and_matching_client_id_is_accepted() {
    // DG-REVOKE's current example sends both (spec §2.1).
    let f = fixture().await;
    let session = f.target.sign_in(&f.confidential, "alice").await;
    let auth = basic(&f.confidential.id, secret(&f.confidential));
    let reply = f
        .revoke(&[("token", &session.refresh_token), ("client_id", &f.confidential.id)], &[("Authorization", &auth)])
        .await;
    assert_empty_ok(&reply);
    f.assert_dead(&f.confidential, &session).await;
}

#[tokio::test]
async fn revoke_with_client_secret_in_the_body_is_accepted() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.confidential, "alice").await;
    let form = [
        ("token", session.refresh_token.as_str()),
        ("client_id", &f.confidential.id),
        ("client_secret", secret(&f.confidential)),
    ];
    assert_empty_ok(&f.revoke(&form, &[]).await);
    f.assert_dead(&f.confidential, &session).await;
}

#[tokio::test]
async fn revoke_public_client_ignores_a_secret_it_does_not_have() {
    // mod.rs table: a secret sent for a public client is ignored (Q5).
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    let auth = basic(&f.public.id, "whatever-secret-the-client-lacks");
    assert_empty_ok(&f.revoke(&[("token", &session.refresh_token)], &[("Authorization", &auth)]).await);
    f.assert_dead(&f.public, &session).await;
}

#[tokio::test]
async fn revoke_without_token_is_invalid_request() {
    let f = fixture().await;
    for form in [vec![("client_id", f.public.id.as_str())], vec![("token", ""), ("client_id", f.public.id.as_str())]] {
        let reply = f.revoke(&form, &[]).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    }
}

#[tokio::test]
async fn revoke_with_wrong_content_type_is_invalid_request_and_revokes_nothing() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    let url = format!("{}/_domain/{DOMAIN}/oauth2/revoke", f.target.endpoint);
    let form = format!("token={}&client_id={}", session.refresh_token, f.public.id);
    let json_body = json!({ "token": session.refresh_token, "client_id": f.public.id }).to_string();
    let requests = [
        f.target.http.post(&url).header("Content-Type", "application/json").body(json_body),
        f.target.http.post(&url).header("Content-Type", "text/plain").body(form.clone()),
        f.target.http.post(&url).body(form.clone()),
        f.target.http.post(&url).header("Content-Type", "multipart/form-data; boundary=x").body(form),
    ];
    for request in requests {
        let reply = f.target.send(request).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    }
    f.assert_alive(&f.public, &session).await;
    // Parameters on the content type are fine.
    let request = f
        .target
        .http
        .post(&url)
        .header("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
        .body(format!("token={}&client_id={}", session.refresh_token, f.public.id));
    assert_empty_ok(&f.target.send(request).await);
    f.assert_dead(&f.public, &session).await;
}

#[tokio::test]
async fn revoke_with_revocation_disabled_is_invalid_request_and_revokes_nothing() {
    let f = fixture().await;
    let disabled = f.target.client(&f.pool, json!({ "EnableTokenRevocation": false })).await;
    let session = f.target.sign_in(&disabled, "alice").await;
    let reply = f.revoke(&[("token", &session.refresh_token), ("client_id", &disabled.id)], &[]).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    f.assert_alive(&disabled, &session).await;
    // A confidential client with revocation disabled, authenticating correctly.
    let disabled = f.target.client(&f.pool, json!({ "EnableTokenRevocation": false, "GenerateSecret": true })).await;
    let session = f.target.sign_in(&disabled, "bob").await;
    let auth = basic(&disabled.id, secret(&disabled));
    let reply = f.revoke(&[("token", &session.refresh_token)], &[("Authorization", &auth)]).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    f.assert_alive(&disabled, &session).await;
}

#[tokio::test]
async fn revoke_with_access_or_id_token_is_unsupported_token_type_and_revokes_nothing() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    for token in [&session.access_token, &session.id_token] {
        let reply = f.revoke(&[("token", token), ("client_id", &f.public.id)], &[]).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "unsupported_token_type");
    }
    f.assert_alive(&f.public, &session).await;
    let session = f.target.sign_in(&f.confidential, "bob").await;
    let auth = basic(&f.confidential.id, secret(&f.confidential));
    for token in [&session.access_token, &session.id_token] {
        let reply = f.revoke(&[("token", token)], &[("Authorization", &auth)]).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "unsupported_token_type");
    }
    f.assert_alive(&f.confidential, &session).await;
}

#[tokio::test]
async fn revoke_with_wrong_or_missing_secret_is_invalid_client_and_revokes_nothing() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.confidential, "alice").await;
    let id = f.confidential.id.as_str();
    let right = secret(&f.confidential).to_owned();
    let mut wrong = right.clone();
    wrong.replace_range(0..1, if right.starts_with('a') { "b" } else { "a" });
    let wrong_basic = basic(id, &wrong);
    let empty_basic = basic(id, "");
    let token = session.refresh_token.as_str();
    let cases: Vec<(Form, Form)> = vec![
        // No secret at all: client_id only.
        (vec![("token", token), ("client_id", id)], vec![]),
        // A wrong secret in the header.
        (vec![("token", token)], vec![("Authorization", wrong_basic.as_str())]),
        // An empty secret in the header.
        (vec![("token", token)], vec![("Authorization", empty_basic.as_str())]),
        // A wrong secret in the body.
        (vec![("token", token), ("client_id", id), ("client_secret", wrong.as_str())], vec![]),
        // A prefix of the right secret.
        (vec![("token", token), ("client_id", id), ("client_secret", &right[..right.len() - 1])], vec![]),
    ];
    for (form, headers) in cases {
        let reply = f.revoke(&form, &headers).await;
        assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
        // RFC 6749 §5.2: a 401 names the scheme the client must authenticate with.
        assert_eq!(reply.headers.get("www-authenticate").and_then(|v| v.to_str().ok()), Some("Basic"));
    }
    f.assert_alive(&f.confidential, &session).await;
}

#[tokio::test]
async fn revoke_with_unknown_client_or_client_of_another_pool_is_invalid_client() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    let other_pool = f.target.pool().await;
    let foreign = f.target.client(&other_pool, json!({})).await;
    f.target.user(&other_pool, "alice").await;
    let foreign_session = f.target.sign_in(&foreign, "alice").await;
    for client_id in ["doesnotexist0000000000000", foreign.id.as_str()] {
        let reply = f.revoke(&[("token", &session.refresh_token), ("client_id", client_id)], &[]).await;
        assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
        // Even the foreign client's own token cannot be revoked through this pool's domain.
        let reply = f.revoke(&[("token", &foreign_session.refresh_token), ("client_id", client_id)], &[]).await;
        assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
    }
    let reply = f.revoke(&[("token", &session.refresh_token)], &[("Authorization", &basic("nosuchclient", "x"))]).await;
    assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
    f.assert_alive(&f.public, &session).await;
    f.target.refresh(&foreign, &foreign_session).await.ok();
}

#[tokio::test]
async fn revoke_unknown_or_already_revoked_token_is_200() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    let form = [("token", session.refresh_token.as_str()), ("client_id", &f.public.id)];
    assert_empty_ok(&f.revoke(&form, &[]).await);
    // Already revoked: 200 again, nothing to tell (spec §2.1, §8.7).
    assert_empty_ok(&f.revoke(&form, &[]).await);
    f.assert_dead(&f.public, &session).await;
    // Unknown tokens: garbage, a JWE-shaped forgery, a tampered real token.
    let mut tampered = session.refresh_token.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    let forged = format!("{}.AAAA.AAAA.AAAA.AAAA", session.refresh_token.split('.').next().expect("header"));
    let alive = f.target.sign_in(&f.public, "bob").await;
    for token in ["garbage", "a.b.c", forged.as_str(), tampered.as_str()] {
        assert_empty_ok(&f.revoke(&[("token", token), ("client_id", &f.public.id)], &[]).await);
    }
    f.assert_alive(&f.public, &alive).await;
    // The same for a confidential client that authenticates.
    let auth = basic(&f.confidential.id, secret(&f.confidential));
    assert_empty_ok(&f.revoke(&[("token", "garbage")], &[("Authorization", &auth)]).await);
}

#[tokio::test]
async fn revoke_public_client_without_client_id_is_200_and_revokes_nothing() {
    // Seen on AWS in 2022 (spec §2.1, Q15).
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    assert_empty_ok(&f.revoke(&[("token", &session.refresh_token)], &[]).await);
    assert_empty_ok(&f.revoke(&[("token", &session.refresh_token), ("client_id", "")], &[]).await);
    f.assert_alive(&f.public, &session).await;
    // A confidential client's token sent without any client identity is not revoked either.
    let confidential = f.target.sign_in(&f.confidential, "bob").await;
    let reply = f.revoke(&[("token", &confidential.refresh_token)], &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "body: {}", reply.text);
    f.assert_alive(&f.confidential, &confidential).await;
}

#[tokio::test]
async fn revoke_token_of_another_client_is_invalid_request_and_revokes_nothing() {
    let f = fixture().await;
    let second = f.target.client(&f.pool, json!({})).await;
    let session = f.target.sign_in(&f.public, "alice").await;
    let reply = f.revoke(&[("token", &session.refresh_token), ("client_id", &second.id)], &[]).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    // The confidential client, fully authenticated, may not revoke the public client's token.
    let auth = basic(&f.confidential.id, secret(&f.confidential));
    let reply = f.revoke(&[("token", &session.refresh_token)], &[("Authorization", &auth)]).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    f.assert_alive(&f.public, &session).await;
    // And the other way round.
    let confidential = f.target.sign_in(&f.confidential, "bob").await;
    let reply = f.revoke(&[("token", &confidential.refresh_token), ("client_id", &f.public.id)], &[]).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    f.assert_alive(&f.confidential, &confidential).await;
}

#[tokio::test]
async fn revoke_ignores_token_type_hint() {
    let f = fixture().await;
    for hint in ["refresh_token", "access_token", "nonsense"] {
        let session = f.target.sign_in(&f.public, "alice").await;
        let form = [("token", session.refresh_token.as_str()), ("client_id", &f.public.id), ("token_type_hint", hint)];
        assert_empty_ok(&f.revoke(&form, &[]).await);
        f.assert_dead(&f.public, &session).await;
    }
    // The hint does not turn an access token into something revocable either.
    let session = f.target.sign_in(&f.public, "alice").await;
    let form =
        [("token", session.access_token.as_str()), ("client_id", &f.public.id), ("token_type_hint", "access_token")];
    assert_oauth_error(&f.revoke(&form, &[]).await, StatusCode::BAD_REQUEST, "unsupported_token_type");
    f.assert_alive(&f.public, &session).await;
}

#[tokio::test]
async fn revoke_with_a_repeated_parameter_is_invalid_request() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    let other = f.target.sign_in(&f.public, "bob").await;
    let forms = [
        vec![("token", session.refresh_token.as_str()), ("token", &other.refresh_token), ("client_id", &f.public.id)],
        vec![("token", session.refresh_token.as_str()), ("token", &session.refresh_token), ("client_id", &f.public.id)],
        vec![("token", session.refresh_token.as_str()), ("client_id", &f.public.id), ("client_id", &f.public.id)],
    ];
    for form in forms {
        assert_oauth_error(&f.revoke(&form, &[]).await, StatusCode::BAD_REQUEST, "invalid_request");
    }
    f.assert_alive(&f.public, &session).await;
    f.assert_alive(&f.public, &other).await;
}

#[tokio::test]
async fn revoke_with_malformed_basic_credentials_is_invalid_client() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.confidential, "alice").await;
    let id = f.confidential.id.as_str();
    let right = secret(&f.confidential);
    let mut non_utf8 = id.as_bytes().to_vec();
    non_utf8.extend_from_slice(b":\xff\xfe");
    non_utf8.extend_from_slice(right.as_bytes());
    let mut non_utf8_id = b"\xc3\x28".to_vec();
    non_utf8_id.extend_from_slice(format!(":{right}").as_bytes());
    let headers = [
        "Basic !!!not-base64!!!".to_owned(),
        format!("Basic {}", STANDARD.encode(format!("{id}{right}"))), // no colon
        format!("Basic {}", STANDARD.encode(&non_utf8)),
        format!("Basic {}", STANDARD.encode(&non_utf8_id)),
        format!("Basic {}", STANDARD.encode(format!(":{right}"))), // empty id
        format!("Bearer {}", STANDARD.encode(format!("{id}:{right}"))),
        format!("Digest {}", STANDARD.encode(format!("{id}:{right}"))),
        "Basic".to_owned(),
        "Basic ".to_owned(),
        String::new(),
        format!("Basic {}", &STANDARD.encode(format!("{id}:{right}"))[1..]), // truncated base64
    ];
    for header in &headers {
        let reply = f.revoke(&[("token", &session.refresh_token)], &[("Authorization", header)]).await;
        assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
    }
    // The header and the body name different clients (spec Q13).
    let auth = basic(id, right);
    let reply =
        f.revoke(&[("token", &session.refresh_token), ("client_id", &f.public.id)], &[("Authorization", &auth)]).await;
    assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
    // Two authentication methods at once.
    let form = [("token", session.refresh_token.as_str()), ("client_secret", right)];
    assert_oauth_error(&f.revoke(&form, &[("Authorization", &auth)]).await, StatusCode::UNAUTHORIZED, "invalid_client");
    // A header that is not even valid visible ASCII.
    let request = f
        .target
        .http
        .post(format!("{}/_domain/{DOMAIN}/oauth2/revoke", f.target.endpoint))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Authorization", reqwest::header::HeaderValue::from_bytes(b"Basic \xff\xfe").expect("obs-text"))
        .body(format!("token={}", session.refresh_token));
    assert_oauth_error(&f.target.send(request).await, StatusCode::UNAUTHORIZED, "invalid_client");
    f.assert_alive(&f.confidential, &session).await;
    // The well-formed header still works after all that.
    assert_empty_ok(&f.revoke(&[("token", &session.refresh_token)], &[("Authorization", &auth)]).await);
    f.assert_dead(&f.confidential, &session).await;
}

#[tokio::test]
async fn revoke_basic_credentials_are_not_url_decoded() {
    // mod.rs table (Q14): the parts are not url-decoded, so an encoded secret does not match.
    let f = fixture().await;
    let custom_secret = "abc+def_ghi+jkl_mno+pqr_stu";
    let client = f.target.client(&f.pool, json!({ "ClientSecret": custom_secret })).await;
    assert_eq!(client.secret.as_deref(), Some(custom_secret));
    let session = f.target.sign_in(&client, "alice").await;
    let encoded = basic(&client.id, &custom_secret.replace('+', "%2B"));
    let reply = f.revoke(&[("token", &session.refresh_token)], &[("Authorization", &encoded)]).await;
    assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
    f.assert_alive(&client, &session).await;
    let reply =
        f.revoke(&[("token", &session.refresh_token)], &[("Authorization", &basic(&client.id, custom_secret))]).await;
    assert_empty_ok(&reply);
    f.assert_dead(&client, &session).await;
}

// ----- /oauth2/token ----------------------------------------------------------------------------

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

// ----- /oauth2/userInfo -------------------------------------------------------------------------

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
