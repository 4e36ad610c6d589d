//! The run's provisioning plan: which pools (and hosted domains) a run creates, decided once from
//! the selected scenarios, and the consent text that says so.
//!
//! Scenarios do not get pools of their own: a run creates one pool per distinct pool
//! configuration its scenarios ask for, and each scenario gets its own clients and users inside
//! those pools, with names unique to the scenario ([`crate::runner::provision`]). A configuration
//! is the pool's settings (`username_attributes`) plus its ordinal among the scenario's pools with
//! the same settings, so a scenario with `main` and `other` still gets two distinct pools. A pool
//! gets a hosted domain when any scenario needs one on it. Against AWS that is the difference
//! between a hundred pools and dozens of domains (each a minute or more to answer) and three pools
//! and one domain; against emulators it is most of a run's time.

use crate::scenario::Scenario;
use crate::target::aws;

/// A pool configuration: what makes two scenarios' pools interchangeable.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PoolKey {
    /// `UsernameAttributes`, as the scenario gives them.
    pub username_attributes: Vec<String>,
    /// Its place among the scenario's pools with the same settings (0 for the first).
    pub ordinal: usize,
}

impl PoolKey {
    /// The configuration of the default pool (`main` without settings): the one `--pool-id` names.
    pub fn default_pool() -> Self {
        Self { username_attributes: Vec::new(), ordinal: 0 }
    }

    /// A short, name-safe label: `default`, `email-1`.
    pub fn label(&self) -> String {
        let settings =
            if self.username_attributes.is_empty() { "default".to_owned() } else { self.username_attributes.join("+") };
        let settings = settings.replace('_', "");
        if self.ordinal == 0 { settings } else { format!("{settings}-{}", self.ordinal) }
    }
}

/// A pool the user already has, to be used for the default configuration (`--pool-id`,
/// `--domain`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReusedPool {
    /// Its id.
    pub pool_id: String,
    /// Its hosted domain prefix, if the user named one; without it, a run that needs a domain on
    /// this pool creates one there and deletes it afterwards.
    pub domain: Option<String>,
}

/// One pool of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedPool {
    /// Its configuration.
    pub key: PoolKey,
    /// Whether some scenario needs a hosted domain on it.
    pub domain: bool,
    /// Use this existing pool instead of creating one.
    pub reused: Option<ReusedPool>,
}

impl PlannedPool {
    /// Whether the run creates the pool.
    pub fn creates_pool(&self) -> bool {
        self.reused.is_none()
    }

    /// Whether the run creates a hosted domain on it.
    pub fn creates_domain(&self) -> bool {
        self.domain && self.reused.as_ref().is_none_or(|r| r.domain.is_none())
    }
}

/// What a run creates, decided before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPlan {
    /// The pools, in a fixed order (by configuration).
    pub pools: Vec<PlannedPool>,
    /// App clients the scenarios create, all together.
    pub clients: usize,
    /// Users the scenarios create, all together.
    pub users: usize,
    /// How many scenarios.
    pub scenarios: usize,
}

/// The configuration of each of `scenario`'s pools, in the scenario's order.
pub fn keys_of(scenario: &Scenario) -> Vec<PoolKey> {
    let mut keys: Vec<PoolKey> = Vec::new();
    for pool in &scenario.pools {
        let ordinal = keys.iter().filter(|k| k.username_attributes == pool.username_attributes).count();
        keys.push(PoolKey { username_attributes: pool.username_attributes.clone(), ordinal });
    }
    keys
}

impl RunPlan {
    /// The plan for `scenarios`, reusing `reused` for the default configuration if given.
    pub fn new(scenarios: &[Scenario], reused: Option<&ReusedPool>) -> Self {
        let mut pools: Vec<PlannedPool> = Vec::new();
        for scenario in scenarios {
            for (spec, key) in scenario.pools.iter().zip(keys_of(scenario)) {
                match pools.iter_mut().find(|p| p.key == key) {
                    Some(planned) => planned.domain |= spec.domain,
                    None => pools.push(PlannedPool { key, domain: spec.domain, reused: None }),
                }
            }
        }
        pools.sort_by(|a, b| a.key.cmp(&b.key));
        if let Some(reused) = reused {
            match pools.iter_mut().find(|p| p.key == PoolKey::default_pool()) {
                Some(planned) => planned.reused = Some(reused.clone()),
                None => pools.insert(
                    0,
                    PlannedPool { key: PoolKey::default_pool(), domain: false, reused: Some(reused.clone()) },
                ),
            }
        }
        Self {
            pools,
            clients: scenarios.iter().map(|s| s.clients.len()).sum(),
            users: scenarios.iter().map(|s| s.users.len()).sum(),
            scenarios: scenarios.len(),
        }
    }

    /// Where `key` sits in [`RunPlan::pools`].
    pub fn index_of(&self, key: &PoolKey) -> Option<usize> {
        self.pools.iter().position(|p| &p.key == key)
    }

    /// Pools the run creates.
    pub fn pools_created(&self) -> usize {
        self.pools.iter().filter(|p| p.creates_pool()).count()
    }

    /// Hosted domains the run creates.
    pub fn domains_created(&self) -> usize {
        self.pools.iter().filter(|p| p.creates_domain()).count()
    }

    /// What a run against real Cognito would create, for people deciding whether to consent.
    pub fn consent_text(&self, region: Option<&str>) -> String {
        aws::plan(self, region)
    }
}

/// A scenario with these pools (name, domain, `username_attributes`) and nothing else, for the
/// tests of planning and provisioning.
#[cfg(test)]
pub(crate) fn scenario_with_pools(pools: &[(&str, bool, &[&str])]) -> Scenario {
    Scenario {
        id: "s".into(),
        title: String::new(),
        spec: String::new(),
        tags: Vec::new(),
        file: "s.toml".into(),
        pools: pools
            .iter()
            .map(|(name, domain, attributes)| crate::scenario::model::PoolSpec {
                name: (*name).into(),
                domain: *domain,
                username_attributes: attributes.iter().map(|a| (*a).to_owned()).collect(),
            })
            .collect(),
        clients: Vec::new(),
        users: Vec::new(),
        steps: Vec::new(),
        suite_checks: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::scenario_with_pools as scenario;
    use super::*;
    use crate::scenario::model::MAIN_POOL;

    #[test]
    fn one_pool_per_configuration_with_a_domain_if_any_needs_one() {
        let scenarios = [
            scenario(&[(MAIN_POOL, false, &[])]),
            scenario(&[(MAIN_POOL, true, &[])]),
            scenario(&[(MAIN_POOL, false, &[]), ("other", false, &[])]),
            scenario(&[(MAIN_POOL, false, &["email"])]),
            scenario(&[(MAIN_POOL, false, &["email"])]),
        ];
        let plan = RunPlan::new(&scenarios, None);
        let summary: Vec<(String, bool)> = plan.pools.iter().map(|p| (p.key.label(), p.domain)).collect();
        assert_eq!(
            summary,
            [("default".to_owned(), true), ("default-1".to_owned(), false), ("email".to_owned(), false)]
        );
        assert_eq!((plan.pools_created(), plan.domains_created()), (3, 1));
        assert_eq!(keys_of(&scenarios[2])[1], PoolKey { username_attributes: Vec::new(), ordinal: 1 });
    }

    #[test]
    fn a_reused_pool_and_domain_are_not_created() {
        let scenarios = [scenario(&[(MAIN_POOL, true, &[])]), scenario(&[(MAIN_POOL, false, &["email"])])];
        let with_domain = ReusedPool { pool_id: "us-east-1_X".into(), domain: Some("mine".into()) };
        let plan = RunPlan::new(&scenarios, Some(&with_domain));
        assert_eq!((plan.pools_created(), plan.domains_created()), (1, 0));
        let without = ReusedPool { domain: None, ..with_domain };
        let plan = RunPlan::new(&scenarios, Some(&without));
        assert_eq!((plan.pools_created(), plan.domains_created()), (1, 1));
        let text = plan.consent_text(Some("eu-west-1"));
        assert!(text.contains("1 user pool(s)") && text.contains("1 hosted-UI domain(s)"), "{text}");
        assert!(text.contains("us-east-1_X"), "{text}");
    }
}
