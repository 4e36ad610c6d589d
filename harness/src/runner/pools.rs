//! The run's pools, created once from the [`RunPlan`] before any scenario starts and handed to
//! each scenario by its pool names.
//!
//! Pools are created one at a time (few, and moto 5.2.5 answers 500 when a pool lookup races a
//! pool creation). A hosted domain is created with its pool; against real AWS it takes a while to
//! answer, so the scenarios that need it wait for it (the first to ask does the waiting) while the
//! others start at once.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::json;
use tokio::sync::OnceCell;

use super::classify::Classification;
use super::context::PoolState;
use super::ledger::{Ledger, delete_domain, delete_pool};
use super::plan::{PlannedPool, RunPlan, keys_of};
use super::probe::Probes;
use super::provision::{NAME_PREFIX, TAG_KEY, TAG_VALUE, call_admin, string_at, wait_for_domain};
use crate::cognito::random_lowercase_alphanumeric;
use crate::redact::Redactor;
use crate::report::model::StepRecord;
use crate::scenario::Scenario;
use crate::wire::{HostedAddressing, Wire};

/// Why a pool (or its domain) is not there for the scenarios that need it.
#[derive(Debug, Clone)]
pub struct PoolFailure {
    /// `unsupported` or `error`.
    pub classification: Classification,
    /// What failed.
    pub reason: String,
    /// The refused call, for the transcripts of the scenarios it stops.
    pub record: Option<StepRecord>,
    /// The scenario's name for the pool and what is known of it (a pool whose domain was
    /// refused), so its transcript still normalises the pool's id and domain.
    pub pool: Option<(String, PoolState)>,
}

#[derive(Debug)]
struct SharedPool {
    planned: PlannedPool,
    pool: Result<PoolState, PoolFailure>,
    /// The domain's outcome: its creation's (`Err`), or unset until it has answered (AWS).
    domain: Option<Result<String, PoolFailure>>,
    ready: OnceCell<Result<(), PoolFailure>>,
}

/// The run's pools. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SharedPools {
    plan: Arc<RunPlan>,
    pools: Arc<Vec<SharedPool>>,
}

impl SharedPools {
    /// Creates the plan's pools and domains on `wire` (stopping at its deadline), recording them in
    /// `ledger`. Failures are kept, and reported by the scenarios that need what failed.
    pub async fn provision(plan: &RunPlan, wire: &Wire, probes: &Probes, ledger: &Ledger) -> Self {
        let run = random_lowercase_alphanumeric(8);
        let mut redactor = Redactor::default();
        let mut pools = Vec::new();
        for planned in &plan.pools {
            let pool = match &planned.reused {
                Some(reused) => {
                    ledger.add_pool(&reused.pool_id, false);
                    Ok(PoolState {
                        id: reused.pool_id.clone(),
                        name: reused.pool_id.clone(),
                        domain: reused.domain.clone(),
                    })
                }
                None => create_pool(wire, &mut redactor, probes, ledger, &run, planned).await,
            };
            let domain = match (&pool, planned.creates_domain()) {
                (Ok(state), true) => {
                    let prefix = format!("{NAME_PREFIX}{run}-{}", random_lowercase_alphanumeric(12));
                    ledger.add_domain(&state.id, &prefix);
                    let body = json!({ "UserPoolId": state.id, "Domain": prefix });
                    let (created, record) = call_admin(wire, &mut redactor, probes, "CreateUserPoolDomain", body).await;
                    let known = PoolState { domain: Some(prefix.clone()), ..state.clone() };
                    Some(created.map(|_| prefix).map_err(|f| PoolFailure {
                        classification: f.classification,
                        reason: f.reason,
                        record: Some(record),
                        pool: Some((String::new(), known)),
                    }))
                }
                (Ok(state), false) => state.domain.clone().map(Ok),
                (Err(_), _) => None,
            };
            pools.push(SharedPool { planned: planned.clone(), pool, domain, ready: OnceCell::new() });
        }
        Self { plan: Arc::new(plan.clone()), pools: Arc::new(pools) }
    }

    /// `scenario`'s pools by its names for them; waits for the hosted domains it needs to answer.
    pub async fn for_scenario(
        &self,
        wire: &Wire,
        scenario: &Scenario,
    ) -> Result<HashMap<String, PoolState>, PoolFailure> {
        let mut out = HashMap::new();
        for (spec, key) in scenario.pools.iter().zip(keys_of(scenario)) {
            let shared = self.plan.index_of(&key).and_then(|i| self.pools.get(i)).ok_or_else(|| PoolFailure {
                classification: Classification::error("pool not in the run's plan"),
                reason: format!("pool `{}` is not in the run's plan", spec.name),
                record: None,
                pool: None,
            })?;
            let mut state = shared.pool.clone()?;
            state.domain = None;
            if spec.domain {
                let prefix = match &shared.domain {
                    Some(Ok(prefix)) => prefix.clone(),
                    Some(Err(failure)) => {
                        let mut failure = failure.clone();
                        if let Some((name, _)) = &mut failure.pool {
                            name.clone_from(&spec.name);
                        }
                        return Err(failure);
                    }
                    None => {
                        return Err(PoolFailure {
                            classification: Classification::error("no hosted domain"),
                            reason: format!("pool `{}` has no hosted domain", spec.name),
                            record: None,
                            pool: None,
                        });
                    }
                };
                if *wire.hosted() == HostedAddressing::Real {
                    shared.ready.get_or_init(|| wait_for_domain(wire, &prefix)).await.clone()?;
                }
                state.domain = Some(prefix);
            }
            out.insert(spec.name.clone(), state);
        }
        Ok(out)
    }

    /// Waits until the hosted domains `scenario` needs answer (or have failed to). A run calls it
    /// before giving the scenario a job slot, so scenarios waiting for a new domain (a minute or
    /// more on AWS) do not hold slots that scenarios without one could use meanwhile. A failure is
    /// kept and reported by [`SharedPools::for_scenario`].
    pub async fn wait_until_ready(&self, wire: &Wire, scenario: &Scenario) {
        let _ = self.for_scenario(wire, scenario).await;
    }

    /// Deletes the pools and domains these created (for callers outside a run, such as the
    /// fuzzer's worlds; a run's clean-up goes through its [`Ledger`]).
    pub async fn delete(&self, wire: &Wire, ledger: &Ledger) {
        for shared in self.pools.iter() {
            let Ok(state) = &shared.pool else { continue };
            let domain =
                shared.domain.as_ref().and_then(|d| d.as_ref().ok()).filter(|_| shared.planned.creates_domain());
            if shared.planned.creates_pool() {
                let _ = delete_pool(wire, &state.id, domain.map(String::as_str)).await;
                ledger.remove_pool(&state.id);
            } else if let Some(domain) = domain {
                let _ = delete_domain(wire, &state.id, domain).await;
            }
        }
    }
}

async fn create_pool(
    wire: &Wire,
    redactor: &mut Redactor,
    probes: &Probes,
    ledger: &Ledger,
    run: &str,
    planned: &PlannedPool,
) -> Result<PoolState, PoolFailure> {
    let name = format!("{NAME_PREFIX}{run}-{}", planned.key.label());
    let mut body = json!({ "PoolName": name.clone(), "UserPoolTags": { TAG_KEY: TAG_VALUE } });
    if !planned.key.username_attributes.is_empty() {
        body["UsernameAttributes"] = json!(planned.key.username_attributes);
    }
    let (created, record) = call_admin(wire, redactor, probes, "CreateUserPool", body).await;
    let failed =
        |classification, reason| PoolFailure { classification, reason, record: Some(record.clone()), pool: None };
    let created = created.map_err(|f| failed(f.classification, f.reason))?;
    let id = string_at(&created, &["UserPool", "Id"]).ok_or_else(|| {
        failed(
            Classification::error("malformed CreateUserPool answer"),
            "CreateUserPool answered without UserPool.Id".into(),
        )
    })?;
    ledger.add_pool(&id, true);
    Ok(PoolState { id, name, domain: None })
}

#[cfg(test)]
mod tests {
    use serde_json::Value;
    use wiremock::matchers::{header, method};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::runner::plan::{ReusedPool, scenario_with_pools};
    use crate::scenario::model::MAIN_POOL;
    use crate::wire::WireOptions;

    fn scenario(domain: bool, attributes: &[&str]) -> Scenario {
        scenario_with_pools(&[(MAIN_POOL, domain, attributes)])
    }

    async fn server() -> MockServer {
        let server = MockServer::start().await;
        let target = "x-amz-target";
        for id in ["us-east-1_One", "us-east-1_Two"] {
            Mock::given(method("POST"))
                .and(header(target, "AWSCognitoIdentityProviderService.CreateUserPool"))
                .respond_with(ResponseTemplate::new(200).set_body_string(format!(r#"{{"UserPool":{{"Id":"{id}"}}}}"#)))
                .up_to_n_times(1)
                .mount(&server)
                .await;
        }
        Mock::given(method("POST"))
            .and(header(target, "AWSCognitoIdentityProviderService.CreateUserPoolDomain"))
            .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
            .mount(&server)
            .await;
        server
    }

    async fn sent(server: &MockServer) -> Vec<(String, Value)> {
        let requests = server.received_requests().await.expect("recorded");
        requests
            .iter()
            .map(|r| {
                let operation = r.headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default();
                let operation = operation.rsplit('.').next().unwrap_or_default().to_owned();
                (operation, serde_json::from_slice(&r.body).unwrap_or(Value::Null))
            })
            .collect()
    }

    #[tokio::test]
    async fn each_configuration_gets_one_tagged_pool_and_a_domain_only_where_needed() {
        let server = server().await;
        let wire = Wire::new(&server.uri(), "us-east-1", HostedAddressing::HostHeader, WireOptions::default())
            .expect("client");
        let scenarios = [scenario(true, &[]), scenario(false, &[]), scenario(false, &["email"])];
        let plan = RunPlan::new(&scenarios, None);
        let ledger = Ledger::default();
        let pools = SharedPools::provision(&plan, &wire, &Probes::default(), &ledger).await;
        let sent = sent(&server).await;
        let operations: Vec<&str> = sent.iter().map(|(op, _)| op.as_str()).collect();
        assert_eq!(operations, ["CreateUserPool", "CreateUserPoolDomain", "CreateUserPool"]);
        for (_, body) in sent.iter().filter(|(op, _)| op == "CreateUserPool") {
            assert_eq!(body["UserPoolTags"][TAG_KEY], TAG_VALUE, "{body}");
            assert!(body["PoolName"].as_str().is_some_and(|n| n.starts_with(NAME_PREFIX)), "{body}");
        }
        assert_eq!(sent[2].1["UsernameAttributes"], serde_json::json!(["email"]));
        assert!(sent[1].1["Domain"].as_str().is_some_and(|d| d.starts_with(NAME_PREFIX)));
        assert_eq!(ledger.len(), 3, "two pools and a domain to delete");
        let with_domain = pools.for_scenario(&wire, &scenarios[0]).await.expect("pools");
        assert!(with_domain[MAIN_POOL].domain.is_some());
        let without = pools.for_scenario(&wire, &scenarios[1]).await.expect("pools");
        assert_eq!(without[MAIN_POOL].id, with_domain[MAIN_POOL].id, "the same pool");
        assert!(without[MAIN_POOL].domain.is_none(), "a scenario sees a domain only if it asked for one");
    }

    #[tokio::test]
    async fn a_reused_pool_and_domain_are_not_created_nor_deleted() {
        let server = server().await;
        let wire = Wire::new(&server.uri(), "us-east-1", HostedAddressing::HostHeader, WireOptions::default())
            .expect("client");
        let scenarios = [scenario(true, &[])];
        let reused = ReusedPool { pool_id: "us-east-1_Mine".into(), domain: Some("mine".into()) };
        let plan = RunPlan::new(&scenarios, Some(&reused));
        let ledger = Ledger::default();
        let pools = SharedPools::provision(&plan, &wire, &Probes::default(), &ledger).await;
        assert!(sent(&server).await.is_empty(), "nothing to create");
        assert!(ledger.is_empty(), "nothing of the run's to delete");
        let got = pools.for_scenario(&wire, &scenarios[0]).await.expect("pools");
        assert_eq!((got[MAIN_POOL].id.as_str(), got[MAIN_POOL].domain.as_deref()), ("us-east-1_Mine", Some("mine")));
    }
}
