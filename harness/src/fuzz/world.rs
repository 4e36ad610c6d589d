//! The world a fuzz run attacks: pools, clients, users and six live token families, provisioned
//! through the runner's own code from `fuzz-world.toml`, which is also the preamble of every
//! reproduction — so a written scenario starts from exactly the state the fuzzer attacked.

use std::path::Path;
use std::sync::LazyLock;

use crate::redact::{Redactor, SecretKind};
use crate::report::model::StepRecord;
use crate::runner::context::Context;
use crate::runner::exec::{StepFailure, perform};
use crate::runner::ledger::Ledger;
use crate::runner::plan::RunPlan;
use crate::runner::pools::SharedPools;
use crate::runner::provision::{provision, teardown};
use crate::scenario::model::{Action, Scenario};
use crate::scenario::parse_scenario;
use crate::scenario::template::Template;
use crate::wire::{Exchange, Wire};

use super::FuzzError;

/// The world's scenario text.
pub const WORLD: &str = include_str!("fuzz-world.toml");

static SCENARIO: LazyLock<Result<Scenario, String>> = LazyLock::new(|| {
    parse_scenario(Path::new("fuzz/fuzz-world.toml"), WORLD)
        .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
});

/// The parsed world.
pub fn scenario() -> Result<&'static Scenario, FuzzError> {
    SCENARIO.as_ref().map_err(|why| FuzzError::World(why.clone()))
}

/// An app client of the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Client {
    /// Issues the victim, twin and bystander families; has a secret.
    App,
    /// Another client of the main pool, with a secret.
    Sibling,
    /// The main pool's public client.
    Public,
    /// A main-pool client with revocation disabled.
    Frozen,
    /// A client of the other pool.
    Stranger,
}

impl Client {
    /// Every client.
    pub const ALL: [Client; 5] = [Client::App, Client::Sibling, Client::Public, Client::Frozen, Client::Stranger];

    /// Its name in `fuzz-world.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Client::App => "app",
            Client::Sibling => "sibling",
            Client::Public => "public",
            Client::Frozen => "frozen",
            Client::Stranger => "stranger",
        }
    }

    /// Whether it has a client secret.
    pub fn has_secret(self) -> bool {
        self != Client::Public
    }

    /// Whether revocation is enabled for it.
    pub fn revocation(self) -> bool {
        self != Client::Frozen
    }

    /// Whether it belongs to the main pool, the one with the domain.
    pub fn in_main_pool(self) -> bool {
        self != Client::Stranger
    }
}

/// A token family of the world: one sign-in and everything refreshed from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// alice via app, refreshed once: the family the fuzzer aims at.
    Victim,
    /// Another session of alice via app.
    Twin,
    /// bob via app.
    Bystander,
    /// alice via the public client.
    Public,
    /// alice via the revocation-disabled client.
    Frozen,
    /// otto via the other pool's client.
    Foreign,
}

impl Family {
    /// Every family, in probing order.
    pub const ALL: [Family; 6] =
        [Family::Victim, Family::Twin, Family::Bystander, Family::Public, Family::Frozen, Family::Foreign];

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        self.session()
    }

    /// The sign-in step that starts it; its refresh token lives there.
    pub fn session(self) -> &'static str {
        match self {
            Family::Victim => "victim",
            Family::Twin => "twin",
            Family::Bystander => "bystander",
            Family::Public => "public",
            Family::Frozen => "frozen",
            Family::Foreign => "foreign",
        }
    }

    /// The step whose access and ID tokens are the family's newest.
    pub fn newest(self) -> &'static str {
        match self {
            Family::Victim => "victim_refreshed",
            other => other.session(),
        }
    }

    /// The client that issued it.
    pub fn client(self) -> Client {
        match self {
            Family::Victim | Family::Twin | Family::Bystander => Client::App,
            Family::Public => Client::Public,
            Family::Frozen => Client::Frozen,
            Family::Foreign => Client::Stranger,
        }
    }

    fn index(self) -> usize {
        Family::ALL.iter().position(|f| *f == self).unwrap_or_default()
    }
}

/// What a probe of one family saw. `None`: the probe did not say (no probe, or an answer that is
/// neither success nor `NotAuthorizedException`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Liveness {
    /// GetUser with the family's newest access token succeeded.
    pub access: Option<bool>,
    /// REFRESH_TOKEN_AUTH with its refresh token succeeded.
    pub refresh: Option<bool>,
}

impl Liveness {
    /// Whether any part of the family is known dead.
    pub fn any_dead(self) -> bool {
        self.access == Some(false) || self.refresh == Some(false)
    }

    /// Whether any part of the family is known alive.
    pub fn any_alive(self) -> bool {
        self.access == Some(true) || self.refresh == Some(true)
    }
}

/// A provisioned world on one target, owned by one worker.
#[derive(Debug)]
pub struct World {
    /// The runner's context: fixtures, step outputs, the redactor.
    pub ctx: Context,
    base_redactor: Redactor,
    alive: [bool; 6],
    /// The world's own pools (each world has its own, so workers never share a pool).
    pools: SharedPools,
}

/// What a live family is asked: its access token on GetUser, its refresh token on a refresh.
fn probe_action(family: Family, refresh: bool) -> Result<Action, FuzzError> {
    let template = |text: String| Template::parse(&text).map_err(|e| FuzzError::World(e.message));
    Ok(if refresh {
        Action::Refresh {
            client: family.client().name().into(),
            refresh_token: template(format!("{{{{{}.refresh_token}}}}", family.session()))?,
            flow: "REFRESH_TOKEN_AUTH".into(),
            admin: false,
            secret_hash: None,
        }
    } else {
        Action::GetUser { access_token: template(format!("{{{{{}.access_token}}}}", family.newest()))? }
    })
}

/// Alive (`Some(true)`), revoked (`Some(false)`) or unclear, from a probe's answer.
fn liveness(exchange: &Exchange) -> Option<bool> {
    match exchange.status {
        200 => Some(true),
        400..=499 if exchange.error_type().as_deref() == Some("NotAuthorizedException") => Some(false),
        _ => None,
    }
}

impl World {
    /// Provisions the world's fixtures on `wire` and signs every family in.
    pub async fn provision(wire: &Wire, live: &Ledger) -> Result<Self, FuzzError> {
        let scenario = scenario()?;
        let mut ctx = Context::default();
        let mut records: Vec<StepRecord> = Vec::new();
        let plan = RunPlan::new(std::slice::from_ref(scenario), None);
        let pools = SharedPools::provision(&plan, wire, &ctx.probes, live).await;
        if let Err(failure) = provision(wire, live, &pools, scenario, &mut ctx, &mut records).await {
            teardown(wire, live, &mut ctx, &mut records).await;
            pools.delete(wire, live).await;
            return Err(FuzzError::Provision(format!("{} ({})", failure.reason, failure.classification.rule)));
        }
        let base_redactor = ctx.redactor.clone();
        let mut world = Self { ctx, base_redactor, alive: [false; 6], pools };
        world.establish(wire, &Family::ALL).await?;
        Ok(world)
    }

    /// Deletes the world's pools.
    pub async fn teardown(mut self, wire: &Wire, live: &Ledger) {
        teardown(wire, live, &mut self.ctx, &mut Vec::new()).await;
        self.pools.delete(wire, live).await;
    }

    /// Signs `families` in afresh (the victim is refreshed once too), so every case starts from the
    /// state `fuzz-world.toml` describes.
    pub async fn establish(&mut self, wire: &Wire, families: &[Family]) -> Result<(), FuzzError> {
        let scenario = scenario()?;
        for family in families {
            let mut steps = vec![family.session()];
            if *family == Family::Victim {
                steps.push("victim_refreshed");
            }
            for name in steps {
                let step = scenario
                    .steps
                    .iter()
                    .find(|s| s.name == name)
                    .ok_or_else(|| FuzzError::World(format!("fuzz-world.toml has no step `{name}`")))?;
                let performed = perform(wire, &mut self.ctx, &step.action).await.map_err(|e| match e {
                    StepFailure::Wire(error) => FuzzError::Wire(error),
                    other => FuzzError::World(other.to_string()),
                })?;
                let output = performed.output;
                if output.access_token.is_none() {
                    let status = output.exchange.as_ref().map_or(0, |e| e.status);
                    return Err(FuzzError::Provision(format!(
                        "step `{name}` of the fuzz world got no tokens (HTTP {status})"
                    )));
                }
                self.ctx.outputs.insert(name.to_owned(), output);
            }
            self.alive[family.index()] = true;
        }
        self.forget_spent_secrets();
        Ok(())
    }

    /// Starts the redactor again from the fixtures and the families' current tokens: every probe
    /// refresh registers new tokens, and a redactor that only grows slows every case down.
    pub fn forget_spent_secrets(&mut self) {
        self.ctx.redactor = self.base_redactor.clone();
        for output in self.ctx.outputs.values() {
            for (token, kind) in [
                (&output.access_token, SecretKind::AccessToken),
                (&output.id_token, SecretKind::IdToken),
                (&output.refresh_token, SecretKind::RefreshToken),
            ] {
                if let Some(token) = token {
                    self.ctx.redactor.register(token, kind);
                }
            }
        }
    }

    /// Asks `family` whether it lives: GetUser always, a refresh when `refresh` is set.
    pub async fn probe(&mut self, wire: &Wire, family: Family, refresh: bool) -> Result<Liveness, FuzzError> {
        let mut seen = Liveness::default();
        for ask_refresh in [false, true] {
            if ask_refresh && !refresh {
                continue;
            }
            let performed = perform(wire, &mut self.ctx, &probe_action(family, ask_refresh)?).await;
            let answer = match performed {
                Ok(performed) => performed.output.exchange.as_ref().and_then(liveness),
                Err(StepFailure::Wire(error)) => return Err(FuzzError::Wire(error)),
                Err(other) => return Err(FuzzError::World(other.to_string())),
            };
            if ask_refresh { seen.refresh = answer } else { seen.access = answer }
        }
        Ok(seen)
    }

    /// Notes that `family` died; [`World::revive`] signs it in again.
    pub fn bury(&mut self, family: Family) {
        self.alive[family.index()] = false;
    }

    /// Signs in every family that died.
    pub async fn revive(&mut self, wire: &Wire) -> Result<(), FuzzError> {
        let dead: Vec<Family> = Family::ALL.into_iter().filter(|f| !self.alive[f.index()]).collect();
        if dead.is_empty() { Ok(()) } else { self.establish(wire, &dead).await }
    }

    /// Every secret the world holds: client secrets, the password, every family's tokens.
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        self.ctx.redactor.secrets()
    }
}
