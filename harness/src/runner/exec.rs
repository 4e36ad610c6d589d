//! Running one step: filling its templates, building the request Cognito's SDKs would send,
//! sending it, and turning the answer into outputs for later steps.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::context::{ClientState, Context, MissingValue, StepOutput};
use crate::cognito::random_lowercase_alphanumeric;
use crate::jwt;
use crate::redact::SecretKind;
use crate::reference::secret_hash;
use crate::scenario::format::{ClientAuth, SecretChoice};
use crate::scenario::model::{Action, CallBody, Hosted};
use crate::wire::{Request, Wire, WireError};

/// Why a step could not be performed or produced nothing usable.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StepFailure {
    /// A template referred to a value an earlier step did not produce.
    #[error(transparent)]
    Missing(#[from] MissingValue),
    /// No answer.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// A local step (decode) could not do its work.
    #[error("{0}")]
    Local(String),
}

/// A performed step: the request sent (if any) and the outputs.
#[derive(Debug, Clone)]
pub struct Performed {
    /// The request, for the report (redact before showing).
    pub request: Option<Request>,
    /// What the step produced.
    pub output: StepOutput,
}

fn client<'a>(ctx: &'a Context, name: &str) -> Result<&'a ClientState, StepFailure> {
    ctx.clients.get(name).ok_or_else(|| StepFailure::Local(format!("client `{name}` was not provisioned")))
}

fn pool_id(ctx: &Context, pool: &str) -> Result<String, StepFailure> {
    ctx.pools
        .get(pool)
        .map(|p| p.id.clone())
        .ok_or_else(|| StepFailure::Local(format!("pool `{pool}` was not provisioned")))
}

/// A well-formed secret that is nobody's, registered so reports redact it.
fn wrong_secret(ctx: &mut Context) -> String {
    let secret = random_lowercase_alphanumeric(52);
    ctx.redactor.register(&secret, SecretKind::Other);
    secret
}

/// The ClientSecret to present.
fn secret(ctx: &mut Context, client: &ClientState, choice: Option<SecretChoice>) -> Option<String> {
    match choice {
        None | Some(SecretChoice::Right) => client.secret.clone(),
        Some(SecretChoice::Wrong) => Some(wrong_secret(ctx)),
        Some(SecretChoice::Missing) => None,
        Some(SecretChoice::Short) => Some("short".into()),
    }
}

/// The SECRET_HASH to present for `username`.
fn hash(ctx: &mut Context, client: &ClientState, username: &str, choice: Option<SecretChoice>) -> Option<String> {
    let value = match (choice, &client.secret) {
        (None | Some(SecretChoice::Right), Some(secret)) => secret_hash(secret, username, &client.id),
        (None | Some(SecretChoice::Right), None) | (Some(SecretChoice::Missing), _) => return None,
        (Some(SecretChoice::Wrong), _) => {
            let wrong = wrong_secret(ctx);
            secret_hash(&wrong, username, &client.id)
        }
        (Some(SecretChoice::Short), _) => "short".into(),
    };
    ctx.redactor.register(&value, SecretKind::SecretHash);
    Some(value)
}

fn api(wire: &Wire, operation: &str, body: &Value) -> Request {
    wire.api_request(operation, body.to_string().into_bytes())
}

/// Fills every string leaf of a JSON value.
fn render_json(ctx: &mut Context, value: &Value) -> Result<Value, MissingValue> {
    Ok(match value {
        Value::String(text) => {
            let template = crate::scenario::template::Template::parse(text)
                .map_err(|e| MissingValue { reference: text.clone(), why: e.message })?;
            Value::String(ctx.render(&template)?)
        }
        Value::Array(items) => Value::Array(items.iter().map(|item| render_json(ctx, item)).collect::<Result<_, _>>()?),
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, item) in map {
                out.insert(key.clone(), render_json(ctx, item)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

fn hosted_request(wire: &Wire, ctx: &mut Context, hosted: &Hosted, endpoint: &str) -> Result<Request, StepFailure> {
    let client = client(ctx, &hosted.client)?.clone();
    let domain = ctx
        .pools
        .get(&client.pool)
        .and_then(|p| p.domain.clone())
        .ok_or_else(|| StepFailure::Local(format!("pool `{}` has no domain", client.pool)))?;
    let mut form: Vec<(String, String)> = Vec::new();
    let token = hosted.token.as_ref().map(|t| ctx.render(t)).transpose()?;
    if endpoint == "/oauth2/token" {
        form.push(("grant_type".into(), "refresh_token".into()));
        if let Some(token) = token {
            form.push(("refresh_token".into(), token));
        }
    } else if let Some(token) = token {
        form.push(("token".into(), token));
    }
    let secret = secret(ctx, &client, hosted.secret);
    let auth = hosted.auth.unwrap_or(if client.secret.is_some() { ClientAuth::Basic } else { ClientAuth::Body });
    let mut authorization = None;
    match auth {
        ClientAuth::Basic | ClientAuth::BasicAndBody => {
            let credentials = format!("{}:{}", client.id, secret.clone().unwrap_or_default());
            authorization = Some(format!("Basic {}", STANDARD.encode(credentials)));
            if auth == ClientAuth::BasicAndBody {
                form.push(("client_id".into(), client.id.clone()));
            }
        }
        ClientAuth::Body => {
            form.push(("client_id".into(), client.id.clone()));
            if let Some(secret) = secret {
                form.push(("client_secret".into(), secret));
            }
        }
        ClientAuth::None => {}
    }
    if let Some(value) = &authorization {
        ctx.redactor.register(value.trim_start_matches("Basic "), SecretKind::ClientSecret);
    }
    for (key, template) in &hosted.form {
        let value = ctx.render(template)?;
        form.retain(|(k, _)| k != key);
        form.push((key.clone(), value));
    }
    if let Some(raw) = &hosted.authorization {
        authorization = Some(ctx.render(raw)?);
    }
    let mut request = wire.hosted_request(&domain, reqwest::Method::POST, endpoint);
    let content_type = hosted.content_type.clone().unwrap_or_else(|| "application/x-www-form-urlencoded".into());
    request.headers.push(("content-type".into(), content_type));
    if let Some(value) = authorization {
        request.headers.push(("authorization".into(), value));
    }
    request.body = form_urlencoded::Serializer::new(String::new()).extend_pairs(&form).finish().into_bytes();
    Ok(request)
}

/// Builds the request for a remote action, or `None` for a local one.
fn build(wire: &Wire, ctx: &mut Context, action: &Action) -> Result<Option<Request>, StepFailure> {
    let request = match action {
        Action::SignIn { client: name, user, admin, secret_hash, hash_username } => {
            let client = client(ctx, name)?.clone();
            let user = ctx
                .users
                .get(user)
                .cloned()
                .ok_or_else(|| StepFailure::Local(format!("user `{user}` was not provisioned")))?;
            let hashed = hash_username.clone().unwrap_or_else(|| user.sign_in_name.clone());
            let mut params = json!({ "USERNAME": user.sign_in_name, "PASSWORD": user.password });
            if let Some(hash) = hash(ctx, &client, &hashed, *secret_hash) {
                params["SECRET_HASH"] = json!(hash);
            }
            if *admin {
                let pool = pool_id(ctx, &client.pool)?;
                let body = json!({ "UserPoolId": pool, "ClientId": client.id, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH", "AuthParameters": params });
                api(wire, "AdminInitiateAuth", &body)
            } else {
                api(
                    wire,
                    "InitiateAuth",
                    &json!({ "ClientId": client.id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": params }),
                )
            }
        }
        Action::Refresh { client: name, refresh_token, flow, admin, secret_hash } => {
            let client = client(ctx, name)?.clone();
            let token = ctx.render(refresh_token)?;
            let owner = ctx.token_owner.get(&token).cloned().unwrap_or_default();
            let mut params = json!({ "REFRESH_TOKEN": token });
            if let Some(hash) = hash(ctx, &client, &owner, *secret_hash) {
                params["SECRET_HASH"] = json!(hash);
            }
            if *admin {
                let pool = pool_id(ctx, &client.pool)?;
                api(
                    wire,
                    "AdminInitiateAuth",
                    &json!({ "UserPoolId": pool, "ClientId": client.id, "AuthFlow": flow, "AuthParameters": params }),
                )
            } else {
                api(wire, "InitiateAuth", &json!({ "ClientId": client.id, "AuthFlow": flow, "AuthParameters": params }))
            }
        }
        Action::GetTokens { client: name, refresh_token, secret: choice } => {
            let client = client(ctx, name)?.clone();
            let mut body = json!({ "RefreshToken": ctx.render(refresh_token)?, "ClientId": client.id });
            if let Some(secret) = secret(ctx, &client, *choice) {
                body["ClientSecret"] = json!(secret);
            }
            api(wire, "GetTokensFromRefreshToken", &body)
        }
        Action::RevokeToken { client: name, token, secret: choice, client_id, revoke_associated_sessions } => {
            let client = client(ctx, name)?.clone();
            let id = client_id.as_ref().map(|t| ctx.render(t)).transpose()?.unwrap_or_else(|| client.id.clone());
            let mut body = json!({ "Token": ctx.render(token)?, "ClientId": id });
            if let Some(secret) = secret(ctx, &client, *choice) {
                body["ClientSecret"] = json!(secret);
            }
            if let Some(linked) = revoke_associated_sessions {
                body["RevokeAssociatedSessions"] = json!(linked);
            }
            api(wire, "RevokeToken", &body)
        }
        Action::OAuthRevoke(hosted) => hosted_request(wire, ctx, hosted, "/oauth2/revoke")?,
        Action::OAuthToken(hosted) => hosted_request(wire, ctx, hosted, "/oauth2/token")?,
        Action::UserInfo { access_token, pool } => {
            let domain = ctx
                .pools
                .get(pool)
                .and_then(|p| p.domain.clone())
                .ok_or_else(|| StepFailure::Local(format!("pool `{pool}` has no domain")))?;
            let mut request = wire.hosted_request(&domain, reqwest::Method::GET, "/oauth2/userInfo");
            request.headers.push(("authorization".into(), format!("Bearer {}", ctx.render(access_token)?)));
            request
        }
        Action::GetUser { access_token } => api(wire, "GetUser", &json!({ "AccessToken": ctx.render(access_token)? })),
        Action::GlobalSignOut { access_token } => {
            api(wire, "GlobalSignOut", &json!({ "AccessToken": ctx.render(access_token)? }))
        }
        Action::AdminSignOut { user } | Action::DisableUser { user } | Action::EnableUser { user } => {
            let state = ctx
                .users
                .get(user)
                .cloned()
                .ok_or_else(|| StepFailure::Local(format!("user `{user}` was not provisioned")))?;
            let operation = match action {
                Action::AdminSignOut { .. } => "AdminUserGlobalSignOut",
                Action::DisableUser { .. } => "AdminDisableUser",
                _ => "AdminEnableUser",
            };
            api(wire, operation, &json!({ "UserPoolId": pool_id(ctx, &state.pool)?, "Username": state.username }))
        }
        Action::UpdateClient { client: name, revocation, flows } => {
            let client = client(ctx, name)?.clone();
            let mut body = json!({ "UserPoolId": pool_id(ctx, &client.pool)?, "ClientId": client.id });
            if let Some(revocation) = revocation {
                body["EnableTokenRevocation"] = json!(revocation);
            }
            if let Some(flows) = flows {
                body["ExplicitAuthFlows"] = json!(flows);
            }
            api(wire, "UpdateUserPoolClient", &body)
        }
        Action::Call { operation, body } => match body {
            CallBody::Json(value) => api(wire, operation, &render_json(ctx, value)?),
            CallBody::Raw(template) => wire.api_request(operation, ctx.render(template)?.into_bytes()),
        },
        Action::Http { method, path, domain, headers, body, form, basic } => {
            let method =
                reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| StepFailure::Local(e.to_string()))?;
            let path = ctx.render(path)?;
            let mut request = match domain {
                Some(pool) => {
                    let prefix = ctx.pools.get(pool).and_then(|p| p.domain.clone()).unwrap_or_default();
                    wire.hosted_request(&prefix, method, &path)
                }
                None => wire.plain_request(method, &path),
            };
            for (name, value) in headers {
                request.headers.push((name.clone(), ctx.render(value)?));
            }
            if let Some(basic) = basic {
                let encoded = STANDARD.encode(ctx.render(basic)?);
                ctx.redactor.register(&encoded, SecretKind::ClientSecret);
                request.headers.retain(|(name, _)| name != "authorization");
                request.headers.push(("authorization".into(), format!("Basic {encoded}")));
            }
            request.body = match form {
                Some(pairs) => {
                    let mut encoder = form_urlencoded::Serializer::new(String::new());
                    for (name, value) in pairs {
                        encoder.append_pair(name, &ctx.render(value)?);
                    }
                    encoder.finish().into_bytes()
                }
                None => ctx.render(body)?.into_bytes(),
            };
            request
        }
        Action::Decode { .. } | Action::VerifyOffline { .. } => return Ok(None),
    };
    Ok(Some(request))
}

/// Performs `action`.
pub async fn perform(wire: &Wire, ctx: &mut Context, action: &Action) -> Result<Performed, StepFailure> {
    match action {
        Action::Decode { token } => {
            let token = ctx.render(token)?;
            // A token that does not decode has no claims: claim checks then see them absent.
            let decoded = jwt::decode(&token).ok();
            Ok(Performed { request: None, output: StepOutput { decoded, ..StepOutput::default() } })
        }
        Action::VerifyOffline { token, pool } => {
            let token = ctx.render(token)?;
            let id = pool_id(ctx, pool)?;
            let request = wire.plain_request(reqwest::Method::GET, &format!("/{id}/.well-known/jwks.json"));
            let exchange = wire.send(&request).await?;
            let verified = match exchange.json() {
                Some(jwks) if exchange.status == 200 => jwt::verify_offline(&token, &jwks, &id).map_err(|e| e.0),
                _ => Err(format!("the JWKS endpoint answered HTTP {}", exchange.status)),
            };
            let json = exchange.json();
            let output =
                StepOutput { exchange: Some(exchange), json, verified: Some(verified), ..StepOutput::default() };
            Ok(Performed { request: Some(request), output })
        }
        remote => {
            let Some(request) = build(wire, ctx, remote)? else {
                return Err(StepFailure::Local("nothing to send".into()));
            };
            let secrets_before = ctx.redactor.len();
            let exchange = wire.send(&request).await?;
            let json = exchange.json();
            let mut output = StepOutput { exchange: Some(exchange), json, secrets_before, ..StepOutput::default() };
            if remote.kind().yields_tokens() {
                let owner = match remote {
                    Action::SignIn { user, .. } => ctx.users.get(user).map(|u| u.username.clone()),
                    _ => None,
                };
                ctx.remember_tokens(&mut output, owner.as_deref());
            }
            Ok(Performed { request: Some(request), output })
        }
    }
}
