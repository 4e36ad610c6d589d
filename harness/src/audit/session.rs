//! The audit's user and its sessions: where the user comes from (a pool the audit provisions, or
//! the user's own pool and test user), and signing in.
//!
//! Sign-in is `InitiateAuth` with `USER_PASSWORD_AUTH` (with SECRET_HASH when the client has a
//! secret): the client's own flow, which the reference, the emulators and Cognito all have, and
//! which needs no AWS credentials, so an audit of an existing pool signs in as an app would. Every
//! request is recorded redacted: tokens, the password, the secret and SECRET_HASHes are
//! registered with the audit's redactor before anything that could carry them is recorded.

use serde_json::{Value, json};

use super::template::Tokens;
use crate::cognito::random_lowercase_alphanumeric;
use crate::redact::{Redactor, SecretKind};
use crate::reference::secret_hash;
use crate::report::model::{RequestRecord, ResponseRecord, StepRecord};
use crate::runner::RECORD_BODY_MAX;
use crate::runner::classify::Classification;
use crate::runner::ledger::{Fixture, Ledger};
use crate::runner::probe::Probes;
use crate::runner::provision::{NAME_PREFIX, TAG_KEY, TAG_VALUE, call_admin, string_at, wait_for_domain};
use crate::wire::{Exchange, HostedAddressing, Request, Wire, WireError};

/// The user the audit signs in as, and the client and pool it signs in to.
#[derive(Debug, Clone)]
pub struct AuditUser {
    /// The pool.
    pub pool_id: String,
    /// The app client.
    pub client_id: String,
    /// The client's secret, when it has one.
    pub client_secret: Option<String>,
    /// The sign-in name.
    pub username: String,
    /// The user's password.
    pub password: String,
    /// The pool's hosted domain prefix, if it has one the audit may use.
    pub domain: Option<String>,
}

impl AuditUser {
    /// Registers the user's secrets with `redactor`.
    pub fn register(&self, redactor: &mut Redactor) {
        redactor.register(&self.password, SecretKind::Password);
        if let Some(secret) = &self.client_secret {
            redactor.register(secret, SecretKind::ClientSecret);
        }
    }
}

/// Why a session could not be had, or a call failed: `unsupported` or `error`, and what happened.
#[derive(Debug, Clone)]
pub struct CallFailure {
    /// The verdict class and rule.
    pub classification: Classification,
    /// What failed, for people (already redacted).
    pub reason: String,
}

/// Sends `request` and records it (redacted) as step `name` of `kind`.
pub async fn send_recorded(
    wire: &Wire,
    redactor: &Redactor,
    request: &Request,
    name: &str,
    kind: &str,
    body_max: usize,
) -> (Result<Exchange, WireError>, StepRecord) {
    let result = wire.send(request).await;
    let record = record(redactor, request, &result, name, kind, body_max);
    (result, record)
}

/// Signs `user` in; the tokens are registered with `redactor` before the answer is recorded.
pub async fn sign_in(
    wire: &Wire,
    redactor: &mut Redactor,
    user: &AuditUser,
    records: &mut Vec<StepRecord>,
) -> Result<Tokens, CallFailure> {
    let mut parameters = json!({ "USERNAME": user.username, "PASSWORD": user.password });
    if let Some(secret) = &user.client_secret {
        let hash = secret_hash(secret, &user.username, &user.client_id);
        redactor.register(&hash, SecretKind::SecretHash);
        parameters["SECRET_HASH"] = json!(hash);
    }
    let body = json!({ "ClientId": user.client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": parameters });
    let request = wire.api_request("InitiateAuth", body.to_string().into_bytes());
    let result = wire.send(&request).await;
    let answer = result.as_ref().ok().and_then(Exchange::json).unwrap_or(Value::Null);
    let result_of = &answer["AuthenticationResult"];
    let token = |name: &str| result_of[name].as_str().map(str::to_owned);
    let tokens = match (token("AccessToken"), token("IdToken"), token("RefreshToken")) {
        (Some(access), Some(id), Some(refresh)) => Some(Tokens { access, id, refresh }),
        _ => None,
    };
    if let Some(tokens) = &tokens {
        redactor.register(&tokens.access, SecretKind::AccessToken);
        redactor.register(&tokens.id, SecretKind::IdToken);
        redactor.register(&tokens.refresh, SecretKind::RefreshToken);
    }
    // The request is sent once; this records it with what came back.
    records.push(record(redactor, &request, &result, "sign-in", "sign_in", RECORD_BODY_MAX));
    let exchange = result.map_err(|error| CallFailure {
        classification: Classification::error(crate::runner::provision::wire_rule(&error)),
        reason: format!("InitiateAuth: {error}"),
    })?;
    tokens.ok_or_else(|| {
        let detail = match (exchange.error_type(), answer["ChallengeName"].as_str()) {
            (_, Some(challenge)) => {
                format!("a {challenge} challenge instead of tokens (the user needs a permanent password)")
            }
            (Some(error), _) => format!("{error}: {}", redactor.redact(answer["message"].as_str().unwrap_or_default())),
            (None, None) => format!("HTTP {} without the three tokens", exchange.status),
        };
        CallFailure {
            classification: Classification::error("sign-in failed"),
            reason: format!("InitiateAuth (USER_PASSWORD_AUTH) answered {detail}"),
        }
    })
}

/// The redacted record of `request` and what came back.
fn record(
    redactor: &Redactor,
    request: &Request,
    result: &Result<Exchange, WireError>,
    name: &str,
    kind: &str,
    body_max: usize,
) -> StepRecord {
    StepRecord {
        name: name.to_owned(),
        kind: kind.to_owned(),
        request: Some(RequestRecord {
            method: request.method.to_string(),
            target: request.operation().map(str::to_owned).unwrap_or_else(|| request.url.clone()),
            url: request.url.clone(),
            body: redactor.redact_cut(&String::from_utf8_lossy(&request.body), body_max),
        }),
        response: result.as_ref().ok().map(|exchange| ResponseRecord {
            status: exchange.status,
            body: redactor.redact_cut(&String::from_utf8_lossy(&exchange.body), body_max),
            duration_ms: Some(exchange.elapsed.as_millis() as u64),
        }),
        duration_ms: result.as_ref().map_or(0, |e| e.elapsed.as_millis() as u64),
    }
}

/// Creates the audit's own pool (tagged, `cc-` named, recorded in `ledger` so it is deleted
/// whatever ends the audit), a hosted domain when `domain` is asked for, a public app client with
/// `USER_PASSWORD_AUTH` and revocation on, and a confirmed user with a random password. A refused
/// domain leaves the user without one (the paths that need it are then unsupported).
pub async fn provision(
    wire: &Wire,
    redactor: &mut Redactor,
    probes: &Probes,
    ledger: &Ledger,
    domain: bool,
    records: &mut Vec<StepRecord>,
) -> Result<AuditUser, CallFailure> {
    let run = random_lowercase_alphanumeric(8);
    let password = format!("Cc1!{}", random_lowercase_alphanumeric(20));
    redactor.register(&password, SecretKind::Password);
    let mut admin = async |operation: &str, body: Value, redactor: &mut Redactor| {
        let (result, record) = call_admin(wire, redactor, probes, operation, body).await;
        records.push(record);
        result.map_err(|f| CallFailure { classification: f.classification, reason: f.reason })
    };
    let body = json!({ "PoolName": format!("{NAME_PREFIX}audit-{run}"), "UserPoolTags": { TAG_KEY: TAG_VALUE } });
    let created = admin("CreateUserPool", body, redactor).await?;
    let pool_id = string_at(&created, &["UserPool", "Id"]).ok_or_else(|| malformed("CreateUserPool", "UserPool.Id"))?;
    ledger.add_pool(&pool_id, true);
    let mut prefix = None;
    if domain {
        let name = format!("{NAME_PREFIX}audit-{run}-{}", random_lowercase_alphanumeric(8));
        ledger.add_domain(&pool_id, &name);
        let body = json!({ "UserPoolId": pool_id, "Domain": name });
        if admin("CreateUserPoolDomain", body, redactor).await.is_ok() {
            let ready = *wire.hosted() != HostedAddressing::Real || wait_for_domain(wire, &name).await.is_ok();
            prefix = ready.then_some(name);
        }
    }
    let body = json!({
        "UserPoolId": pool_id,
        "ClientName": format!("{NAME_PREFIX}audit-{run}"),
        "GenerateSecret": false,
        "EnableTokenRevocation": true,
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    });
    let created = admin("CreateUserPoolClient", body, redactor).await?;
    let client_id = string_at(&created, &["UserPoolClient", "ClientId"])
        .ok_or_else(|| malformed("CreateUserPoolClient", "UserPoolClient.ClientId"))?;
    let username = format!("{NAME_PREFIX}audit-{run}");
    let body = json!({ "UserPoolId": pool_id, "Username": username, "MessageAction": "SUPPRESS" });
    admin("AdminCreateUser", body, redactor).await?;
    ledger.add(Fixture::User { pool: pool_id.clone(), username: username.clone() });
    let body = json!({ "UserPoolId": pool_id, "Username": username, "Password": password, "Permanent": true });
    admin("AdminSetUserPassword", body, redactor).await?;
    Ok(AuditUser { pool_id, client_id, client_secret: None, username, password, domain: prefix })
}

fn malformed(operation: &str, field: &str) -> CallFailure {
    CallFailure {
        classification: Classification::error(format!("malformed {operation} answer")),
        reason: format!("{operation} answered without {field}"),
    }
}
