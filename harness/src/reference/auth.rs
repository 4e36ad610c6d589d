//! Sign-in and refresh: InitiateAuth, AdminInitiateAuth and GetTokensFromRefreshToken, plus the
//! refresh core the hosted `/oauth2/token` endpoint shares.
//!
//! A sign-in starts a family; a refresh mints new tokens in the same family — same `origin_jti`,
//! same `event_id`, same `auth_time`, new `jti`s — and, with rotation off, no new refresh token
//! (spec §4.1, §4.5). Checks run in the order: client → token → client binding → secret →
//! revoked → user, so a caller without the client's secret learns nothing about revocation.

use std::collections::HashMap;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Value, json};
use uuid::Uuid;

use super::error::ApiError;
use super::faults::Fault;
use super::secret::{SecretCheck, check_client_secret, check_secret_hash};
use super::service::{Service, now};
use super::store::{Client, Family, UserStatus};
use super::tokens::{JtiClaims, MintRequest, MintedTokens, mint};
use super::users::password_digest;
use super::validate::{CLIENT_ID, CLIENT_SECRET, Validator, token};
use subtle::ConstantTimeEq;

/// The input of InitiateAuth and AdminInitiateAuth (the union of both shapes).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[allow(dead_code)]
pub struct InitiateAuthInput {
    user_pool_id: Option<String>,
    client_id: Option<String>,
    auth_flow: Option<String>,
    auth_parameters: Option<HashMap<String, String>>,
    client_metadata: Option<IgnoredAny>,
    analytics_metadata: Option<IgnoredAny>,
    user_context_data: Option<IgnoredAny>,
    context_data: Option<IgnoredAny>,
    session: Option<IgnoredAny>,
}

/// The input of GetTokensFromRefreshToken.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[allow(dead_code)]
pub struct GetTokensInput {
    refresh_token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    device_key: Option<IgnoredAny>,
    client_metadata: Option<IgnoredAny>,
}

const AUTH_FLOWS: [&str; 8] = [
    "USER_SRP_AUTH",
    "REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN",
    "CUSTOM_AUTH",
    "ADMIN_NO_SRP_AUTH",
    "USER_PASSWORD_AUTH",
    "ADMIN_USER_PASSWORD_AUTH",
    "USER_AUTH",
];

/// Why a refresh token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshError {
    /// Not a refresh token of this instance, or its family is gone.
    Invalid,
    /// Issued to another client.
    DifferentClient,
    /// The caller failed the client's secret check.
    Secret(SecretCheck),
    /// Its family was revoked.
    Revoked,
    /// Past its lifetime.
    Expired,
    /// The user is disabled.
    UserDisabled,
}

impl RefreshError {
    /// The error the JSON API answers with (spec §3, E1 and the negative controls).
    pub fn to_api(self, client_id: &str) -> ApiError {
        match self {
            RefreshError::Invalid => ApiError::not_authorized("Invalid Refresh Token."),
            RefreshError::DifferentClient => ApiError::not_authorized("Refresh Token has different Client"),
            RefreshError::Secret(check) => check.to_api(client_id),
            RefreshError::Revoked => ApiError::not_authorized("Refresh Token has been revoked"),
            RefreshError::Expired => ApiError::not_authorized("Refresh Token has expired"),
            RefreshError::UserDisabled => ApiError::not_authorized("User is disabled."),
        }
    }
}

/// A successful sign-in or refresh.
#[derive(Debug)]
pub struct Issued {
    /// The new access and ID tokens.
    pub tokens: MintedTokens,
    /// A refresh token, on sign-in only (or under the `refresh-returns-refresh-token` fault).
    pub refresh_token: Option<String>,
    /// Access-token lifetime, for `ExpiresIn`.
    pub expires_in: u64,
}

impl Issued {
    fn to_json(&self) -> Value {
        let mut result = json!({
            "AccessToken": self.tokens.access_token,
            "ExpiresIn": self.expires_in,
            "TokenType": "Bearer",
            "IdToken": self.tokens.id_token,
        });
        if let Some(refresh) = &self.refresh_token {
            result["RefreshToken"] = json!(refresh);
        }
        json!({ "AuthenticationResult": result, "ChallengeParameters": {} })
    }
}

/// Mints tokens for `family` as `client` issues them. Takes the lock only to read.
fn issue(
    service: &Service,
    family: &Family,
    jtis: [Uuid; 2],
    refresh_token: Option<String>,
) -> Result<Issued, RefreshError> {
    let (issuer, client, user, keys) = {
        let store = service.store.lock();
        let client = store.clients.get(&family.client_id).ok_or(RefreshError::Invalid)?.clone();
        let pool = store.pools.get(&family.pool_id).ok_or(RefreshError::Invalid)?;
        let user = pool.users.get(&family.username).ok_or(RefreshError::Invalid)?;
        ((service.issuer(&pool.id)), client, (user.sub, user.attributes.clone()), (pool.access_key, pool.id_key))
    };
    let revocation = client.enable_token_revocation || service.has(Fault::JtiWhenDisabled);
    let request = MintRequest {
        issuer: &issuer,
        client_id: &client.id,
        username: &family.username,
        sub: user.0,
        attributes: &user.1,
        origin_jti: revocation.then_some(family.origin_jti),
        jti: if revocation { JtiClaims::Both } else { JtiClaims::AccessOnly },
        jtis,
        event_id: family.event_id,
        auth_time: family.auth_time,
        now: now(),
        access_validity: client.validity.access,
        id_validity: client.validity.id,
    };
    let tokens = mint(&request, service.keys.get(keys.0), service.keys.get(keys.1));
    Ok(Issued { tokens, refresh_token, expires_in: client.validity.access })
}

/// Signs a user in on `client`: checks the password, starts a family, mints its tokens.
fn sign_in(service: &Service, client: &Client, params: &HashMap<String, String>) -> Result<Value, ApiError> {
    let name =
        params.get("USERNAME").ok_or_else(|| ApiError::invalid_parameter("Missing required parameter USERNAME"))?;
    let password =
        params.get("PASSWORD").ok_or_else(|| ApiError::invalid_parameter("Missing required parameter PASSWORD"))?;
    if !service.has(Fault::SecretHashNotEnforced) {
        check_secret_hash(service, client, name, params.get("SECRET_HASH").map(String::as_str))
            .map_err(|check| check.to_api(&client.id))?;
    }
    let origin_jti = Uuid::new_v4();
    let jtis = [Uuid::new_v4(), Uuid::new_v4()];
    let family = {
        let mut store = service.store.lock();
        let pool = store.pools.get(&client.pool_id).ok_or_else(|| ApiError::pool_not_found(&client.pool_id))?;
        let user = pool.user(name).ok_or_else(ApiError::user_not_found)?;
        let matches = user.password_sha256.is_some_and(|stored| bool::from(stored.ct_eq(&password_digest(password))));
        if !matches {
            return Err(ApiError::not_authorized("Incorrect username or password."));
        }
        if !user.enabled {
            return Err(ApiError::not_authorized("User is disabled."));
        }
        if user.status == UserStatus::ForceChangePassword {
            return Ok(json!({
                "ChallengeName": "NEW_PASSWORD_REQUIRED",
                "Session": service.sealer.seal(Uuid::new_v4()).map_err(|_| ApiError::not_authorized("Try again."))?,
                "ChallengeParameters": { "USER_ID_FOR_SRP": user.username, "requiredAttributes": "[]", "userAttributes": "{}" },
            }));
        }
        if store.families.len() >= service.limits.max_families {
            return Err(ApiError::new(
                super::error::ErrorType::LimitExceeded,
                "The reference target holds its maximum number of token families.",
            ));
        }
        let now = now();
        let family = Family {
            origin_jti,
            event_id: Uuid::new_v4(),
            pool_id: client.pool_id.clone(),
            client_id: client.id.clone(),
            username: user.username.clone(),
            auth_time: now,
            refresh_expires_at: now + client.validity.refresh,
            first_jtis: jtis,
            revoked: None,
        };
        store.insert_family(family.clone());
        family
    };
    let refresh = service.sealer.seal(origin_jti).map_err(|_| ApiError::not_authorized("Try again."))?;
    let issued = issue(service, &family, jtis, Some(refresh)).map_err(|e| e.to_api(&client.id))?;
    Ok(issued.to_json())
}

/// How a refresh authenticates its client.
#[derive(Debug, Clone, Copy)]
pub enum ClientProof<'a> {
    /// InitiateAuth and AdminInitiateAuth: a SECRET_HASH over the family's username.
    SecretHash(Option<&'a str>),
    /// GetTokensFromRefreshToken and `/oauth2/token`: the raw client secret.
    Secret(Option<&'a str>),
}

/// The refresh core: from a refresh token presented by `client` to new tokens of its family.
pub fn refresh(
    service: &Service,
    client: &Client,
    refresh_token: &str,
    proof: ClientProof<'_>,
) -> Result<Issued, RefreshError> {
    let origin = service.sealer.open(refresh_token).ok_or(RefreshError::Invalid)?;
    let family = {
        let store = service.store.lock();
        store.families.get(&origin).cloned().ok_or(RefreshError::Invalid)?
    };
    if family.client_id != client.id && !service.has(Fault::NoClientBinding) {
        return Err(RefreshError::DifferentClient);
    }
    match proof {
        ClientProof::SecretHash(_) if service.has(Fault::SecretHashNotEnforced) => {}
        ClientProof::SecretHash(hash) => {
            check_secret_hash(service, client, &family.username, hash).map_err(RefreshError::Secret)?
        }
        ClientProof::Secret(secret) => check_client_secret(client, secret).map_err(RefreshError::Secret)?,
    }
    if family.revoked.is_some() {
        return Err(RefreshError::Revoked);
    }
    if family.refresh_expires_at <= now() {
        return Err(RefreshError::Expired);
    }
    let family = {
        let mut store = service.store.lock();
        let enabled =
            store.pools.get(&family.pool_id).and_then(|pool| pool.users.get(&family.username)).map(|user| user.enabled);
        match enabled {
            None => return Err(RefreshError::Invalid),
            Some(false) => return Err(RefreshError::UserDisabled),
            Some(true) => {}
        }
        if service.has(Fault::OriginJtiRotates) {
            // The buggy emulator books each refresh as a session of its own.
            let child = Family { origin_jti: Uuid::new_v4(), ..family.clone() };
            if let Some(user) = store.pools.get_mut(&child.pool_id).and_then(|pool| pool.users.get_mut(&child.username))
            {
                user.families.push(child.origin_jti);
            }
            store.families.insert(child.origin_jti, child.clone());
            child
        } else {
            family
        }
    };
    // The fault is REFRESH_TOKEN_AUTH's (the SECRET_HASH paths); GetTokensFromRefreshToken and
    // `/oauth2/token` keep answering without a refresh token.
    let buggy_flow = service.has(Fault::RefreshReturnsRefreshToken) && matches!(proof, ClientProof::SecretHash(_));
    let new_refresh = buggy_flow.then(|| service.sealer.seal(family.origin_jti).ok()).flatten();
    issue(service, &family, [Uuid::new_v4(), Uuid::new_v4()], new_refresh)
}

/// Looks up a client by id, across pools.
pub fn find_client(service: &Service, client_id: &str) -> Option<Client> {
    service.store.lock().clients.get(client_id).cloned()
}

fn initiate(service: &Service, input: InitiateAuthInput, admin: bool) -> Result<Value, ApiError> {
    let mut v = Validator::new();
    let pool_id = if admin { v.pool_id(input.user_pool_id.as_deref()).map(str::to_owned) } else { None };
    let client_id = v.required(CLIENT_ID, input.client_id.as_deref()).map(str::to_owned);
    if input.auth_flow.is_none() {
        v.required(super::validate::StringRule { field: "authFlow", ..CLIENT_ID }, None);
    }
    let flow = v.one_of("authFlow", input.auth_flow.as_deref(), &AUTH_FLOWS).map(str::to_owned);
    v.finish()?;
    if !admin && input.user_pool_id.is_some() {
        return Err(ApiError::serialization("Unknown member 'UserPoolId' in request."));
    }
    let (client_id, flow) = (client_id.unwrap_or_default(), flow.unwrap_or_default());
    let client = find_client(service, &client_id)
        .filter(|client| pool_id.as_ref().is_none_or(|pool| *pool == client.pool_id))
        .ok_or_else(|| ApiError::client_not_found(&client_id))?;
    let params = input.auth_parameters.unwrap_or_default();
    match flow.as_str() {
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => {
            if !client.allows_flow("ALLOW_REFRESH_TOKEN_AUTH") {
                return Err(ApiError::invalid_parameter("Refresh Token auth flow not enabled for this client"));
            }
            let refresh_token = params
                .get("REFRESH_TOKEN")
                .ok_or_else(|| ApiError::invalid_parameter("Missing required parameter REFRESH_TOKEN"))?;
            let proof = ClientProof::SecretHash(params.get("SECRET_HASH").map(String::as_str));
            let issued = refresh(service, &client, refresh_token, proof).map_err(|e| e.to_api(&client.id))?;
            Ok(issued.to_json())
        }
        "USER_PASSWORD_AUTH" if !admin => {
            if !client.allows_flow("ALLOW_USER_PASSWORD_AUTH") {
                return Err(ApiError::invalid_parameter("USER_PASSWORD_AUTH flow not enabled for this client"));
            }
            sign_in(service, &client, &params)
        }
        "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" if admin => {
            if !client.allows_flow("ALLOW_ADMIN_USER_PASSWORD_AUTH") {
                return Err(ApiError::invalid_parameter("Auth flow not enabled for this client"));
            }
            sign_in(service, &client, &params)
        }
        "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" | "USER_PASSWORD_AUTH" => {
            Err(ApiError::invalid_parameter("Initiate Auth method not supported."))
        }
        other => Err(ApiError::invalid_parameter(format!("{other} is not supported by the reference target."))),
    }
}

pub fn initiate_auth(service: &Service, input: InitiateAuthInput) -> Result<Value, ApiError> {
    initiate(service, input, false)
}

pub fn admin_initiate_auth(service: &Service, input: InitiateAuthInput) -> Result<Value, ApiError> {
    initiate(service, input, true)
}

pub fn get_tokens_from_refresh_token(service: &Service, input: GetTokensInput) -> Result<Value, ApiError> {
    let mut v = Validator::new();
    let refresh_token = v.required(token("refreshToken"), input.refresh_token.as_deref());
    let client_id = v.required(CLIENT_ID, input.client_id.as_deref());
    let secret = v.optional(CLIENT_SECRET, input.client_secret.as_deref());
    v.finish()?;
    let (refresh_token, client_id) = (refresh_token.unwrap_or_default(), client_id.unwrap_or_default());
    let client = find_client(service, client_id).ok_or_else(|| ApiError::client_not_found(client_id))?;
    let issued =
        refresh(service, &client, refresh_token, ClientProof::Secret(secret)).map_err(|e| e.to_api(&client.id))?;
    Ok(issued.to_json())
}
