//! Access-token operations: GetUser and GlobalSignOut, and the access-token check that
//! `/oauth2/userInfo` shares.
//!
//! An access token is accepted when its signature verifies against the pool's current access key,
//! it is unexpired, its `token_use` is `access`, its family is alive and its user exists and is
//! enabled. The family is found by `origin_jti`, or by `event_id` for tokens minted with
//! revocation disabled — so GlobalSignOut reaches those too (spec §6.1).

use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::faults::Fault;
use super::service::{Service, now};
use super::store::{RevokedBy, Store};
use super::tokens::{
    AccessClaims, AccessTokenError, unverified_claims, unverified_kid, unverified_pool_id, verify_access,
};
use super::validate::{Validator, token};

/// The input of GetUser and GlobalSignOut.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AccessTokenInput {
    access_token: Option<String>,
}

/// Why an access token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessError {
    /// Malformed, forged, of another kind, or of a deleted pool, client or family.
    Invalid,
    /// Past its `exp`.
    Expired,
    /// Its family was revoked (spec §3 E4).
    Revoked,
    /// Its user was deleted.
    UserNotFound,
    /// Its user is disabled.
    UserDisabled,
}

impl AccessError {
    /// The error the JSON API answers with.
    pub fn to_api(self) -> ApiError {
        match self {
            AccessError::Invalid => ApiError::not_authorized("Invalid Access Token"),
            AccessError::Expired => ApiError::not_authorized("Access Token has expired"),
            AccessError::Revoked => ApiError::not_authorized("Access Token has been revoked"),
            AccessError::UserNotFound => ApiError::user_not_found(),
            AccessError::UserDisabled => ApiError::not_authorized("User is disabled."),
        }
    }
}

/// Whose token it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// The pool.
    pub pool_id: String,
    /// The Cognito username.
    pub username: String,
}

fn is_revoked(service: &Service, store: &Store, claims: &AccessClaims) -> Result<bool, AccessError> {
    let family = store.family_of(claims.origin_jti, claims.event_id).ok_or(AccessError::Invalid)?;
    let by_family = match family.revoked {
        None => false,
        Some(RevokedBy::Revoke) => !service.has(Fault::AccessSurvivesRevoke) && !service.has(Fault::RevokeByJti),
        Some(RevokedBy::SignOut | RevokedBy::Disable) => true,
    };
    let by_jti = service.has(Fault::RevokeByJti) && claims.jti.is_some_and(|jti| store.revoked_jtis.contains(&jti));
    Ok(by_family || by_jti)
}

/// Checks an access token fully (signature, expiry, use, revocation, user).
pub fn authenticate(service: &Service, access_token: &str) -> Result<Subject, AccessError> {
    let pool_id = unverified_pool_id(access_token).ok_or(AccessError::Invalid)?;
    let kid = unverified_kid(access_token).ok_or(AccessError::Invalid)?;
    let store = service.store.lock();
    let pool = store.pools.get(&pool_id).ok_or(AccessError::Invalid)?;
    let key = service.keys.find(&kid, &[pool.access_key]).ok_or(AccessError::Invalid)?;
    let claims = verify_access(access_token, key, &service.issuer(&pool.id), now()).map_err(|error| match error {
        AccessTokenError::Expired => AccessError::Expired,
        AccessTokenError::Invalid => AccessError::Invalid,
    })?;
    // A deleted user's families are gone with it, so the user is looked up first: a valid token
    // of a deleted user answers "User does not exist." rather than "Invalid Access Token".
    let user = pool.users.get(&claims.username).ok_or(AccessError::UserNotFound)?;
    if user.sub != claims.sub {
        return Err(AccessError::Invalid);
    }
    if is_revoked(service, &store, &claims)? {
        return Err(AccessError::Revoked);
    }
    if !user.enabled {
        return Err(AccessError::UserDisabled);
    }
    Ok(Subject { pool_id, username: claims.username })
}

/// The `getuser-skips-verification` fault: trust whatever the token says. Only the checks the
/// fault names (signature, expiry, revocation) are skipped; a disabled user is still refused.
fn authenticate_unverified(service: &Service, access_token: &str) -> Result<Subject, AccessError> {
    let claims: AccessClaims = unverified_claims(access_token).ok_or(AccessError::Invalid)?;
    let pool_id = claims.iss.rsplit_once('/').map(|(_, pool)| pool.to_owned()).ok_or(AccessError::Invalid)?;
    let store = service.store.lock();
    let user = store.pools.get(&pool_id).and_then(|pool| pool.users.get(&claims.username));
    if user.is_some_and(|user| !user.enabled) {
        return Err(AccessError::UserDisabled);
    }
    Ok(Subject { pool_id, username: claims.username })
}

fn access_token(input: &AccessTokenInput) -> Result<&str, ApiError> {
    let mut v = Validator::new();
    let value = v.required(token("accessToken"), input.access_token.as_deref());
    v.finish()?;
    Ok(value.unwrap_or_default())
}

/// The user's name and attributes, `sub` first.
pub fn user_profile(service: &Service, subject: &Subject) -> Result<(String, Vec<(String, String)>), AccessError> {
    let store = service.store.lock();
    let user = store
        .pools
        .get(&subject.pool_id)
        .and_then(|pool| pool.users.get(&subject.username))
        .ok_or(AccessError::UserNotFound)?;
    let attributes =
        std::iter::once(("sub".to_owned(), user.sub.to_string())).chain(user.attributes.iter().cloned()).collect();
    Ok((user.username.clone(), attributes))
}

pub fn get_user(service: &Service, input: AccessTokenInput) -> Result<Value, ApiError> {
    let access_token = access_token(&input)?;
    let subject = if service.has(Fault::GetUserSkipsVerification) {
        authenticate_unverified(service, access_token)
    } else {
        authenticate(service, access_token)
    }
    .map_err(AccessError::to_api)?;
    let (username, attributes) = user_profile(service, &subject).map_err(AccessError::to_api)?;
    let attributes: Vec<Value> =
        attributes.into_iter().map(|(name, value)| json!({ "Name": name, "Value": value })).collect();
    Ok(json!({ "Username": username, "UserAttributes": attributes }))
}

pub fn global_sign_out(service: &Service, input: AccessTokenInput) -> Result<Value, ApiError> {
    let access_token = access_token(&input)?;
    let subject = authenticate(service, access_token).map_err(AccessError::to_api)?;
    service.store.lock().sign_out_user(&subject.pool_id, &subject.username, now());
    Ok(json!({}))
}
