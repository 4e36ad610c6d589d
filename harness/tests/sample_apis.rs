//! The sample APIs `audit-api` is judged by (`tests/audit_samples.rs`), proven on their own: a
//! session is signed in, each API accepts it, the session is ended on one path, and each API
//! answers as its policy says — the offline-only API keeps accepting (spec §3 E7), the online
//! check refuses (E4), the deny-list API refuses only after its own logout. Against the reference
//! and against the emulator the audit test uses, so the audit's verdicts there rest on APIs known
//! to behave.

mod common;

use common::Target;
use common::sample_apis::Policy;
use common::sample_checks::{Apis, after, expected};
use common::sample_pool::{COGNITO_PATHS, EndPath, SamplePool, spawn_emulator, wire};
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread")]
async fn on_the_reference_each_api_answers_as_its_policy_says() {
    let target = Target::start().await;
    let pool = SamplePool::provision(wire(&target.endpoint), Some("sample-apis")).await;
    let apis = Apis::start(&pool.settings()).await;
    for path in COGNITO_PATHS.into_iter().chain([EndPath::ApiLogout]) {
        assert_eq!(after(&pool, &apis, path).await, expected(path), "after {}", path.name());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_api_refuses_what_is_not_an_access_token_of_its_client() {
    let target = Target::start().await;
    let pool = SamplePool::provision(wire(&target.endpoint), None).await;
    let apis = Apis::start(&pool.settings()).await;
    pool.user("alice").await;
    let session = pool.sign_in("alice").await;
    // The same user's token from another client of the pool, and from another pool.
    let other_client = SamplePool { client: other_client(&target, &pool).await, ..pool.clone() };
    let foreign = other_client.sign_in("alice").await;
    let other_pool = SamplePool::provision(wire(&target.endpoint), None).await;
    other_pool.user("alice").await;
    let other_pool_token = other_pool.sign_in("alice").await.access_token;
    let mut tampered = session.access_token.clone();
    let last = tampered.pop().expect("a signature");
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let cases: [(&str, Option<&str>); 6] = [
        ("no token", None),
        ("not a JWT", Some("not-a-token")),
        ("the ID token", Some(&session.id_token)),
        ("another client's access token", Some(&foreign.access_token)),
        ("another pool's access token", Some(&other_pool_token)),
        ("a tampered signature", Some(&tampered)),
    ];
    for (case, token) in cases {
        let statuses = apis.statuses(token).await;
        assert!(statuses.iter().all(|(_, s)| *s == StatusCode::UNAUTHORIZED), "{case}: {statuses:?}");
    }
    let fresh = apis.statuses(Some(&session.access_token)).await;
    assert!(fresh.iter().all(|(_, s)| *s == StatusCode::OK), "the real token, after all that: {fresh:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_logout_needs_a_live_token_and_a_refresh_token() {
    let target = Target::start().await;
    let pool = SamplePool::provision(wire(&target.endpoint), None).await;
    let apis = Apis::start(&pool.settings()).await;
    pool.user("alice").await;
    let session = pool.sign_in("alice").await;
    let http = reqwest::Client::new();
    let logout = apis.get(Policy::DenyList).logout_url();
    let without_body = http.post(&logout).bearer_auth(&session.access_token).send().await.expect("answer");
    assert_eq!(without_body.status(), StatusCode::BAD_REQUEST);
    let without_token = http.post(&logout).body(r#"{"refresh_token":"x"}"#).send().await.expect("answer");
    assert_eq!(without_token.status(), StatusCode::UNAUTHORIZED);
    // Neither ended the session.
    let statuses = apis.statuses(Some(&session.access_token)).await;
    assert!(statuses.iter().all(|(_, s)| *s == StatusCode::OK), "{statuses:?}");
    assert_eq!(apis.logout(&session).await, StatusCode::NO_CONTENT);
    // A second logout with the same token: the session is already over.
    assert_eq!(apis.logout(&session).await, StatusCode::UNAUTHORIZED);
    let seen = apis.get(Policy::DenyList).seen_tokens();
    assert!(seen.contains(&session.refresh_token) && seen.contains(&session.access_token), "tokens are recorded");
}

/// Against the emulator: the same answers on every path it has. It has no `/oauth2/revoke`
/// (its snapshots: the hosted path reaches its JSON API, which answers 400
/// SerializationException), so that path ends nothing there and every API keeps accepting.
#[tokio::test(flavor = "multi_thread")]
async fn on_the_emulator_each_api_answers_as_its_policy_says() {
    let Some((mut emulator, endpoint)) = spawn_emulator("sample_apis").await else { return };
    let pool = SamplePool::provision(wire(&endpoint), Some("sample-apis")).await;
    let apis = Apis::start(&pool.settings()).await;
    for path in COGNITO_PATHS.into_iter().chain([EndPath::ApiLogout]) {
        if path == EndPath::OauthRevoke {
            pool.user("user-oauth").await;
            let session = pool.sign_in("user-oauth").await;
            let answer = pool.oauth_revoke(&session).await;
            assert_eq!(answer.status, 400, "{}", String::from_utf8_lossy(&answer.body));
            assert_eq!(answer.error_type().as_deref(), Some("SerializationException"));
            let statuses = apis.statuses(Some(&session.access_token)).await;
            assert!(statuses.iter().all(|(_, s)| *s == StatusCode::OK), "{statuses:?}");
            continue;
        }
        assert_eq!(after(&pool, &apis, path).await, expected(path), "after {}", path.name());
    }
    emulator.stop().await;
}

/// A second confidential client of `pool`'s pool.
async fn other_client(target: &Target, pool: &SamplePool) -> common::AppClient {
    target
        .client(
            &pool.pool_id,
            serde_json::json!({ "GenerateSecret": true,
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }),
        )
        .await
}
