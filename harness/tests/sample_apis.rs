//! The sample APIs `audit-api` is judged by (`tests/audit_samples.rs`), proven on their own: a
//! session is signed in, each API accepts it, the session is ended on one path, and each API
//! answers as its policy says — the offline-only API keeps accepting (spec §3 E7), the online
//! check refuses (E4), the deny-list API refuses only after its own logout. Against the reference
//! and against the emulator the audit test uses, so the audit's verdicts there rest on APIs known
//! to behave.

mod common;

use common::sample_apis::{CognitoSettings, POLICIES, Policy, SampleApi};
use common::sample_pool::{COGNITO_PATHS, EndPath, SamplePool, spawn_emulator, wire};
use common::{Session, Target};
use reqwest::StatusCode;

/// The three APIs for one pool.
struct Apis(Vec<SampleApi>);

impl Apis {
    async fn start(settings: &CognitoSettings) -> Self {
        let mut apis = Vec::new();
        for policy in POLICIES {
            apis.push(SampleApi::start(policy, settings.clone()).await);
        }
        Self(apis)
    }

    fn get(&self, policy: Policy) -> &SampleApi {
        &self.0[POLICIES.iter().position(|p| *p == policy).expect("every policy runs")]
    }

    /// The status each API answers `GET /me` with `token`.
    async fn statuses(&self, token: Option<&str>) -> Vec<(Policy, StatusCode)> {
        let http = reqwest::Client::new();
        let mut statuses = Vec::new();
        for (policy, api) in POLICIES.iter().zip(&self.0) {
            let mut request = http.get(api.resource_url());
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            statuses.push((*policy, request.send().await.expect("the API answers").status()));
        }
        statuses
    }

    /// The deny-list API's logout for `session`.
    async fn logout(&self, session: &Session) -> StatusCode {
        let body = serde_json::json!({ "refresh_token": session.refresh_token }).to_string();
        let request = reqwest::Client::new()
            .post(self.get(Policy::DenyList).logout_url())
            .bearer_auth(&session.access_token)
            .header("content-type", "application/json")
            .body(body);
        request.send().await.expect("the API answers").status()
    }
}

/// What each API answers with a session's access token after `path` ended it: only the deny-list
/// API's own logout reaches its deny-list, and that logout revokes at Cognito too, so the online
/// check refuses after every path and the offline-only API after none.
fn expected(path: EndPath) -> Vec<(Policy, StatusCode)> {
    let refused = |refuses: bool| if refuses { StatusCode::UNAUTHORIZED } else { StatusCode::OK };
    POLICIES
        .iter()
        .map(|&policy| {
            let refuses = match policy {
                Policy::OfflineOnly => false,
                Policy::OnlineCheck => true,
                Policy::DenyList => path == EndPath::ApiLogout,
            };
            (policy, refused(refuses))
        })
        .collect()
}

/// Signs a user of its own in (so no path's sign-out reaches another path's session), checks every
/// API accepts the session, ends it on `path`, and returns what each API answers then.
async fn after(pool: &SamplePool, apis: &Apis, path: EndPath) -> Vec<(Policy, StatusCode)> {
    let username = format!("user-{}", path.name());
    pool.user(&username).await;
    let session = pool.sign_in(&username).await;
    let fresh = apis.statuses(Some(&session.access_token)).await;
    assert!(
        fresh.iter().all(|(_, status)| *status == StatusCode::OK),
        "{}: a fresh token refused: {fresh:?}",
        path.name()
    );
    match path {
        EndPath::ApiLogout => assert_eq!(apis.logout(&session).await, StatusCode::NO_CONTENT, "logout"),
        _ => pool.end(path, &session).await,
    }
    apis.statuses(Some(&session.access_token)).await
}

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
