//! An attacker's tokens and secrets get nothing out of the reference target: no error — of the
//! JSON API or of the hosted endpoints, before or after a revoke — quotes a submitted token, secret,
//! hash or password in its body or headers (spec §8.5, §8.14), and forged access tokens (re-signed
//! claims, `alg: none`, HS256, huge or missing `kid`s, wrong types) are refused without a 5xx and
//! without touching the real family.
//!
//! Error messages are logged and shown to users; a target that echoes a refresh token there leaks a
//! credential that outlives the session.

mod common;

use common::assertions::quoted;
use common::hostile::check_api_reply;
use common::{Reply, Target, basic, secret_hash_of};
use reqwest::StatusCode;
use serde_json::{Value, json};

// ----- Secrecy ----------------------------------------------------------------------------------

/// The strings no answer may contain: each secret, and every long piece of each token.
fn forbidden(secrets: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for secret in secrets {
        out.push((*secret).to_owned());
        out.extend(secret.split('.').filter(|part| part.len() >= 16).map(str::to_owned));
    }
    out
}

/// Asserts that `reply` is a 4xx that quotes none of `forbidden`, in its body or any header.
#[track_caller]
fn assert_refused_without_leak(what: &str, reply: &Reply, forbidden: &[String]) {
    assert!(reply.status.is_client_error(), "{what}: expected an error, got {} {}", reply.status, reply.text);
    for needle in forbidden {
        if let Some(leak) = quoted(reply, needle) {
            panic!("{what}: {leak}");
        }
    }
}

#[tokio::test]
async fn no_error_quotes_a_submitted_token_or_secret() {
    let target = Target::start().await;
    let pool = target.pool().await;
    target.domain(&pool, "leaks").await;
    let public = target.client(&pool, json!({})).await;
    let confidential = target.client(&pool, json!({ "GenerateSecret": true })).await;
    let other = target.client(&pool, json!({ "GenerateSecret": true })).await;
    target.user(&pool, "alice").await;
    let session = target.sign_in(&public, "alice").await;
    let conf_session = target.sign_in(&confidential, "alice").await;
    let secret = confidential.secret.clone().expect("secret");
    let wrong_secret = format!("{}{}", &secret[1..], "q");
    let long_secret = format!("{secret}{secret}");
    let wrong_password = "Wr0ng-Passw0rd!Zz";
    let wrong_hash = secret_hash_of(&other, "alice");
    let all = forbidden(&[
        &session.refresh_token,
        &session.access_token,
        &session.id_token,
        &conf_session.refresh_token,
        &conf_session.access_token,
        &secret,
        &wrong_secret,
        &long_secret,
        wrong_password,
        &wrong_hash,
        other.secret.as_deref().expect("secret"),
    ]);

    let mut replies: Vec<(&str, Reply)> = Vec::new();
    let api = |operation: &'static str, body: Value| {
        let target = &target;
        async move { target.call(operation, body).await }
    };
    // RevokeToken: wrong client, bad pattern, wrong and over-long secrets, access token.
    replies.push((
        "revoke, other client",
        api(
            "RevokeToken",
            json!({ "Token": session.refresh_token, "ClientId": confidential.id, "ClientSecret": secret }),
        )
        .await,
    ));
    replies.push((
        "revoke, bad pattern",
        api("RevokeToken", json!({ "Token": format!("{} ", session.refresh_token), "ClientId": public.id })).await,
    ));
    replies.push((
        "revoke, wrong secret",
        api(
            "RevokeToken",
            json!({ "Token": conf_session.refresh_token, "ClientId": confidential.id, "ClientSecret": wrong_secret }),
        )
        .await,
    ));
    replies.push((
        "revoke, long secret",
        api(
            "RevokeToken",
            json!({ "Token": conf_session.refresh_token, "ClientId": confidential.id, "ClientSecret": long_secret }),
        )
        .await,
    ));
    replies.push((
        "revoke, secret of another client",
        api(
            "RevokeToken",
            json!({ "Token": conf_session.refresh_token, "ClientId": other.id, "ClientSecret": secret }),
        )
        .await,
    ));
    replies.push((
        "revoke, access token",
        api("RevokeToken", json!({ "Token": session.access_token, "ClientId": public.id })).await,
    ));
    replies.push((
        "revoke, unknown member",
        api("RevokeToken", json!({ "Token": session.refresh_token, "ClientId": public.id, "Secret": secret })).await,
    ));
    replies.push((
        "revoke, wrong type",
        api("RevokeToken", json!({ "Token": [session.refresh_token], "ClientId": public.id })).await,
    ));
    // Refresh paths: wrong client, wrong secret, wrong hash.
    replies.push(("gettokens, wrong secret", api("GetTokensFromRefreshToken", json!({ "RefreshToken": conf_session.refresh_token, "ClientId": confidential.id, "ClientSecret": wrong_secret })).await));
    replies.push((
        "gettokens, other client",
        api(
            "GetTokensFromRefreshToken",
            json!({ "RefreshToken": session.refresh_token, "ClientId": other.id, "ClientSecret": other.secret }),
        )
        .await,
    ));
    replies.push(("initiate, wrong hash", api("InitiateAuth", json!({ "ClientId": confidential.id, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": { "REFRESH_TOKEN": conf_session.refresh_token, "SECRET_HASH": wrong_hash } })).await));
    replies.push(("initiate, wrong password", api("InitiateAuth", json!({ "ClientId": public.id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": "alice", "PASSWORD": wrong_password } })).await));
    replies.push((
        "set password, policy",
        api(
            "AdminSetUserPassword",
            json!({ "UserPoolId": pool, "Username": "alice", "Password": secret, "Permanent": true }),
        )
        .await,
    ));
    replies.push(("getuser, id token", api("GetUser", json!({ "AccessToken": session.id_token })).await));
    let mut tampered = session.access_token.clone();
    tampered.push('x');
    let all = {
        let mut all = all;
        all.extend(forbidden(&[&tampered]));
        all
    };
    replies.push(("getuser, tampered", api("GetUser", json!({ "AccessToken": tampered })).await));
    // Now revoke, and use the dead tokens everywhere.
    target.revoke(&public, &session.refresh_token).await.ok();
    target.revoke(&confidential, &conf_session.refresh_token).await.ok();
    replies.push(("refresh, revoked", target.refresh(&public, &session).await));
    replies.push(("refresh, revoked confidential", target.refresh(&confidential, &conf_session).await));
    replies.push(("getuser, revoked", target.get_user(&session.access_token).await));
    replies.push(("signout, revoked", api("GlobalSignOut", json!({ "AccessToken": conf_session.access_token })).await));
    replies.push((
        "gettokens, revoked",
        api(
            "GetTokensFromRefreshToken",
            json!({ "RefreshToken": conf_session.refresh_token, "ClientId": confidential.id, "ClientSecret": secret }),
        )
        .await,
    ));
    // Hosted endpoints.
    let revoke = |form: Vec<(&'static str, String)>, auth: Option<String>| {
        let target = &target;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
            target.hosted_post("leaks", "/oauth2/revoke", &form, &headers).await
        }
    };
    replies.push((
        "hosted revoke, wrong secret",
        revoke(vec![("token", conf_session.refresh_token.clone())], Some(basic(&confidential.id, &wrong_secret))).await,
    ));
    replies.push((
        "hosted revoke, body secret",
        revoke(
            vec![
                ("token", conf_session.refresh_token.clone()),
                ("client_id", confidential.id.clone()),
                ("client_secret", wrong_secret.clone()),
            ],
            None,
        )
        .await,
    ));
    replies.push((
        "hosted revoke, access token",
        revoke(vec![("token", session.access_token.clone()), ("client_id", public.id.clone())], None).await,
    ));
    replies.push((
        "hosted revoke, other client",
        revoke(vec![("token", session.refresh_token.clone())], Some(basic(&confidential.id, &secret))).await,
    ));
    replies.push((
        "hosted revoke, two methods",
        revoke(
            vec![("token", session.refresh_token.clone()), ("client_secret", secret.clone())],
            Some(basic(&confidential.id, &secret)),
        )
        .await,
    ));
    let token = |form: Vec<(&'static str, String)>, auth: Option<String>| {
        let target = &target;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
            target.hosted_post("leaks", "/oauth2/token", &form, &headers).await
        }
    };
    let grant = |rt: &str| vec![("grant_type", "refresh_token".to_owned()), ("refresh_token", rt.to_owned())];
    replies.push((
        "hosted token, revoked",
        token(grant(&conf_session.refresh_token), Some(basic(&confidential.id, &secret))).await,
    ));
    replies.push((
        "hosted token, wrong secret",
        token(grant(&conf_session.refresh_token), Some(basic(&confidential.id, &wrong_secret))).await,
    ));
    replies.push(("hosted token, garbage", token(grant(&tampered), Some(basic(&confidential.id, &secret))).await));
    let userinfo = target
        .http
        .get(format!("{}/_domain/leaks/oauth2/userInfo", target.endpoint))
        .header("Authorization", format!("Bearer {}", session.access_token));
    replies.push(("userinfo, revoked", target.send(userinfo).await));

    for (what, reply) in &replies {
        assert_refused_without_leak(what, reply, &all);
    }
}

// ----- Forged tokens ----------------------------------------------------------------------------

/// `header.payload.signature` from JSON parts and a raw signature.
fn jws(header: &Value, payload: &Value, signature: &str) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    )
}

#[tokio::test]
async fn forged_access_tokens_are_refused_without_a_5xx() {
    let target = Target::start().await;
    let pool = target.pool().await;
    target.domain(&pool, "forged").await;
    let client = target.client(&pool, json!({})).await;
    target.user(&pool, "alice").await;
    target.user(&pool, "mallory").await;
    let session = target.sign_in(&client, "mallory").await;
    let header = common::header(&session.access_token);
    let payload = common::claims(&session.access_token);
    let signature = session.access_token.rsplit('.').next().expect("signature").to_owned();
    let mut as_alice = payload.clone();
    as_alice["username"] = json!("alice");
    let mut other_pool = payload.clone();
    other_pool["iss"] = json!("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AAAAAAAAA");
    let mut huge_kid = header.clone();
    huge_kid["kid"] = json!("k".repeat(50_000));
    let mut no_kid = header.clone();
    no_kid.as_object_mut().expect("object").remove("kid");
    let mut none_alg = header.clone();
    none_alg["alg"] = json!("none");
    let mut hs256 = header.clone();
    hs256["alg"] = json!("HS256");
    let mut weird_types = payload.clone();
    weird_types["exp"] = json!("tomorrow");
    weird_types["origin_jti"] = json!(12);
    let forged = [
        jws(&header, &as_alice, &signature),
        jws(&header, &other_pool, &signature),
        jws(&huge_kid, &payload, &signature),
        jws(&no_kid, &payload, &signature),
        jws(&none_alg, &as_alice, ""),
        jws(&hs256, &as_alice, &signature),
        jws(&header, &weird_types, &signature),
        jws(&json!({}), &json!({}), ""),
        jws(&json!([]), &json!(null), "x"),
        format!("{}.", session.access_token),
        session.id_token.clone(),
        "..".to_owned(),
    ];
    for token in &forged {
        let message = target.get_user(token).await;
        assert!(message.status.is_client_error(), "GetUser: {} {}", message.status, message.text);
        check_api_reply(&message).expect("well formed");
        assert_ne!(message.status, StatusCode::OK);
        let request = target
            .http
            .get(format!("{}/_domain/forged/oauth2/userInfo", target.endpoint))
            .header("Authorization", format!("Bearer {token}"));
        let reply = target.send(request).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "userInfo: {}", reply.text);
        let reply = target.call("RevokeToken", json!({ "Token": token, "ClientId": client.id })).await;
        assert!(reply.status.is_client_error() || reply.status == StatusCode::OK, "{}", reply.text);
        check_api_reply(&reply).expect("well formed");
    }
    // None of it touched mallory's family.
    target.get_user(&session.access_token).await.ok();
    target.refresh(&client, &session).await.ok();
}
