//! `/oauth2/revoke` of a pool's domain (spec §2.1; where the spec is silent, the table in
//! `reference/mod.rs`): public clients by `client_id`, confidential ones by Basic header only (a
//! `client_secret` in the body is refused, as on AWS), stray parameters ignored, the empty 200 for unknown and already revoked tokens, and every refusal —
//! missing token, wrong content type, revocation disabled, access or ID tokens, wrong, missing or
//! malformed credentials, unknown or foreign clients, another client's token, repeated parameters.
//!
//! Each success must kill the whole family everywhere and each refusal must revoke nothing, checked
//! through the API, the token endpoint and userInfo. RevokeToken over the JSON API is covered by
//! `reference_revoke_api.rs`.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::hosted::{DOMAIN, Form, assert_empty_ok, assert_oauth_error, fixture};
use common::{basic, secret};
use reqwest::StatusCode;
use serde_json::json;

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
async fn revoke_with_client_secret_in_the_body_is_invalid_client_and_revokes_nothing() {
    // Spec §2.1: client_secret_post is refused on AWS; 401 as DG-REVEP gives invalid_client (Q8).
    let f = fixture().await;
    let session = f.target.sign_in(&f.confidential, "alice").await;
    let public_session = f.target.sign_in(&f.public, "alice").await;
    let forms = [
        [
            ("token", session.refresh_token.as_str()),
            ("client_id", &f.confidential.id),
            ("client_secret", secret(&f.confidential)),
        ],
        [
            ("token", public_session.refresh_token.as_str()),
            ("client_id", &f.public.id),
            ("client_secret", "a-secret-it-lacks"),
        ],
    ];
    for form in &forms {
        let reply = f.revoke(form, &[]).await;
        assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
        assert_eq!(reply.headers.get("www-authenticate").and_then(|v| v.to_str().ok()), Some("Basic"));
    }
    f.assert_alive(&f.confidential, &session).await;
    f.assert_alive(&f.public, &public_session).await;
}

#[tokio::test]
async fn revoke_ignores_a_stray_grant_type_and_hint_beside_valid_credentials() {
    // Spec §2.1: seen on AWS (digital-evidence-archive-on-aws) with Basic and the body client_id.
    let f = fixture().await;
    let session = f.target.sign_in(&f.confidential, "alice").await;
    let auth = basic(&f.confidential.id, secret(&f.confidential));
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", &f.confidential.id),
        ("token", session.refresh_token.as_str()),
        ("token_type_hint", "refresh_token"),
    ];
    assert_empty_ok(&f.revoke(&form, &[("Authorization", &auth)]).await);
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
    let prefix_basic = basic(id, &right[..right.len() - 1]);
    let token = session.refresh_token.as_str();
    let cases: Vec<(Form, Form)> = vec![
        // No secret at all: client_id only.
        (vec![("token", token), ("client_id", id)], vec![]),
        // A wrong secret in the header.
        (vec![("token", token)], vec![("Authorization", wrong_basic.as_str())]),
        // An empty secret in the header.
        (vec![("token", token)], vec![("Authorization", empty_basic.as_str())]),
        // A wrong secret in the body (any secret in the body is refused).
        (vec![("token", token), ("client_id", id), ("client_secret", wrong.as_str())], vec![]),
        // A prefix of the right secret.
        (vec![("token", token)], vec![("Authorization", prefix_basic.as_str())]),
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
