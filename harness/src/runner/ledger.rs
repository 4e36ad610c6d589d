//! What a run has created on its target and not yet deleted, so that whatever ends the run (its
//! last scenario, the deadline, Ctrl-C, SIGTERM) can delete it.
//!
//! Pools the run created go whole (their hosted domain first: Cognito refuses to delete a pool
//! that has one), which takes their clients and users with them. In a pool the run did not create
//! (`--pool-id`), the clients and users it made there are deleted one by one, and so is a domain
//! it added to that pool. Clean-up gets its own bounded window, after any deadline: requests run
//! concurrently except pool deletions, which go one at a time (moto 5.2.5 answers 500 when pool
//! lookups race pool creation or deletion).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use serde_json::json;
use tokio::task::JoinSet;

use crate::wire::{Exchange, Wire, WireError};

/// How long clean-up may take at most, after the run (and any deadline) is over.
pub const CLEANUP_WINDOW: Duration = Duration::from_secs(30);

/// A client or user the run created in a pool.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fixture {
    /// An app client, by id.
    Client {
        /// Pool id.
        pool: String,
        /// Client id.
        id: String,
    },
    /// A user, by Cognito username.
    User {
        /// Pool id.
        pool: String,
        /// The username AdminCreateUser answered with.
        username: String,
    },
}

impl Fixture {
    fn pool(&self) -> &str {
        match self {
            Fixture::Client { pool, .. } | Fixture::User { pool, .. } => pool,
        }
    }
}

#[derive(Debug, Default)]
struct LivePool {
    /// The run created the pool (and so deletes it whole).
    owned: bool,
    /// A hosted domain the run created on it.
    domain: Option<String>,
}

#[derive(Debug, Default)]
struct Inner {
    pools: BTreeMap<String, LivePool>,
    fixtures: Vec<Fixture>,
}

/// The run's live resources. Cheap to clone; clones share the record.
#[derive(Debug, Clone, Default)]
pub struct Ledger(Arc<Mutex<Inner>>);

/// What a clean-up deleted, and what it could not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deleted {
    /// Pools deleted.
    pub pools: usize,
    /// Hosted domains deleted.
    pub domains: usize,
    /// Clients and users deleted one by one (in pools the run did not create).
    pub fixtures: usize,
    /// Resources still there: what failed, or what the window did not reach.
    pub left: usize,
}

impl Deleted {
    /// A sentence for people.
    pub fn describe(&self) -> String {
        format!(
            "deleted {} pool(s), {} domain(s) and {} client(s)/user(s) the run had created",
            self.pools, self.domains, self.fixtures
        )
    }
}

impl Ledger {
    /// Records a pool: `owned` when the run created it.
    pub fn add_pool(&self, id: &str, owned: bool) {
        self.0.lock().pools.entry(id.to_owned()).or_default().owned |= owned;
    }

    /// Records a hosted domain the run is creating on pool `id` (before the call, so a refused or
    /// unanswered creation is still cleaned up).
    pub fn add_domain(&self, id: &str, prefix: &str) {
        self.0.lock().pools.entry(id.to_owned()).or_default().domain = Some(prefix.to_owned());
    }

    /// Forgets pool `id` and its domain (deleted).
    pub fn remove_pool(&self, id: &str) {
        let mut inner = self.0.lock();
        inner.pools.remove(id);
        inner.fixtures.retain(|f| f.pool() != id);
    }

    /// Records a client or user.
    pub fn add(&self, fixture: Fixture) {
        self.0.lock().fixtures.push(fixture);
    }

    /// Forgets a client or user (deleted).
    pub fn remove(&self, fixture: &Fixture) {
        self.0.lock().fixtures.retain(|f| f != fixture);
    }

    /// How many pools, domains and fixtures are alive.
    pub fn len(&self) -> usize {
        let inner = self.0.lock();
        inner.pools.values().map(|p| usize::from(p.owned) + usize::from(p.domain.is_some())).sum::<usize>()
            + inner.fixtures.len()
    }

    /// Whether nothing is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Deletes everything recorded, within [`CLEANUP_WINDOW`], with no deadline on `wire`.
    pub async fn delete_all(&self, wire: &Wire) -> Deleted {
        self.delete_all_within(wire, CLEANUP_WINDOW).await
    }

    /// Deletes everything recorded, stopping after `window`.
    pub async fn delete_all_within(&self, wire: &Wire, window: Duration) -> Deleted {
        let wire = wire.without_deadline();
        let mut deleted = Deleted::default();
        let _ = tokio::time::timeout(window, self.delete_everything(&wire, &mut deleted)).await;
        deleted.left = self.len();
        deleted
    }

    async fn delete_everything(&self, wire: &Wire, deleted: &mut Deleted) {
        let (fixtures, domains): (Vec<Fixture>, Vec<(String, String)>) = {
            let inner = self.0.lock();
            let borrowed = |pool: &str| inner.pools.get(pool).is_none_or(|p| !p.owned);
            let fixtures = inner.fixtures.iter().filter(|f| borrowed(f.pool())).cloned().collect();
            let domains = inner.pools.iter().filter_map(|(id, p)| p.domain.clone().map(|d| (id.clone(), d))).collect();
            (fixtures, domains)
        };
        let mut tasks = JoinSet::new();
        for fixture in fixtures {
            let wire = wire.clone();
            tasks.spawn(async move {
                let ok = delete_fixture(&wire, &fixture).await.is_ok_and(|a| a.status == 200);
                (fixture, ok)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            if let Ok((fixture, true)) = joined {
                self.remove(&fixture);
                deleted.fixtures += 1;
            }
        }
        let mut tasks = JoinSet::new();
        for (pool, domain) in domains {
            let wire = wire.clone();
            tasks.spawn(async move {
                let ok = delete_domain(&wire, &pool, &domain).await.is_ok_and(|a| a.status == 200);
                (pool, ok)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            if let Ok((pool, ok)) = joined {
                deleted.domains += usize::from(ok);
                // A domain that would not go is forgotten all the same: DeleteUserPool then says
                // why, and `cleanup` finds the pool.
                if let Some(live) = self.0.lock().pools.get_mut(&pool) {
                    live.domain = None;
                }
            }
        }
        let owned: Vec<String> =
            self.0.lock().pools.iter().filter(|(_, p)| p.owned).map(|(id, _)| id.clone()).collect();
        for pool in owned {
            if delete_pool(wire, &pool, None).await.is_ok_and(|a| a.status == 200) {
                self.remove_pool(&pool);
                deleted.pools += 1;
            }
        }
        self.0.lock().pools.retain(|_, p| p.owned || p.domain.is_some());
    }
}

async fn call(wire: &Wire, operation: &str, body: serde_json::Value) -> Result<Exchange, WireError> {
    wire.send(&wire.api_request(operation, body.to_string().into_bytes())).await
}

/// Deletes one client or user. Unrecorded: for clean-up outside a scenario.
pub async fn delete_fixture(wire: &Wire, fixture: &Fixture) -> Result<Exchange, WireError> {
    match fixture {
        Fixture::Client { pool, id } => {
            call(wire, "DeleteUserPoolClient", json!({ "UserPoolId": pool, "ClientId": id })).await
        }
        Fixture::User { pool, username } => {
            call(wire, "AdminDeleteUser", json!({ "UserPoolId": pool, "Username": username })).await
        }
    }
}

/// Deletes the hosted domain `prefix` of pool `id`.
pub async fn delete_domain(wire: &Wire, id: &str, prefix: &str) -> Result<Exchange, WireError> {
    call(wire, "DeleteUserPoolDomain", json!({ "UserPoolId": id, "Domain": prefix })).await
}

/// Deletes pool `id`, its hosted domain first (Cognito refuses to delete a pool that has one);
/// the answer is DeleteUserPool's. Unrecorded: for clean-up outside a scenario.
pub async fn delete_pool(wire: &Wire, id: &str, domain: Option<&str>) -> Result<Exchange, WireError> {
    if let Some(domain) = domain {
        let _ = delete_domain(wire, id, domain).await;
    }
    call(wire, "DeleteUserPool", json!({ "UserPoolId": id })).await
}
