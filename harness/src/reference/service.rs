//! The reference service: shared state plus the dispatch of AWS JSON 1.1 operations.
//!
//! Handlers are synchronous functions over [`Service`]; the HTTP layer (`server.rs`) only frames
//! requests and responses. State sits behind one mutex that is never held while signing, so RSA
//! work — the dominant cost — runs on both cores in parallel.

use std::time::{SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ApiError, ErrorType};
use super::faults::{Fault, FaultSet};
use super::keys::{KeyError, KeyRing};
use super::store::{Limits, Store};
use super::tokens::{RandomnessError, RefreshSealer};
use super::{access, auth, clients, pools, revoke, users};

pub use crate::cognito::TARGET_PREFIX;

/// Why a service could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The embedded keys did not load.
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// No randomness for the refresh-token key.
    #[error(transparent)]
    Randomness(#[from] RandomnessError),
}

/// One reference instance's state and configuration.
#[derive(Debug)]
pub struct Service {
    pub(crate) store: Mutex<Store>,
    pub(crate) keys: KeyRing,
    pub(crate) sealer: RefreshSealer,
    pub(crate) faults: FaultSet,
    pub(crate) region: String,
    pub(crate) limits: Limits,
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

/// Parses a request body into an operation's input shape. Every shape denies unknown members.
///
/// Messages never quote the body: serde's own messages can contain submitted values (tokens).
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|error| {
        use serde_json::error::Category;
        let message = match error.classify() {
            Category::Syntax | Category::Eof | Category::Io => "Request body is not valid JSON.".to_owned(),
            Category::Data => {
                let text = error.to_string();
                match text.strip_prefix("unknown field `").and_then(|rest| rest.split_once('`')) {
                    Some((field, _)) if field.len() <= 64 && field.chars().all(|c| c.is_ascii_alphanumeric()) => {
                        format!("Unknown member '{field}' in request.")
                    }
                    _ => "Request body does not match the operation's input shape.".to_owned(),
                }
            }
        };
        ApiError::serialization(message)
    })
}

impl Service {
    /// A service with no pools, the given faults, region and limits.
    pub fn new(faults: FaultSet, region: String, limits: Limits) -> Result<Self, ServiceError> {
        Ok(Self {
            store: Mutex::new(Store::default()),
            keys: KeyRing::embedded()?,
            sealer: RefreshSealer::new()?,
            faults,
            region,
            limits,
        })
    }

    /// Whether `fault` is switched on.
    pub fn has(&self, fault: Fault) -> bool {
        self.faults.has(fault)
    }

    /// The `iss` of a pool's tokens, as on AWS (spec §4.2).
    pub fn issuer(&self, pool_id: &str) -> String {
        format!("https://cognito-idp.{}.amazonaws.com/{pool_id}", self.region)
    }

    /// The region pool ids are minted in.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Answers one AWS JSON 1.1 operation.
    pub fn dispatch(&self, operation: &str, body: &[u8]) -> Result<Value, ApiError> {
        let result = match operation {
            "CreateUserPool" => pools::create_user_pool(self, parse(body)?),
            "DeleteUserPool" => pools::delete_user_pool(self, parse(body)?),
            "ListUserPools" => pools::list_user_pools(self, parse(body)?),
            "CreateUserPoolDomain" => pools::create_user_pool_domain(self, parse(body)?),
            "DeleteUserPoolDomain" => pools::delete_user_pool_domain(self, parse(body)?),
            "CreateUserPoolClient" => clients::create_user_pool_client(self, parse(body)?),
            "UpdateUserPoolClient" => clients::update_user_pool_client(self, parse(body)?),
            "DescribeUserPoolClient" => clients::describe_user_pool_client(self, parse(body)?),
            "DeleteUserPoolClient" => clients::delete_user_pool_client(self, parse(body)?),
            "AdminCreateUser" => users::admin_create_user(self, parse(body)?),
            "AdminGetUser" => users::admin_get_user(self, parse(body)?),
            "AdminSetUserPassword" => users::admin_set_user_password(self, parse(body)?),
            "AdminDeleteUser" => users::admin_delete_user(self, parse(body)?),
            "AdminDisableUser" => users::admin_disable_user(self, parse(body)?),
            "AdminEnableUser" => users::admin_enable_user(self, parse(body)?),
            "AdminUserGlobalSignOut" => users::admin_user_global_sign_out(self, parse(body)?),
            "InitiateAuth" => auth::initiate_auth(self, parse(body)?),
            "AdminInitiateAuth" => auth::admin_initiate_auth(self, parse(body)?),
            "GetTokensFromRefreshToken" => auth::get_tokens_from_refresh_token(self, parse(body)?),
            "RevokeToken" => revoke::revoke_token(self, parse(body)?),
            "GetUser" => access::get_user(self, parse(body)?),
            "GlobalSignOut" => access::global_sign_out(self, parse(body)?),
            _ => Err(ApiError::new(ErrorType::UnknownOperation, format!("Unknown operation {operation}."))),
        };
        result.map_err(|error| self.maybe_echo_token(error, body))
    }

    /// The `errors-echo-token` fault: quote the submitted token in the message, as moto does.
    fn maybe_echo_token(&self, mut error: ApiError, body: &[u8]) -> ApiError {
        if !self.has(Fault::ErrorsEchoToken) {
            return error;
        }
        let Ok(request) = serde_json::from_slice::<Value>(body) else { return error };
        let token = ["Token", "AccessToken", "RefreshToken"]
            .iter()
            .find_map(|field| request.get(field))
            .or_else(|| request.get("AuthParameters").and_then(|p| p.get("REFRESH_TOKEN")))
            .and_then(Value::as_str);
        if let Some(token) = token {
            error.message = format!("{} {token}", error.message);
        }
        error
    }
}
