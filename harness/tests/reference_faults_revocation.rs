//! The faults of the reference target that break revocation itself change exactly the behaviour
//! their description names: revoking by `jti`, access tokens surviving a revoke, the
//! EnableTokenRevocation flag ignored, `/oauth2/revoke` rejecting unknown tokens, RevokeToken
//! accepting access tokens or failing with a 500, and AdminDisableUser keeping tokens alive.
//!
//! One test per [`Fault`], named after it. Each runs the same observation against a clean
//! reference and against one with only that fault switched on, and asserts (a) that the named
//! behaviour differs in the documented way and (b) that the surrounding correct behaviour is the
//! same on both. `reference_faults.rs` maps every fault to its test and fails when one has none.

mod common;

use cognito_conformance::reference::Fault;
use common::faults::{
    ACCESS_REVOKED, ALICE, OK, REFRESH_REVOKED, admin_user, fixture, has_claim, hosted_revoke, kind, user_info, verdict,
};
use common::{Reply, Session, Target, access_of};
use reqwest::StatusCode;
use serde_json::json;

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
