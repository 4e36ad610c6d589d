//! Every fault of the reference target changes exactly the behaviour its description names.
//!
//! One test per [`Fault`], named after it. Each runs the same observation against a clean
//! reference and against one with only that fault switched on, and asserts (a) that the named
//! behaviour differs in the documented way and (b) that the surrounding correct behaviour is the
//! same on both. `every_fault_has_a_test` fails when a fault is added without a test here.

mod common;

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use cognito_conformance::reference::{Fault, secret_hash};
use common::{AppClient, PASSWORD, Reply, Session, Target, basic, claims, issuer, verify_offline};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;

const ALICE: &str = "alice";
const DOMAIN: &str = "faults";

/// A successful JSON-API call, as [`verdict`] writes it.
const OK: &str = "200";
/// The documented answer for an access token of a revoked family (spec §3 E4).
const ACCESS_REVOKED: &str = "400 NotAuthorizedException: Access Token has been revoked";
/// The documented answer for a revoked refresh token (spec §3 E1).
const REFRESH_REVOKED: &str = "400 NotAuthorizedException: Refresh Token has been revoked";

/// A JSON-API reply reduced to what the tests compare: `200`, or status, `__type` and message.
fn verdict(reply: &Reply) -> String {
    if reply.status == StatusCode::OK {
        return OK.to_owned();
    }
    format!("{} {}: {}", reply.status.as_u16(), reply.error_type().unwrap_or("?"), reply.message().unwrap_or_default())
}

/// A reply reduced to status and error type (`__type` or OAuth `error`), for answers whose message
/// the spec leaves open.
fn kind(reply: &Reply) -> String {
    let error = reply.error_type().or_else(|| reply.oauth_error()).unwrap_or_default();
    format!("{} {error}", reply.status.as_u16())
}

/// The access token of a sign-in or refresh reply.
fn access_of(reply: &Reply) -> String {
    reply.ok()["AuthenticationResult"]["AccessToken"].as_str().expect("access token").to_owned()
}

/// A pool with one client (created with `settings`), the user alice and the hosted domain.
struct Fixture {
    pool: String,
    client: AppClient,
}

async fn fixture(target: &Target, settings: Value) -> Fixture {
    let pool = target.pool().await;
    let client = target.client(&pool, settings).await;
    target.user(&pool, ALICE).await;
    target.domain(&pool, DOMAIN).await;
    Fixture { pool, client }
}

/// `/oauth2/revoke` for `token` by `client`: Basic auth for a confidential client, `client_id` in
/// the form for a public one.
async fn hosted_revoke(target: &Target, client: &AppClient, token: &str) -> Reply {
    match &client.secret {
        Some(secret) => {
            let authorization = basic(&client.id, secret);
            target
                .hosted_post(DOMAIN, "/oauth2/revoke", &[("token", token)], &[("Authorization", &authorization)])
                .await
        }
        None => target.hosted_post(DOMAIN, "/oauth2/revoke", &[("token", token), ("client_id", &client.id)], &[]).await,
    }
}

/// `/oauth2/token` with the refresh grant, for a public client.
async fn hosted_refresh(target: &Target, client: &AppClient, refresh_token: &str) -> Reply {
    let form = [("grant_type", "refresh_token"), ("client_id", client.id.as_str()), ("refresh_token", refresh_token)];
    target.hosted_post(DOMAIN, "/oauth2/token", &form, &[]).await
}

/// `GET /oauth2/userInfo` with a bearer token; the status.
async fn user_info(target: &Target, access_token: &str) -> u16 {
    let request = target
        .http
        .get(format!("{}/_domain/{DOMAIN}/oauth2/userInfo", target.endpoint))
        .header("Authorization", format!("Bearer {access_token}"));
    target.send(request).await.status.as_u16()
}

/// USER_PASSWORD_AUTH with an explicit SECRET_HASH (or none).
async fn sign_in_with_hash(target: &Target, client: &AppClient, username: &str, hash: Option<&str>) -> Reply {
    let mut params = json!({ "USERNAME": username, "PASSWORD": PASSWORD });
    if let Some(hash) = hash {
        params["SECRET_HASH"] = json!(hash);
    }
    target
        .call(
            "InitiateAuth",
            json!({ "ClientId": client.id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": params }),
        )
        .await
}

/// REFRESH_TOKEN_AUTH with an explicit SECRET_HASH (or none).
async fn refresh_with_hash(target: &Target, client: &AppClient, refresh_token: &str, hash: Option<&str>) -> Reply {
    let mut params = json!({ "REFRESH_TOKEN": refresh_token });
    if let Some(hash) = hash {
        params["SECRET_HASH"] = json!(hash);
    }
    target
        .call(
            "InitiateAuth",
            json!({ "ClientId": client.id, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": params }),
        )
        .await
}

/// RevokeToken without the client's secret, whatever the client.
async fn revoke_without_secret(target: &Target, client: &AppClient, token: &str) -> Reply {
    target.call("RevokeToken", json!({ "Token": token, "ClientId": client.id })).await
}

async fn admin_user(target: &Target, operation: &str, pool: &str, username: &str) {
    target.call(operation, json!({ "UserPoolId": pool, "Username": username })).await.ok();
}

/// The SECRET_HASH a Latin-1 emulator computes (every character of these tests is below U+0100).
fn latin1_secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    let message: Vec<u8> = format!("{username}{client_id}")
        .chars()
        .map(|c| u8::try_from(u32::from(c)).expect("a Latin-1 character"))
        .collect();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(&message);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether a JWT carries `claim`.
fn has_claim(token: &str, claim: &str) -> bool {
    claims(token).get(claim).is_some()
}

// ---------------------------------------------------------------------------------------------

/// Revoke after one refresh: what GetUser says to the sign-in's access token and to the refreshed
/// one, and what a refresh with the revoked token says.
async fn observe_revoke_by_jti(target: &Target) -> [String; 3] {
    let f = fixture(target, json!({})).await;
    let session = target.sign_in(&f.client, ALICE).await;
    let refreshed = access_of(&target.refresh(&f.client, &session).await);
    target.get_user(&session.access_token).await.ok();
    target.get_user(&refreshed).await.ok();
    target.revoke(&f.client, &session.refresh_token).await.ok();
    [
        verdict(&target.get_user(&session.access_token).await),
        verdict(&target.get_user(&refreshed).await),
        verdict(&target.refresh(&f.client, &session).await),
    ]
}

#[tokio::test]
async fn revoke_by_jti() {
    let clean = observe_revoke_by_jti(&Target::start().await).await;
    let faulty = observe_revoke_by_jti(&Target::with_faults(&[Fault::RevokeByJti]).await).await;
    assert_eq!(clean, [ACCESS_REVOKED, ACCESS_REVOKED, REFRESH_REVOKED]);
    // The first access token dies, the refreshed one survives; the refresh token stays dead.
    assert_eq!(faulty, [ACCESS_REVOKED, OK, REFRESH_REVOKED]);
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug, PartialEq)]
struct SurvivesRevoke {
    /// RevokeToken: GetUser with the first and a refreshed access token, userInfo, refresh.
    api: [String; 4],
    api_user_info: u16,
    /// `/oauth2/revoke`: the revoke itself, GetUser, userInfo, refresh.
    hosted: [String; 3],
    hosted_user_info: u16,
    /// GetUser after GlobalSignOut.
    after_sign_out: String,
}

async fn observe_access_survives_revoke(target: &Target) -> SurvivesRevoke {
    let f = fixture(target, json!({})).await;
    let first = target.sign_in(&f.client, ALICE).await;
    let refreshed = access_of(&target.refresh(&f.client, &first).await);
    target.revoke(&f.client, &first.refresh_token).await.ok();
    let api = [
        verdict(&target.get_user(&first.access_token).await),
        verdict(&target.get_user(&refreshed).await),
        verdict(&target.refresh(&f.client, &first).await),
        verdict(&target.get_user(&first.access_token).await),
    ];
    let api_user_info = user_info(target, &refreshed).await;

    let second = target.sign_in(&f.client, ALICE).await;
    let revoked = hosted_revoke(target, &f.client, &second.refresh_token).await;
    let hosted = [
        revoked.status.as_u16().to_string(),
        verdict(&target.get_user(&second.access_token).await),
        verdict(&target.refresh(&f.client, &second).await),
    ];
    let hosted_user_info = user_info(target, &second.access_token).await;

    let third = target.sign_in(&f.client, ALICE).await;
    target.call("GlobalSignOut", json!({ "AccessToken": third.access_token })).await.ok();
    let after_sign_out = verdict(&target.get_user(&third.access_token).await);
    SurvivesRevoke { api, api_user_info, hosted, hosted_user_info, after_sign_out }
}

#[tokio::test]
async fn access_survives_revoke() {
    let clean = observe_access_survives_revoke(&Target::start().await).await;
    let faulty = observe_access_survives_revoke(&Target::with_faults(&[Fault::AccessSurvivesRevoke]).await).await;
    assert_eq!(
        clean,
        SurvivesRevoke {
            api: [ACCESS_REVOKED.into(), ACCESS_REVOKED.into(), REFRESH_REVOKED.into(), ACCESS_REVOKED.into()],
            api_user_info: 401,
            hosted: ["200".into(), ACCESS_REVOKED.into(), REFRESH_REVOKED.into()],
            hosted_user_info: 401,
            after_sign_out: ACCESS_REVOKED.into(),
        }
    );
    // Access tokens outlive both kinds of revoke; the refresh token dies; sign-out still works.
    assert_eq!(
        faulty,
        SurvivesRevoke {
            api: [OK.into(), OK.into(), REFRESH_REVOKED.into(), OK.into()],
            api_user_info: 200,
            hosted: ["200".into(), OK.into(), REFRESH_REVOKED.into()],
            hosted_user_info: 200,
            after_sign_out: ACCESS_REVOKED.into(),
        }
    );
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
struct FlagObservation {
    /// RevokeToken, then refresh and GetUser.
    api: [String; 3],
    /// `/oauth2/revoke`, then refresh.
    hosted: [String; 2],
    /// Whether the disabled client's access token carries `origin_jti`.
    origin_jti_in_access: bool,
    /// RevokeToken on a client with revocation enabled, then refresh.
    enabled_client: [String; 2],
}

async fn observe_revocation_flag_ignored(target: &Target) -> FlagObservation {
    let f = fixture(target, json!({ "EnableTokenRevocation": false })).await;
    let session = target.sign_in(&f.client, ALICE).await;
    let revoked = target.revoke(&f.client, &session.refresh_token).await;
    let api = [
        if revoked.status == StatusCode::OK { verdict(&revoked) } else { kind(&revoked) },
        verdict(&target.refresh(&f.client, &session).await),
        verdict(&target.get_user(&session.access_token).await),
    ];
    let session2 = target.sign_in(&f.client, ALICE).await;
    let hosted = [
        kind(&hosted_revoke(target, &f.client, &session2.refresh_token).await),
        verdict(&target.refresh(&f.client, &session2).await),
    ];
    let enabled = target.client(&f.pool, json!({ "EnableTokenRevocation": true })).await;
    let session3 = target.sign_in(&enabled, ALICE).await;
    let enabled_client = [
        verdict(&target.revoke(&enabled, &session3.refresh_token).await),
        verdict(&target.refresh(&enabled, &session3).await),
    ];
    FlagObservation {
        api,
        hosted,
        origin_jti_in_access: has_claim(&session.access_token, "origin_jti"),
        enabled_client,
    }
}

#[tokio::test]
async fn revocation_flag_ignored() {
    let clean = observe_revocation_flag_ignored(&Target::start().await).await;
    let faulty = observe_revocation_flag_ignored(&Target::with_faults(&[Fault::RevocationFlagIgnored]).await).await;
    let enabled_client = [OK.to_owned(), REFRESH_REVOKED.to_owned()];
    assert_eq!(
        clean,
        FlagObservation {
            api: ["400 UnsupportedOperationException".into(), OK.into(), OK.into()],
            hosted: ["400 invalid_request".into(), OK.into()],
            origin_jti_in_access: false,
            enabled_client: enabled_client.clone(),
        }
    );
    // Revoking works and kills the whole family; the tokens still look like a disabled client's.
    assert_eq!(
        faulty,
        FlagObservation {
            api: [OK.into(), REFRESH_REVOKED.into(), ACCESS_REVOKED.into()],
            hosted: ["200 ".into(), REFRESH_REVOKED.into()],
            origin_jti_in_access: false,
            enabled_client,
        }
    );
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct Rotation {
    /// Access tokens of the sign-in and of two refreshes.
    access: [Value; 3],
    /// The ID token of the first refresh.
    refreshed_id: Value,
    /// After revoking: GetUser with the first and the first refreshed access token, refresh.
    after_revoke: [String; 3],
}

async fn observe_origin_jti_rotates(target: &Target) -> Rotation {
    let f = fixture(target, json!({})).await;
    let session = target.sign_in(&f.client, ALICE).await;
    let first_refresh = target.refresh(&f.client, &session).await;
    let refreshed = access_of(&first_refresh);
    let refreshed_id = claims(first_refresh.ok()["AuthenticationResult"]["IdToken"].as_str().expect("id token"));
    let second = access_of(&target.refresh(&f.client, &session).await);
    target.revoke(&f.client, &session.refresh_token).await.ok();
    let after_revoke = [
        verdict(&target.get_user(&session.access_token).await),
        verdict(&target.get_user(&refreshed).await),
        verdict(&target.refresh(&f.client, &session).await),
    ];
    Rotation {
        access: [claims(&session.access_token), claims(&refreshed), claims(&second)],
        refreshed_id,
        after_revoke,
    }
}

#[tokio::test]
async fn origin_jti_rotates() {
    let clean = observe_origin_jti_rotates(&Target::start().await).await;
    let faulty = observe_origin_jti_rotates(&Target::with_faults(&[Fault::OriginJtiRotates]).await).await;
    let origins = |r: &Rotation| r.access.iter().map(|c| c["origin_jti"].clone()).collect::<Vec<_>>();

    let clean_origins = origins(&clean);
    assert!(clean_origins.iter().all(|o| *o == clean_origins[0] && o.is_string()));
    assert_eq!(clean.after_revoke, [ACCESS_REVOKED, ACCESS_REVOKED, REFRESH_REVOKED]);

    // Every refresh gets an origin_jti of its own, so the refreshed token survives the revoke.
    let faulty_origins = origins(&faulty);
    assert!(faulty_origins.iter().all(Value::is_string));
    let distinct: BTreeSet<String> = faulty_origins.iter().map(Value::to_string).collect();
    assert_eq!(distinct.len(), 3, "origins: {faulty_origins:?}");
    assert_eq!(faulty.after_revoke, [ACCESS_REVOKED, OK, REFRESH_REVOKED]);

    for r in [&clean, &faulty] {
        // Within one reply the access and ID tokens still share origin_jti; jti stays fresh and
        // event_id constant across the family.
        assert_eq!(r.refreshed_id["origin_jti"], r.access[1]["origin_jti"]);
        let jtis: BTreeSet<String> = r.access.iter().map(|c| c["jti"].to_string()).collect();
        assert_eq!(jtis.len(), 3);
        assert!(r.access.iter().all(|c| c["event_id"] == r.access[0]["event_id"]));
    }
}

// ---------------------------------------------------------------------------------------------

/// Which of `jti` and `origin_jti` the access and ID tokens carry.
fn jti_claims(session: &Session) -> [bool; 4] {
    [
        has_claim(&session.access_token, "jti"),
        has_claim(&session.access_token, "origin_jti"),
        has_claim(&session.id_token, "jti"),
        has_claim(&session.id_token, "origin_jti"),
    ]
}

#[derive(Debug)]
struct JtiObservation {
    disabled: Session,
    enabled: Session,
    /// On the disabled client: RevokeToken, refresh, GetUser.
    behaviour: [String; 3],
}

async fn observe_jti_when_disabled(target: &Target) -> JtiObservation {
    let f = fixture(target, json!({ "EnableTokenRevocation": false })).await;
    let enabled_client = target.client(&f.pool, json!({})).await;
    let disabled = target.sign_in(&f.client, ALICE).await;
    let enabled = target.sign_in(&enabled_client, ALICE).await;
    let revoked = target.revoke(&f.client, &disabled.refresh_token).await;
    let behaviour = [
        kind(&revoked),
        verdict(&target.refresh(&f.client, &disabled).await),
        verdict(&target.get_user(&disabled.access_token).await),
    ];
    JtiObservation { disabled, enabled, behaviour }
}

#[tokio::test]
async fn jti_when_disabled() {
    let clean = observe_jti_when_disabled(&Target::start().await).await;
    let faulty = observe_jti_when_disabled(&Target::with_faults(&[Fault::JtiWhenDisabled]).await).await;
    // [access jti, access origin_jti, ID jti, ID origin_jti]
    assert_eq!(jti_claims(&clean.disabled), [true, false, false, false]);
    assert_eq!(jti_claims(&faulty.disabled), [true, true, true, true]);
    assert_eq!(claims(&faulty.disabled.access_token)["origin_jti"], claims(&faulty.disabled.id_token)["origin_jti"]);

    for observation in [&clean, &faulty] {
        assert_eq!(jti_claims(&observation.enabled), [true, true, true, true]);
        assert_eq!(observation.behaviour, ["400 UnsupportedOperationException", OK, OK]);
    }
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug, PartialEq)]
struct UnknownOnEndpoint {
    /// `/oauth2/revoke` with an unknown token, a live one, the same one again.
    hosted: [String; 3],
    /// Refresh after the live token was revoked.
    refresh: String,
    /// RevokeToken with an unknown token and with the revoked one.
    api: [String; 2],
}

async fn observe_revoke_endpoint_rejects_unknown(target: &Target) -> UnknownOnEndpoint {
    let f = fixture(target, json!({})).await;
    let session = target.sign_in(&f.client, ALICE).await;
    let unknown = "not-a-refresh-token";
    let hosted = [
        kind(&hosted_revoke(target, &f.client, unknown).await),
        kind(&hosted_revoke(target, &f.client, &session.refresh_token).await),
        kind(&hosted_revoke(target, &f.client, &session.refresh_token).await),
    ];
    let refresh = verdict(&target.refresh(&f.client, &session).await);
    let api = [
        verdict(&target.revoke(&f.client, unknown).await),
        verdict(&target.revoke(&f.client, &session.refresh_token).await),
    ];
    UnknownOnEndpoint { hosted, refresh, api }
}

#[tokio::test]
async fn revoke_endpoint_rejects_unknown() {
    let clean = observe_revoke_endpoint_rejects_unknown(&Target::start().await).await;
    let faulty =
        observe_revoke_endpoint_rejects_unknown(&Target::with_faults(&[Fault::RevokeEndpointRejectsUnknown]).await)
            .await;
    let expected = |unknown: &str, revoked_again: &str| UnknownOnEndpoint {
        hosted: [unknown.into(), "200 ".into(), revoked_again.into()],
        refresh: REFRESH_REVOKED.into(),
        api: [OK.into(), OK.into()],
    };
    assert_eq!(clean, expected("200 ", "200 "));
    // Only the hosted endpoint's "nothing to revoke" answer changes; RevokeToken keeps its 200.
    assert_eq!(faulty, expected("400 invalid_grant", "400 invalid_grant"));
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

// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct Keys {
    before: Value,
    after: Value,
    /// Offline verification against the JWKS after the revoke: bob's earlier token, alice's
    /// revoked token, a token minted after the revoke.
    offline: [Result<Value, String>; 3],
    /// GetUser with bob's earlier token and with the new one; alice's refresh.
    online: [String; 3],
}

async fn observe_rotate_keys_on_revoke(target: &Target) -> Keys {
    let f = fixture(target, json!({})).await;
    target.user(&f.pool, "bob").await;
    let bob = target.sign_in(&f.client, "bob").await;
    let alice = target.sign_in(&f.client, ALICE).await;
    let before = target.jwks(&f.pool).await.ok().clone();
    let iss = issuer(&f.pool);
    verify_offline(&bob.access_token, &before, &iss).expect("bob's token verifies before the revoke");
    target.revoke(&f.client, &alice.refresh_token).await.ok();
    let after = target.jwks(&f.pool).await.ok().clone();
    let later = target.sign_in(&f.client, "bob").await;
    let offline = [
        verify_offline(&bob.access_token, &after, &iss),
        verify_offline(&alice.access_token, &after, &iss),
        verify_offline(&later.access_token, &after, &iss),
    ];
    let online = [
        verdict(&target.get_user(&bob.access_token).await),
        verdict(&target.get_user(&later.access_token).await),
        verdict(&target.refresh(&f.client, &alice).await),
    ];
    Keys { before, after, offline, online }
}

#[tokio::test]
async fn rotate_keys_on_revoke() {
    let clean = observe_rotate_keys_on_revoke(&Target::start().await).await;
    let faulty = observe_rotate_keys_on_revoke(&Target::with_faults(&[Fault::RotateKeysOnRevoke]).await).await;

    // Clean: the JWKS is untouched and every earlier token, the revoked one included, verifies
    // offline (spec §3 E7).
    assert_eq!(clean.before, clean.after);
    assert!(clean.offline.iter().all(Result::is_ok), "{:?}", clean.offline);
    assert_eq!(clean.online, [OK, OK, REFRESH_REVOKED]);

    // Faulty: new keys; another session's earlier token no longer verifies, offline or online.
    assert_ne!(faulty.before, faulty.after);
    assert!(faulty.offline[0].is_err() && faulty.offline[1].is_err(), "{:?}", faulty.offline);
    assert!(faulty.offline[2].is_ok(), "tokens minted after the rotation verify: {:?}", faulty.offline[2]);
    assert!(faulty.online[0].starts_with("400 NotAuthorizedException"), "{}", faulty.online[0]);
    assert_eq!(faulty.online[1..], [OK, REFRESH_REVOKED]);
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
struct RefreshReplies {
    session: Session,
    /// InitiateAuth and AdminInitiateAuth REFRESH_TOKEN_AUTH.
    initiate: Reply,
    admin: Reply,
    /// GetTokensFromRefreshToken and `/oauth2/token`: whether they answered a refresh token.
    get_tokens_has_refresh: bool,
    hosted_has_refresh: bool,
    /// Refresh with the new refresh token (if any) before and after revoking the original, with
    /// the new token's claims.
    with_new: Option<(Reply, String)>,
}

async fn observe_refresh_returns_refresh_token(target: &Target) -> RefreshReplies {
    let f = fixture(target, json!({})).await;
    let session = target.sign_in(&f.client, ALICE).await;
    let initiate = target.refresh(&f.client, &session).await;
    let admin = target
        .call(
            "AdminInitiateAuth",
            json!({
                "UserPoolId": f.pool,
                "ClientId": f.client.id,
                "AuthFlow": "REFRESH_TOKEN_AUTH",
                "AuthParameters": { "REFRESH_TOKEN": session.refresh_token },
            }),
        )
        .await;
    let get_tokens = target
        .call("GetTokensFromRefreshToken", json!({ "RefreshToken": session.refresh_token, "ClientId": f.client.id }))
        .await;
    let hosted = hosted_refresh(target, &f.client, &session.refresh_token).await;
    assert_eq!(hosted.status, StatusCode::OK, "{}", hosted.text);
    let get_tokens_has_refresh = get_tokens.ok()["AuthenticationResult"].get("RefreshToken").is_some();
    let hosted_has_refresh = hosted.json.get("refresh_token").is_some();

    let mut with_new = None;
    if let Some(new) = initiate.ok()["AuthenticationResult"]["RefreshToken"].as_str() {
        let new_session = Session { refresh_token: new.to_owned(), ..session.clone() };
        let before = target.refresh(&f.client, &new_session).await;
        target.revoke(&f.client, &session.refresh_token).await.ok();
        let after = verdict(&target.refresh(&f.client, &new_session).await);
        with_new = Some((before, after));
    }
    RefreshReplies { session, initiate, admin, get_tokens_has_refresh, hosted_has_refresh, with_new }
}

#[tokio::test]
async fn refresh_returns_refresh_token() {
    let clean = observe_refresh_returns_refresh_token(&Target::start().await).await;
    let faulty =
        observe_refresh_returns_refresh_token(&Target::with_faults(&[Fault::RefreshReturnsRefreshToken]).await).await;

    for replies in [&clean, &faulty] {
        let result = &replies.initiate.ok()["AuthenticationResult"];
        assert!(result["AccessToken"].is_string() && result["IdToken"].is_string());
        assert_eq!(result["TokenType"], "Bearer");
        // The other refresh paths never answer a refresh token (spec §6.2, §2.2).
        assert!(!replies.get_tokens_has_refresh && !replies.hosted_has_refresh);
    }

    assert!(clean.initiate.json["AuthenticationResult"].get("RefreshToken").is_none());
    assert!(clean.admin.ok()["AuthenticationResult"].get("RefreshToken").is_none());
    assert!(clean.with_new.is_none());

    // REFRESH_TOKEN_AUTH answers a new refresh token — of the same family.
    let new = faulty.initiate.json["AuthenticationResult"]["RefreshToken"].as_str().expect("a new refresh token");
    assert_ne!(new, faulty.session.refresh_token);
    assert!(faulty.admin.ok()["AuthenticationResult"]["RefreshToken"].is_string());
    let (before, after) = faulty.with_new.as_ref().expect("the new token was tried");
    assert_eq!(claims(&access_of(before))["origin_jti"], claims(&faulty.session.access_token)["origin_jti"]);
    assert_eq!(after, REFRESH_REVOKED);
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug, PartialEq)]
struct DisableObservation {
    /// While disabled: GetUser, refresh, a new sign-in.
    disabled: [String; 3],
    /// After re-enabling: GetUser and refresh with the old tokens, a new sign-in.
    enabled: [String; 3],
    /// AdminUserGlobalSignOut: GetUser and refresh with a session from before it.
    signed_out: [String; 2],
}

async fn observe_disable_keeps_tokens(target: &Target) -> DisableObservation {
    let f = fixture(target, json!({})).await;
    let session = target.sign_in(&f.client, ALICE).await;
    admin_user(target, "AdminDisableUser", &f.pool, ALICE).await;
    let disabled = [
        kind(&target.get_user(&session.access_token).await),
        kind(&target.refresh(&f.client, &session).await),
        kind(&target.try_sign_in(&f.client, ALICE).await),
    ];
    admin_user(target, "AdminEnableUser", &f.pool, ALICE).await;
    let enabled = [
        verdict(&target.get_user(&session.access_token).await),
        verdict(&target.refresh(&f.client, &session).await),
        verdict(&target.try_sign_in(&f.client, ALICE).await),
    ];
    let fresh = target.sign_in(&f.client, ALICE).await;
    admin_user(target, "AdminUserGlobalSignOut", &f.pool, ALICE).await;
    let signed_out =
        [verdict(&target.get_user(&fresh.access_token).await), verdict(&target.refresh(&f.client, &fresh).await)];
    DisableObservation { disabled, enabled, signed_out }
}

#[tokio::test]
async fn disable_keeps_tokens() {
    let clean = observe_disable_keeps_tokens(&Target::start().await).await;
    let faulty = observe_disable_keeps_tokens(&Target::with_faults(&[Fault::DisableKeepsTokens]).await).await;
    let refused = "400 NotAuthorizedException".to_owned();
    let disabled = [refused.clone(), refused.clone(), refused];
    let signed_out = [ACCESS_REVOKED.to_owned(), REFRESH_REVOKED.to_owned()];
    // Clean: disabling revoked the tokens, and re-enabling does not bring them back (spec §6.1).
    assert_eq!(
        clean,
        DisableObservation {
            disabled: disabled.clone(),
            enabled: [ACCESS_REVOKED.into(), REFRESH_REVOKED.into(), OK.into()],
            signed_out: signed_out.clone(),
        }
    );
    // Faulty: the user is still refused while disabled, but the tokens were never revoked.
    assert_eq!(faulty, DisableObservation { disabled, enabled: [OK.into(), OK.into(), OK.into()], signed_out });
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug, PartialEq)]
struct TokenTypeObservation {
    /// RevokeToken with an access token, then refresh and GetUser.
    access: [String; 3],
    /// RevokeToken with an ID token, then refresh and GetUser.
    id: [String; 3],
    /// `/oauth2/revoke` with an access token, then refresh.
    hosted: [String; 2],
    /// Another client's RevokeToken with the access token, then the owner's refresh.
    other_client_refresh: String,
    /// RevokeToken with the refresh token, then refresh.
    refresh_token: [String; 2],
}

async fn observe_revoke_accepts_access_token(target: &Target) -> (TokenTypeObservation, Reply) {
    let f = fixture(target, json!({})).await;
    let other = target.client(&f.pool, json!({ "ClientName": "other-client" })).await;
    let observe = async |pick: fn(&Session) -> &str| {
        let session = target.sign_in(&f.client, ALICE).await;
        let revoked = target.revoke(&f.client, pick(&session)).await;
        [
            if revoked.status == StatusCode::OK { verdict(&revoked) } else { kind(&revoked) },
            verdict(&target.refresh(&f.client, &session).await),
            verdict(&target.get_user(&session.access_token).await),
        ]
    };
    let access = observe(|s| &s.access_token).await;
    let id = observe(|s| &s.id_token).await;
    let refresh_token = observe(|s| &s.refresh_token).await;

    let session = target.sign_in(&f.client, ALICE).await;
    let hosted = [
        kind(&hosted_revoke(target, &f.client, &session.access_token).await),
        verdict(&target.refresh(&f.client, &session).await),
    ];

    let session = target.sign_in(&f.client, ALICE).await;
    let other_revoke = target.revoke(&other, &session.access_token).await;
    let other_client_refresh = verdict(&target.refresh(&f.client, &session).await);
    let observation = TokenTypeObservation {
        access,
        id,
        hosted,
        other_client_refresh,
        refresh_token: [refresh_token[0].clone(), refresh_token[1].clone()],
    };
    (observation, other_revoke)
}

#[tokio::test]
async fn revoke_accepts_access_token() {
    let (clean, clean_other) = observe_revoke_accepts_access_token(&Target::start().await).await;
    let (faulty, faulty_other) =
        observe_revoke_accepts_access_token(&Target::with_faults(&[Fault::RevokeAcceptsAccessToken]).await).await;
    let refresh_token = [OK.to_owned(), REFRESH_REVOKED.to_owned()];
    let unsupported = "400 UnsupportedTokenTypeException".to_owned();
    assert_eq!(
        clean,
        TokenTypeObservation {
            access: [unsupported.clone(), OK.into(), OK.into()],
            id: [unsupported, OK.into(), OK.into()],
            hosted: ["400 unsupported_token_type".into(), OK.into()],
            other_client_refresh: OK.into(),
            refresh_token: refresh_token.clone(),
        }
    );
    clean_other.expect_error("UnsupportedTokenTypeException");
    // Access and ID tokens revoke their whole family on both paths; client binding still holds.
    let family_revoked = [OK.to_owned(), REFRESH_REVOKED.to_owned(), ACCESS_REVOKED.to_owned()];
    assert_eq!(
        faulty,
        TokenTypeObservation {
            access: family_revoked.clone(),
            id: family_revoked,
            hosted: ["200 ".into(), REFRESH_REVOKED.into()],
            other_client_refresh: OK.into(),
            refresh_token,
        }
    );
    faulty_other.expect_error("UnauthorizedException");
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct InternalError {
    /// RevokeToken with a live refresh token, and with an empty request.
    revoke: Reply,
    empty: Reply,
    /// After that RevokeToken: refresh and GetUser with the session.
    after: [String; 2],
    /// `/oauth2/revoke` of another session, then its refresh.
    hosted: [String; 2],
    /// Sign-in, refresh, GetUser of a fresh session.
    others: [String; 3],
}

async fn observe_revoke_internal_error(target: &Target) -> InternalError {
    let f = fixture(target, json!({})).await;
    let session = target.sign_in(&f.client, ALICE).await;
    let revoke = target.revoke(&f.client, &session.refresh_token).await;
    let empty = target.call("RevokeToken", json!({})).await;
    let after =
        [verdict(&target.refresh(&f.client, &session).await), verdict(&target.get_user(&session.access_token).await)];
    let second = target.sign_in(&f.client, ALICE).await;
    let hosted = [
        kind(&hosted_revoke(target, &f.client, &second.refresh_token).await),
        verdict(&target.refresh(&f.client, &second).await),
    ];
    let signed_in = target.try_sign_in(&f.client, ALICE).await;
    let fresh = Session::from_result(&signed_in.ok()["AuthenticationResult"], ALICE);
    let others = [
        verdict(&signed_in),
        verdict(&target.refresh(&f.client, &fresh).await),
        verdict(&target.get_user(&fresh.access_token).await),
    ];
    InternalError { revoke, empty, after, hosted, others }
}

#[tokio::test]
async fn revoke_internal_error() {
    let clean = observe_revoke_internal_error(&Target::start().await).await;
    let faulty = observe_revoke_internal_error(&Target::with_faults(&[Fault::RevokeInternalError]).await).await;

    assert_eq!(clean.revoke.ok(), &json!({}));
    assert_eq!(clean.empty.status, StatusCode::BAD_REQUEST, "{}", clean.empty.text);
    assert_eq!(clean.after, [REFRESH_REVOKED, ACCESS_REVOKED]);

    // Every RevokeToken call answers 500 and revokes nothing.
    for reply in [&faulty.revoke, &faulty.empty] {
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", reply.text);
        assert_eq!(reply.error_type(), Some("InternalErrorException"));
    }
    assert_eq!(faulty.after, [OK, OK]);

    // The hosted endpoint and every other operation are unaffected.
    for observation in [&clean, &faulty] {
        assert_eq!(observation.hosted, ["200 ", REFRESH_REVOKED]);
        assert_eq!(observation.others, [OK, OK, OK]);
    }
}

// ---------------------------------------------------------------------------------------------

/// An unsigned (`alg: none`), expired access token with `template`'s claims.
fn forge(template: &str) -> String {
    let mut payload = claims(template);
    payload["exp"] = json!(1);
    payload["iat"] = json!(0);
    payload["jti"] = json!(uuid::Uuid::new_v4());
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    format!("{header}.{}.", URL_SAFE_NO_PAD.encode(payload.to_string()))
}

#[derive(Debug, PartialEq)]
struct GetUserObservation {
    /// GetUser with a forged token and with a revoked one (the username it answered, if any).
    get_user: [Result<String, String>; 2],
    /// userInfo with the forged and the revoked token.
    user_info: [u16; 2],
    /// GlobalSignOut with the forged token; refresh with the revoked family's token; GetUser with
    /// a disabled user's token.
    others: [String; 3],
}

fn username_or_kind(reply: &Reply) -> Result<String, String> {
    if reply.status == StatusCode::OK {
        Ok(reply.json["Username"].as_str().unwrap_or_default().to_owned())
    } else {
        Err(kind(reply))
    }
}

async fn observe_getuser_skips_verification(target: &Target) -> GetUserObservation {
    let f = fixture(target, json!({})).await;
    target.user(&f.pool, "bob").await;
    let session = target.sign_in(&f.client, ALICE).await;
    let forged = forge(&session.access_token);
    target.revoke(&f.client, &session.refresh_token).await.ok();
    let get_user = [
        username_or_kind(&target.get_user(&forged).await),
        username_or_kind(&target.get_user(&session.access_token).await),
    ];
    let user_info = [user_info(target, &forged).await, user_info(target, &session.access_token).await];
    let bob = target.sign_in(&f.client, "bob").await;
    admin_user(target, "AdminDisableUser", &f.pool, "bob").await;
    let others = [
        kind(&target.call("GlobalSignOut", json!({ "AccessToken": forged })).await),
        verdict(&target.refresh(&f.client, &session).await),
        kind(&target.get_user(&bob.access_token).await),
    ];
    GetUserObservation { get_user, user_info, others }
}

#[tokio::test]
async fn getuser_skips_verification() {
    let clean = observe_getuser_skips_verification(&Target::start().await).await;
    let faulty =
        observe_getuser_skips_verification(&Target::with_faults(&[Fault::GetUserSkipsVerification]).await).await;
    let others =
        ["400 NotAuthorizedException".to_owned(), REFRESH_REVOKED.to_owned(), "400 NotAuthorizedException".to_owned()];
    let refused = Err("400 NotAuthorizedException".to_owned());
    assert_eq!(
        clean,
        GetUserObservation { get_user: [refused.clone(), refused], user_info: [401, 401], others: others.clone() }
    );
    // GetUser believes the forged, expired, unsigned token and the revoked one; userInfo,
    // GlobalSignOut, refresh and the disabled-user check still verify.
    assert_eq!(
        faulty,
        GetUserObservation { get_user: [Ok(ALICE.into()), Ok(ALICE.into())], user_info: [401, 401], others }
    );
}

// ---------------------------------------------------------------------------------------------

/// The faults this file proves, one test each.
const COVERED: &[Fault] = &[
    Fault::RevokeByJti,
    Fault::AccessSurvivesRevoke,
    Fault::NoClientBinding,
    Fault::RevokeIgnoresSecret,
    Fault::RevocationFlagIgnored,
    Fault::OriginJtiRotates,
    Fault::JtiWhenDisabled,
    Fault::RevokeEndpointRejectsUnknown,
    Fault::ErrorsEchoToken,
    Fault::RotateKeysOnRevoke,
    Fault::SecretHashNotEnforced,
    Fault::SecretHashLatin1,
    Fault::RefreshReturnsRefreshToken,
    Fault::DisableKeepsTokens,
    Fault::RevokeAcceptsAccessToken,
    Fault::RevokeInternalError,
    Fault::GetUserSkipsVerification,
];

/// The test of each fault. The match is exhaustive, so a new fault does not compile without one.
fn test_of(fault: Fault) -> (&'static str, fn()) {
    match fault {
        Fault::RevokeByJti => ("revoke_by_jti", revoke_by_jti),
        Fault::AccessSurvivesRevoke => ("access_survives_revoke", access_survives_revoke),
        Fault::NoClientBinding => ("no_client_binding", no_client_binding),
        Fault::RevokeIgnoresSecret => ("revoke_ignores_secret", revoke_ignores_secret),
        Fault::RevocationFlagIgnored => ("revocation_flag_ignored", revocation_flag_ignored),
        Fault::OriginJtiRotates => ("origin_jti_rotates", origin_jti_rotates),
        Fault::JtiWhenDisabled => ("jti_when_disabled", jti_when_disabled),
        Fault::RevokeEndpointRejectsUnknown => ("revoke_endpoint_rejects_unknown", revoke_endpoint_rejects_unknown),
        Fault::ErrorsEchoToken => ("errors_echo_token", errors_echo_token),
        Fault::RotateKeysOnRevoke => ("rotate_keys_on_revoke", rotate_keys_on_revoke),
        Fault::SecretHashNotEnforced => ("secret_hash_not_enforced", secret_hash_not_enforced),
        Fault::SecretHashLatin1 => ("secret_hash_latin1", secret_hash_latin1),
        Fault::RefreshReturnsRefreshToken => ("refresh_returns_refresh_token", refresh_returns_refresh_token),
        Fault::DisableKeepsTokens => ("disable_keeps_tokens", disable_keeps_tokens),
        Fault::RevokeAcceptsAccessToken => ("revoke_accepts_access_token", revoke_accepts_access_token),
        Fault::RevokeInternalError => ("revoke_internal_error", revoke_internal_error),
        Fault::GetUserSkipsVerification => ("getuser_skips_verification", getuser_skips_verification),
    }
}

#[test]
fn every_fault_has_a_test() {
    let covered: BTreeSet<Fault> = COVERED.iter().copied().collect();
    assert_eq!(covered.len(), COVERED.len(), "a fault is listed twice");
    assert_eq!(covered, Fault::ALL.into_iter().collect::<BTreeSet<_>>(), "COVERED must list every fault");
    for fault in Fault::ALL {
        let (name, _test) = test_of(fault);
        assert_eq!(name, fault.name().replace('-', "_"), "the test of {fault} is named after it");
    }
}
