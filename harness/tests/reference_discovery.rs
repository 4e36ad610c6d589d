//! The OIDC discovery document, `GET /<poolId>/.well-known/openid-configuration` (spec §4.6),
//! followed as generic OIDC middleware follows it: fetch the document, fetch `jwks_uri`, verify a
//! token the reference issued against it with jsonwebtoken, and reach the domain's endpoints.

mod common;

use common::hosted::{DOMAIN, fixture};
use common::{Target, issuer, verify_offline};
use reqwest::StatusCode;
use serde_json::Value;

fn strings(value: &Value) -> Vec<&str> {
    value.as_array().expect("an array").iter().map(|v| v.as_str().expect("a string")).collect()
}

async fn document(target: &Target, pool: &str) -> common::Reply {
    target.send(target.http.get(format!("{}/{pool}/.well-known/openid-configuration", target.endpoint))).await
}

#[tokio::test]
async fn a_generic_client_finds_the_keys_and_verifies_a_token() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    let reply = document(&f.target, &f.pool).await;
    let doc = reply.ok();
    assert!(reply.headers["content-type"].to_str().unwrap().starts_with("application/json"));
    assert_eq!(doc["issuer"], issuer(&f.pool));
    assert_eq!(strings(&doc["id_token_signing_alg_values_supported"]), ["RS256"]);
    assert_eq!(strings(&doc["subject_types_supported"]), ["public"]);
    assert_eq!(strings(&doc["response_types_supported"]), ["code", "token"]);
    assert_eq!(strings(&doc["scopes_supported"]), ["openid", "email", "phone", "profile"]);
    assert_eq!(strings(&doc["token_endpoint_auth_methods_supported"]), ["client_secret_basic", "client_secret_post"]);

    let jwks_uri = doc["jwks_uri"].as_str().unwrap();
    assert_eq!(jwks_uri, format!("{}/{}/.well-known/jwks.json", f.target.endpoint, f.pool));
    let jwks = f.target.send(f.target.http.get(jwks_uri)).await;
    let issuer = doc["issuer"].as_str().unwrap();
    for token in [&session.access_token, &session.id_token] {
        let claims = verify_offline(token, jwks.ok(), issuer).expect("the token verifies against jwks_uri");
        assert_eq!(claims["iss"], issuer);
    }
}

#[tokio::test]
async fn the_domains_endpoints_are_where_the_reference_answers_them() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    let reply = document(&f.target, &f.pool).await;
    let doc = reply.ok();
    let base = format!("{}/_domain/{DOMAIN}", f.target.endpoint);
    for (member, path) in [
        ("authorization_endpoint", "/oauth2/authorize"),
        ("end_session_endpoint", "/logout"),
        ("revocation_endpoint", "/oauth2/revoke"),
        ("token_endpoint", "/oauth2/token"),
        ("userinfo_endpoint", "/oauth2/userInfo"),
    ] {
        assert_eq!(doc[member], format!("{base}{path}"), "{member}");
    }
    // Following them works: refresh at token_endpoint, userInfo, then revoke.
    let form = |pairs: &[(&str, &str)]| form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    let post = |url: &str, body: String| {
        f.target.http.post(url).header("Content-Type", "application/x-www-form-urlencoded").body(body)
    };
    let refresh =
        [("grant_type", "refresh_token"), ("refresh_token", &session.refresh_token), ("client_id", &f.public.id)];
    let token = f.target.send(post(doc["token_endpoint"].as_str().unwrap(), form(&refresh))).await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.text);
    let userinfo = f
        .target
        .send(f.target.http.get(doc["userinfo_endpoint"].as_str().unwrap()).bearer_auth(&session.access_token))
        .await;
    assert_eq!(userinfo.ok()["username"], "alice");
    let revoke = [("token", session.refresh_token.as_str()), ("client_id", &f.public.id)];
    let revoked = f.target.send(post(doc["revocation_endpoint"].as_str().unwrap(), form(&revoke))).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    let again = f.target.send(post(doc["token_endpoint"].as_str().unwrap(), form(&refresh))).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.text);
}

#[tokio::test]
async fn a_pool_without_a_domain_lists_no_endpoints_and_an_unknown_pool_is_404() {
    let target = Target::start().await;
    let pool = target.pool().await;
    let reply = document(&target, &pool).await;
    let doc = reply.ok().as_object().unwrap();
    assert!(doc.contains_key("jwks_uri") && doc.contains_key("issuer"));
    for member in ["token_endpoint", "revocation_endpoint", "userinfo_endpoint", "authorization_endpoint"] {
        assert!(!doc.contains_key(member), "{member} without a domain");
    }
    let missing = document(&target, "us-east-1_NoSuchPool").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.error_type(), Some("ResourceNotFoundException"));
    let posted =
        target.send(target.http.post(format!("{}/{pool}/.well-known/openid-configuration", target.endpoint))).await;
    assert_eq!(posted.status, StatusCode::NOT_FOUND);
}

/// Under AWS's own host name (how the AWS rehearsal is addressed), the URLs are AWS's.
#[tokio::test]
async fn under_awss_host_name_the_urls_are_awss() {
    let f = fixture().await;
    let request = f
        .target
        .http
        .get(format!("{}/{}/.well-known/openid-configuration", f.target.endpoint, f.pool))
        .header("Host", "cognito-idp.us-east-1.amazonaws.com");
    let reply = f.target.send(request).await;
    let doc = reply.ok();
    assert_eq!(doc["jwks_uri"], format!("{}/.well-known/jwks.json", issuer(&f.pool)));
    assert_eq!(doc["token_endpoint"], format!("https://{DOMAIN}.auth.us-east-1.amazoncognito.com/oauth2/token"));
}
