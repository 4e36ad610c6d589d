//! How a request reaches a pool's hosted endpoints (spec §2): by path prefix or by `Host` header
//! (case-insensitive, with an optional port), and what answers when it does not — an unregistered
//! or deleted domain, `/oauth2` on the plain API host, an unknown path (404), a wrong method (405
//! with `Allow`).
//!
//! A revoke sent to the wrong place must never revoke anything. The endpoints themselves are covered
//! by `reference_hosted_revoke.rs`, `reference_hosted_token.rs` and `reference_hosted_userinfo.rs`.

mod common;

use common::hosted::{DOMAIN, assert_empty_ok, fixture, host_of};
use reqwest::StatusCode;
use serde_json::json;

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
