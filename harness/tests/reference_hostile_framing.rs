//! Hand-picked hostile framing gets a typed 4xx from the reference target, never a 5xx: bodies
//! over the size limit (413) and huge values echoed in messages, missing, foreign or malformed
//! `X-Amz-Target`s, missing or odd content types, malformed JSON, wrong methods and unknown paths,
//! and odd `Host` headers on the hosted endpoints.
//!
//! These are the edges the property tests of `reference_hostile_api.rs` and
//! `reference_hostile_hosted.rs` are unlikely to hit by chance, each with the exact answer expected.

mod common;

use common::hostile::check_api_reply;
use common::{Target, try_send};
use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use serde_json::json;

/// The reference's default body limit.
const BODY_LIMIT: usize = 256 * 1024;

#[tokio::test]
async fn a_body_over_the_limit_is_a_typed_413() {
    let target = Target::start().await;
    let body = format!("{{\"PoolName\":\"{}\"}}", "a".repeat(BODY_LIMIT)).into_bytes();
    assert!(body.len() > BODY_LIMIT);
    let reply = target.call_raw("CreateUserPool", body).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "body: {}", reply.text);
    assert_eq!(reply.error_type(), Some("RequestEntityTooLargeException"));
    check_api_reply(&reply).expect("well formed");
    // Just under the limit is read and judged on its content.
    let filler = "a".repeat(BODY_LIMIT - 64);
    let reply = target.call_raw("CreateUserPool", json!({ "PoolName": filler }).to_string().into_bytes()).await;
    assert_eq!(reply.error_type(), Some("InvalidParameterException"), "body: {}", reply.text);
    // The hosted endpoints have the same limit.
    let pool = target.pool().await;
    target.domain(&pool, "big").await;
    let form = [("token", "a".repeat(BODY_LIMIT))];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = target.hosted_post("big", "/oauth2/revoke", &form, &[]).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "body: {}", reply.text);
    assert_eq!(reply.oauth_error(), Some("invalid_request"));
}

#[tokio::test]
async fn huge_echoed_values_still_give_a_readable_answer() {
    // Validation messages quote non-sensitive values (spec §1.5); a huge one must not turn into a
    // response header no HTTP client accepts (hyper refuses ~400 KiB of headers).
    let target = Target::start().await;
    let cases = [
        ("DeleteUserPoolDomain", json!({ "Domain": "R".repeat(250_000), "UserPoolId": "us-east-1_AAAAAAAAA" })),
        ("DeleteUserPool", json!({ "UserPoolId": "-".repeat(250_000) })),
        ("CreateUserPool", json!({ "PoolName": "\u{e9}".repeat(120_000) })),
        ("CreateUserPool", json!({ "PoolName": "p", "DeletionProtection": "\u{20ac}".repeat(80_000) })),
    ];
    for (operation, body) in cases {
        let body = body.to_string().into_bytes();
        assert!(body.len() < BODY_LIMIT);
        let request = target
            .http
            .post(format!("{}/", target.endpoint))
            .header("X-Amz-Target", format!("AWSCognitoIdentityProviderService.{operation}"))
            .header("Content-Type", "application/x-amz-json-1.1")
            .body(body);
        let reply = try_send(request).await.unwrap_or_else(|error| panic!("{operation}: {error}"));
        assert_eq!(reply.error_type(), Some("InvalidParameterException"), "{operation}");
        check_api_reply(&reply).expect("well formed");
        let header = reply.headers.get("x-amzn-errormessage").expect("the message header");
        assert!(header.len() <= 8 * 1024, "{operation}: a {} byte header", header.len());
        let header = std::str::from_utf8(header.as_bytes()).expect("cut at a character boundary");
        assert!(reply.message().expect("message").starts_with(header), "{operation}: the header is a prefix");
    }
}

#[tokio::test]
async fn a_missing_or_foreign_target_is_unknown_operation() {
    let target = Target::start().await;
    let url = format!("{}/", target.endpoint);
    let body = json!({ "PoolName": "p" }).to_string();
    let missing = target.http.post(&url).header("Content-Type", "application/x-amz-json-1.1").body(body.clone());
    let reply = target.send(missing).await;
    assert_eq!(reply.error_type(), Some("UnknownOperationException"), "body: {}", reply.text);
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    check_api_reply(&reply).expect("well formed");
    for target_header in [
        "AWSCognitoIdentityProviderServiceX.CreateUserPool",
        "awscognitoidentityproviderservice.CreateUserPool",
        "DynamoDB_20120810.CreateUserPool",
        "CreateUserPool",
        "AWSCognitoIdentityProviderService.",
        "AWSCognitoIdentityProviderService.Create UserPool",
        "AWSCognitoIdentityProviderService.CreateUserPool.Extra",
        "AWSCognitoIdentityProviderService.NoSuchOperation",
        "",
    ] {
        let request = target
            .http
            .post(&url)
            .header("X-Amz-Target", target_header)
            .header("Content-Type", "application/x-amz-json-1.1")
            .body(body.clone());
        let reply = target.send(request).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{target_header:?}: {}", reply.text);
        assert_eq!(reply.error_type(), Some("UnknownOperationException"), "{target_header:?}");
        check_api_reply(&reply).expect("well formed");
    }
    let huge = format!("AWSCognitoIdentityProviderService.{}", "A".repeat(4000));
    let request = target
        .http
        .post(&url)
        .header("X-Amz-Target", huge)
        .header("Content-Type", "application/x-amz-json-1.1")
        .body(body.clone());
    assert_eq!(target.send(request).await.error_type(), Some("UnknownOperationException"));
    let request = target
        .http
        .post(&url)
        .header("X-Amz-Target", HeaderValue::from_bytes(b"AWSCognitoIdentityProviderService.\xff").expect("obs-text"))
        .header("Content-Type", "application/x-amz-json-1.1")
        .body(body);
    assert_eq!(target.send(request).await.error_type(), Some("UnknownOperationException"));
    // Nothing was created along the way.
    let reply = target.call("ListUserPools", json!({ "MaxResults": 60 })).await;
    assert_eq!(reply.ok()["UserPools"], json!([]));
}

#[tokio::test]
async fn a_missing_or_odd_content_type_is_a_serialization_error() {
    let target = Target::start().await;
    let url = format!("{}/", target.endpoint);
    let body = json!({ "PoolName": "p" }).to_string();
    let mut requests =
        vec![target.http.post(&url).header("X-Amz-Target", "AWSCognitoIdentityProviderService.CreateUserPool")];
    for content_type in
        ["text/plain", "application/xml", "application/x-amz-json-1.1x", "application/x-www-form-urlencoded", ";", ""]
    {
        requests.push(
            target
                .http
                .post(&url)
                .header("X-Amz-Target", "AWSCognitoIdentityProviderService.CreateUserPool")
                .header("Content-Type", content_type),
        );
    }
    for request in requests {
        let reply = target.send(request.body(body.clone())).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "body: {}", reply.text);
        assert_eq!(reply.error_type(), Some("SerializationException"), "body: {}", reply.text);
        check_api_reply(&reply).expect("well formed");
    }
    // The accepted forms work (with parameters, in any case).
    for content_type in ["application/x-amz-json-1.1", "application/x-amz-json-1.1; charset=utf-8", "Application/JSON"]
    {
        let request = target
            .http
            .post(&url)
            .header("X-Amz-Target", "AWSCognitoIdentityProviderService.CreateUserPool")
            .header("Content-Type", content_type)
            .body(body.clone());
        assert_eq!(target.send(request).await.status, StatusCode::OK, "{content_type}");
    }
}

#[tokio::test]
async fn malformed_json_is_a_serialization_error() {
    let target = Target::start().await;
    let deep = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
    let bodies: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"{".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"\"PoolName\"".to_vec(),
        b"{\"PoolName\": \"a\",}".to_vec(),
        b"{\"PoolName\": \"a\", \"PoolName\": \"b\"}".to_vec(),
        b"{\"PoolName\": 1e999}".to_vec(),
        b"{\"PoolName\": \"\\ud800\"}".to_vec(),
        b"\xef\xbb\xbf{\"PoolName\": \"a\"}".to_vec(),
        deep.into_bytes(),
    ];
    for body in bodies {
        let reply = target.call_raw("CreateUserPool", body).await;
        assert!(reply.status.is_client_error(), "status {}: {}", reply.status, reply.text);
        check_api_reply(&reply).expect("well formed");
        assert_eq!(reply.error_type(), Some("SerializationException"), "body: {}", reply.text);
    }
    // Deep nesting inside a member the reference ignores is valid JSON: judged on the rest.
    let deep_ignored = format!("{{\"Schema\":{}1{}}}", "{\"a\":".repeat(20_000), "}".repeat(20_000));
    let reply = target.call_raw("CreateUserPool", deep_ignored.into_bytes()).await;
    assert!(reply.status.is_client_error(), "status {}: {}", reply.status, reply.text);
    check_api_reply(&reply).expect("well formed");
}

#[tokio::test]
async fn get_and_unknown_paths_are_client_errors() {
    let target = Target::start().await;
    for method in [reqwest::Method::GET, reqwest::Method::PUT, reqwest::Method::DELETE, reqwest::Method::HEAD] {
        let request = target
            .http
            .request(method.clone(), format!("{}/", target.endpoint))
            .header("X-Amz-Target", "AWSCognitoIdentityProviderService.ListUserPools");
        let reply = target.send(request).await;
        assert!(reply.status.is_client_error(), "{method} /: {}", reply.status);
        if method != reqwest::Method::HEAD {
            check_api_reply(&reply).expect("well formed");
        }
    }
    for path in
        ["/nope", "/oauth2/token", "/.well-known/jwks.json", "/us-east-1_nonexistent/.well-known/jwks.json", "//"]
    {
        let reply = target.send(target.http.get(format!("{}{path}", target.endpoint))).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}: {}", reply.text);
        assert!(reply.json.is_object(), "{path}: {}", reply.text);
    }
    let long = format!("{}/{}", target.endpoint, "x".repeat(8000));
    let reply = target.send(target.http.post(long).body("{}")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.text.len() < 1024, "the 404 quotes the whole path: {} bytes", reply.text.len());
}

#[tokio::test]
async fn odd_host_headers_never_get_a_5xx() {
    let target = Target::start().await;
    let pool = target.pool().await;
    target.domain(&pool, "real").await;
    let hosts = [
        ".auth.us-east-1.amazoncognito.com".to_owned(),
        "auth.us-east-1.amazoncognito.com".to_owned(),
        "real.auth.eu-west-1.amazoncognito.com".to_owned(),
        "real.auth.us-east-1.amazoncognito.com:".to_owned(),
        "real.auth.us-east-1.amazoncognito.com:99999999999".to_owned(),
        "real.auth.us-east-1.amazoncognito.com:abc".to_owned(),
        "a.real.auth.us-east-1.amazoncognito.com".to_owned(),
        "[::1]:80".to_owned(),
        format!("{}.auth.us-east-1.amazoncognito.com", "x".repeat(4000)),
        "%00.auth.us-east-1.amazoncognito.com".to_owned(),
    ];
    for host in &hosts {
        for path in ["/oauth2/revoke", "/oauth2/token", "/oauth2/userInfo", "/"] {
            let request = target
                .http
                .post(format!("{}{path}", target.endpoint))
                .header("Host", host.as_str())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("token=x&client_id=y");
            let reply = target.send(request).await;
            assert!(
                reply.status.is_client_error() || reply.status == StatusCode::OK,
                "{host} {path}: {}",
                reply.status
            );
        }
    }
    let request = target
        .http
        .post(format!("{}/oauth2/revoke", target.endpoint))
        .header("Host", HeaderValue::from_bytes(b"real\xff.auth.us-east-1.amazoncognito.com").expect("obs-text"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("token=x&client_id=y");
    assert!(target.send(request).await.status.is_client_error());
}
