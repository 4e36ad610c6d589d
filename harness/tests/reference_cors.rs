//! The headers browsers and SDKs read on every answer (spec §1.8): `x-amzn-RequestId` on the
//! API host, `x-amz-cognito-request-id` on a hosted domain, and CORS on both — preflights
//! included — so that boto3's `ResponseMetadata`, the JavaScript SDK's `$metadata` and browser
//! SDKs work against the reference.

mod common;

use std::collections::HashSet;

use common::Reply;
use common::hosted::{DOMAIN, fixture, host_of};
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

const ORIGIN: &str = "http://app.example:3000";

/// The request id of an API answer: a v4 UUID under AWS's header name.
#[track_caller]
fn api_request_id(reply: &Reply) -> Uuid {
    let value = reply.headers.get("x-amzn-RequestId").unwrap_or_else(|| panic!("no x-amzn-RequestId: {reply:?}"));
    let id = Uuid::parse_str(value.to_str().expect("ASCII")).expect("a UUID");
    assert_eq!(id.get_version_num(), 4);
    id
}

#[track_caller]
fn header<'a>(reply: &'a Reply, name: &str) -> &'a str {
    reply.headers.get(name).unwrap_or_else(|| panic!("no {name}: {:?}", reply.headers)).to_str().expect("ASCII")
}

fn listed(value: &str) -> HashSet<String> {
    value.split(',').map(|item| item.trim().to_ascii_lowercase()).collect()
}

#[tokio::test]
async fn every_api_answer_carries_a_fresh_request_id() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    let mut replies = vec![
        f.target.get_user(&session.access_token).await,
        f.target.get_user("not-a-token").await,
        f.target.call("NoSuchOperation", json!({})).await,
        f.target.call_raw("GetUser", b"{not json".to_vec()).await,
        f.target.jwks(&f.pool).await,
        f.target.send(f.target.http.get(format!("{}/nowhere", f.target.endpoint))).await,
    ];
    replies.push(f.target.send(f.target.http.get(format!("{}/", f.target.endpoint))).await);
    let statuses: Vec<_> = replies.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses, [200, 400, 400, 400, 200, 404, 400]);
    let ids: HashSet<Uuid> = replies.iter().map(api_request_id).collect();
    assert_eq!(ids.len(), replies.len(), "request ids repeat");
}

#[tokio::test]
async fn hosted_answers_carry_cognitos_request_id_not_the_apis() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    for reply in [
        f.refresh_grant(&f.public, &session.refresh_token).await,
        f.refresh_grant(&f.public, "garbage").await,
        f.userinfo(DOMAIN, None).await,
        f.target.hosted_post("no-such-domain", "/oauth2/token", &[], &[]).await,
    ] {
        let id = Uuid::parse_str(header(&reply, "x-amz-cognito-request-id")).expect("a UUID");
        assert_eq!(id.get_version_num(), 4);
        assert!(!reply.headers.contains_key("x-amzn-RequestId"), "{reply:?}");
    }
}

/// What the JavaScript SDK v3 asks before `InitiateAuth` from a page on another origin.
#[tokio::test]
async fn an_api_preflight_allows_what_browser_sdks_send() {
    let target = common::Target::start().await;
    let requested = "content-type,x-amz-target,x-amz-user-agent,amz-sdk-invocation-id,amz-sdk-request";
    let request = target
        .http
        .request(Method::OPTIONS, format!("{}/", target.endpoint))
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", requested);
    let reply = target.send(request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.text.is_empty());
    assert_eq!(header(&reply, "access-control-allow-origin"), "*");
    assert!(listed(header(&reply, "access-control-allow-methods")).contains("post"));
    let allowed = listed(header(&reply, "access-control-allow-headers"));
    for name in requested.split(',').chain(["authorization", "x-amz-date", "x-amz-security-token", "cache-control"]) {
        assert!(allowed.contains(name), "{name} is not allowed: {allowed:?}");
    }
    assert_eq!(header(&reply, "access-control-max-age"), "172800");
    api_request_id(&reply);
}

#[tokio::test]
async fn api_answers_let_a_browser_read_them_and_their_request_id() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    let with_origin = |body: serde_json::Value| {
        f.target
            .http
            .post(format!("{}/", f.target.endpoint))
            .header("X-Amz-Target", "AWSCognitoIdentityProviderService.GetUser")
            .header("Content-Type", "application/x-amz-json-1.1")
            .header("Origin", ORIGIN)
            .body(body.to_string())
    };
    let ok = f.target.send(with_origin(json!({ "AccessToken": session.access_token }))).await;
    let refused = f.target.send(with_origin(json!({ "AccessToken": "garbage" }))).await;
    assert_eq!((ok.status.as_u16(), refused.status.as_u16()), (200, 400));
    for reply in [&ok, &refused] {
        assert_eq!(header(reply, "access-control-allow-origin"), "*");
        let exposed = listed(header(reply, "access-control-expose-headers"));
        for name in ["x-amzn-requestid", "x-amzn-errortype", "x-amzn-errormessage"] {
            assert!(exposed.contains(name), "{name} is not exposed: {exposed:?}");
        }
    }
    let jwks =
        f.target.send(f.target.http.get(format!("{}/{}/.well-known/jwks.json", f.target.endpoint, f.pool))).await;
    assert_eq!(header(&jwks, "access-control-allow-origin"), "*");
}

/// A browser app refreshing at `/oauth2/token` with Basic credentials preflights first.
#[tokio::test]
async fn a_hosted_preflight_echoes_the_origin_and_allows_credentials() {
    let f = fixture().await;
    for (path, methods) in [("/oauth2/token", "post"), ("/oauth2/revoke", "post"), ("/oauth2/userInfo", "get")] {
        let request = f
            .target
            .http
            .request(Method::OPTIONS, format!("{}/_domain/{DOMAIN}{path}", f.target.endpoint))
            .header("Origin", ORIGIN)
            .header("Access-Control-Request-Method", methods.to_uppercase())
            .header("Access-Control-Request-Headers", "authorization,content-type");
        let reply = f.target.send(request).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        assert_eq!(header(&reply, "access-control-allow-origin"), ORIGIN);
        assert_eq!(header(&reply, "access-control-allow-credentials"), "true");
        assert!(listed(header(&reply, "access-control-allow-methods")).contains(methods), "{path}");
        let allowed = listed(header(&reply, "access-control-allow-headers"));
        assert!(allowed.contains("authorization") && allowed.contains("content-type"), "{path}: {allowed:?}");
        header(&reply, "x-amz-cognito-request-id");
    }
}

#[tokio::test]
async fn hosted_answers_echo_the_origin_by_host_header_too() {
    let f = fixture().await;
    let session = f.target.sign_in(&f.public, "alice").await;
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", session.refresh_token.as_str()),
        ("client_id", &f.public.id),
    ];
    let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
    let request = f
        .target
        .http
        .post(format!("{}/oauth2/token", f.target.endpoint))
        .header("Host", host_of(DOMAIN))
        .header("Origin", ORIGIN)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body);
    let ok = f.target.send(request).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    let garbage = [("grant_type", "refresh_token"), ("refresh_token", "garbage"), ("client_id", &f.public.id)];
    let refused = f.token(&garbage, &[("Origin", ORIGIN)]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    for reply in [&ok, &refused] {
        assert_eq!(header(reply, "access-control-allow-origin"), ORIGIN);
        assert_eq!(header(reply, "access-control-allow-credentials"), "true");
    }
    let without_origin = f.token(&garbage, &[]).await;
    assert!(!without_origin.headers.contains_key("access-control-allow-origin"));
}
