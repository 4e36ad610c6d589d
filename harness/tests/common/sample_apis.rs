//! Three sample APIs (axum), each the small service a team would put behind Cognito tokens, for
//! `audit-api` to judge (issue 16; spec §3 E7, E4, E8):
//!
//! - [`Policy::OfflineOnly`] verifies the bearer access token against the pool's JWKS (`iss`,
//!   `token_use`, `client_id`, `exp`, signature) and nothing else, so a revoked token keeps working
//!   until it expires (E7);
//! - [`Policy::OnlineCheck`] verifies offline, then asks Cognito `GetUser` with the token and
//!   refuses when Cognito does (E4), failing closed when Cognito cannot be asked;
//! - [`Policy::DenyList`] verifies offline and refuses tokens whose `origin_jti` is on its own
//!   deny-list, which only its own `POST /logout` feeds (it also revokes the refresh token with
//!   RevokeToken, so the session ends at Cognito too).
//!
//! Each serves `GET /me` (the protected resource: 200 with the caller's username, else 401 with
//! `WWW-Authenticate`); the deny-list API also serves `POST /logout` (bearer token, and a JSON body
//! `{"refresh_token": "..."}`). They are configured as real services are, with the pool's region
//! and id and the app client's id (and secret): the issuer is derived from them, and only the
//! address where "Cognito" answers — JWKS and API — is the test's target instead of AWS.
//!
//! Every bearer and refresh token an API receives is recorded ([`SampleApi::seen_tokens`]), so a
//! test can check that none of them reaches a report.

use std::collections::HashSet;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use parking_lot::Mutex;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::{RwLock, oneshot};

const JSON: &str = "application/json";

/// How an API decides whether a token that verifies offline is still good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Signature, `iss`, `token_use`, `client_id` and `exp`; nothing else.
    OfflineOnly,
    /// Offline, then Cognito `GetUser` with the token.
    OnlineCheck,
    /// Offline, then its own `origin_jti` deny-list, fed by `POST /logout`.
    DenyList,
}

/// Every policy, for tests that run all three.
pub const POLICIES: [Policy; 3] = [Policy::OfflineOnly, Policy::OnlineCheck, Policy::DenyList];

impl Policy {
    /// A short name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Policy::OfflineOnly => "offline-only",
            Policy::OnlineCheck => "online-check",
            Policy::DenyList => "origin-jti-deny-list",
        }
    }
}

/// What an API knows about the pool that issues its tokens.
#[derive(Debug, Clone)]
pub struct CognitoSettings {
    /// Where Cognito answers: the API (`POST /`) and `/<poolId>/.well-known/jwks.json`. On AWS,
    /// `https://cognito-idp.<region>.amazonaws.com`.
    pub endpoint: String,
    /// The pool's region (its id's prefix).
    pub region: String,
    /// The pool id.
    pub pool_id: String,
    /// The app client whose tokens the API accepts.
    pub client_id: String,
    /// That client's secret, for RevokeToken; `None` for a public client.
    pub client_secret: Option<String>,
}

impl CognitoSettings {
    /// The `iss` of the pool's tokens: always the AWS form, whatever the endpoint.
    pub fn issuer(&self) -> String {
        format!("https://cognito-idp.{}.amazonaws.com/{}", self.region, self.pool_id)
    }

    fn jwks_url(&self) -> String {
        format!("{}/{}/.well-known/jwks.json", self.endpoint, self.pool_id)
    }
}

/// The claims the APIs read from an access token.
#[derive(Debug, Deserialize)]
struct AccessClaims {
    token_use: String,
    client_id: String,
    username: String,
    origin_jti: Option<String>,
}

/// Why a request is refused.
#[derive(Debug)]
enum Refusal {
    /// No usable token, or one that does not verify (401).
    InvalidToken(&'static str),
    /// Cognito could not be asked, so the API cannot tell (503; fail closed).
    Unavailable,
    /// A malformed logout request (400).
    BadRequest(&'static str),
    /// Cognito refused to revoke the refresh token at logout (502).
    RevokeRefused,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, error, description) = match self {
            Refusal::InvalidToken(why) => (StatusCode::UNAUTHORIZED, "invalid_token", why),
            Refusal::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", "Cognito unreachable"),
            Refusal::BadRequest(why) => (StatusCode::BAD_REQUEST, "invalid_request", why),
            Refusal::RevokeRefused => (StatusCode::BAD_GATEWAY, "revoke_failed", "Cognito refused RevokeToken"),
        };
        let challenge = format!("Bearer error=\"{error}\", error_description=\"{description}\"");
        let headers = [(header::WWW_AUTHENTICATE, challenge), (header::CONTENT_TYPE, JSON.to_owned())];
        (status, headers, json!({ "error": error }).to_string()).into_response()
    }
}

/// The state every handler shares.
struct Api {
    policy: Policy,
    cognito: CognitoSettings,
    http: reqwest::Client,
    /// The pool's signing keys, fetched on first use and again when a token names an unknown key.
    keys: RwLock<Option<JwkSet>>,
    /// `origin_jti`s of sessions ended through `POST /logout`. A real service keeps each entry for
    /// the refresh token's validity (refreshed access tokens share the `origin_jti`); in memory is
    /// enough for a test.
    denied: Mutex<HashSet<String>>,
    seen: Mutex<Vec<String>>,
}

impl Api {
    async fn fetch_keys(&self) -> Result<JwkSet, Refusal> {
        let answer = self.http.get(self.cognito.jwks_url()).send().await.map_err(|_| Refusal::Unavailable)?;
        if !answer.status().is_success() {
            return Err(Refusal::Unavailable);
        }
        let keys: JwkSet = answer.json().await.map_err(|_| Refusal::Unavailable)?;
        *self.keys.write().await = Some(keys.clone());
        Ok(keys)
    }

    async fn key(&self, kid: &str) -> Result<DecodingKey, Refusal> {
        let cached = self.keys.read().await.as_ref().and_then(|set| set.find(kid).cloned());
        let jwk = match cached {
            Some(jwk) => jwk,
            None => self.fetch_keys().await?.find(kid).cloned().ok_or(Refusal::InvalidToken("unknown signing key"))?,
        };
        DecodingKey::from_jwk(&jwk).map_err(|_| Refusal::InvalidToken("unusable signing key"))
    }

    /// The offline check every policy starts with.
    async fn verify_offline(&self, token: &str) -> Result<AccessClaims, Refusal> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| Refusal::InvalidToken("not a JWT"))?;
        let kid = header.kid.ok_or(Refusal::InvalidToken("no key id"))?;
        let key = self.key(&kid).await?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[self.cognito.issuer()]);
        validation.set_required_spec_claims(&["exp", "iss"]);
        // Access tokens carry no `aud`; `client_id` is checked below instead.
        validation.validate_aud = false;
        let claims = jsonwebtoken::decode::<AccessClaims>(token, &key, &validation)
            .map_err(|_| Refusal::InvalidToken("token does not verify"))?
            .claims;
        if claims.token_use != "access" {
            return Err(Refusal::InvalidToken("not an access token"));
        }
        if claims.client_id != self.cognito.client_id {
            return Err(Refusal::InvalidToken("token of another client"));
        }
        Ok(claims)
    }

    /// The policy's check after the offline one.
    async fn still_valid(&self, token: &str, claims: &AccessClaims) -> Result<(), Refusal> {
        match self.policy {
            Policy::OfflineOnly => Ok(()),
            Policy::OnlineCheck => self.ask_cognito(token).await,
            Policy::DenyList => match &claims.origin_jti {
                Some(family) if self.denied.lock().contains(family) => Err(Refusal::InvalidToken("session ended")),
                _ => Ok(()),
            },
        }
    }

    /// GetUser with the token: Cognito's own answer on whether it is revoked (spec §3 E4).
    async fn ask_cognito(&self, token: &str) -> Result<(), Refusal> {
        let answer = self.call("GetUser", json!({ "AccessToken": token })).await?;
        match answer {
            (200, _) => Ok(()),
            (400, body) if matches!(error_type(&body), "NotAuthorizedException" | "UserNotFoundException") => {
                Err(Refusal::InvalidToken("Cognito refused the token"))
            }
            _ => Err(Refusal::Unavailable),
        }
    }

    /// An unsigned AWS JSON 1.1 call (GetUser and RevokeToken need no AWS credentials).
    async fn call(&self, operation: &str, body: Value) -> Result<(u16, Value), Refusal> {
        let answer = super::api_request(&self.http, &self.cognito.endpoint, operation, body.to_string().into_bytes())
            .send()
            .await
            .map_err(|_| Refusal::Unavailable)?;
        let status = answer.status().as_u16();
        let bytes = answer.bytes().await.map_err(|_| Refusal::Unavailable)?;
        Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
    }

    /// Bearer token of a request, recorded as seen.
    fn bearer(&self, headers: &HeaderMap) -> Result<String, Refusal> {
        let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let token = value
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(Refusal::InvalidToken("no bearer token"))?;
        self.seen.lock().push(token.to_owned());
        Ok(token.to_owned())
    }
}

/// The `__type` of an AWS JSON error, without the namespace some targets prefix.
fn error_type(body: &Value) -> &str {
    let raw = body.get("__type").and_then(Value::as_str).unwrap_or_default();
    raw.rsplit('#').next().unwrap_or(raw)
}

/// `GET /me`: the caller's username when the policy accepts the token.
async fn me(State(api): State<Arc<Api>>, headers: HeaderMap) -> Result<Response, Refusal> {
    let token = api.bearer(&headers)?;
    let claims = api.verify_offline(&token).await?;
    api.still_valid(&token, &claims).await?;
    Ok(([(header::CONTENT_TYPE, JSON)], json!({ "username": claims.username }).to_string()).into_response())
}

#[derive(Deserialize)]
struct LogoutBody {
    refresh_token: String,
}

/// `POST /logout` (deny-list API only): ends the session here and at Cognito. The token's family
/// goes on the deny-list first, so even a failed RevokeToken leaves this API refusing it.
async fn logout(State(api): State<Arc<Api>>, headers: HeaderMap, body: Bytes) -> Result<Response, Refusal> {
    let token = api.bearer(&headers)?;
    let claims = api.verify_offline(&token).await?;
    api.still_valid(&token, &claims).await?;
    let body: LogoutBody =
        serde_json::from_slice(&body).map_err(|_| Refusal::BadRequest("body needs refresh_token"))?;
    api.seen.lock().push(body.refresh_token.clone());
    let family = claims.origin_jti.ok_or(Refusal::BadRequest("token has no origin_jti: revocation is off"))?;
    api.denied.lock().insert(family);
    let mut revoke = json!({ "Token": body.refresh_token, "ClientId": api.cognito.client_id });
    if let Some(secret) = &api.cognito.client_secret {
        revoke["ClientSecret"] = json!(secret);
    }
    match api.call("RevokeToken", revoke).await? {
        (200, _) => Ok(StatusCode::NO_CONTENT.into_response()),
        _ => Err(Refusal::RevokeRefused),
    }
}

/// A running sample API on a loopback port; stopped when dropped.
pub struct SampleApi {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    api: Arc<Api>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl SampleApi {
    /// Starts an API with `policy` for the pool `cognito` describes.
    pub async fn start(policy: Policy, cognito: CognitoSettings) -> Self {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client");
        let api = Arc::new(Api {
            policy,
            cognito,
            http,
            keys: RwLock::new(None),
            denied: Mutex::new(HashSet::new()),
            seen: Mutex::new(Vec::new()),
        });
        let mut router = Router::new().route("/me", get(me));
        if policy == Policy::DenyList {
            router = router.route("/logout", post(logout));
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let base = format!("http://{}", listener.local_addr().expect("bound"));
        let (shutdown, stopped) = oneshot::channel();
        let app = router.with_state(Arc::clone(&api));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Self { base, api, shutdown: Some(shutdown) }
    }

    /// The protected resource, `GET`.
    pub fn resource_url(&self) -> String {
        format!("{}/me", self.base)
    }

    /// The API's own logout, `POST` (deny-list API only).
    pub fn logout_url(&self) -> String {
        format!("{}/logout", self.base)
    }

    /// Every bearer and refresh token the API has received.
    pub fn seen_tokens(&self) -> Vec<String> {
        self.api.seen.lock().clone()
    }
}

impl Drop for SampleApi {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
