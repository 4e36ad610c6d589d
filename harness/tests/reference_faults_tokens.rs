//! The faults of the reference target that break the tokens it issues or how it checks them change
//! exactly the behaviour their description names: `origin_jti` rotating on refresh, `jti` claims
//! issued with revocation disabled, signing keys rotating on revoke, refresh answering a new refresh
//! token, and GetUser skipping verification.
//!
//! One test per [`Fault`], named after it. Each runs the same observation against a clean
//! reference and against one with only that fault switched on, and asserts (a) that the named
//! behaviour differs in the documented way and (b) that the surrounding correct behaviour is the
//! same on both. `reference_faults.rs` maps every fault to its test and fails when one has none.

mod common;

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognito_conformance::reference::Fault;
use common::faults::{
    ACCESS_REVOKED, ALICE, OK, REFRESH_REVOKED, admin_user, fixture, has_claim, hosted_refresh, kind, user_info,
    verdict,
};
use common::{Reply, Session, Target, access_of, claims, issuer, verify_offline};
use reqwest::StatusCode;
use serde_json::{Value, json};

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
