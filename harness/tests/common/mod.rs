//! Shared helpers for the reference target's integration tests: a small Cognito client over real
//! HTTP (reqwest) and fixtures that provision a pool, clients and users.
//!
//! Every test binary includes this module with `mod common;`; not every binary uses every helper.

#![allow(dead_code)]

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use cognito_conformance::reference::{Fault, FaultSet, ReferenceConfig, ReferenceServer, secret_hash};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The default password of fixture users; satisfies the default policy.
pub const PASSWORD: &str = "Passw0rd!";

/// A reply: status, headers and the body parsed as JSON (`Value::Null` when empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
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

/// A running reference instance and an HTTP client for it.
pub struct Target {
    pub server: ReferenceServer,
    pub http: reqwest::Client,
    pub endpoint: String,
}

impl Target {
    /// Starts a fault-free reference.
    pub async fn start() -> Self {
        Self::with_faults(&[]).await
    }

    /// Starts a reference with `faults` switched on.
    pub async fn with_faults(faults: &[Fault]) -> Self {
        let config =
            ReferenceConfig { faults: faults.iter().copied().collect::<FaultSet>(), ..ReferenceConfig::default() };
        let server = ReferenceServer::start(config).await.expect("reference starts");
        let endpoint = server.endpoint();
        Self { server, http: reqwest::Client::new(), endpoint }
    }

    async fn reply(response: reqwest::Response) -> Reply {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, headers, text, json }
    }

    /// Calls an AWS JSON 1.1 operation with a JSON body.
    pub async fn call(&self, operation: &str, body: Value) -> Reply {
        self.call_raw(operation, body.to_string().into_bytes()).await
    }

    /// Calls an AWS JSON 1.1 operation with raw body bytes.
    pub async fn call_raw(&self, operation: &str, body: Vec<u8>) -> Reply {
        let response = self
            .http
            .post(format!("{}/", self.endpoint))
            .header("X-Amz-Target", format!("AWSCognitoIdentityProviderService.{operation}"))
            .header("Content-Type", "application/x-amz-json-1.1")
            .body(body)
            .send()
            .await
            .expect("request");
        Self::reply(response).await
    }

    /// Sends any request; for the odd cases.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        Self::reply(request.send().await.expect("request")).await
    }

    /// POSTs a form to a hosted endpoint of `domain` (path-prefix addressing), with optional
    /// extra headers.
    pub async fn hosted_post(
        &self,
        domain: &str,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let mut request = self
            .http
            .post(format!("{}/_domain/{domain}{path}", self.endpoint))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request).await
    }

    /// The JWKS of a pool.
    pub async fn jwks(&self, pool_id: &str) -> Reply {
        self.send(self.http.get(format!("{}/{pool_id}/.well-known/jwks.json", self.endpoint))).await
    }

    /// Creates a pool and returns its id.
    pub async fn pool(&self) -> String {
        let reply = self.call("CreateUserPool", json!({ "PoolName": "test-pool" })).await;
        reply.ok()["UserPool"]["Id"].as_str().expect("pool id").to_owned()
    }

    /// Creates a client in `pool_id`. `settings` are merged into the request (e.g.
    /// `{"GenerateSecret": true, "EnableTokenRevocation": false}`); by default the client allows
    /// password sign-in (user and admin) and refresh.
    pub async fn client(&self, pool_id: &str, settings: Value) -> AppClient {
        let mut body = json!({
            "UserPoolId": pool_id,
            "ClientName": "test-client",
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        });
        for (key, value) in settings.as_object().cloned().unwrap_or_default() {
            body[key] = value;
        }
        let reply = self.call("CreateUserPoolClient", body).await;
        let client = &reply.ok()["UserPoolClient"];
        AppClient {
            pool_id: pool_id.to_owned(),
            id: client["ClientId"].as_str().expect("client id").to_owned(),
            secret: client["ClientSecret"].as_str().map(str::to_owned),
        }
    }

    /// Creates a confirmed user with [`PASSWORD`].
    pub async fn user(&self, pool_id: &str, username: &str) {
        self.call(
            "AdminCreateUser",
            json!({ "UserPoolId": pool_id, "Username": username, "MessageAction": "SUPPRESS" }),
        )
        .await
        .ok();
        self.call(
            "AdminSetUserPassword",
            json!({ "UserPoolId": pool_id, "Username": username, "Password": PASSWORD, "Permanent": true }),
        )
        .await
        .ok();
    }

    /// Adds the hosted domain `prefix` to a pool.
    pub async fn domain(&self, pool_id: &str, prefix: &str) {
        self.call("CreateUserPoolDomain", json!({ "UserPoolId": pool_id, "Domain": prefix })).await.ok();
    }

    /// USER_PASSWORD_AUTH sign-in (with SECRET_HASH for confidential clients); the raw reply.
    pub async fn try_sign_in(&self, client: &AppClient, username: &str) -> Reply {
        let mut params = json!({ "USERNAME": username, "PASSWORD": PASSWORD });
        if let Some(secret) = &client.secret {
            params["SECRET_HASH"] = json!(secret_hash(secret, username, &client.id));
        }
        self.call(
            "InitiateAuth",
            json!({ "ClientId": client.id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": params }),
        )
        .await
    }

    /// Signs in and returns the session's tokens.
    pub async fn sign_in(&self, client: &AppClient, username: &str) -> Session {
        let reply = self.try_sign_in(client, username).await;
        Session::from_result(&reply.ok()["AuthenticationResult"], username)
    }

    /// REFRESH_TOKEN_AUTH with the session's refresh token; the raw reply.
    pub async fn refresh(&self, client: &AppClient, session: &Session) -> Reply {
        let mut params = json!({ "REFRESH_TOKEN": session.refresh_token });
        if let Some(secret) = &client.secret {
            params["SECRET_HASH"] = json!(secret_hash(secret, &session.username, &client.id));
        }
        self.call(
            "InitiateAuth",
            json!({ "ClientId": client.id, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": params }),
        )
        .await
    }

    /// RevokeToken for `token` by `client` (with its secret, if any).
    pub async fn revoke(&self, client: &AppClient, token: &str) -> Reply {
        let mut body = json!({ "Token": token, "ClientId": client.id });
        if let Some(secret) = &client.secret {
            body["ClientSecret"] = json!(secret);
        }
        self.call("RevokeToken", body).await
    }

    /// GetUser with an access token.
    pub async fn get_user(&self, access_token: &str) -> Reply {
        self.call("GetUser", json!({ "AccessToken": access_token })).await
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
