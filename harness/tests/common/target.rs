//! [`Target`]: a running reference instance, and [`Api`]: the requests the tests send a target — the AWS JSON 1.1
//! operations, the sign-in and refresh flows (every refresh path of spec §8.1) and the hosted
//! endpoints of a pool's domain.

use cognito_conformance::reference::{Fault, FaultSet, ReferenceConfig, ReferenceServer, secret_hash};
use serde_json::{Value, json};

use super::{AppClient, PASSWORD, Reply, Session, basic};

/// The ways to refresh with a refresh token (spec §8.1).
#[derive(Debug, Clone, Copy)]
pub enum RefreshPath {
    /// InitiateAuth REFRESH_TOKEN_AUTH.
    RefreshTokenAuth,
    /// InitiateAuth REFRESH_TOKEN (the older alias).
    RefreshToken,
    /// AdminInitiateAuth REFRESH_TOKEN_AUTH.
    Admin,
    /// GetTokensFromRefreshToken with the raw client secret.
    GetTokens,
}

/// Every [`RefreshPath`].
pub const REFRESH_PATHS: [RefreshPath; 4] =
    [RefreshPath::RefreshTokenAuth, RefreshPath::RefreshToken, RefreshPath::Admin, RefreshPath::GetTokens];

/// A running reference instance, and [`Api`] for it (through `Deref`).
pub struct Target {
    pub server: ReferenceServer,
    pub api: Api,
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
        let api = Api::at(server.endpoint());
        Self { server, api }
    }
}

impl std::ops::Deref for Target {
    type Target = Api;

    fn deref(&self) -> &Api {
        &self.api
    }
}

/// The requests the tests send a Cognito target over real HTTP: an in-process reference
/// ([`Target`]) or a `serve` process alike. Cheap to clone.
#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub endpoint: String,
}

impl Api {
    /// A client of the target at `endpoint`.
    pub fn at(endpoint: String) -> Self {
        Self { http: reqwest::Client::new(), endpoint }
    }

    /// Calls an AWS JSON 1.1 operation with a JSON body.
    pub async fn call(&self, operation: &str, body: Value) -> Reply {
        self.call_raw(operation, body.to_string().into_bytes()).await
    }

    /// Calls an AWS JSON 1.1 operation with raw body bytes.
    pub async fn call_raw(&self, operation: &str, body: Vec<u8>) -> Reply {
        let request = super::api_request(&self.http, &self.endpoint, operation, body);
        self.send(request).await
    }

    /// Sends any request; for the odd cases.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        Reply::read(request.send().await.expect("request")).await
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

    /// The refresh grant on `/oauth2/token` of `domain`, authenticated as `client` normally would
    /// be: `client_id` in the form for a public client, Basic for a confidential one.
    pub async fn refresh_grant(&self, domain: &str, client: &AppClient, refresh_token: &str) -> Reply {
        let form = [("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", &client.id)];
        match &client.secret {
            None => self.hosted_post(domain, "/oauth2/token", &form, &[]).await,
            Some(secret) => {
                let authorization = basic(&client.id, secret);
                self.hosted_post(domain, "/oauth2/token", &form[..2], &[("Authorization", &authorization)]).await
            }
        }
    }

    /// GET `/oauth2/userInfo` of `domain`, with `Authorization: Bearer <token>` if given.
    pub async fn userinfo(&self, domain: &str, access_token: Option<&str>) -> Reply {
        let mut request = self.http.get(format!("{}/_domain/{domain}/oauth2/userInfo", self.endpoint));
        if let Some(token) = access_token {
            request = request.header("Authorization", format!("Bearer {token}"));
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

    /// InitiateAuth with `flow` and exactly `params` as its AuthParameters; the raw reply.
    pub async fn initiate(&self, client_id: &str, flow: &str, params: Value) -> Reply {
        self.call("InitiateAuth", json!({ "ClientId": client_id, "AuthFlow": flow, "AuthParameters": params })).await
    }

    /// USER_PASSWORD_AUTH sign-in (with SECRET_HASH for confidential clients); the raw reply.
    pub async fn try_sign_in(&self, client: &AppClient, username: &str) -> Reply {
        let mut params = json!({ "USERNAME": username, "PASSWORD": PASSWORD });
        if let Some(secret) = &client.secret {
            params["SECRET_HASH"] = json!(secret_hash(secret, username, &client.id));
        }
        self.initiate(&client.id, "USER_PASSWORD_AUTH", params).await
    }

    /// Signs in and returns the session's tokens.
    pub async fn sign_in(&self, client: &AppClient, username: &str) -> Session {
        let reply = self.try_sign_in(client, username).await;
        Session::from_result(&reply.ok()["AuthenticationResult"], username)
    }

    /// ADMIN_USER_PASSWORD_AUTH sign-in (with SECRET_HASH for confidential clients); the raw reply.
    pub async fn try_admin_sign_in(&self, client: &AppClient, username: &str) -> Reply {
        let mut params = json!({ "USERNAME": username, "PASSWORD": PASSWORD });
        if let Some(secret) = &client.secret {
            params["SECRET_HASH"] = json!(secret_hash(secret, username, &client.id));
        }
        let body = json!({
            "UserPoolId": client.pool_id, "ClientId": client.id,
            "AuthFlow": "ADMIN_USER_PASSWORD_AUTH", "AuthParameters": params,
        });
        self.call("AdminInitiateAuth", body).await
    }

    /// REFRESH_TOKEN_AUTH with the session's refresh token; the raw reply.
    pub async fn refresh(&self, client: &AppClient, session: &Session) -> Reply {
        let mut params = json!({ "REFRESH_TOKEN": session.refresh_token });
        if let Some(secret) = &client.secret {
            params["SECRET_HASH"] = json!(secret_hash(secret, &session.username, &client.id));
        }
        self.initiate(&client.id, "REFRESH_TOKEN_AUTH", params).await
    }

    /// Refreshes `refresh_token` on `path`; `username` is the Cognito username the hash is built
    /// over.
    pub async fn refresh_on(
        &self,
        client: &AppClient,
        username: &str,
        refresh_token: &str,
        path: RefreshPath,
    ) -> Reply {
        let flow = if matches!(path, RefreshPath::RefreshToken) { "REFRESH_TOKEN" } else { "REFRESH_TOKEN_AUTH" };
        let mut params = json!({ "REFRESH_TOKEN": refresh_token });
        if let Some(secret) = &client.secret {
            params["SECRET_HASH"] = json!(secret_hash(secret, username, &client.id));
        }
        match path {
            RefreshPath::RefreshTokenAuth | RefreshPath::RefreshToken => self.initiate(&client.id, flow, params).await,
            RefreshPath::Admin => {
                let body = json!({ "UserPoolId": client.pool_id, "ClientId": client.id, "AuthFlow": flow,
                    "AuthParameters": params });
                self.call("AdminInitiateAuth", body).await
            }
            RefreshPath::GetTokens => {
                let mut body = json!({ "RefreshToken": refresh_token, "ClientId": client.id });
                if let Some(secret) = &client.secret {
                    body["ClientSecret"] = json!(secret);
                }
                self.call("GetTokensFromRefreshToken", body).await
            }
        }
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
