//! Users, managed by an administrator: AdminCreateUser, AdminGetUser, AdminSetUserPassword,
//! AdminDeleteUser, AdminDisableUser, AdminEnableUser, AdminUserGlobalSignOut.
//!
//! AdminDisableUser and AdminUserGlobalSignOut revoke every family of the user, whatever the
//! clients' `EnableTokenRevocation` says, and re-enabling brings nothing back (spec §6.1).

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::error::{ApiError, ErrorType};
use super::faults::Fault;
use super::service::{Service, now};
use super::store::{PasswordPolicy, Pool, RevokedBy, User, UserStatus};
use super::budget::{Footprint, give_back};
use super::validate::{ATTRIBUTE_NAME, ATTRIBUTE_VALUE, USERNAME, Validator, password};

/// The standard attributes a pool's schema has (OpenID Connect's, plus the two `_verified` flags);
/// `sub` is set by Cognito itself.
const STANDARD_ATTRIBUTES: [&str; 19] = [
    "address",
    "birthdate",
    "email",
    "email_verified",
    "family_name",
    "gender",
    "given_name",
    "locale",
    "middle_name",
    "name",
    "nickname",
    "phone_number",
    "phone_number_verified",
    "picture",
    "preferred_username",
    "profile",
    "updated_at",
    "website",
    "zoneinfo",
];

/// A pool holds at most this many custom attributes (`custom:` and `dev:`), so no user has more.
pub const MAX_CUSTOM_ATTRIBUTES: usize = 50;

/// Checks each attribute against the model (`AttributeNameType`, `AttributeValueType`), reporting
/// violations at `userAttributes.N.member.*` as Cognito numbers list members (from 1).
fn check_attributes(v: &mut Validator, attributes: &[AttributeInput]) {
    for (i, attribute) in attributes.iter().enumerate() {
        v.check_at(ATTRIBUTE_NAME, &format!("userAttributes.{}.member.name", i + 1), &attribute.name);
        if let Some(value) = attribute.value.as_deref().filter(|value| !value.is_empty()) {
            v.check_at(ATTRIBUTE_VALUE, &format!("userAttributes.{}.member.value", i + 1), value);
        }
    }
}

/// Refuses what no pool's schema holds: a name neither standard nor custom, or more custom
/// attributes than a pool can define (the reference keeps no schema, so it checks the bounds).
fn check_schema(attributes: &[(String, String)]) -> Result<(), ApiError> {
    let custom = |name: &str| name.starts_with("custom:") || name.starts_with("dev:");
    if let Some((name, _)) = attributes.iter().find(|(name, _)| !custom(name) && !STANDARD_ATTRIBUTES.contains(&name.as_str())) {
        return Err(ApiError::invalid_parameter(format!(
            "Attributes did not conform to the schema: Type for attribute {{{name}}} could not be determined"
        )));
    }
    if attributes.iter().filter(|(name, _)| custom(name)).count() > MAX_CUSTOM_ATTRIBUTES {
        return Err(ApiError::invalid_parameter(format!(
            "Attributes did not conform to the schema: a user pool has at most {MAX_CUSTOM_ATTRIBUTES} custom attributes"
        )));
    }
    Ok(())
}

/// Checks user attributes as AdminCreateUser does (the model's rules, then the schema), for
/// `serve --pools` ([`super::seed`]), which reports each problem at its place in the file.
pub(crate) fn check_user_attributes(attributes: &[(String, String)]) -> Result<(), ApiError> {
    let inputs: Vec<AttributeInput> = attributes
        .iter()
        .map(|(name, value)| AttributeInput { name: name.clone(), value: Some(value.clone()) })
        .collect();
    let mut v = Validator::new();
    check_attributes(&mut v, &inputs);
    v.finish()?;
    if attributes.iter().any(|(name, _)| name == "sub") {
        return Err(ApiError::invalid_parameter("Cannot modify the non-mutable attribute sub"));
    }
    check_schema(attributes)
}

/// One `{"Name": …, "Value": …}` user attribute.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AttributeInput {
    name: String,
    value: Option<String>,
}

/// The input of AdminCreateUser.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[allow(dead_code)]
pub struct CreateUserInput {
    user_pool_id: Option<String>,
    username: Option<String>,
    user_attributes: Option<Vec<AttributeInput>>,
    temporary_password: Option<String>,
    message_action: Option<String>,
    validation_data: Option<IgnoredAny>,
    force_alias_creation: Option<bool>,
    desired_delivery_mediums: Option<IgnoredAny>,
    client_metadata: Option<IgnoredAny>,
}

/// The input of the admin operations that name one user.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UserRefInput {
    user_pool_id: Option<String>,
    username: Option<String>,
}

/// The input of AdminSetUserPassword.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SetPasswordInput {
    user_pool_id: Option<String>,
    username: Option<String>,
    password: Option<String>,
    permanent: Option<bool>,
}

/// SHA-256 of a password: the reference never keeps a password in clear.
pub fn password_digest(password: &str) -> [u8; 32] {
    Sha256::digest(password.as_bytes()).into()
}

/// Checks a password against a pool's policy, with Cognito's messages.
pub fn check_password(policy: &PasswordPolicy, password: &str) -> Result<(), ApiError> {
    let fail = |why: &str| {
        Err(ApiError::new(ErrorType::InvalidPassword, format!("Password does not conform to policy: {why}")))
    };
    if password.chars().count() < policy.minimum_length {
        return fail("Password not long enough");
    }
    if policy.require_lowercase && !password.chars().any(|c| c.is_lowercase()) {
        return fail("Password must have lowercase characters");
    }
    if policy.require_uppercase && !password.chars().any(|c| c.is_uppercase()) {
        return fail("Password must have uppercase characters");
    }
    if policy.require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
        return fail("Password must have numeric characters");
    }
    if policy.require_symbols && !password.chars().any(|c| c.is_ascii_punctuation() || c == ' ') {
        return fail("Password must have symbol characters");
    }
    Ok(())
}

fn user_ref(input: &UserRefInput) -> Result<(String, String), ApiError> {
    let mut v = Validator::new();
    let pool_id = v.pool_id(input.user_pool_id.as_deref()).map(str::to_owned);
    let username = v.required(USERNAME, input.username.as_deref()).map(str::to_owned);
    v.finish()?;
    Ok((pool_id.unwrap_or_default(), username.unwrap_or_default()))
}

fn attributes_json(user: &User) -> Vec<Value> {
    std::iter::once(json!({ "Name": "sub", "Value": user.sub.to_string() }))
        .chain(user.attributes.iter().map(|(name, value)| json!({ "Name": name, "Value": value })))
        .collect()
}

/// Finds a pool and the Cognito username `name` refers to, with Cognito's errors.
fn locate<'a>(pool: Option<&'a Pool>, pool_id: &str, name: &str) -> Result<(&'a Pool, String), ApiError> {
    let pool = pool.ok_or_else(|| ApiError::pool_not_found(pool_id))?;
    let username = pool.resolve_username(name).ok_or_else(ApiError::user_not_found)?.to_owned();
    Ok((pool, username))
}

pub fn admin_create_user(service: &Service, input: CreateUserInput) -> Result<Value, ApiError> {
    let mut v = Validator::new();
    let pool_id = v.pool_id(input.user_pool_id.as_deref()).map(str::to_owned);
    let name = v.required(USERNAME, input.username.as_deref()).map(str::to_owned);
    let temporary = v.optional(password("temporaryPassword"), input.temporary_password.as_deref()).map(str::to_owned);
    v.one_of("messageAction", input.message_action.as_deref(), &["RESEND", "SUPPRESS"]);
    check_attributes(&mut v, input.user_attributes.as_deref().unwrap_or_default());
    v.finish()?;
    let (pool_id, name) = (pool_id.unwrap_or_default(), name.unwrap_or_default());
    let mut attributes: Vec<(String, String)> = Vec::new();
    for attribute in input.user_attributes.into_iter().flatten() {
        if attribute.name == "sub" {
            return Err(ApiError::invalid_parameter("Cannot modify the non-mutable attribute sub"));
        }
        attributes.retain(|(existing, _)| *existing != attribute.name);
        attributes.push((attribute.name, attribute.value.unwrap_or_default()));
    }
    check_schema(&attributes)?;
    let mut store = service.store.lock();
    let pool = store.pools.get_mut(&pool_id).ok_or_else(|| ApiError::pool_not_found(&pool_id))?;
    if pool.users.len() >= service.limits.max_users_per_pool {
        return Err(ApiError::new(ErrorType::LimitExceeded, "The user pool holds its maximum number of users."));
    }
    if let Some(temporary) = &temporary {
        check_password(&pool.password_policy, temporary)?;
    }
    let sub = Uuid::new_v4();
    // Pools that sign in by e-mail or phone take that as the "username" and name the user by `sub`
    // (spec §4.2, aws-seen).
    let (username, alias) = if pool.username_attributes.is_empty() {
        (name, None)
    } else {
        let by_email = pool.username_attributes.iter().any(|a| a == "email") && name.contains('@');
        let by_phone = pool.username_attributes.iter().any(|a| a == "phone_number") && name.starts_with('+');
        let attribute = match (by_email, by_phone) {
            (true, _) => "email",
            (_, true) => "phone_number",
            _ => return Err(ApiError::invalid_parameter("Username should be either an email or a phone number.")),
        };
        if !attributes.iter().any(|(key, _)| key == attribute) {
            attributes.push((attribute.to_owned(), name.clone()));
        }
        (sub.to_string(), Some(name))
    };
    if pool.users.contains_key(&username) {
        return Err(ApiError::new(ErrorType::UsernameExists, "User account already exists"));
    }
    if alias.as_ref().is_some_and(|alias| pool.aliases.contains_key(alias)) {
        return Err(ApiError::new(ErrorType::UsernameExists, "An account with the given email already exists."));
    }
    let created = now();
    let user = User {
        username: username.clone(),
        sub,
        attributes,
        password_sha256: temporary.as_deref().map(password_digest),
        status: UserStatus::ForceChangePassword,
        enabled: true,
        created,
        modified: created,
        families: Vec::new(),
        signed_out_at: None,
    };
    let out = json!({ "User": {
        "Username": user.username,
        "Attributes": attributes_json(&user),
        "UserCreateDate": user.created,
        "UserLastModifiedDate": user.modified,
        "Enabled": true,
        "UserStatus": user.status.name(),
    }});
    let charge = user.footprint() + alias.as_ref().map_or(0, |alias| alias.len() + username.len());
    store.admit(charge, service.limits.max_bytes)?;
    let pool = store.pools.get_mut(&pool_id).ok_or_else(|| ApiError::pool_not_found(&pool_id))?;
    if let Some(alias) = alias {
        pool.aliases.insert(alias, username.clone());
    }
    pool.users.insert(username, user);
    Ok(out)
}

pub fn admin_get_user(service: &Service, input: UserRefInput) -> Result<Value, ApiError> {
    let (pool_id, name) = user_ref(&input)?;
    let store = service.store.lock();
    let (pool, username) = locate(store.pools.get(&pool_id), &pool_id, &name)?;
    let user = pool.users.get(&username).ok_or_else(ApiError::user_not_found)?;
    Ok(json!({
        "Username": user.username,
        "UserAttributes": attributes_json(user),
        "UserCreateDate": user.created,
        "UserLastModifiedDate": user.modified,
        "Enabled": user.enabled,
        "UserStatus": user.status.name(),
    }))
}

pub fn admin_set_user_password(service: &Service, input: SetPasswordInput) -> Result<Value, ApiError> {
    let mut v = Validator::new();
    let pool_id = v.pool_id(input.user_pool_id.as_deref()).map(str::to_owned);
    let name = v.required(USERNAME, input.username.as_deref()).map(str::to_owned);
    let new_password = v.required(password("password"), input.password.as_deref()).map(str::to_owned);
    v.finish()?;
    let (pool_id, name, new_password) =
        (pool_id.unwrap_or_default(), name.unwrap_or_default(), new_password.unwrap_or_default());
    let mut store = service.store.lock();
    let (pool, username) = locate(store.pools.get(&pool_id), &pool_id, &name)?;
    check_password(&pool.password_policy, &new_password)?;
    let user = store
        .pools
        .get_mut(&pool_id)
        .and_then(|pool| pool.users.get_mut(&username))
        .ok_or_else(ApiError::user_not_found)?;
    user.password_sha256 = Some(password_digest(&new_password));
    user.status = if input.permanent == Some(true) { UserStatus::Confirmed } else { UserStatus::ForceChangePassword };
    user.modified = now();
    Ok(json!({}))
}

pub fn admin_delete_user(service: &Service, input: UserRefInput) -> Result<Value, ApiError> {
    let (pool_id, name) = user_ref(&input)?;
    let mut store = service.store.lock();
    let (_, username) = locate(store.pools.get(&pool_id), &pool_id, &name)?;
    let mut freed = 0;
    if let Some(pool) = store.pools.get_mut(&pool_id) {
        freed += pool.users.remove(&username).map_or(0, |user| user.footprint());
        pool.aliases.retain(|alias, target| {
            let kept = *target != username;
            if !kept {
                freed += alias.len() + target.len();
            }
            kept
        });
    }
    store.remove_families(|family| family.pool_id != pool_id || family.username != username);
    store.release(freed);
    drop(store);
    give_back(freed);
    Ok(json!({}))
}

pub fn admin_disable_user(service: &Service, input: UserRefInput) -> Result<Value, ApiError> {
    let (pool_id, name) = user_ref(&input)?;
    let mut store = service.store.lock();
    let (_, username) = locate(store.pools.get(&pool_id), &pool_id, &name)?;
    if let Some(user) = store.pools.get_mut(&pool_id).and_then(|pool| pool.users.get_mut(&username)) {
        user.enabled = false;
        user.modified = now();
    }
    if !service.has(Fault::DisableKeepsTokens) {
        store.revoke_user_families(&pool_id, &username, RevokedBy::Disable);
    }
    Ok(json!({}))
}

pub fn admin_enable_user(service: &Service, input: UserRefInput) -> Result<Value, ApiError> {
    let (pool_id, name) = user_ref(&input)?;
    let mut store = service.store.lock();
    let (_, username) = locate(store.pools.get(&pool_id), &pool_id, &name)?;
    if let Some(user) = store.pools.get_mut(&pool_id).and_then(|pool| pool.users.get_mut(&username)) {
        user.enabled = true;
        user.modified = now();
    }
    Ok(json!({}))
}

pub fn admin_user_global_sign_out(service: &Service, input: UserRefInput) -> Result<Value, ApiError> {
    let (pool_id, name) = user_ref(&input)?;
    let mut store = service.store.lock();
    let (_, username) = locate(store.pools.get(&pool_id), &pool_id, &name)?;
    store.sign_out_user(&pool_id, &username, now());
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_needs_every_character_class() {
        let policy = PasswordPolicy::default();
        assert!(check_password(&policy, "Passw0rd!").is_ok());
        for weak in ["Sh0rt!", "password0!", "PASSWORD0!", "Password!!", "Password00"] {
            let error = check_password(&policy, weak).unwrap_err();
            assert_eq!(error.kind, ErrorType::InvalidPassword, "{weak}");
        }
    }
}
