//! Per-scenario fixtures: each scenario gets its own app clients and users, inside the run's
//! shared pools ([`super::pools`]), created through the target's admin API and deleted afterwards
//! whatever happened.
//!
//! Scenarios share pools, so every name they create carries a suffix of their own: clients are
//! `cc-<name>-<suffix>`, users `cc-<username>-<suffix>` (an e-mail `carol@example.com` becomes
//! `cc-carol-<suffix>@example.com`, and so does an attribute that spells the username). Nothing a
//! scenario does reaches past its own clients and users (no step changes a pool), so scenarios stay
//! isolated; the suffix is a volatile value, so snapshots show `cc-alice-<suffix#1>`.

use serde_json::{Value, json};

use super::classify::{Classification, classify};
use super::context::{ClientState, Context, UserState};
use super::ledger::{Fixture, Ledger};
use super::pools::{PoolFailure, SharedPools};
use super::probe::Probes;
use crate::cognito::random_lowercase_alphanumeric;
use crate::redact::{Redactor, SecretKind};
use crate::report::model::{RequestRecord, ResponseRecord, StepRecord};
use crate::scenario::Scenario;
use crate::scenario::model::FIXTURE_PASSWORD;
use crate::target::aws::DOMAIN_WAIT;
use crate::wire::{Exchange, Wire, WireError};

/// The prefix of every resource the harness creates, so leftovers are recognisable.
pub const NAME_PREFIX: &str = "cc-";

/// The tag every provisioned pool carries, so `cleanup` on real AWS can tell ours from the user's.
pub const TAG_KEY: &str = "created-by";

/// The value of [`TAG_KEY`].
pub const TAG_VALUE: &str = "cognito-conformance";

/// Why a scenario's fixtures could not be created.
#[derive(Debug, Clone)]
pub struct ProvisionFailure {
    /// `unsupported` or `error`.
    pub classification: Classification,
    /// What failed, for the report.
    pub reason: String,
}

/// One admin call and its record (redacted): the answer if it succeeded, else why not.
pub(crate) async fn call_admin(
    wire: &Wire,
    redactor: &mut Redactor,
    probes: &Probes,
    operation: &str,
    body: Value,
) -> (Result<Exchange, ProvisionFailure>, StepRecord) {
    let request = wire.api_request(operation, body.to_string().into_bytes());
    let result = wire.send(&request).await;
    let sent = RequestRecord {
        method: "POST".into(),
        target: operation.into(),
        url: request.url.clone(),
        body: redactor.redact_cut(&body.to_string(), super::RECORD_BODY_MAX),
    };
    let record = |response: Option<ResponseRecord>, ms: u64| StepRecord {
        name: format!("provision:{operation}"),
        kind: "provision".into(),
        request: Some(sent.clone()),
        response,
        duration_ms: ms,
    };
    match result {
        Err(error) => {
            let failure = ProvisionFailure {
                classification: Classification::error(wire_rule(&error)),
                reason: format!("{operation}: {error}"),
            };
            (Err(failure), record(None, 0))
        }
        Ok(exchange) => {
            // A new client's secret is known only from this answer: register it before the answer
            // is recorded, or the record would carry it.
            if let Some(secret) = string_at(&exchange, &["UserPoolClient", "ClientSecret"]) {
                redactor.register(&secret, SecretKind::ClientSecret);
            }
            let response = ResponseRecord {
                status: exchange.status,
                body: redactor.redact_cut(&String::from_utf8_lossy(&exchange.body), super::RECORD_BODY_MAX),
                duration_ms: Some(exchange.elapsed.as_millis() as u64),
            };
            let record = record(Some(response), exchange.elapsed.as_millis() as u64);
            if (200..300).contains(&exchange.status) {
                return (Ok(exchange), record);
            }
            let classification = match classify(&exchange, false) {
                Some(classification) => Some(classification),
                None => probes.lacks(wire, &request, &exchange).await,
            }
            .unwrap_or_else(|| Classification::error("provisioning call refused"));
            let detail = exchange.error_type().unwrap_or_else(|| format!("HTTP {}", exchange.status));
            let failure = ProvisionFailure {
                classification,
                reason: format!("provisioning failed: {operation} answered {detail}"),
            };
            (Err(failure), record)
        }
    }
}

/// One admin call, recorded (redacted) in `records`.
async fn admin(
    wire: &Wire,
    ctx: &mut Context,
    records: &mut Vec<StepRecord>,
    operation: &str,
    body: Value,
) -> Result<Exchange, ProvisionFailure> {
    let probes = ctx.probes.clone();
    let (result, record) = call_admin(wire, &mut ctx.redactor, &probes, operation, body).await;
    records.push(record);
    result
}

/// The longest pause between two looks at a new hosted domain. A look is one cheap request (a
/// failed name lookup or handshake while the domain is not served), and the scenarios that need
/// the domain wait on it: a long pause is time they wait after the domain is up (at 15 s, a
/// 60 s domain delay was noticed 14 s late).
const DOMAIN_POLL_MAX: std::time::Duration = std::time::Duration::from_secs(4);

/// Waits, bounded (and never past the run's deadline), until a new hosted domain on real AWS
/// answers: it is served through CloudFront and DNS, which take a while after
/// CreateUserPoolDomain returns.
pub(crate) async fn wait_for_domain(wire: &Wire, prefix: &str) -> Result<(), PoolFailure> {
    let started = std::time::Instant::now();
    let mut pause = std::time::Duration::from_secs(2);
    let failed = |rule: &'static str, reason: String| PoolFailure {
        classification: Classification::error(rule),
        reason,
        record: None,
        pool: None,
    };
    loop {
        let probe = wire.hosted_request(prefix, reqwest::Method::POST, "/oauth2/revoke");
        match wire.send(&probe).await {
            Ok(answer) if answer.status < 500 => return Ok(()),
            Err(WireError::Deadline) => {
                return Err(failed(
                    wire_rule(&WireError::Deadline),
                    "the hosted domain did not answer before the run's deadline".into(),
                ));
            }
            _ => {}
        }
        if started.elapsed() > DOMAIN_WAIT {
            return Err(failed(
                "hosted domain not ready",
                format!("the new hosted domain did not answer within {DOMAIN_WAIT:?}"),
            ));
        }
        let wake = std::time::Instant::now() + pause;
        if wire.deadline().is_some_and(|deadline| wake >= deadline) {
            return Err(failed(
                wire_rule(&WireError::Deadline),
                "the hosted domain did not answer before the run's deadline".into(),
            ));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(DOMAIN_POLL_MAX);
    }
}

/// The rule name for an unanswered request.
pub fn wire_rule(error: &WireError) -> &'static str {
    match error {
        WireError::Timeout(_) => "no answer within the request timeout",
        WireError::Connect(_) => "target unreachable",
        WireError::TooLarge(_) => "answer larger than the body limit",
        WireError::Deadline => "the run's deadline was reached",
        WireError::Other(_) => "transport error",
    }
}

pub(crate) fn string_at(exchange: &Exchange, path: &[&str]) -> Option<String> {
    let json = exchange.json()?;
    path.iter().try_fold(&json, |value, key| value.get(*key)).and_then(Value::as_str).map(str::to_owned)
}

/// `username` made the scenario's own: `cc-alice-<suffix>`, `cc-carol-<suffix>@example.com`.
pub fn scenario_name(username: &str, suffix: &str) -> String {
    match username.split_once('@') {
        Some((local, domain)) => format!("{NAME_PREFIX}{local}-{suffix}@{domain}"),
        None => format!("{NAME_PREFIX}{username}-{suffix}"),
    }
}

/// Takes the scenario's pools from `pools` and creates its clients and users in them, filling
/// `ctx`. On failure, what was created so far is in `ctx` (and `live`) for [`teardown`].
pub async fn provision(
    wire: &Wire,
    live: &Ledger,
    pools: &SharedPools,
    scenario: &Scenario,
    ctx: &mut Context,
    records: &mut Vec<StepRecord>,
) -> Result<(), ProvisionFailure> {
    ctx.suffix = random_lowercase_alphanumeric(8);
    ctx.pools = match pools.for_scenario(wire, scenario).await {
        Ok(pools) => pools,
        Err(failure) => {
            records.extend(failure.record);
            if let Some((name, pool)) = failure.pool {
                ctx.pools.insert(name, pool);
            }
            return Err(ProvisionFailure { classification: failure.classification, reason: failure.reason });
        }
    };
    for client in &scenario.clients {
        let pool_id = ctx.pools.get(&client.pool).map(|p| p.id.clone()).unwrap_or_default();
        let mut body = json!({
            "UserPoolId": pool_id,
            "ClientName": format!("{NAME_PREFIX}{}-{}", client.name, ctx.suffix),
            "GenerateSecret": client.secret,
            "ExplicitAuthFlows": client.flows,
        });
        if let Some(revocation) = client.revocation {
            body["EnableTokenRevocation"] = json!(revocation);
        }
        let created = admin(wire, ctx, records, "CreateUserPoolClient", body).await?;
        let id = string_at(&created, &["UserPoolClient", "ClientId"]).ok_or_else(|| ProvisionFailure {
            classification: Classification::error("malformed CreateUserPoolClient answer"),
            reason: "CreateUserPoolClient answered without UserPoolClient.ClientId".into(),
        })?;
        live.add(Fixture::Client { pool: pool_id, id: id.clone() });
        let secret = string_at(&created, &["UserPoolClient", "ClientSecret"]);
        ctx.clients.insert(client.name.clone(), ClientState { id, secret: secret.clone(), pool: client.pool.clone() });
        if client.secret && secret.is_none() {
            return Err(ProvisionFailure {
                classification: Classification::error("malformed CreateUserPoolClient answer"),
                reason: "GenerateSecret=true but no ClientSecret came back".into(),
            });
        }
        if let Some(secret) = &secret {
            ctx.redactor.register(secret, SecretKind::ClientSecret);
        }
    }
    ctx.redactor.register(FIXTURE_PASSWORD, SecretKind::Password);
    for user in &scenario.users {
        let pool_id = ctx.pools.get(&user.pool).map(|p| p.id.clone()).unwrap_or_default();
        let sign_in_name = scenario_name(&user.username, &ctx.suffix);
        // An attribute that spells the username (the e-mail of an e-mail pool) must be unique in
        // the pool too.
        let attributes: Vec<(String, String)> = user
            .attributes
            .iter()
            .map(|(name, value)| {
                let value = if *value == user.username { sign_in_name.clone() } else { value.clone() };
                (name.clone(), value)
            })
            .collect();
        let listed: Vec<Value> =
            attributes.iter().map(|(name, value)| json!({ "Name": name, "Value": value })).collect();
        let body = json!({
            "UserPoolId": pool_id,
            "Username": sign_in_name,
            "UserAttributes": listed,
            "MessageAction": "SUPPRESS",
        });
        let created = admin(wire, ctx, records, "AdminCreateUser", body).await?;
        let username = string_at(&created, &["User", "Username"]).unwrap_or_else(|| sign_in_name.clone());
        live.add(Fixture::User { pool: pool_id.clone(), username: username.clone() });
        let sub = created.json().and_then(|json| {
            json["User"]["Attributes"]
                .as_array()?
                .iter()
                .find(|a| a["Name"] == "sub")
                .and_then(|a| a["Value"].as_str().map(str::to_owned))
        });
        ctx.users.insert(
            user.name.clone(),
            UserState {
                sign_in_name: sign_in_name.clone(),
                username,
                password: FIXTURE_PASSWORD.into(),
                sub,
                pool: user.pool.clone(),
                attributes: attributes.into_iter().collect(),
            },
        );
        let password =
            json!({ "UserPoolId": pool_id, "Username": sign_in_name, "Password": FIXTURE_PASSWORD, "Permanent": true });
        admin(wire, ctx, records, "AdminSetUserPassword", password).await?;
    }
    Ok(())
}

/// Deletes the users and clients the scenario created (never its pools, which are the run's).
/// Failures are recorded, never fatal; what could not be deleted stays in `live` for the run's
/// clean-up.
pub async fn teardown(wire: &Wire, live: &Ledger, ctx: &mut Context, records: &mut Vec<StepRecord>) {
    // In the scenario's own order of names, so transcripts are the same on every run.
    let mut users: Vec<(String, UserState)> = ctx.users.iter().map(|(n, u)| (n.clone(), u.clone())).collect();
    users.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, user) in users {
        let Some(pool) = ctx.pools.get(&user.pool).map(|p| p.id.clone()) else { continue };
        let body = json!({ "UserPoolId": pool, "Username": user.username });
        if admin(wire, ctx, records, "AdminDeleteUser", body).await.is_ok() {
            live.remove(&Fixture::User { pool, username: user.username });
        }
    }
    let mut clients: Vec<(String, ClientState)> = ctx.clients.iter().map(|(n, c)| (n.clone(), c.clone())).collect();
    clients.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, client) in clients {
        let Some(pool) = ctx.pools.get(&client.pool).map(|p| p.id.clone()) else { continue };
        let body = json!({ "UserPoolId": pool, "ClientId": client.id });
        if admin(wire, ctx, records, "DeleteUserPoolClient", body).await.is_ok() {
            live.remove(&Fixture::Client { pool, id: client.id });
        }
    }
}
