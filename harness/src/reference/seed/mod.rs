//! Pools declared before the reference starts: `serve --pools FILE`.
//!
//! An application's CI configures its API (issuer, JWKS URL, client id) before the reference
//! runs, so the pools, app clients, users and hosted domains it trusts must have ids and secrets
//! fixed in advance, as cognito-local's config files give them. [`file`] reads and validates the
//! TOML file into a [`Seed`]; [`apply`] creates it through the operations' own handlers
//! (CreateUserPool and CreateUserPoolClient with the fixed id, CreateUserPoolDomain,
//! AdminCreateUser, AdminSetUserPassword), so a seeded pool is in every way a created one: its
//! JWKS, discovery document, hosted endpoints and revocation behave as for any other, and ids the
//! reference draws later never take a fixed one.
//!
//! Secrets (client secrets, passwords) are held as [`Secret`], whose `Debug` shows nothing, and
//! [`Seed::summary`], what `serve` prints, names no secret; [`mask`] keeps them out of the file's
//! diagnostics.

pub mod file;
pub mod mask;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::path::PathBuf;

use serde_json::{Value, json};

use super::error::ApiError;
use super::service::{Service, parse};
use super::{clients, pools};

pub use file::{PoolsFileError, load};

/// A secret value (client secret, password): its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the request that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// What a pools file declares, validated.
#[derive(Debug, Clone, Default)]
pub struct Seed {
    /// The file it came from, for the start-up summary.
    pub source: PathBuf,
    /// The pools, in file order.
    pub pools: Vec<SeedPool>,
}

/// One user pool with a fixed id.
#[derive(Debug, Clone)]
pub struct SeedPool {
    /// `<region>_<suffix>`.
    pub id: String,
    /// The pool name.
    pub name: String,
    /// The hosted-UI domain prefix, if any.
    pub domain: Option<String>,
    /// Its app clients.
    pub clients: Vec<SeedClient>,
    /// Its users, confirmed with a permanent password.
    pub users: Vec<SeedUser>,
}

/// How a seeded client gets its secret.
#[derive(Debug, Clone)]
pub enum ClientSecret {
    /// A public client.
    None,
    /// The secret the file gives.
    Fixed(Secret),
    /// A new random one (`generate_secret = true`); DescribeUserPoolClient tells it.
    Generate,
}

/// One app client with a fixed id.
#[derive(Debug, Clone)]
pub struct SeedClient {
    /// The client id.
    pub id: String,
    /// The client name.
    pub name: String,
    /// Its secret.
    pub secret: ClientSecret,
    /// Whether RevokeToken works and tokens carry `origin_jti`.
    pub enable_token_revocation: bool,
    /// The `ExplicitAuthFlows`; `None` leaves CreateUserPoolClient's default.
    pub explicit_auth_flows: Option<Vec<String>>,
    /// Access-, ID- and refresh-token validity in minutes; `None` leaves the default.
    pub validity_minutes: [Option<i64>; 3],
}

/// One user, `CONFIRMED` with a permanent password.
#[derive(Debug, Clone)]
pub struct SeedUser {
    /// The username.
    pub username: String,
    /// The permanent password.
    pub password: Secret,
    /// Attributes other than `sub`.
    pub attributes: Vec<(String, String)>,
}

/// What [`apply`] was creating when the reference refused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    /// The pool itself.
    Pool,
    /// Its domain.
    Domain,
    /// Its client at this index.
    Client(usize),
    /// Its user at this index.
    User(usize),
}

/// A refusal while seeding: which pool (index), what of it, and the reference's error (whose
/// message never quotes a secret: the model marks secrets and passwords sensitive).
#[derive(Debug, Clone)]
pub struct SeedFailure {
    /// The pool's index in [`Seed::pools`].
    pub pool: usize,
    /// What was being created.
    pub entity: Entity,
    /// Why it was refused.
    pub error: ApiError,
}

impl std::fmt::Display for SeedFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "seeding pool #{} ({:?}): {}: {}", self.pool + 1, self.entity, self.error.kind.name(), self.error.message)
    }
}

impl std::error::Error for SeedFailure {}

/// Creates everything `seed` declares in `service`, through the operations' handlers.
pub fn apply(service: &Service, seed: &Seed) -> Result<(), SeedFailure> {
    for (index, pool) in seed.pools.iter().enumerate() {
        let fail = |entity| move |error| SeedFailure { pool: index, entity, error };
        let input = parse(json!({ "PoolName": pool.name }).to_string().as_bytes()).map_err(fail(Entity::Pool))?;
        pools::create_pool(service, input, Some(&pool.id)).map_err(fail(Entity::Pool))?;
        if let Some(domain) = &pool.domain {
            call(service, "CreateUserPoolDomain", json!({ "UserPoolId": pool.id, "Domain": domain }))
                .map_err(fail(Entity::Domain))?;
        }
        for (i, client) in pool.clients.iter().enumerate() {
            let input = parse(client_body(&pool.id, client).to_string().as_bytes()).map_err(fail(Entity::Client(i)))?;
            clients::create_client(service, input, Some(&client.id)).map_err(fail(Entity::Client(i)))?;
        }
        for (i, user) in pool.users.iter().enumerate() {
            let attributes: Vec<Value> =
                user.attributes.iter().map(|(name, value)| json!({ "Name": name, "Value": value })).collect();
            let create = json!({ "UserPoolId": pool.id, "Username": user.username, "MessageAction": "SUPPRESS",
                "UserAttributes": attributes });
            call(service, "AdminCreateUser", create).map_err(fail(Entity::User(i)))?;
            let password = json!({ "UserPoolId": pool.id, "Username": user.username,
                "Password": user.password.expose(), "Permanent": true });
            call(service, "AdminSetUserPassword", password).map_err(fail(Entity::User(i)))?;
        }
    }
    Ok(())
}

fn call(service: &Service, operation: &str, body: Value) -> Result<Value, ApiError> {
    service.dispatch(operation, body.to_string().as_bytes())
}

/// The CreateUserPoolClient body of a seeded client (its id is given beside it).
fn client_body(pool_id: &str, client: &SeedClient) -> Value {
    let mut body = json!({
        "UserPoolId": pool_id,
        "ClientName": client.name,
        "EnableTokenRevocation": client.enable_token_revocation,
    });
    match &client.secret {
        ClientSecret::None => {}
        ClientSecret::Fixed(secret) => body["ClientSecret"] = json!(secret.expose()),
        ClientSecret::Generate => body["GenerateSecret"] = json!(true),
    }
    if let Some(flows) = &client.explicit_auth_flows {
        body["ExplicitAuthFlows"] = json!(flows);
    }
    let [access, id, refresh] = client.validity_minutes;
    if client.validity_minutes.iter().any(Option::is_some) {
        let mut units = json!({});
        for (member, unit, value) in [
            ("AccessTokenValidity", "AccessToken", access),
            ("IdTokenValidity", "IdToken", id),
            ("RefreshTokenValidity", "RefreshToken", refresh),
        ] {
            if let Some(minutes) = value {
                body[member] = json!(minutes);
                units[unit] = json!("minutes");
            }
        }
        body["TokenValidityUnits"] = units;
    }
    body
}

/// Where the seeded pools answer, for the summary.
#[derive(Debug, Clone, Copy)]
pub enum Addressing {
    /// `serve`: plain HTTP on this address, hosted domains under `/_domain/<prefix>/`.
    Local(SocketAddr),
    /// `serve --aws-rehearsal`: AWS's own host names.
    Aws,
}

impl Seed {
    /// What `serve` prints at start-up: per pool its id, issuer, JWKS and discovery URLs, domain,
    /// clients (whether they have a secret, never the secret) and usernames. No password or
    /// secret appears.
    pub fn summary(&self, region: &str, addressing: Addressing) -> Vec<String> {
        let clients: usize = self.pools.iter().map(|pool| pool.clients.len()).sum();
        let users: usize = self.pools.iter().map(|pool| pool.users.len()).sum();
        let mut lines = vec![format!(
            "pools from {}: {} pool(s), {clients} client(s), {users} user(s)",
            self.source.display(),
            self.pools.len()
        )];
        let api = match addressing {
            Addressing::Local(addr) => format!("http://{addr}"),
            Addressing::Aws => format!("https://cognito-idp.{region}.amazonaws.com"),
        };
        for pool in &self.pools {
            lines.push(format!("pool {} ({})", pool.id, pool.name));
            lines.push(format!("  issuer     https://cognito-idp.{region}.amazonaws.com/{}", pool.id));
            lines.push(format!("  jwks       {api}/{}/.well-known/jwks.json", pool.id));
            lines.push(format!("  discovery  {api}/{}/.well-known/openid-configuration", pool.id));
            if let Some(prefix) = &pool.domain {
                let base = match addressing {
                    Addressing::Local(addr) => format!("http://{addr}/_domain/{prefix}"),
                    Addressing::Aws => format!("https://{prefix}.auth.{region}.amazoncognito.com"),
                };
                lines.push(format!("  domain     {prefix}: {base}/oauth2/token (also /oauth2/revoke, /oauth2/userInfo)"));
            }
            for client in &pool.clients {
                let secret = match client.secret {
                    ClientSecret::None => "no secret",
                    ClientSecret::Fixed(_) => "secret from the file (not shown)",
                    ClientSecret::Generate => "generated secret (DescribeUserPoolClient tells it)",
                };
                lines.push(format!("  client     {} ({}): {secret}", client.id, client.name));
            }
            if !pool.users.is_empty() {
                let names: Vec<&str> = pool.users.iter().map(|user| user.username.as_str()).collect();
                lines.push(format!("  users      {}", names.join(", ")));
            }
        }
        lines
    }
}
