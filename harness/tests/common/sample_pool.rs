//! The Cognito side of the sample-API tests: a pool, a confidential app client and users on any
//! target (the reference or an emulator), reached through the harness's own client ([`Wire`],
//! admin operations SigV4-signed with dummy credentials as the runner signs them), and each way a
//! session can end — the revocation paths `audit-api` audits, by their names in the contract.

use std::time::Duration;

use cognito_conformance::reference::secret_hash;
use cognito_conformance::target::emulator::{self, install};
use cognito_conformance::target::spawn::Spawned;
use cognito_conformance::wire::sigv4::Signer;
use cognito_conformance::wire::{Exchange, HostedAddressing, Wire, WireOptions};
use serde_json::{Value, json};

use super::sample_apis::CognitoSettings;
use super::{AppClient, Session, basic};

/// The users' password: long enough (20 characters) that the 12-character leak check means
/// something for it.
pub const SAMPLE_PASSWORD: &str = "Sample-Api-Passw0rd!";

/// The region of every pool the tests use.
pub const REGION: &str = "us-east-1";

/// A way a session ends: the paths of `audit-api`, named as its `--path` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndPath {
    /// RevokeToken with the refresh token.
    RevokeToken,
    /// `POST /oauth2/revoke` on the pool's domain.
    OauthRevoke,
    /// GlobalSignOut with the access token.
    GlobalSignOut,
    /// AdminUserGlobalSignOut.
    AdminUserGlobalSignOut,
    /// AdminDisableUser.
    AdminDisableUser,
    /// The API's own logout endpoint (only for an API that has one).
    ApiLogout,
}

/// The Cognito paths, every API is judged on; [`EndPath::ApiLogout`] comes on top for the API
/// with a logout endpoint.
pub const COGNITO_PATHS: [EndPath; 5] = [
    EndPath::RevokeToken,
    EndPath::OauthRevoke,
    EndPath::GlobalSignOut,
    EndPath::AdminUserGlobalSignOut,
    EndPath::AdminDisableUser,
];

impl EndPath {
    /// The `--path` name, and the report's scenario id without its `audit-` prefix.
    pub fn name(self) -> &'static str {
        match self {
            EndPath::RevokeToken => "revoke-token",
            EndPath::OauthRevoke => "oauth-revoke",
            EndPath::GlobalSignOut => "global-sign-out",
            EndPath::AdminUserGlobalSignOut => "admin-user-global-sign-out",
            EndPath::AdminDisableUser => "admin-disable-user",
            EndPath::ApiLogout => "api-logout",
        }
    }
}

/// The emulator the sample APIs are audited against: ministack in its strict mode, the one that
/// gets the revocation paths most nearly right (snapshots/matrix.md: it passes RevokeToken,
/// GlobalSignOut, AdminUserGlobalSignOut and AdminDisableUser's scenarios, GetUser refusing the
/// family's access tokens after each; it has no `/oauth2/revoke`).
pub const EMULATOR: &str = "ministack-auth";

/// Starts [`EMULATOR`] on a free loopback port when it is installed (in `CC_EMULATORS_DIR`, as
/// `scripts/test.sh` installs it); otherwise prints why the caller's check is NOT CHECKED and
/// returns `None`, so a run without it says so instead of passing quietly.
pub async fn spawn_emulator(check: &str) -> Option<(Spawned, String)> {
    let emulator = emulator::find(EMULATOR).expect("a known emulator");
    let installed = emulator::root().is_ok_and(|root| install::is_installed(emulator, &root));
    if !installed {
        eprintln!(
            "{check}: {EMULATOR} NOT CHECKED: not installed (`cognito-conformance emulator install {EMULATOR}`, \
             or point CC_EMULATORS_DIR at an install)"
        );
        return None;
    }
    let started = Spawned::start(EMULATOR, Duration::from_secs(120), |endpoint| Some(wire(endpoint))).await;
    Some(started.expect("the installed emulator starts"))
}

/// A client for `endpoint` as the runner builds one for a loopback target.
pub fn wire(endpoint: &str) -> Wire {
    Wire::new(endpoint, REGION, HostedAddressing::HostHeader, WireOptions::default())
        .expect("HTTP client")
        .with_signer(Signer::dummy(REGION))
}

/// A pool with one confidential client on a target.
#[derive(Clone)]
pub struct SamplePool {
    pub wire: Wire,
    pub pool_id: String,
    pub client: AppClient,
    /// The hosted domain prefix, if the pool has one.
    pub domain: Option<String>,
}

impl SamplePool {
    /// Creates a pool, a confidential client allowing password sign-in and refresh (revocation
    /// on, as by default), and the domain `domain` if given.
    pub async fn provision(wire: Wire, domain: Option<&str>) -> Self {
        let pool = call(&wire, "CreateUserPool", json!({ "PoolName": "sample-apis" })).await;
        let pool_id = pool["UserPool"]["Id"].as_str().expect("pool id").to_owned();
        let body = json!({
            "UserPoolId": pool_id, "ClientName": "sample-web", "GenerateSecret": true,
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        });
        let created = call(&wire, "CreateUserPoolClient", body).await;
        let client = &created["UserPoolClient"];
        let client = AppClient {
            pool_id: pool_id.clone(),
            id: client["ClientId"].as_str().expect("client id").to_owned(),
            secret: Some(client["ClientSecret"].as_str().expect("a generated secret").to_owned()),
        };
        if let Some(prefix) = domain {
            call(&wire, "CreateUserPoolDomain", json!({ "UserPoolId": pool_id, "Domain": prefix })).await;
        }
        Self { wire, pool_id, client, domain: domain.map(str::to_owned) }
    }

    /// What the sample APIs are configured with for this pool.
    pub fn settings(&self) -> CognitoSettings {
        CognitoSettings {
            endpoint: self.wire.endpoint().to_owned(),
            region: REGION.to_owned(),
            pool_id: self.pool_id.clone(),
            client_id: self.client.id.clone(),
            client_secret: self.client.secret.clone(),
        }
    }

    /// A confirmed user with [`SAMPLE_PASSWORD`].
    pub async fn user(&self, username: &str) {
        let body = json!({ "UserPoolId": self.pool_id, "Username": username, "MessageAction": "SUPPRESS" });
        call(&self.wire, "AdminCreateUser", body).await;
        let body = json!({ "UserPoolId": self.pool_id, "Username": username, "Password": SAMPLE_PASSWORD,
            "Permanent": true });
        call(&self.wire, "AdminSetUserPassword", body).await;
    }

    /// USER_PASSWORD_AUTH with SECRET_HASH: a fresh session.
    pub async fn sign_in(&self, username: &str) -> Session {
        let secret = self.client.secret.as_deref().expect("a confidential client");
        let params = json!({ "USERNAME": username, "PASSWORD": SAMPLE_PASSWORD,
            "SECRET_HASH": secret_hash(secret, username, &self.client.id) });
        let body = json!({ "ClientId": self.client.id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": params });
        let answer = call(&self.wire, "InitiateAuth", body).await;
        Session::from_result(&answer["AuthenticationResult"], username)
    }

    /// Ends `session` on a Cognito path; panics unless the target says it did. `ApiLogout` is
    /// the API's business, not the target's.
    pub async fn end(&self, path: EndPath, session: &Session) {
        let secret = self.client.secret.as_deref().expect("a confidential client");
        let user = json!({ "UserPoolId": self.pool_id, "Username": session.username });
        match path {
            EndPath::RevokeToken => {
                let body =
                    json!({ "Token": session.refresh_token, "ClientId": self.client.id, "ClientSecret": secret });
                call(&self.wire, "RevokeToken", body).await;
            }
            EndPath::OauthRevoke => {
                let answer = self.oauth_revoke(session).await;
                assert_eq!(answer.status, 200, "/oauth2/revoke: {}", String::from_utf8_lossy(&answer.body));
            }
            EndPath::GlobalSignOut => {
                call(&self.wire, "GlobalSignOut", json!({ "AccessToken": session.access_token })).await;
            }
            EndPath::AdminUserGlobalSignOut => {
                call(&self.wire, "AdminUserGlobalSignOut", user).await;
            }
            EndPath::AdminDisableUser => {
                call(&self.wire, "AdminDisableUser", user).await;
            }
            EndPath::ApiLogout => panic!("api-logout is ended by the API's own logout endpoint"),
        }
    }

    /// `POST /oauth2/revoke` of the session's refresh token, the client authenticated with Basic;
    /// the raw answer.
    pub async fn oauth_revoke(&self, session: &Session) -> Exchange {
        let domain = self.domain.as_deref().expect("a pool with a domain");
        let secret = self.client.secret.as_deref().expect("a confidential client");
        let mut request = self.wire.hosted_request(domain, reqwest::Method::POST, "/oauth2/revoke");
        request.headers.push(("content-type".into(), "application/x-www-form-urlencoded".into()));
        request.headers.push(("authorization".into(), basic(&self.client.id, secret)));
        request.body = form_urlencoded::Serializer::new(String::new())
            .append_pair("token", &session.refresh_token)
            .finish()
            .into();
        self.wire.send(&request).await.expect("an answer")
    }
}

/// Calls `operation`; panics unless it answers 200. The answer's JSON.
pub async fn call(wire: &Wire, operation: &str, body: Value) -> Value {
    let answer = wire.send(&wire.api_request(operation, body.to_string().into_bytes())).await.expect("an answer");
    assert_eq!(answer.status, 200, "{operation}: {}", String::from_utf8_lossy(&answer.body));
    answer.json().unwrap_or(Value::Null)
}
