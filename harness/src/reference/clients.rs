//! App clients: CreateUserPoolClient, UpdateUserPoolClient, DescribeUserPoolClient,
//! DeleteUserPoolClient.
//!
//! UpdateUserPoolClient replaces the whole configuration: a member left out returns to its
//! default, as the docs warn (spec §1.7) — except `EnableTokenRevocation`, which live probes found
//! kept when left out (spec Q6, inferred). The secret, name and creation date survive an update.

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Map, Value, json};

use super::budget::Footprint;
use super::error::ApiError;
use super::service::{Service, now};
use super::store::{Client, Validity};
use super::validate::{CLIENT_ID, CLIENT_NAME, CLIENT_SECRET, Validator};
use crate::cognito::{EXPLICIT_AUTH_FLOWS, random_lowercase_alphanumeric};

/// Flows a client gets when `ExplicitAuthFlows` is left out (spec §1.7).
pub const DEFAULT_AUTH_FLOWS: [&str; 3] = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"];

/// Members echoed back verbatim by DescribeUserPoolClient.
const PASSTHROUGH: [&str; 13] = [
    "ReadAttributes",
    "WriteAttributes",
    "SupportedIdentityProviders",
    "CallbackURLs",
    "LogoutURLs",
    "DefaultRedirectURI",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "AllowedOAuthFlowsUserPoolClient",
    "AnalyticsConfiguration",
    "PreventUserExistenceErrors",
    "EnablePropagateAdditionalUserContextData",
    "AuthSessionValidity",
];

/// The input of CreateUserPoolClient and UpdateUserPoolClient (the union of both shapes).
///
/// serde cannot deny unknown members next to `flatten`, so [`Passthrough`] refuses every
/// collected member that is not in [`PASSTHROUGH`] while the body is decoded, before any
/// validation, as `deny_unknown_fields` would.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ClientInput {
    user_pool_id: Option<String>,
    client_id: Option<String>,
    client_name: Option<String>,
    generate_secret: Option<bool>,
    client_secret: Option<String>,
    refresh_token_validity: Option<i64>,
    access_token_validity: Option<i64>,
    id_token_validity: Option<i64>,
    token_validity_units: Option<UnitsInput>,
    explicit_auth_flows: Option<Vec<String>>,
    enable_token_revocation: Option<bool>,
    refresh_token_rotation: Option<RotationInput>,
    /// Accepted and ignored: the reference has no Secrets Manager, and keeps answering with the
    /// plaintext `ClientSecret` the harness signs with (AWS answers `ClientSecretArn` instead).
    #[serde(rename = "PublishSecretsInAWSSecretsManager")]
    #[allow(dead_code)]
    publish_secrets_in_aws_secrets_manager: Option<bool>,
    #[serde(flatten)]
    passthrough: Passthrough,
}

/// The members of [`PASSTHROUGH`] a request holds, stored as sent.
#[derive(Debug, Default)]
struct Passthrough(Map<String, Value>);

impl<'de> Deserialize<'de> for Passthrough {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let members = Map::<String, Value>::deserialize(deserializer)?;
        match members.keys().find(|key| !PASSTHROUGH.contains(&key.as_str())) {
            Some(unknown) => Err(serde::de::Error::unknown_field(unknown, &PASSTHROUGH)),
            None => Ok(Self(members)),
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct UnitsInput {
    access_token: Option<String>,
    id_token: Option<String>,
    refresh_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[allow(dead_code)]
struct RotationInput {
    feature: Option<String>,
    retry_grace_period_seconds: Option<IgnoredAny>,
}

/// The input of DescribeUserPoolClient and DeleteUserPoolClient.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ClientRefInput {
    user_pool_id: Option<String>,
    client_id: Option<String>,
}

fn unit_seconds(unit: &str) -> u64 {
    match unit {
        "seconds" => 1,
        "minutes" => 60,
        "hours" => 3_600,
        _ => 86_400,
    }
}

/// The client's configuration, validated: everything an update replaces.
struct Config {
    explicit_auth_flows: Vec<String>,
    /// `None` when left out: a new client gets `true`, an updated one keeps its value (spec Q6).
    enable_token_revocation: Option<bool>,
    validity: Validity,
    units: [String; 3],
    raw_validity: [i64; 3],
    settings: Map<String, Value>,
}

fn config(input: &mut ClientInput, v: &mut Validator) -> Result<Config, ApiError> {
    let units = input.token_validity_units.take().unwrap_or_default();
    let unit_names = ["seconds", "minutes", "hours", "days"];
    let access_unit =
        v.one_of("tokenValidityUnits.accessToken", units.access_token.as_deref(), &unit_names).unwrap_or("hours");
    let id_unit = v.one_of("tokenValidityUnits.idToken", units.id_token.as_deref(), &unit_names).unwrap_or("hours");
    let refresh_unit =
        v.one_of("tokenValidityUnits.refreshToken", units.refresh_token.as_deref(), &unit_names).unwrap_or("days");
    let access = v.range("accessTokenValidity", input.access_token_validity, 1, 86_400).unwrap_or(1);
    let id = v.range("idTokenValidity", input.id_token_validity, 1, 86_400).unwrap_or(1);
    let refresh = v.range("refreshTokenValidity", input.refresh_token_validity, 0, 315_360_000).unwrap_or(30);
    let access_unit = if input.access_token_validity.is_none() { "hours" } else { access_unit };
    let id_unit = if input.id_token_validity.is_none() { "hours" } else { id_unit };
    let refresh_unit = if input.refresh_token_validity.is_none() || refresh == 0 { "days" } else { refresh_unit };
    let refresh = if refresh == 0 { 30 } else { refresh };
    let flows = input.explicit_auth_flows.take();
    for flow in flows.iter().flatten() {
        v.one_of("explicitAuthFlows", Some(flow), &EXPLICIT_AUTH_FLOWS);
    }
    if let Some(rotation) = &input.refresh_token_rotation {
        v.one_of("refreshTokenRotation.feature", rotation.feature.as_deref(), &["ENABLED", "DISABLED"]);
    }
    let validity = Validity {
        refresh: refresh as u64 * unit_seconds(refresh_unit),
        access: access as u64 * unit_seconds(access_unit),
        id: id as u64 * unit_seconds(id_unit),
    };
    if !(300..=86_400).contains(&validity.access) || !(300..=86_400).contains(&validity.id) {
        return Err(ApiError::invalid_parameter("Access and ID token validity must be between 5 minutes and 1 day."));
    }
    if !(3_600..=315_360_000).contains(&validity.refresh) {
        return Err(ApiError::invalid_parameter("Refresh token validity must be between 60 minutes and 10 years."));
    }
    if input.refresh_token_rotation.as_ref().and_then(|r| r.feature.as_deref()) == Some("ENABLED") {
        return Err(ApiError::invalid_parameter("Refresh token rotation is not supported by the reference target."));
    }
    let explicit_auth_flows = normalise_flows(flows)?;
    let settings = std::mem::take(&mut input.passthrough.0);
    Ok(Config {
        explicit_auth_flows,
        enable_token_revocation: input.enable_token_revocation,
        validity,
        units: [access_unit.to_owned(), id_unit.to_owned(), refresh_unit.to_owned()],
        raw_validity: [access, id, refresh],
        settings,
    })
}

/// Legacy flow names imply SRP and refresh, as on Cognito; the two styles do not mix.
fn normalise_flows(flows: Option<Vec<String>>) -> Result<Vec<String>, ApiError> {
    let Some(flows) = flows else {
        return Ok(DEFAULT_AUTH_FLOWS.iter().map(|f| (*f).to_owned()).collect());
    };
    let legacy = flows.iter().any(|f| !f.starts_with("ALLOW_"));
    let modern = flows.iter().any(|f| f.starts_with("ALLOW_"));
    if legacy && modern {
        return Err(ApiError::invalid_parameter("Cannot mix legacy and ALLOW_ explicit auth flows."));
    }
    Ok(flows)
}

impl Client {
    /// Whether `flow` is allowed, accounting for legacy names.
    pub fn allows_flow(&self, allow_name: &str) -> bool {
        if self.allows(allow_name) {
            return true;
        }
        let legacy = self.explicit_auth_flows.iter().any(|f| !f.starts_with("ALLOW_"));
        match allow_name {
            "ALLOW_ADMIN_USER_PASSWORD_AUTH" => self.allows("ADMIN_NO_SRP_AUTH"),
            "ALLOW_USER_PASSWORD_AUTH" => self.allows("USER_PASSWORD_AUTH"),
            "ALLOW_REFRESH_TOKEN_AUTH" | "ALLOW_USER_SRP_AUTH" => legacy,
            _ => false,
        }
    }
}

fn apply(client: &mut Client, config: Config) {
    client.explicit_auth_flows = config.explicit_auth_flows;
    if let Some(enabled) = config.enable_token_revocation {
        client.enable_token_revocation = enabled;
    }
    client.validity = config.validity;
    let mut settings = config.settings;
    let [access_unit, id_unit, refresh_unit] = config.units;
    let [access, id, refresh] = config.raw_validity;
    settings.insert("AccessTokenValidity".into(), json!(access));
    settings.insert("IdTokenValidity".into(), json!(id));
    settings.insert("RefreshTokenValidity".into(), json!(refresh));
    settings.insert(
        "TokenValidityUnits".into(),
        json!({ "AccessToken": access_unit, "IdToken": id_unit, "RefreshToken": refresh_unit }),
    );
    client.settings = settings;
}

fn client_json(client: &Client) -> Value {
    let mut out = json!({
        "UserPoolId": client.pool_id,
        "ClientName": client.name,
        "ClientId": client.id,
        "LastModifiedDate": client.modified,
        "CreationDate": client.created,
        "ExplicitAuthFlows": client.explicit_auth_flows,
        "EnableTokenRevocation": client.enable_token_revocation,
        "RefreshTokenRotation": { "Feature": "DISABLED", "RetryGracePeriodSeconds": 0 },
    });
    if let Some(secret) = &client.secret {
        out["ClientSecret"] = json!(secret);
    }
    for (key, value) in &client.settings {
        out[key] = value.clone();
    }
    json!({ "UserPoolClient": out })
}

pub fn create_user_pool_client(service: &Service, input: ClientInput) -> Result<Value, ApiError> {
    create_client(service, input, None)
}

/// CreateUserPoolClient, with the id `fixed_id` instead of a new one when given (`serve --pools`,
/// see [`super::seed`]): everything else, validation included, is the operation's.
pub(crate) fn create_client(
    service: &Service,
    mut input: ClientInput,
    fixed_id: Option<&str>,
) -> Result<Value, ApiError> {
    if input.client_id.is_some() {
        return Err(ApiError::serialization("Unknown member 'ClientId' in request."));
    }
    let mut v = Validator::new();
    let pool_id = v.pool_id(input.user_pool_id.as_deref()).map(str::to_owned);
    let name = v.required(CLIENT_NAME, input.client_name.as_deref()).map(str::to_owned);
    let custom_secret = v.optional(CLIENT_SECRET, input.client_secret.as_deref()).map(str::to_owned);
    let config = config(&mut input, &mut v);
    v.finish()?;
    let config = config?;
    if input.generate_secret == Some(true) && custom_secret.is_some() {
        return Err(ApiError::invalid_parameter("ClientSecret cannot be combined with GenerateSecret set to true."));
    }
    let pool_id = pool_id.unwrap_or_default();
    let mut store = service.store.lock();
    if !store.pools.contains_key(&pool_id) {
        return Err(ApiError::pool_not_found(&pool_id));
    }
    let secret =
        custom_secret.or_else(|| (input.generate_secret == Some(true)).then(|| random_lowercase_alphanumeric(52)));
    let id = match fixed_id {
        Some(id) if store.clients.contains_key(id) => {
            return Err(ApiError::invalid_parameter(format!("An app client with id {id} already exists.")));
        }
        Some(id) => id.to_owned(),
        // A fixed id may be anything the model allows, so a new one is drawn until it is free.
        None => std::iter::repeat_with(|| random_lowercase_alphanumeric(26))
            .find(|id| !store.clients.contains_key(id))
            .unwrap_or_default(),
    };
    let created = now();
    let mut client = Client {
        id,
        pool_id,
        name: name.unwrap_or_default(),
        secret,
        enable_token_revocation: true,
        explicit_auth_flows: Vec::new(),
        validity: Validity::default(),
        settings: Map::new(),
        created,
        modified: created,
    };
    apply(&mut client, config);
    store.admit(client.footprint(), service.limits.max_bytes)?;
    let out = client_json(&client);
    store.clients.insert(client.id.clone(), client);
    Ok(out)
}

pub fn update_user_pool_client(service: &Service, mut input: ClientInput) -> Result<Value, ApiError> {
    if input.generate_secret.is_some() || input.client_secret.is_some() {
        let member = if input.generate_secret.is_some() { "GenerateSecret" } else { "ClientSecret" };
        return Err(ApiError::serialization(format!("Unknown member '{member}' in request.")));
    }
    let mut v = Validator::new();
    let pool_id = v.pool_id(input.user_pool_id.as_deref()).map(str::to_owned);
    let client_id = v.required(CLIENT_ID, input.client_id.as_deref()).map(str::to_owned);
    let name = v.optional(CLIENT_NAME, input.client_name.as_deref()).map(str::to_owned);
    let config = config(&mut input, &mut v);
    v.finish()?;
    let config = config?;
    let (pool_id, client_id) = (pool_id.unwrap_or_default(), client_id.unwrap_or_default());
    let mut store = service.store.lock();
    let mut client = store
        .clients
        .get(&client_id)
        .filter(|client| client.pool_id == pool_id)
        .cloned()
        .ok_or_else(|| ApiError::client_not_found(&client_id))?;
    if let Some(name) = name {
        client.name = name;
    }
    client.modified = now();
    apply(&mut client, config);
    let before = store.clients.get(&client_id).map_or(0, Footprint::footprint);
    store.release(before);
    if let Err(error) = store.admit(client.footprint(), service.limits.max_bytes) {
        store.bytes += before;
        return Err(error);
    }
    let out = client_json(&client);
    store.clients.insert(client_id, client);
    Ok(out)
}

pub fn describe_user_pool_client(service: &Service, input: ClientRefInput) -> Result<Value, ApiError> {
    let (pool_id, client_id) = client_ref(&input)?;
    let store = service.store.lock();
    let client = store
        .clients
        .get(&client_id)
        .filter(|client| client.pool_id == pool_id)
        .ok_or_else(|| ApiError::client_not_found(&client_id))?;
    Ok(client_json(client))
}

pub fn delete_user_pool_client(service: &Service, input: ClientRefInput) -> Result<Value, ApiError> {
    let (pool_id, client_id) = client_ref(&input)?;
    let mut store = service.store.lock();
    if store.clients.get(&client_id).is_none_or(|client| client.pool_id != pool_id) {
        return Err(ApiError::client_not_found(&client_id));
    }
    let freed = store.clients.remove(&client_id).map_or(0, |client| client.footprint());
    store.release(freed);
    store.remove_families(|family| family.client_id != client_id);
    Ok(json!({}))
}

fn client_ref(input: &ClientRefInput) -> Result<(String, String), ApiError> {
    let mut v = Validator::new();
    let pool_id = v.pool_id(input.user_pool_id.as_deref()).map(str::to_owned);
    let client_id = v.required(CLIENT_ID, input.client_id.as_deref()).map(str::to_owned);
    v.finish()?;
    Ok((pool_id.unwrap_or_default(), client_id.unwrap_or_default()))
}
