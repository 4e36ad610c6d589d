//! Token formats and claims of the reference target, over real HTTP (spec §4): RS256 access and ID
//! tokens under two published keys, their claims, `jti`/`origin_jti` with revocation on and off,
//! what a refresh keeps and what it mints anew, and the JWE-shaped refresh token.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognito_conformance::reference::secret_hash;
use common::{AppClient, PASSWORD, Reply, Session, Target, claims, header, issuer, verify_offline};
use serde_json::{Value, json};

/// The protected header every Cognito refresh token starts with (spec §4.5).
const REFRESH_HEADER: &str = "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ";

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs()
}

/// A lower-case, hyphenated UUID, as Cognito writes `jti`, `origin_jti`, `event_id` and `sub`.
#[track_caller]
fn assert_uuid(value: &Value, what: &str) -> String {
    let text = value.as_str().unwrap_or_else(|| panic!("{what} is not a string: {value}"));
    assert!(uuid::Uuid::parse_str(text).is_ok() && text.len() == 36, "{what} is not a UUID: {text}");
    assert_eq!(text, text.to_lowercase(), "{what} is not lower-case");
    text.to_owned()
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().expect("object").keys().cloned().collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

/// The ways to refresh (spec §8.1): the reply and the access and ID tokens it carries.
async fn refresh_every_way(target: &Target, client: &AppClient, session: &Session) -> Vec<(&'static str, Reply)> {
    let mut params = json!({ "REFRESH_TOKEN": session.refresh_token });
    if let Some(secret) = &client.secret {
        params["SECRET_HASH"] = json!(secret_hash(secret, &session.username, &client.id));
    }
    let mut replies = Vec::new();
    for flow in ["REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"] {
        let body = json!({ "ClientId": client.id, "AuthFlow": flow, "AuthParameters": params });
        replies.push((flow, target.call("InitiateAuth", body).await));
    }
    let body = json!({ "UserPoolId": client.pool_id, "ClientId": client.id, "AuthFlow": "REFRESH_TOKEN_AUTH",
        "AuthParameters": params });
    replies.push(("AdminInitiateAuth", target.call("AdminInitiateAuth", body).await));
    let mut body = json!({ "RefreshToken": session.refresh_token, "ClientId": client.id });
    if let Some(secret) = &client.secret {
        body["ClientSecret"] = json!(secret);
    }
    replies.push(("GetTokensFromRefreshToken", target.call("GetTokensFromRefreshToken", body).await));
    replies
}

/// A pool, a client with `settings`, a user "alice" with an e-mail, and her first session.
async fn fixture(settings: Value) -> (Target, String, AppClient, Session) {
    let target = Target::start().await;
    let pool = target.pool().await;
    let client = target.client(&pool, settings).await;
    let create = json!({ "UserPoolId": pool, "Username": "alice", "MessageAction": "SUPPRESS",
        "UserAttributes": [{ "Name": "email", "Value": "alice@example.com" },
            { "Name": "email_verified", "Value": "true" }] });
    target.call("AdminCreateUser", create).await.ok();
    let password = json!({ "UserPoolId": pool, "Username": "alice", "Password": PASSWORD, "Permanent": true });
    target.call("AdminSetUserPassword", password).await.ok();
    let session = target.sign_in(&client, "alice").await;
    (target, pool, client, session)
}

#[tokio::test]
async fn access_and_id_tokens_are_rs256_with_different_kids_both_in_the_pool_jwks() {
    // Spec §4.4.
    let (target, pool, _client, session) = fixture(json!({})).await;
    let (access_header, id_header) = (header(&session.access_token), header(&session.id_token));
    for h in [&access_header, &id_header] {
        assert_eq!(keys(h), set(&["alg", "kid"]), "header is {{kid, alg}}: {h}");
        assert_eq!(h["alg"], "RS256");
        assert!(h["kid"].as_str().is_some_and(|kid| !kid.is_empty()));
    }
    assert_ne!(access_header["kid"], id_header["kid"], "access and ID tokens are signed with different keys");

    let jwks = target.jwks(&pool).await;
    let jwks = jwks.ok();
    let published: BTreeSet<&str> =
        jwks["keys"].as_array().expect("keys").iter().filter_map(|k| k["kid"].as_str()).collect();
    assert!(published.contains(access_header["kid"].as_str().expect("kid")));
    assert!(published.contains(id_header["kid"].as_str().expect("kid")));
    for token in [&session.access_token, &session.id_token] {
        let verified = verify_offline(token, jwks, &issuer(&pool)).expect("verifies against the pool JWKS");
        assert_eq!(verified, claims(token));
    }
    // A token with a flipped signature byte does not verify.
    let mut forged = session.access_token.clone().into_bytes();
    let last = forged.len() - 3;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).expect("ascii");
    assert!(verify_offline(&forged, jwks, &issuer(&pool)).is_err());
    target.get_user(&forged).await.expect_error("NotAuthorizedException");
}

#[tokio::test]
async fn tokens_of_one_pool_do_not_verify_against_another_pools_keys_or_issuer() {
    let (target, pool, _client, session) = fixture(json!({})).await;
    let other = target.pool().await;
    let other_jwks = target.jwks(&other).await.ok().clone();
    let own_jwks = target.jwks(&pool).await.ok().clone();
    assert_ne!(own_jwks, other_jwks, "each pool has its own keys");
    for token in [&session.access_token, &session.id_token] {
        assert!(verify_offline(token, &other_jwks, &issuer(&pool)).is_err());
        assert!(verify_offline(token, &own_jwks, &issuer(&other)).is_err());
    }
}

#[tokio::test]
async fn access_token_carries_exactly_the_documented_claims() {
    // Spec §4.2: no `aud` without resource binding, no user attributes.
    let (_target, pool, client, session) = fixture(json!({})).await;
    let access = claims(&session.access_token);
    let expected = [
        "sub",
        "event_id",
        "token_use",
        "scope",
        "auth_time",
        "iss",
        "exp",
        "iat",
        "jti",
        "client_id",
        "username",
        "origin_jti",
    ];
    assert_eq!(keys(&access), set(&expected), "{access}");
    assert_uuid(&access["sub"], "sub");
    assert_uuid(&access["event_id"], "event_id");
    assert_uuid(&access["jti"], "jti");
    assert_uuid(&access["origin_jti"], "origin_jti");
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(access["iss"], issuer(&pool).as_str());
    assert_eq!(access["client_id"], client.id.as_str());
    assert_eq!(access["username"], "alice");
    let (iat, exp, auth_time) = (
        access["iat"].as_u64().expect("iat"),
        access["exp"].as_u64().expect("exp"),
        access["auth_time"].as_u64().expect("auth_time"),
    );
    assert!(iat.abs_diff(now()) <= 5, "iat {iat} is now");
    assert_eq!(exp, iat + 3600);
    assert_eq!(auth_time, iat, "auth_time is the sign-in time");
}

#[tokio::test]
async fn id_token_names_the_client_as_audience_and_carries_the_user_attributes() {
    // Spec §4.3.
    let (target, pool, client, session) = fixture(json!({})).await;
    let (id, access) = (claims(&session.id_token), claims(&session.access_token));
    for name in [
        "sub",
        "aud",
        "iss",
        "cognito:username",
        "event_id",
        "token_use",
        "auth_time",
        "exp",
        "iat",
        "jti",
        "origin_jti",
        "email",
    ] {
        assert!(id.get(name).is_some(), "ID token lacks {name}: {id}");
    }
    assert_eq!(id["aud"], client.id.as_str());
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(id["iss"], issuer(&pool).as_str());
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["email_verified"], true, "email_verified is a JSON boolean");
    assert!(id.get("username").is_none() && id.get("client_id").is_none() && id.get("scope").is_none());
    // The pair belongs together.
    for name in ["sub", "event_id", "auth_time", "iat", "origin_jti"] {
        assert_eq!(id[name], access[name], "{name} differs between ID and access token");
    }
    assert_eq!(id["exp"].as_u64().expect("exp"), id["iat"].as_u64().expect("iat") + 3600);
    let user = target.call("AdminGetUser", json!({ "UserPoolId": pool, "Username": "alice" })).await;
    let sub = user.ok()["UserAttributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .find(|a| a["Name"] == "sub")
        .expect("sub")["Value"]
        .clone();
    assert_eq!(id["sub"], sub);

    // custom:* attributes are strings whatever they look like.
    let create = json!({ "UserPoolId": pool, "Username": "bob",
        "UserAttributes": [{ "Name": "custom:tier", "Value": "7" },
            { "Name": "phone_number", "Value": "+15555550100" }] });
    target.call("AdminCreateUser", create).await.ok();
    let password = json!({ "UserPoolId": pool, "Username": "bob", "Password": PASSWORD, "Permanent": true });
    target.call("AdminSetUserPassword", password).await.ok();
    let bob = claims(&target.sign_in(&client, "bob").await.id_token);
    assert_eq!(bob["custom:tier"], "7");
    assert_eq!(bob["phone_number"], "+15555550100");
    assert!(bob.get("email").is_none());
}

#[tokio::test]
async fn with_revocation_enabled_both_tokens_share_origin_jti_and_have_distinct_jtis() {
    // Spec §4.1 (aws-seen: moto test_jti_in_tokens).
    let (_target, _pool, _client, session) = fixture(json!({ "EnableTokenRevocation": true })).await;
    let (access, id) = (claims(&session.access_token), claims(&session.id_token));
    let origin = assert_uuid(&access["origin_jti"], "access origin_jti");
    assert_eq!(assert_uuid(&id["origin_jti"], "ID origin_jti"), origin);
    let (access_jti, id_jti) = (assert_uuid(&access["jti"], "access jti"), assert_uuid(&id["jti"], "ID jti"));
    assert_ne!(access_jti, id_jti);
    assert_ne!(access_jti, origin);
    assert_ne!(id_jti, origin);
}

#[tokio::test]
async fn every_refresh_keeps_origin_jti_event_id_and_auth_time_and_mints_new_jtis() {
    // Spec §4.1, §4.2: a refresh stays in the family and keeps the original authentication time.
    let (target, _pool, client, session) = fixture(json!({ "GenerateSecret": true })).await;
    let first = claims(&session.access_token);
    let first_id = claims(&session.id_token);
    // Let the clock move so that iat and auth_time can tell a refresh from a sign-in.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let mut jtis: BTreeSet<String> =
        [first["jti"].as_str(), first_id["jti"].as_str()].into_iter().map(|j| j.expect("jti").to_owned()).collect();
    for (path, reply) in refresh_every_way(&target, &client, &session).await {
        let result = &reply.ok()["AuthenticationResult"];
        assert!(result.get("RefreshToken").is_none(), "{path}: no new refresh token without rotation (spec §4.5)");
        let access = claims(result["AccessToken"].as_str().expect("access"));
        let id = claims(result["IdToken"].as_str().expect("id"));
        for token in [&access, &id] {
            assert_eq!(token["origin_jti"], first["origin_jti"], "{path}: origin_jti kept");
            assert_eq!(token["event_id"], first["event_id"], "{path}: event_id kept");
            assert_eq!(token["auth_time"], first["auth_time"], "{path}: auth_time kept");
            assert_eq!(token["sub"], first["sub"], "{path}");
            assert!(token["iat"].as_u64().expect("iat") > first["iat"].as_u64().expect("iat"), "{path}: new iat");
            let jti = assert_uuid(&token["jti"], "jti");
            assert!(jtis.insert(jti), "{path}: a jti was reused");
        }
        assert_eq!(access["username"], first["username"], "{path}");
        assert_eq!(id["aud"], client.id.as_str(), "{path}");
    }
    assert_eq!(jtis.len(), 2 + 4 * 2);
}

#[tokio::test]
async fn a_new_sign_in_starts_a_new_family_with_a_new_origin_jti_and_event_id() {
    let (target, _pool, client, session) = fixture(json!({})).await;
    let second = target.sign_in(&client, "alice").await;
    let (a, b) = (claims(&session.access_token), claims(&second.access_token));
    assert_eq!(a["sub"], b["sub"]);
    assert_ne!(a["origin_jti"], b["origin_jti"]);
    assert_ne!(a["event_id"], b["event_id"]);
    assert_ne!(a["jti"], b["jti"]);
    assert_ne!(session.refresh_token, second.refresh_token);
    let other_client = target.client(&client.pool_id, json!({})).await;
    let third = claims(&target.sign_in(&other_client, "alice").await.access_token);
    assert_ne!(third["origin_jti"], a["origin_jti"]);
    assert_ne!(third["origin_jti"], b["origin_jti"]);
    assert_eq!(third["client_id"], other_client.id.as_str());
}

#[tokio::test]
async fn with_revocation_disabled_the_access_token_has_jti_but_no_origin_jti_and_the_id_token_neither() {
    // Spec §4.1, Q10 (the reference follows the pre-2021 doc samples).
    let (target, _pool, client, session) = fixture(json!({ "EnableTokenRevocation": false })).await;
    let (access, id) = (claims(&session.access_token), claims(&session.id_token));
    assert_uuid(&access["jti"], "access jti");
    assert!(access.get("origin_jti").is_none(), "{access}");
    assert!(id.get("jti").is_none() && id.get("origin_jti").is_none(), "{id}");
    assert_uuid(&access["event_id"], "event_id");
    for (path, reply) in refresh_every_way(&target, &client, &session).await {
        let result = &reply.ok()["AuthenticationResult"];
        let refreshed = claims(result["AccessToken"].as_str().expect("access"));
        let refreshed_id = claims(result["IdToken"].as_str().expect("id"));
        assert!(refreshed.get("origin_jti").is_none(), "{path}");
        assert_ne!(assert_uuid(&refreshed["jti"], "jti"), access["jti"].as_str().expect("jti"), "{path}");
        assert!(refreshed_id.get("jti").is_none() && refreshed_id.get("origin_jti").is_none(), "{path}");
        assert_eq!(refreshed["event_id"], access["event_id"], "{path}: event_id kept");
    }
}

#[tokio::test]
async fn admin_sign_in_tokens_have_the_same_claims_as_user_sign_in() {
    let (target, pool, client, _session) = fixture(json!({})).await;
    let body = json!({ "UserPoolId": pool, "ClientId": client.id, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
        "AuthParameters": { "USERNAME": "alice", "PASSWORD": PASSWORD } });
    let reply = target.call("AdminInitiateAuth", body).await;
    let session = Session::from_result(&reply.ok()["AuthenticationResult"], "alice");
    let access = claims(&session.access_token);
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["client_id"], client.id.as_str());
    assert_eq!(claims(&session.id_token)["origin_jti"], access["origin_jti"]);
    assert_refresh_token_shape(&session.refresh_token);
}

#[track_caller]
fn assert_refresh_token_shape(token: &str) {
    let segments: Vec<&str> = token.split('.').collect();
    assert_eq!(segments.len(), 5, "JWE compact serialisation has five segments");
    assert_eq!(segments[0], REFRESH_HEADER);
    let protected: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segments[0]).expect("base64url")).expect("json");
    assert_eq!(protected, json!({ "cty": "JWT", "enc": "A256GCM", "alg": "RSA-OAEP" }));
    for segment in &segments[1..] {
        assert!(!segment.is_empty());
        assert!(URL_SAFE_NO_PAD.decode(segment).is_ok(), "segment is base64url");
    }
    assert!((1_700..=1_900).contains(&token.len()), "length {}", token.len());
    assert!(token.chars().all(|c| c.is_ascii_alphanumeric() || "-_=.".contains(c)), "fits [A-Za-z0-9-_=.]+");
}

#[tokio::test]
async fn refresh_tokens_are_opaque_jwe_shaped_and_unique_per_sign_in() {
    // Spec §4.5.
    let (target, _pool, client, session) = fixture(json!({})).await;
    assert_refresh_token_shape(&session.refresh_token);
    let second = target.sign_in(&client, "alice").await;
    assert_refresh_token_shape(&second.refresh_token);
    assert_ne!(session.refresh_token, second.refresh_token);
    // It is not a JWS a client could read.
    assert!(jsonwebtoken::decode_header(&session.refresh_token).is_err());
}

#[tokio::test]
async fn expires_in_is_the_access_token_lifetime_and_token_type_is_bearer() {
    let (target, _pool, client, session) = fixture(json!({ "AccessTokenValidity": 2, "IdTokenValidity": 3 })).await;
    let reply = target.refresh(&client, &session).await;
    let result = &reply.ok()["AuthenticationResult"];
    assert_eq!(result["TokenType"], "Bearer");
    assert_eq!(result["ExpiresIn"], 7200);
    let access = claims(result["AccessToken"].as_str().expect("access"));
    let id = claims(result["IdToken"].as_str().expect("id"));
    assert_eq!(access["exp"].as_u64().expect("exp") - access["iat"].as_u64().expect("iat"), 7200);
    assert_eq!(id["exp"].as_u64().expect("exp") - id["iat"].as_u64().expect("iat"), 3 * 3600);
    let first = claims(&session.access_token);
    assert_eq!(first["exp"].as_u64().expect("exp") - first["iat"].as_u64().expect("iat"), 7200);
}

#[tokio::test]
async fn email_username_pools_put_the_sub_in_username_and_cognito_username() {
    // Spec §4.2 (aws-seen: moto test_initiate_auth_USER_PASSWORD_AUTH_with_email).
    let target = Target::start().await;
    let reply = target.call("CreateUserPool", json!({ "PoolName": "by-email", "UsernameAttributes": ["email"] })).await;
    let pool = reply.ok()["UserPool"]["Id"].as_str().expect("id").to_owned();
    let client = target.client(&pool, json!({})).await;
    target.user(&pool, "zoe@example.com").await;
    let session = target.sign_in(&client, "zoe@example.com").await;
    let (access, id) = (claims(&session.access_token), claims(&session.id_token));
    let sub = assert_uuid(&access["sub"], "sub");
    assert_eq!(access["username"], sub.as_str());
    assert_eq!(id["cognito:username"], sub.as_str());
    assert_eq!(id["sub"], sub.as_str());
    assert_eq!(id["email"], "zoe@example.com");
    assert!(access.get("email").is_none());
}
