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
    const NOT_JSON: &str = "Request body is not valid JSON.";
    const SHAPE: &str = "Request body does not match the operation's input shape.";
    // JSON text is UTF-8 (RFC 8259 §8.1); serde checks it only in the strings it keeps, so a
    // member read as "anything" (`ClientMetadata`) would let other bytes through.
    let Ok(body) = std::str::from_utf8(body) else { return Err(ApiError::serialization(NOT_JSON)) };
    // serde reads a struct from a JSON array too (members by position); an input shape is an
    // object on the wire, so an array is refused like any other value of the wrong type.
    if body.trim_start().starts_with('[') {
        let message = match serde_json::from_str::<serde::de::IgnoredAny>(body) {
            Ok(_) => SHAPE,
            Err(_) => NOT_JSON,
        };
        return Err(ApiError::serialization(message));
    }
    serde_json::from_str(body).map_err(|error| {
        use serde_json::error::Category;
        let message = match error.classify() {
            // serde_json calls a number beyond f64's range a syntax error; the text is JSON still.
            Category::Syntax if serde_json::from_str::<serde::de::IgnoredAny>(body).is_ok() => SHAPE.to_owned(),
            Category::Syntax | Category::Eof | Category::Io => NOT_JSON.to_owned(),
            Category::Data => {
                let text = error.to_string();
                match text.strip_prefix("unknown field `").and_then(|rest| rest.split_once('`')) {
                    Some((field, _))
                        if (1..=64).contains(&field.len()) && field.chars().all(|c| c.is_ascii_alphanumeric()) =>
                    {
                        format!("Unknown member '{field}' in request.")
                    }
                    _ => SHAPE.to_owned(),
                }
            }
        };
        ApiError::serialization(message)
    })
}

/// Declares [`ApiRequest`], a variant per operation with its input shape, and the handler that
/// answers it: one table, so that what is decoded and what is handled cannot drift apart.
macro_rules! operations {
    ($($name:ident($input:ty) => $handler:path,)*) => {
        /// The operations the reference implements, as `X-Amz-Target` names them.
        pub const OPERATIONS: &[&str] = &[$(stringify!($name),)*];

        /// One AWS JSON 1.1 request, decoded: its operation and input, before anything is looked
        /// up. Decoding is what a hostile client reaches first; `cargo fuzz` attacks it alone.
        #[derive(Debug)]
        pub enum ApiRequest {
            $(
                #[doc = concat!("`", stringify!($name), "`")]
                $name($input),
            )*
        }

        impl ApiRequest {
            /// Decodes `body` as the input shape of `operation`.
            pub fn decode(operation: &str, body: &[u8]) -> Result<Self, ApiError> {
                match operation {
                    $(stringify!($name) => Ok(Self::$name(parse(body)?)),)*
                    _ => Err(ApiError::new(ErrorType::UnknownOperation, format!("Unknown operation {operation}."))),
                }
            }

            /// The operation's name, as `X-Amz-Target` gives it.
            pub fn operation(&self) -> &'static str {
                match self {
                    $(Self::$name(_) => stringify!($name),)*
                }
            }

            fn handle(self, service: &Service) -> Result<Value, ApiError> {
                match self {
                    $(Self::$name(input) => $handler(service, input),)*
                }
            }
        }
    };
}

operations! {
    CreateUserPool(pools::CreateUserPoolInput) => pools::create_user_pool,
    DeleteUserPool(pools::PoolIdInput) => pools::delete_user_pool,
    DescribeUserPool(pools::PoolIdInput) => pools::describe_user_pool,
    ListUserPools(pools::ListUserPoolsInput) => pools::list_user_pools,
    CreateUserPoolDomain(pools::DomainInput) => pools::create_user_pool_domain,
    DeleteUserPoolDomain(pools::DomainInput) => pools::delete_user_pool_domain,
    CreateUserPoolClient(clients::ClientInput) => clients::create_user_pool_client,
    UpdateUserPoolClient(clients::ClientInput) => clients::update_user_pool_client,
    DescribeUserPoolClient(clients::ClientRefInput) => clients::describe_user_pool_client,
    DeleteUserPoolClient(clients::ClientRefInput) => clients::delete_user_pool_client,
    AdminCreateUser(users::CreateUserInput) => users::admin_create_user,
    AdminGetUser(users::UserRefInput) => users::admin_get_user,
    AdminSetUserPassword(users::SetPasswordInput) => users::admin_set_user_password,
    AdminDeleteUser(users::UserRefInput) => users::admin_delete_user,
    AdminDisableUser(users::UserRefInput) => users::admin_disable_user,
    AdminEnableUser(users::UserRefInput) => users::admin_enable_user,
    AdminUserGlobalSignOut(users::UserRefInput) => users::admin_user_global_sign_out,
    InitiateAuth(auth::InitiateAuthInput) => auth::initiate_auth,
    AdminInitiateAuth(auth::InitiateAuthInput) => auth::admin_initiate_auth,
    GetTokensFromRefreshToken(auth::GetTokensInput) => auth::get_tokens_from_refresh_token,
    RevokeToken(revoke::RevokeTokenInput) => revoke::revoke_token,
    GetUser(access::AccessTokenInput) => access::get_user,
    GlobalSignOut(access::AccessTokenInput) => access::global_sign_out,
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
        let result = ApiRequest::decode(operation, body).and_then(|request| request.handle(self));
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
