//! Shared helpers for the reference target's integration tests: a small Cognito client over real
//! HTTP (reqwest), fixtures that provision a pool, clients and users, and the assertions several
//! test binaries make.
//!
//! Every test binary includes this module with `mod common;`; not every binary uses every helper,
//! hence `dead_code` is allowed for the whole tree.
//!
//! - this file: replies, app clients, sessions and JWT/credential helpers;
//! - [`target`]: [`Target`], a running reference, and [`Api`], the requests the tests send a target;
//! - [`assertions`]: session liveness, revocation and no-leak checks for the JSON API;
//! - [`fixtures`]: tokens the reference never issued (tampered, from another instance);
//! - [`hosted`]: the fixture and OAuth assertions of the `reference_hosted_*` binaries;
//! - [`hostile`]: the shared reference and reply checks of the `reference_hostile_*` binaries;
//! - [`faults`]: the fixture and reply verdicts of the `reference_faults_*` binaries;
//! - [`serve`]: `serve` as a child process, and raw HTTP/1.1 to attack it with;
//! - [`sample_apis`]: the three sample APIs `audit-api` judges (offline only, online check,
//!   `origin_jti` deny-list);
//! - [`sample_pool`]: their pool, client and users on any target, and each way a session ends;
//! - [`sample_checks`]: what each of them answers after a session ends, without the audit.

#![allow(dead_code)]

pub mod assertions;
pub mod faults;
pub mod fixtures;
pub mod hosted;
pub mod hostile;
pub mod hostile_server;
pub mod reliability;
pub mod sample_apis;
pub mod sample_checks;
pub mod sample_pool;
pub mod serve;
pub mod target;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use cognito_conformance::reference::secret_hash;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::Sha256;

// Re-exported at the top so that binaries write `common::Target`; not every binary uses each one.
#[allow(unused_imports)]
pub use target::{Api, REFRESH_PATHS, RefreshPath, Target};

/// The default password of fixture users; satisfies the default policy.
pub const PASSWORD: &str = "Passw0rd!";

/// An AWS JSON 1.1 call of `operation` on `endpoint`, as the SDKs send it.
pub fn api_request(http: &reqwest::Client, endpoint: &str, operation: &str, body: Vec<u8>) -> reqwest::RequestBuilder {
    http.post(format!("{endpoint}/"))
        .header("X-Amz-Target", format!("AWSCognitoIdentityProviderService.{operation}"))
        .header("Content-Type", "application/x-amz-json-1.1")
        .body(body)
}

/// A reply: status, headers and the body parsed as JSON (`Value::Null` when empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    /// Reads a whole response. The text is the body decoded as UTF-8 (invalid sequences replaced);
    /// the JSON is parsed from the raw bytes, so a body that is not UTF-8 is never JSON.
    pub async fn read(response: reqwest::Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("a complete body");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Self { status, headers, text, json }
    }

    /// The `__type` of an AWS JSON error.
    pub fn error_type(&self) -> Option<&str> {
        self.json.get("__type").and_then(Value::as_str)
    }

    /// The `message` of an AWS JSON error.
    pub fn message(&self) -> Option<&str> {
        self.json.get("message").and_then(Value::as_str)
    }

    /// The OAuth `error` member.
    pub fn oauth_error(&self) -> Option<&str> {
        self.json.get("error").and_then(Value::as_str)
    }

    /// Asserts a 200 and returns the body.
    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert_eq!(self.status, StatusCode::OK, "expected 200, got {} {}", self.status, self.text);
        &self.json
    }

    /// Asserts a 400 with `__type` and returns the message.
    #[track_caller]
    pub fn expect_error(&self, error_type: &str) -> String {
        assert_eq!(self.status, StatusCode::BAD_REQUEST, "body: {}", self.text);
        assert_eq!(self.error_type(), Some(error_type), "body: {}", self.text);
        self.message().unwrap_or_default().to_owned()
    }
}

/// Sends a request and reads the reply; a hang (with a client timeout), a panic of the server or a
/// dropped connection is an `Err` instead of a panic, for property tests.
pub async fn try_send(request: reqwest::RequestBuilder) -> Result<Reply, String> {
    match request.send().await {
        Ok(response) => Ok(Reply::read(response).await),
        Err(error) => Err(format!("no answer (panic, hang or reset?): {error}")),
    }
}

/// An app client as created.
#[derive(Debug, Clone)]
pub struct AppClient {
    pub pool_id: String,
    pub id: String,
    pub secret: Option<String>,
}

/// The tokens of one sign-in.
#[derive(Debug, Clone)]
pub struct Session {
    pub username: String,
    pub access_token: String,
    pub id_token: String,
    pub refresh_token: String,
}

impl Session {
    /// Reads an `AuthenticationResult`; the refresh token may be absent (refresh replies).
    pub fn from_result(result: &Value, username: &str) -> Self {
        Self {
            username: username.to_owned(),
            access_token: result["AccessToken"].as_str().expect("access token").to_owned(),
            id_token: result["IdToken"].as_str().expect("id token").to_owned(),
            refresh_token: result["RefreshToken"].as_str().unwrap_or_default().to_owned(),
        }
    }
}

/// The access token of a successful sign-in or refresh reply.
#[track_caller]
pub fn access_of(reply: &Reply) -> String {
    reply.ok()["AuthenticationResult"]["AccessToken"].as_str().expect("AccessToken").to_owned()
}

/// The secret of a confidential client.
#[track_caller]
pub fn secret(client: &AppClient) -> &str {
    client.secret.as_deref().expect("a confidential client")
}

/// SECRET_HASH of `username` for a confidential client.
#[track_caller]
pub fn secret_hash_of(client: &AppClient, username: &str) -> String {
    secret_hash(secret(client), username, &client.id)
}

/// `Base64(HMAC-SHA256(secret, bytes))`, computed independently of the reference's code.
pub fn hmac_b64(secret: &str, message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(message);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// The claims of a JWT, decoded without verification.
pub fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("payload segment");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("json claims")
}

/// The header of a JWT, decoded without verification.
pub fn header(token: &str) -> Value {
    let header = token.split('.').next().expect("header segment");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).expect("base64url")).expect("json header")
}

/// `Basic base64(id:secret)`.
pub fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

/// Verifies a token offline against a JWKS document with jsonwebtoken: signature, `exp`, `iss`.
pub fn verify_offline(token: &str, jwks: &Value, issuer: &str) -> Result<Value, String> {
    let kid = jsonwebtoken::decode_header(token).map_err(|e| e.to_string())?.kid.ok_or("no kid")?;
    let set: jsonwebtoken::jwk::JwkSet = serde_json::from_value(jwks.clone()).map_err(|e| e.to_string())?;
    let jwk = set.find(&kid).ok_or("kid not in JWKS")?;
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_issuer(&[issuer]);
    validation.validate_aud = false;
    jsonwebtoken::decode::<Value>(token, &key, &validation).map(|data| data.claims).map_err(|e| e.to_string())
}

/// The issuer of a pool's tokens.
pub fn issuer(pool_id: &str) -> String {
    format!("https://cognito-idp.us-east-1.amazonaws.com/{pool_id}")
}
