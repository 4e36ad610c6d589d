//! Per-scenario fixtures: each scenario gets its own pools, clients, users and domains, with
//! unique names, created through the target's admin API and deleted afterwards whatever happened.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use serde_json::{Value, json};

use super::classify::{Classification, classify};
use super::context::{ClientState, Context, PoolState, UserState};
use crate::cognito::random_lowercase_alphanumeric;
use crate::redact::SecretKind;
use crate::report::model::{RequestRecord, ResponseRecord, StepRecord};
use crate::scenario::Scenario;
use crate::scenario::model::FIXTURE_PASSWORD;
use crate::target::aws::DOMAIN_WAIT;
use crate::wire::{Exchange, HostedAddressing, Wire, WireError};

/// The prefix of every resource the harness creates, so leftovers are recognisable.
pub const NAME_PREFIX: &str = "cc-";

/// The tag every provisioned pool carries, so `cleanup` on real AWS can tell ours from the user's.
pub const TAG_KEY: &str = "created-by";

/// The value of [`TAG_KEY`].
pub const TAG_VALUE: &str = "cognito-conformance";

/// The pools provisioned and not yet torn down, across a run's scenarios, so an interrupted run
/// can still delete them. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct LivePools(Arc<Mutex<HashMap<String, Option<String>>>>);

impl LivePools {
    fn insert(&self, id: &str, domain: Option<&str>) {
        self.0.lock().insert(id.to_owned(), domain.map(str::to_owned));
    }

    fn remove(&self, id: &str) {
        self.0.lock().remove(id);
    }

    /// How many pools are alive.
    pub fn len(&self) -> usize {
        self.0.lock().len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Deletes every live pool (and its domain), returning how many deletions succeeded.
    pub async fn delete_all(&self, wire: &Wire) -> usize {
        let pools: Vec<(String, Option<String>)> = self.0.lock().drain().collect();
        let mut deleted = 0;
        for (id, domain) in pools {
            if delete_pool(wire, &id, domain.as_deref()).await.is_ok_and(|e| e.status == 200) {
                deleted += 1;
            }
        }
        deleted
    }
}

/// Deletes pool `id`, its hosted domain first (Cognito refuses to delete a pool that has one);
/// the answer is DeleteUserPool's. Unrecorded: for clean-up outside a scenario.
pub async fn delete_pool(wire: &Wire, id: &str, domain: Option<&str>) -> Result<Exchange, WireError> {
    if let Some(domain) = domain {
        let body = json!({ "UserPoolId": id, "Domain": domain }).to_string();
        let _ = wire.send(&wire.api_request("DeleteUserPoolDomain", body.into_bytes())).await;
    }
    let body = json!({ "UserPoolId": id }).to_string();
    wire.send(&wire.api_request("DeleteUserPool", body.into_bytes())).await
}

/// Why a scenario's fixtures could not be created.
#[derive(Debug, Clone)]
pub struct ProvisionFailure {
    /// `unsupported` or `error`.
    pub classification: Classification,
    /// What failed, for the report.
    pub reason: String,
}

/// One admin call, recorded (redacted) in `records`.
async fn admin(
    wire: &Wire,
    ctx: &mut Context,
    records: &mut Vec<StepRecord>,
    operation: &str,
    body: Value,
) -> Result<Exchange, ProvisionFailure> {
    let request = wire.api_request(operation, body.to_string().into_bytes());
    let result = wire.send(&request).await;
    let sent =
        RequestRecord { method: "POST".into(), target: operation.into(), body: ctx.redactor.redact(&body.to_string()) };
    let record = |response: Option<ResponseRecord>, ms: u64| StepRecord {
        name: format!("provision:{operation}"),
        kind: "provision".into(),
        request: Some(sent.clone()),
        response,
        duration_ms: ms,
    };
    match result {
        Err(error) => {
            records.push(record(None, 0));
            Err(ProvisionFailure {
                classification: Classification::error(wire_rule(&error)),
                reason: format!("{operation}: {error}"),
            })
        }
        Ok(exchange) => {
            // A new client's secret is known only from this answer: register it before the answer
            // is recorded, or the record would carry it.
            if let Some(secret) = string_at(&exchange, &["UserPoolClient", "ClientSecret"]) {
                ctx.redactor.register(&secret, SecretKind::ClientSecret);
            }
            let response = ResponseRecord {
                status: exchange.status,
                body: ctx.redactor.redact(&String::from_utf8_lossy(&exchange.body)),
            };
            records.push(record(Some(response), exchange.elapsed.as_millis() as u64));
            if (200..300).contains(&exchange.status) {
                return Ok(exchange);
            }
            let classification = match classify(&exchange, false) {
                Some(classification) => Some(classification),
                None => ctx.probes.lacks(wire, &request, &exchange).await,
            }
            .unwrap_or_else(|| Classification::error("provisioning call refused"));
            let detail = exchange.error_type().unwrap_or_else(|| format!("HTTP {}", exchange.status));
            Err(ProvisionFailure {
                classification,
                reason: format!("provisioning failed: {operation} answered {detail}"),
            })
        }
    }
}

/// Waits, bounded, until a new hosted domain on real AWS answers: it is served through CloudFront
/// and DNS, which take a while after CreateUserPoolDomain returns.
async fn wait_for_domain(wire: &Wire, prefix: &str) -> Result<(), ProvisionFailure> {
    let started = std::time::Instant::now();
    let mut pause = std::time::Duration::from_secs(2);
    loop {
        let probe = wire.hosted_request(prefix, reqwest::Method::POST, "/oauth2/revoke");
        if let Ok(answer) = wire.send(&probe).await
            && answer.status < 500
        {
            return Ok(());
        }
        if started.elapsed() > DOMAIN_WAIT {
            return Err(ProvisionFailure {
                classification: Classification::error("hosted domain not ready"),
                reason: format!("the new hosted domain did not answer within {DOMAIN_WAIT:?}"),
            });
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(std::time::Duration::from_secs(15));
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

fn string_at(exchange: &Exchange, path: &[&str]) -> Option<String> {
    let json = exchange.json()?;
    path.iter().try_fold(&json, |value, key| value.get(*key)).and_then(Value::as_str).map(str::to_owned)
}

/// Creates the scenario's fixtures, filling `ctx`. On failure, what was created so far is still in
/// `ctx` for [`teardown`].
pub async fn provision(
    wire: &Wire,
    live: &LivePools,
    scenario: &Scenario,
    ctx: &mut Context,
    records: &mut Vec<StepRecord>,
) -> Result<(), ProvisionFailure> {
    let tag = random_lowercase_alphanumeric(8);
    for pool in &scenario.pools {
        let name = format!("{NAME_PREFIX}{}-{}-{tag}", truncate(&scenario.id, 40), pool.name);
        let mut body = json!({ "PoolName": name.clone(), "UserPoolTags": { TAG_KEY: TAG_VALUE } });
        if !pool.username_attributes.is_empty() {
            body["UsernameAttributes"] = json!(pool.username_attributes);
        }
        let created = admin(wire, ctx, records, "CreateUserPool", body).await?;
        let id = string_at(&created, &["UserPool", "Id"]).ok_or_else(|| ProvisionFailure {
            classification: Classification::error("malformed CreateUserPool answer"),
            reason: "CreateUserPool answered without UserPool.Id".into(),
        })?;
        live.insert(&id, None);
        ctx.pools.insert(pool.name.clone(), PoolState { id: id.clone(), name, domain: None });
        if pool.domain {
            let prefix = format!("{NAME_PREFIX}{}", random_lowercase_alphanumeric(16));
            // Known before the call, so a refused domain is still torn down and still normalised
            // in transcripts.
            live.insert(&id, Some(&prefix));
            if let Some(state) = ctx.pools.get_mut(&pool.name) {
                state.domain = Some(prefix.clone());
            }
            admin(wire, ctx, records, "CreateUserPoolDomain", json!({ "UserPoolId": id, "Domain": prefix.clone() }))
                .await?;
            if *wire.hosted() == HostedAddressing::Real {
                wait_for_domain(wire, &prefix).await?;
            }
        }
    }
    for client in &scenario.clients {
        let pool_id = ctx.pools.get(&client.pool).map(|p| p.id.clone()).unwrap_or_default();
        let mut body = json!({
            "UserPoolId": pool_id,
            "ClientName": format!("{NAME_PREFIX}{}", client.name),
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
        let secret = string_at(&created, &["UserPoolClient", "ClientSecret"]);
        if client.secret && secret.is_none() {
            return Err(ProvisionFailure {
                classification: Classification::error("malformed CreateUserPoolClient answer"),
                reason: "GenerateSecret=true but no ClientSecret came back".into(),
            });
        }
        if let Some(secret) = &secret {
            ctx.redactor.register(secret, SecretKind::ClientSecret);
        }
        ctx.clients.insert(client.name.clone(), ClientState { id, secret, pool: client.pool.clone() });
    }
    ctx.redactor.register(FIXTURE_PASSWORD, SecretKind::Password);
    for user in &scenario.users {
        let pool_id = ctx.pools.get(&user.pool).map(|p| p.id.clone()).unwrap_or_default();
        let attributes: Vec<Value> =
            user.attributes.iter().map(|(name, value)| json!({ "Name": name, "Value": value })).collect();
        let body = json!({
            "UserPoolId": pool_id,
            "Username": user.username,
            "UserAttributes": attributes,
            "MessageAction": "SUPPRESS",
        });
        let created = admin(wire, ctx, records, "AdminCreateUser", body).await?;
        let username = string_at(&created, &["User", "Username"]).unwrap_or_else(|| user.username.clone());
        let sub = created.json().and_then(|json| {
            json["User"]["Attributes"]
                .as_array()?
                .iter()
                .find(|a| a["Name"] == "sub")
                .and_then(|a| a["Value"].as_str().map(str::to_owned))
        });
        let password = json!({ "UserPoolId": pool_id, "Username": user.username, "Password": FIXTURE_PASSWORD, "Permanent": true });
        admin(wire, ctx, records, "AdminSetUserPassword", password).await?;
        ctx.users.insert(
            user.name.clone(),
            UserState {
                sign_in_name: user.username.clone(),
                username,
                password: FIXTURE_PASSWORD.into(),
                sub,
                pool: user.pool.clone(),
            },
        );
    }
    Ok(())
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((cut, _)) => &text[..cut],
        None => text,
    }
}

/// Deletes every pool (and domain) the scenario created. Failures are recorded, never fatal.
pub async fn teardown(wire: &Wire, live: &LivePools, ctx: &mut Context, records: &mut Vec<StepRecord>) {
    // In the scenario's own order of names, so transcripts are the same on every run.
    let mut pools: Vec<(String, super::context::PoolState)> =
        ctx.pools.iter().map(|(name, pool)| (name.clone(), pool.clone())).collect();
    pools.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, pool) in pools {
        if let Some(domain) = &pool.domain {
            let _ =
                admin(wire, ctx, records, "DeleteUserPoolDomain", json!({ "UserPoolId": pool.id, "Domain": domain }))
                    .await;
        }
        let _ = admin(wire, ctx, records, "DeleteUserPool", json!({ "UserPoolId": pool.id })).await;
        live.remove(&pool.id);
    }
}
