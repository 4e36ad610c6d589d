//! User pools and their hosted-UI domains: CreateUserPool, DeleteUserPool, DescribeUserPool, ListUserPools,
//! CreateUserPoolDomain, DeleteUserPoolDomain, and the JWKS document.

use rand::RngExt;
use rand::distr::Alphanumeric;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Value, json};

use super::budget::{Footprint, give_back};
use super::error::{ApiError, ErrorType};
use super::service::{Service, now};
use super::store::{PasswordPolicy, Pool};
use super::validate::{POOL_NAME, StringRule, Validator};

/// The account id in ARNs the reference makes up.
pub const ACCOUNT_ID: &str = "123456789012";

/// Model members the reference accepts but does not act on are typed `IgnoredAny`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[allow(dead_code)]
pub struct CreateUserPoolInput {
    pool_name: Option<String>,
    policies: Option<PoliciesInput>,
    deletion_protection: Option<String>,
    username_attributes: Option<Vec<String>>,
    alias_attributes: Option<Vec<String>>,
    auto_verified_attributes: Option<Vec<String>>,
    schema: Option<IgnoredAny>,
    lambda_config: Option<IgnoredAny>,
    sms_verification_message: Option<IgnoredAny>,
    email_verification_message: Option<IgnoredAny>,
    email_verification_subject: Option<IgnoredAny>,
    verification_message_template: Option<IgnoredAny>,
    sms_authentication_message: Option<IgnoredAny>,
    mfa_configuration: Option<IgnoredAny>,
    user_attribute_update_settings: Option<IgnoredAny>,
    device_configuration: Option<IgnoredAny>,
    email_configuration: Option<IgnoredAny>,
    sms_configuration: Option<IgnoredAny>,
    user_pool_tags: Option<std::collections::BTreeMap<String, String>>,
    admin_create_user_config: Option<IgnoredAny>,
    user_pool_add_ons: Option<IgnoredAny>,
    dcr_configuration: Option<IgnoredAny>,
    username_configuration: Option<IgnoredAny>,
    account_recovery_setting: Option<IgnoredAny>,
    user_pool_tier: Option<IgnoredAny>,
    key_configuration: Option<IgnoredAny>,
    issuer_configuration: Option<IgnoredAny>,
    acr_configuration: Option<IgnoredAny>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[allow(dead_code)]
struct PoliciesInput {
    password_policy: Option<PasswordPolicyInput>,
    sign_in_policy: Option<IgnoredAny>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[allow(dead_code)]
struct PasswordPolicyInput {
    minimum_length: Option<i64>,
    require_uppercase: Option<bool>,
    require_lowercase: Option<bool>,
    require_numbers: Option<bool>,
    require_symbols: Option<bool>,
    password_history_size: Option<IgnoredAny>,
    temporary_password_validity_days: Option<IgnoredAny>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PoolIdInput {
    user_pool_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ListUserPoolsInput {
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[allow(dead_code)]
pub struct DomainInput {
    domain: Option<String>,
    user_pool_id: Option<String>,
    custom_domain_config: Option<IgnoredAny>,
    managed_login_version: Option<IgnoredAny>,
    routing: Option<IgnoredAny>,
}

fn pool_json(service: &Service, pool: &Pool) -> Value {
    let policy = &pool.password_policy;
    let mut out = json!({
        "Id": pool.id,
        "Name": pool.name,
        "Arn": format!("arn:aws:cognito-idp:{}:{ACCOUNT_ID}:userpool/{}", service.region(), pool.id),
        "CreationDate": pool.created,
        "LastModifiedDate": pool.created,
        "EstimatedNumberOfUsers": pool.users.len(),
        "Policies": { "PasswordPolicy": {
            "MinimumLength": policy.minimum_length,
            "RequireUppercase": policy.require_uppercase,
            "RequireLowercase": policy.require_lowercase,
            "RequireNumbers": policy.require_numbers,
            "RequireSymbols": policy.require_symbols,
        }},
    });
    if !pool.username_attributes.is_empty() {
        out["UsernameAttributes"] = json!(pool.username_attributes);
    }
    if let Some(domain) = &pool.domain {
        out["Domain"] = json!(domain);
    }
    if !pool.tags.is_empty() {
        out["UserPoolTags"] = json!(pool.tags);
    }
    out
}

fn random_alphanumeric(len: usize) -> String {
    rand::rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

pub fn create_user_pool(service: &Service, input: CreateUserPoolInput) -> Result<Value, ApiError> {
    create_pool(service, input, None)
}

/// CreateUserPool, with the id `fixed_id` instead of a new one when given (`serve --pools`, see
/// [`super::seed`]): everything else, validation included, is the operation's.
pub(crate) fn create_pool(
    service: &Service,
    input: CreateUserPoolInput,
    fixed_id: Option<&str>,
) -> Result<Value, ApiError> {
    let mut v = Validator::new();
    let name = v.required(POOL_NAME, input.pool_name.as_deref());
    v.one_of("deletionProtection", input.deletion_protection.as_deref(), &["ACTIVE", "INACTIVE"]);
    let policy_input = input.policies.and_then(|p| p.password_policy);
    let minimum_length = policy_input.as_ref().and_then(|p| v.range("minimumLength", p.minimum_length, 6, 99));
    for attribute in input.username_attributes.iter().flatten() {
        v.one_of("usernameAttributes", Some(attribute), &["phone_number", "email"]);
    }
    v.finish()?;
    if input.username_attributes.is_some() && input.alias_attributes.is_some() {
        return Err(ApiError::invalid_parameter(
            "Only one of the following can be specified: UsernameAttributes or AliasAttributes.",
        ));
    }
    let mut password_policy = PasswordPolicy::default();
    if let Some(p) = policy_input {
        password_policy.minimum_length = minimum_length.map_or(8, |n| n as usize);
        password_policy.require_uppercase = p.require_uppercase.unwrap_or(false);
        password_policy.require_lowercase = p.require_lowercase.unwrap_or(false);
        password_policy.require_numbers = p.require_numbers.unwrap_or(false);
        password_policy.require_symbols = p.require_symbols.unwrap_or(false);
    }
    let mut store = service.store.lock();
    if store.pools.len() >= service.limits.max_pools {
        return Err(ApiError::new(
            ErrorType::LimitExceeded,
            "The reference target holds its maximum number of user pools.",
        ));
    }
    let id = match fixed_id {
        Some(id) if store.pools.contains_key(id) => {
            return Err(ApiError::invalid_parameter(format!("A user pool with id {id} already exists.")));
        }
        Some(id) => id.to_owned(),
        // A fixed id may be anything the model allows, so a new one is drawn until it is free.
        None => std::iter::repeat_with(|| format!("{}_{}", service.region(), random_alphanumeric(9)))
            .find(|id| !store.pools.contains_key(id))
            .unwrap_or_default(),
    };
    let key = store.next_key;
    store.next_key += 2;
    let pool = Pool {
        id: id.clone(),
        name: name.unwrap_or_default().to_owned(),
        created: now(),
        username_attributes: input.username_attributes.unwrap_or_default(),
        password_policy,
        users: Default::default(),
        aliases: Default::default(),
        domain: None,
        access_key: key,
        id_key: key + 1,
        rotations: 0,
        deletion_protection: input.deletion_protection.as_deref() == Some("ACTIVE"),
        tags: input.user_pool_tags.unwrap_or_default(),
    };
    store.admit(pool.footprint(), service.limits.max_bytes)?;
    let out = json!({ "UserPool": pool_json(service, &pool) });
    store.pools.insert(id, pool);
    Ok(out)
}

pub fn delete_user_pool(service: &Service, input: PoolIdInput) -> Result<Value, ApiError> {
    let mut v = Validator::new();
    let pool_id = v.pool_id(input.user_pool_id.as_deref());
    v.finish()?;
    let pool_id = pool_id.unwrap_or_default();
    let mut store = service.store.lock();
    let pool = store.pools.get(pool_id).ok_or_else(|| ApiError::pool_not_found(pool_id))?;
    if pool.deletion_protection {
        return Err(ApiError::invalid_parameter(
            "The user pool cannot be deleted because deletion protection is activated.",
        ));
    }
    let freed = store.pool_footprint(pool_id);
    if let Some(domain) = store.pools.remove(pool_id).and_then(|pool| pool.domain) {
        store.domains.remove(&domain);
    }
    store.clients.retain(|_, client| client.pool_id != pool_id);
    store.remove_families(|family| family.pool_id != pool_id);
    store.release(freed);
    drop(store);
    give_back(freed);
    Ok(json!({}))
}

pub fn describe_user_pool(service: &Service, input: PoolIdInput) -> Result<Value, ApiError> {
    let mut v = Validator::new();
    let pool_id = v.pool_id(input.user_pool_id.as_deref());
    v.finish()?;
    let pool_id = pool_id.unwrap_or_default();
    let store = service.store.lock();
    let pool = store.pools.get(pool_id).ok_or_else(|| ApiError::pool_not_found(pool_id))?;
    Ok(json!({ "UserPool": pool_json(service, pool) }))
}

pub fn list_user_pools(service: &Service, input: ListUserPoolsInput) -> Result<Value, ApiError> {
    let mut v = Validator::new();
    if input.max_results.is_none() {
        v.required(StringRule { field: "maxResults", ..POOL_NAME }, None);
    }
    let max = v.range("maxResults", input.max_results, 1, 60);
    v.finish()?;
    let max = max.unwrap_or(60) as usize;
    let store = service.store.lock();
    let mut ids: Vec<&String> = store.pools.keys().collect();
    ids.sort();
    let start = match &input.next_token {
        None => 0,
        Some(token) => ids
            .iter()
            .position(|id| *id == token)
            .ok_or_else(|| ApiError::invalid_parameter("Invalid pagination token."))?,
    };
    let page: Vec<Value> = ids[start..]
        .iter()
        .take(max)
        .filter_map(|id| store.pools.get(*id))
        .map(|pool| json!({ "Id": pool.id, "Name": pool.name, "CreationDate": pool.created, "LastModifiedDate": pool.created, "LambdaConfig": {} }))
        .collect();
    let mut out = json!({ "UserPools": page });
    if let Some(next) = ids.get(start + max) {
        out["NextToken"] = json!(next);
    }
    Ok(out)
}

pub fn create_user_pool_domain(service: &Service, input: DomainInput) -> Result<Value, ApiError> {
    let mut v = Validator::new();
    let domain = v.domain(input.domain.as_deref());
    let pool_id = v.pool_id(input.user_pool_id.as_deref());
    v.finish()?;
    let (domain, pool_id) = (domain.unwrap_or_default(), pool_id.unwrap_or_default());
    if input.custom_domain_config.is_some() {
        return Err(ApiError::invalid_parameter("Custom domains are not supported by the reference target."));
    }
    let mut store = service.store.lock();
    let pool = store.pools.get(pool_id).ok_or_else(|| ApiError::pool_not_found(pool_id))?;
    if pool.domain.is_some() {
        return Err(ApiError::invalid_parameter(format!("User pool {pool_id} already has a domain configured.")));
    }
    if store.domains.contains_key(domain) {
        return Err(ApiError::invalid_parameter("Domain already associated with another user pool."));
    }
    store.domains.insert(domain.to_owned(), pool_id.to_owned());
    if let Some(pool) = store.pools.get_mut(pool_id) {
        pool.domain = Some(domain.to_owned());
    }
    Ok(json!({}))
}

pub fn delete_user_pool_domain(service: &Service, input: DomainInput) -> Result<Value, ApiError> {
    let mut v = Validator::new();
    let domain = v.domain(input.domain.as_deref());
    let pool_id = v.pool_id(input.user_pool_id.as_deref());
    v.finish()?;
    let (domain, pool_id) = (domain.unwrap_or_default(), pool_id.unwrap_or_default());
    let mut store = service.store.lock();
    if store.domains.get(domain).map(String::as_str) != Some(pool_id) {
        return Err(ApiError::invalid_parameter("No such domain or user pool exists."));
    }
    store.domains.remove(domain);
    if let Some(pool) = store.pools.get_mut(pool_id) {
        pool.domain = None;
    }
    Ok(json!({}))
}

/// The JWKS of a pool, or `None` when the pool does not exist.
pub fn jwks(service: &Service, pool_id: &str) -> Option<Value> {
    let store = service.store.lock();
    let pool = store.pools.get(pool_id)?;
    Some(service.keys.jwks(&pool.key_indices()))
}
