//! The faults of the reference target that break client authentication or secrecy change exactly
//! the behaviour their description names: refresh tokens not bound to their client, the client
//! secret ignored on revoke, SECRET_HASH not enforced or computed over Latin-1, and error messages
//! echoing the submitted token.
//!
//! One test per [`Fault`], named after it. Each runs the same observation against a clean
//! reference and against one with only that fault switched on, and asserts (a) that the named
//! behaviour differs in the documented way and (b) that the surrounding correct behaviour is the
//! same on both. `reference_faults.rs` maps every fault to its test and fails when one has none.

mod common;

use cognito_conformance::reference::{Fault, secret_hash};
use common::faults::{ALICE, DOMAIN, OK, REFRESH_REVOKED, fixture, hosted_refresh, hosted_revoke, kind, verdict};
use common::{AppClient, PASSWORD, Reply, Session, Target, access_of, basic, hmac_b64};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// USER_PASSWORD_AUTH with an explicit SECRET_HASH (or none).
async fn sign_in_with_hash(target: &Target, client: &AppClient, username: &str, hash: Option<&str>) -> Reply {
    let mut params = json!({ "USERNAME": username, "PASSWORD": PASSWORD });
    if let Some(hash) = hash {
        params["SECRET_HASH"] = json!(hash);
    }
    target.initiate(&client.id, "USER_PASSWORD_AUTH", params).await
}

/// REFRESH_TOKEN_AUTH with an explicit SECRET_HASH (or none).
async fn refresh_with_hash(target: &Target, client: &AppClient, refresh_token: &str, hash: Option<&str>) -> Reply {
    let mut params = json!({ "REFRESH_TOKEN": refresh_token });
    if let Some(hash) = hash {
        params["SECRET_HASH"] = json!(hash);
    }
    target.initiate(&client.id, "REFRESH_TOKEN_AUTH", params).await
}

/// RevokeToken without the client's secret, whatever the client.
async fn revoke_without_secret(target: &Target, client: &AppClient, token: &str) -> Reply {
    target.call("RevokeToken", json!({ "Token": token, "ClientId": client.id })).await
}

/// The SECRET_HASH a Latin-1 emulator computes (every character of these tests is below U+0100).
fn latin1_secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    let message: Vec<u8> = format!("{username}{client_id}")
        .chars()
        .map(|c| u8::try_from(u32::from(c)).expect("a Latin-1 character"))
        .collect();
    hmac_b64(secret, &message)
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct ClientBinding {
    /// Client B refreshes with A's refresh token.
    other_refresh: Reply,
    /// Client B revokes A's refresh token; then A refreshes with it.
    other_revoke: Reply,
    after_other_revoke: String,
    /// A client of another pool revokes A's refresh token; then A refreshes with it.
    foreign_revoke: Reply,
    after_foreign_revoke: String,
    /// Same-client flows: refresh, revoke, refresh again.
    own: [String; 3],
}

async fn observe_no_client_binding(target: &Target) -> ClientBinding {
    let f = fixture(target, json!({})).await;
    let other = target.client(&f.pool, json!({ "ClientName": "other-client" })).await;
    let foreign_pool = target.pool().await;
    let foreign = target.client(&foreign_pool, json!({})).await;

    let first = target.sign_in(&f.client, ALICE).await;
    let other_refresh = target.refresh(&other, &first).await;

    let second = target.sign_in(&f.client, ALICE).await;
    let other_revoke = target.revoke(&other, &second.refresh_token).await;
    let after_other_revoke = verdict(&target.refresh(&f.client, &second).await);

    let third = target.sign_in(&f.client, ALICE).await;
    let foreign_revoke = target.revoke(&foreign, &third.refresh_token).await;
    let after_foreign_revoke = verdict(&target.refresh(&f.client, &third).await);

    let fourth = target.sign_in(&f.client, ALICE).await;
    let own = [
        verdict(&target.refresh(&f.client, &fourth).await),
        verdict(&target.revoke(&f.client, &fourth.refresh_token).await),
        verdict(&target.refresh(&f.client, &fourth).await),
    ];
    ClientBinding { other_refresh, other_revoke, after_other_revoke, foreign_revoke, after_foreign_revoke, own }
}

#[tokio::test]
async fn no_client_binding() {
    let clean = observe_no_client_binding(&Target::start().await).await;
    let faulty = observe_no_client_binding(&Target::with_faults(&[Fault::NoClientBinding]).await).await;

    assert_eq!(clean.other_refresh.expect_error("NotAuthorizedException"), "Refresh Token has different Client");
    clean.other_revoke.expect_error("UnauthorizedException");
    assert_eq!(clean.after_other_revoke, OK, "a refused revoke must revoke nothing");
    clean.foreign_revoke.expect_error("UnauthorizedException");
    assert_eq!(clean.after_foreign_revoke, OK);

    // Another client — of the same pool or another — may refresh with and revoke the token.
    let refreshed = access_of(&faulty.other_refresh);
    assert!(!refreshed.is_empty());
    assert_eq!(verdict(&faulty.other_revoke), OK);
    assert_eq!(faulty.after_other_revoke, REFRESH_REVOKED);
    assert_eq!(verdict(&faulty.foreign_revoke), OK);
    assert_eq!(faulty.after_foreign_revoke, REFRESH_REVOKED);

    for own in [clean.own, faulty.own] {
        assert_eq!(own, [OK, OK, REFRESH_REVOKED]);
    }
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug, PartialEq)]
struct SecretOnRevoke {
    /// RevokeToken without the secret, with a wrong one; each followed by a refresh.
    api: [String; 4],
    /// `/oauth2/revoke` with a wrong Basic secret, and with no secret; each followed by a refresh.
    hosted: [String; 4],
    /// Other secret checks: GetTokensFromRefreshToken with a wrong secret, sign-in without
    /// SECRET_HASH, a revoke with the right secret and the refresh after it.
    others: [String; 4],
}

async fn observe_revoke_ignores_secret(target: &Target) -> SecretOnRevoke {
    let f = fixture(target, json!({ "GenerateSecret": true })).await;
    let wrong = "WrongSecretWrongSecret0123456789";
    let mut api = Vec::new();
    for secret in [None, Some(wrong)] {
        let session = target.sign_in(&f.client, ALICE).await;
        let mut body = json!({ "Token": session.refresh_token, "ClientId": f.client.id });
        if let Some(secret) = secret {
            body["ClientSecret"] = json!(secret);
        }
        let revoked = target.call("RevokeToken", body).await;
        api.push(if revoked.status == StatusCode::OK { verdict(&revoked) } else { kind(&revoked) });
        api.push(verdict(&target.refresh(&f.client, &session).await));
    }

    let mut hosted = Vec::new();
    let session = target.sign_in(&f.client, ALICE).await;
    let authorization = basic(&f.client.id, wrong);
    let form = [("token", session.refresh_token.as_str())];
    hosted.push(kind(&target.hosted_post(DOMAIN, "/oauth2/revoke", &form, &[("Authorization", &authorization)]).await));
    hosted.push(verdict(&target.refresh(&f.client, &session).await));
    let session = target.sign_in(&f.client, ALICE).await;
    let form = [("token", session.refresh_token.as_str()), ("client_id", f.client.id.as_str())];
    hosted.push(kind(&target.hosted_post(DOMAIN, "/oauth2/revoke", &form, &[]).await));
    hosted.push(verdict(&target.refresh(&f.client, &session).await));

    let session = target.sign_in(&f.client, ALICE).await;
    let wrong_secret_refresh = target
        .call(
            "GetTokensFromRefreshToken",
            json!({ "RefreshToken": session.refresh_token, "ClientId": f.client.id, "ClientSecret": wrong }),
        )
        .await;
    let others = [
        kind(&wrong_secret_refresh),
        kind(&sign_in_with_hash(target, &f.client, ALICE, None).await),
        verdict(&target.revoke(&f.client, &session.refresh_token).await),
        verdict(&target.refresh(&f.client, &session).await),
    ];
    SecretOnRevoke { api: to_array(api), hosted: to_array(hosted), others }
}

fn to_array<const N: usize>(items: Vec<String>) -> [String; N] {
    items.try_into().expect("as many items as expected")
}

#[tokio::test]
async fn revoke_ignores_secret() {
    let clean = observe_revoke_ignores_secret(&Target::start().await).await;
    let faulty = observe_revoke_ignores_secret(&Target::with_faults(&[Fault::RevokeIgnoresSecret]).await).await;
    let others = [
        "400 NotAuthorizedException".to_owned(),
        "400 NotAuthorizedException".to_owned(),
        OK.into(),
        REFRESH_REVOKED.into(),
    ];
    assert_eq!(
        clean,
        SecretOnRevoke {
            api: ["400 UnauthorizedException".into(), OK.into(), "400 UnauthorizedException".into(), OK.into()],
            hosted: ["401 invalid_client".into(), OK.into(), "401 invalid_client".into(), OK.into()],
            others: others.clone(),
        }
    );
    // Both revoke paths revoke without the secret; every other secret check still holds.
    assert_eq!(
        faulty,
        SecretOnRevoke {
            api: [OK.into(), REFRESH_REVOKED.into(), OK.into(), REFRESH_REVOKED.into()],
            hosted: ["200 ".into(), REFRESH_REVOKED.into(), "200 ".into(), REFRESH_REVOKED.into()],
            others,
        }
    );
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug, PartialEq)]
struct HashObservation {
    /// InitiateAuth without and with a wrong SECRET_HASH, AdminInitiateAuth without, refresh
    /// without.
    missing_or_wrong: [String; 4],
    /// The right SECRET_HASH; GetTokensFromRefreshToken and RevokeToken without the secret.
    others: [String; 3],
}

async fn observe_secret_hash_not_enforced(target: &Target) -> HashObservation {
    let f = fixture(target, json!({ "GenerateSecret": true })).await;
    let secret = f.client.secret.clone().expect("a confidential client");
    let wrong = secret_hash(&secret, "mallory", &f.client.id);
    let session = target.sign_in(&f.client, ALICE).await;
    let admin = target
        .call(
            "AdminInitiateAuth",
            json!({
                "UserPoolId": f.pool,
                "ClientId": f.client.id,
                "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                "AuthParameters": { "USERNAME": ALICE, "PASSWORD": PASSWORD },
            }),
        )
        .await;
    let missing_or_wrong = [
        kind(&sign_in_with_hash(target, &f.client, ALICE, None).await),
        kind(&sign_in_with_hash(target, &f.client, ALICE, Some(&wrong)).await),
        kind(&admin),
        kind(&refresh_with_hash(target, &f.client, &session.refresh_token, None).await),
    ];
    let get_tokens = target
        .call("GetTokensFromRefreshToken", json!({ "RefreshToken": session.refresh_token, "ClientId": f.client.id }))
        .await;
    let others = [
        verdict(&target.try_sign_in(&f.client, ALICE).await),
        kind(&get_tokens),
        kind(&revoke_without_secret(target, &f.client, &session.refresh_token).await),
    ];
    HashObservation { missing_or_wrong, others }
}

#[tokio::test]
async fn secret_hash_not_enforced() {
    let clean = observe_secret_hash_not_enforced(&Target::start().await).await;
    let faulty = observe_secret_hash_not_enforced(&Target::with_faults(&[Fault::SecretHashNotEnforced]).await).await;
    let others = [OK.to_owned(), "400 NotAuthorizedException".to_owned(), "400 UnauthorizedException".to_owned()];
    let refused = "400 NotAuthorizedException".to_owned();
    assert_eq!(
        clean,
        HashObservation {
            missing_or_wrong: [refused.clone(), refused.clone(), refused.clone(), refused],
            others: others.clone()
        }
    );
    // Every SECRET_HASH path accepts anything; the raw-secret checks are untouched.
    let accepted = "200 ".to_owned();
    assert_eq!(
        faulty,
        HashObservation { missing_or_wrong: [accepted.clone(), accepted.clone(), accepted.clone(), accepted], others }
    );
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug, PartialEq)]
struct Latin1Observation {
    /// alice with the UTF-8 hash; zoë with the UTF-8 hash; zoë with the Latin-1 hash.
    sign_in: [String; 3],
    /// zoë's refresh with the UTF-8 hash and with the Latin-1 hash.
    refresh: [String; 2],
}

const ZOE: &str = "zoë";

async fn observe_secret_hash_latin1(target: &Target) -> Latin1Observation {
    let f = fixture(target, json!({ "GenerateSecret": true })).await;
    target.user(&f.pool, ZOE).await;
    let secret = f.client.secret.clone().expect("a confidential client");
    let utf8 = secret_hash(&secret, ZOE, &f.client.id);
    let latin1 = latin1_secret_hash(&secret, ZOE, &f.client.id);
    assert_ne!(utf8, latin1, "ë must encode differently");
    assert_eq!(latin1_secret_hash(&secret, ALICE, &f.client.id), secret_hash(&secret, ALICE, &f.client.id));

    let with_utf8 = sign_in_with_hash(target, &f.client, ZOE, Some(&utf8)).await;
    let with_latin1 = sign_in_with_hash(target, &f.client, ZOE, Some(&latin1)).await;
    let sign_in = [verdict(&target.try_sign_in(&f.client, ALICE).await), kind(&with_utf8), kind(&with_latin1)];
    let session = [&with_utf8, &with_latin1]
        .into_iter()
        .find(|reply| reply.status == StatusCode::OK)
        .map(|reply| Session::from_result(&reply.json["AuthenticationResult"], ZOE))
        .expect("one of the hashes signs zoë in");
    let refresh = [
        kind(&refresh_with_hash(target, &f.client, &session.refresh_token, Some(&utf8)).await),
        kind(&refresh_with_hash(target, &f.client, &session.refresh_token, Some(&latin1)).await),
    ];
    Latin1Observation { sign_in, refresh }
}

#[tokio::test]
async fn secret_hash_latin1() {
    let clean = observe_secret_hash_latin1(&Target::start().await).await;
    let faulty = observe_secret_hash_latin1(&Target::with_faults(&[Fault::SecretHashLatin1]).await).await;
    let (accepted, refused) = ("200 ", "400 NotAuthorizedException");
    assert_eq!(
        clean,
        Latin1Observation {
            sign_in: [OK.into(), accepted.into(), refused.into()],
            refresh: [accepted.into(), refused.into()]
        }
    );
    // ASCII usernames do not notice; a non-ASCII one needs the Latin-1 hash.
    assert_eq!(
        faulty,
        Latin1Observation {
            sign_in: [OK.into(), refused.into(), accepted.into()],
            refresh: [refused.into(), accepted.into()]
        }
    );
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct Echo {
    /// (reply, the token it was about)
    errors: Vec<(Reply, String)>,
    /// A sign-in and a GetUser that succeed.
    successes: [String; 2],
}

async fn observe_errors_echo_token(target: &Target) -> Echo {
    let f = fixture(target, json!({})).await;
    let revoked = target.sign_in(&f.client, ALICE).await;
    target.revoke(&f.client, &revoked.refresh_token).await.ok();
    let live = target.sign_in(&f.client, ALICE).await;
    let errors = vec![
        (target.get_user(&revoked.access_token).await, revoked.access_token.clone()),
        (target.refresh(&f.client, &revoked).await, revoked.refresh_token.clone()),
        (target.revoke(&f.client, &live.access_token).await, live.access_token.clone()),
        (hosted_refresh(target, &f.client, &revoked.refresh_token).await, revoked.refresh_token.clone()),
        (hosted_revoke(target, &f.client, &live.id_token).await, live.id_token.clone()),
    ];
    let successes =
        [verdict(&target.try_sign_in(&f.client, ALICE).await), verdict(&target.get_user(&live.access_token).await)];
    Echo { errors, successes }
}

#[tokio::test]
async fn errors_echo_token() {
    let clean = observe_errors_echo_token(&Target::start().await).await;
    let faulty = observe_errors_echo_token(&Target::with_faults(&[Fault::ErrorsEchoToken]).await).await;
    assert_eq!(clean.errors.len(), faulty.errors.len());
    for ((clean_reply, clean_token), (faulty_reply, faulty_token)) in clean.errors.iter().zip(&faulty.errors) {
        // Same status and error type on both…
        assert_ne!(clean_reply.status, StatusCode::OK, "{}", clean_reply.text);
        assert_eq!(kind(clean_reply), kind(faulty_reply));
        // …but only the faulty one quotes the token, in the message or error_description.
        assert!(!clean_reply.text.contains(clean_token.as_str()), "clean echoes: {}", clean_reply.text);
        let message = faulty_reply
            .message()
            .or_else(|| faulty_reply.json.get("error_description").and_then(Value::as_str))
            .unwrap_or_default();
        assert!(message.contains(faulty_token.as_str()), "no echo in: {}", faulty_reply.text);
    }
    assert_eq!(clean.successes, [OK, OK]);
    assert_eq!(faulty.successes, [OK, OK]);
}
