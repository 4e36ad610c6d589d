//! Revocation: the RevokeToken operation and the core it shares with `/oauth2/revoke`.
//!
//! A revoke is keyed on the family: it kills the refresh token and every access and ID token that
//! shares its `origin_jti`, the sign-in's first tokens included, and nothing else (spec §3).
//! Checks run in the order client → secret → revocation enabled → token type → token → client
//! binding; an unknown or already revoked token is answered with success (spec R2/R3, Q3).

use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::auth::find_client;
use super::error::{ApiError, ErrorType};
use super::faults::Fault;
use super::secret::{SecretCheck, check_client_secret};
use super::service::Service;
use super::store::{Client, RevokedBy};
use super::tokens::{looks_like_jwt, unverified_claims};
use super::validate::{CLIENT_ID, CLIENT_SECRET, Validator, token};

/// The input of RevokeToken.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RevokeTokenInput {
    token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    revoke_associated_sessions: Option<String>,
}

/// Why a revoke was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeError {
    /// The caller failed the client's secret check.
    Secret(SecretCheck),
    /// The client has `EnableTokenRevocation=false`.
    RevocationDisabled,
    /// An access or ID token instead of a refresh token.
    UnsupportedTokenType,
    /// The token was issued to another client.
    WrongClient,
}

/// What a successful revoke did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeOutcome {
    /// The family was alive and is now revoked.
    Revoked,
    /// Unknown, malformed or already revoked: nothing changed.
    NothingToRevoke,
}

/// The family keys of an access or ID token, read without verification (the
/// `revoke-accepts-access-token` fault reads both kinds, so not through `AccessClaims`).
#[derive(Debug, Default, Deserialize)]
struct FamilyKeys {
    origin_jti: Option<Uuid>,
    event_id: Option<Uuid>,
}

/// The revoke core: `client` (authenticated by `secret`) revokes `token`.
pub fn revoke(
    service: &Service,
    client: &Client,
    secret: Option<&str>,
    token: &str,
) -> Result<RevokeOutcome, RevokeError> {
    if !service.has(Fault::RevokeIgnoresSecret) {
        check_client_secret(client, secret).map_err(RevokeError::Secret)?;
    }
    if !client.enable_token_revocation && !service.has(Fault::RevocationFlagIgnored) {
        return Err(RevokeError::RevocationDisabled);
    }
    let origin = if looks_like_jwt(token) {
        if !service.has(Fault::RevokeAcceptsAccessToken) {
            return Err(RevokeError::UnsupportedTokenType);
        }
        let keys: FamilyKeys = unverified_claims(token).unwrap_or_default();
        let store = service.store.lock();
        store.family_of(keys.origin_jti, keys.event_id).map(|family| family.origin_jti)
    } else {
        service.sealer.open(token)
    };
    let Some(origin) = origin else { return Ok(RevokeOutcome::NothingToRevoke) };
    let mut store = service.store.lock();
    let Some(family) = store.families.get_mut(&origin) else { return Ok(RevokeOutcome::NothingToRevoke) };
    if family.client_id != client.id && !service.has(Fault::NoClientBinding) {
        return Err(RevokeError::WrongClient);
    }
    if family.revoked.is_some() {
        return Ok(RevokeOutcome::NothingToRevoke);
    }
    let (first_jtis, pool_id) = (family.first_jtis, family.pool_id.clone());
    store.revoke_family(origin, RevokedBy::Revoke);
    if service.has(Fault::RevokeByJti) {
        store.revoked_jtis.extend(first_jtis);
    }
    if let Some(pool) = store.pools.get_mut(&pool_id).filter(|_| service.has(Fault::RotateKeysOnRevoke)) {
        pool.access_key += 2;
        pool.id_key += 2;
        pool.rotations += 1;
    }
    Ok(RevokeOutcome::Revoked)
}

pub fn revoke_token(service: &Service, input: RevokeTokenInput) -> Result<Value, ApiError> {
    if service.has(Fault::RevokeInternalError) {
        return Err(ApiError::new(ErrorType::InternalError, "Internal server error."));
    }
    let mut v = Validator::new();
    let token = v.required(token("token"), input.token.as_deref());
    let client_id = v.required(CLIENT_ID, input.client_id.as_deref());
    let secret = v.optional(CLIENT_SECRET, input.client_secret.as_deref());
    // LINKED also ends the parent SSO session when session tracking is on; the reference tracks
    // no SSO sessions, so both values behave as NONE (spec §6.3).
    v.one_of("revokeAssociatedSessions", input.revoke_associated_sessions.as_deref(), &["NONE", "LINKED"]);
    v.finish()?;
    let (token, client_id) = (token.unwrap_or_default(), client_id.unwrap_or_default());
    let client = find_client(service, client_id)
        .ok_or_else(|| ApiError::new(ErrorType::Unauthorized, "The client does not exist."))?;
    match revoke(service, &client, secret, token) {
        Ok(_) => Ok(json!({})),
        Err(RevokeError::Secret(_)) => Err(ApiError::new(ErrorType::Unauthorized, "Client authentication failed.")),
        Err(RevokeError::RevocationDisabled) => {
            Err(ApiError::new(ErrorType::UnsupportedOperation, "Token revocation is not enabled for this client."))
        }
        Err(RevokeError::UnsupportedTokenType) => {
            Err(ApiError::new(ErrorType::UnsupportedTokenType, "Only refresh tokens can be revoked."))
        }
        Err(RevokeError::WrongClient) => {
            Err(ApiError::new(ErrorType::Unauthorized, "The token was not issued to this client."))
        }
    }
}
