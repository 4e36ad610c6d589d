//! The checks of the sample APIs that do not need `audit-api`: [`Apis`], the three started for
//! one pool, and [`after`], what each answers once a session has ended on one path — shared by
//! `tests/sample_apis.rs` and the fixed-pool check of `tests/audit_samples.rs`.

use reqwest::StatusCode;

use super::Session;
use super::sample_apis::{CognitoSettings, POLICIES, Policy, SampleApi};
use super::sample_pool::{EndPath, SamplePool};

/// The three APIs for one pool.
pub struct Apis(pub Vec<SampleApi>);

impl Apis {
    /// Starts one API of each policy for the pool `settings` describes.
    pub async fn start(settings: &CognitoSettings) -> Self {
        let mut apis = Vec::new();
        for policy in POLICIES {
            apis.push(SampleApi::start(policy, settings.clone()).await);
        }
        Self(apis)
    }

    /// The API with `policy`.
    pub fn get(&self, policy: Policy) -> &SampleApi {
        &self.0[POLICIES.iter().position(|p| *p == policy).expect("every policy runs")]
    }

    /// The status each API answers `GET /me` with `token`.
    pub async fn statuses(&self, token: Option<&str>) -> Vec<(Policy, StatusCode)> {
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
    pub async fn logout(&self, session: &Session) -> StatusCode {
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
pub fn expected(path: EndPath) -> Vec<(Policy, StatusCode)> {
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
pub async fn after(pool: &SamplePool, apis: &Apis, path: EndPath) -> Vec<(Policy, StatusCode)> {
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
