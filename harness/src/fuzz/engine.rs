//! Running cases: workers that each own a world, the oracle's probes after every request, and
//! shrinking a finding to a minimal request.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use super::attack::{Attack, Kind, Value};
use super::oracle::{Expect, FindingKind, expect, judge_answer};
use super::repro::{ReproInput, scenario_id, scenario_text};
use super::strategy::{Plan, Surface, plans};
use super::world::{Family, World};
use super::{FuzzError, world};
use crate::report::Verdict;
use crate::runner::classify::classify;
use crate::runner::exec::{StepFailure, perform};
use crate::runner::{TargetState, run_scenario};
use crate::scenario::parse_scenario;
use crate::scenario::template::Template;
use crate::target::Connected;
use crate::wire::Wire;

/// What a fuzz run does.
#[derive(Debug, Clone)]
pub struct FuzzOptions {
    /// Stop after this many cases.
    pub cases: u64,
    /// The seed: with the case index, it determines every case.
    pub seed: u64,
    /// Stop after this long, whatever the count.
    pub time_limit: Option<Duration>,
    /// The surfaces to attack.
    pub surfaces: Vec<Surface>,
    /// Workers, each with its own world.
    pub jobs: usize,
    /// Longest acceptable answer.
    pub answer_bound: Duration,
    /// Where reproductions are written; `None`: nowhere.
    pub out_dir: Option<PathBuf>,
    /// At most this many re-runs while shrinking.
    pub shrink_limit: usize,
    /// Go on after a finding, and report the first case of each distinct finding (kind, family,
    /// surface), at most `max_findings` of them.
    pub keep_going: bool,
    /// Distinct findings shrunk and reported with `keep_going`.
    pub max_findings: usize,
    /// Fuzz surfaces the target lacks too (every answer is then likely a finding).
    pub include_unsupported: bool,
}

impl Default for FuzzOptions {
    fn default() -> Self {
        Self {
            cases: 10_000,
            seed: 0,
            time_limit: None,
            surfaces: Surface::ALL.to_vec(),
            jobs: 4,
            answer_bound: super::DEFAULT_ANSWER_BOUND,
            out_dir: None,
            shrink_limit: 500,
            keep_going: false,
            max_findings: 10,
            include_unsupported: false,
        }
    }
}

/// A broken property, shrunk.
#[derive(Debug, Clone)]
pub struct Finding {
    /// What broke.
    pub kind: FindingKind,
    /// For revocation findings, whose family.
    pub family: Option<Family>,
    /// The case index it was found at (with the run's seed).
    pub case: u64,
    /// What was seen, redacted.
    pub detail: String,
    /// The plan as generated.
    pub original: Plan,
    /// The plan after shrinking.
    pub shrunk: Plan,
    /// How many simplifications held.
    pub shrink_steps: usize,
    /// The reproduction's text.
    pub scenario: String,
    /// Where it was written.
    pub written: Option<PathBuf>,
    /// Whether running the reproduction against the same target failed as it should.
    pub reproduced: Option<bool>,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct FuzzSummary {
    /// The seed.
    pub seed: u64,
    /// Cases run.
    pub cases: u64,
    /// Wall time of the fuzzing phase (provisioning and shrinking excluded).
    pub elapsed: Duration,
    /// Surfaces attacked.
    pub surfaces: Vec<Surface>,
    /// Surfaces the target lacks, with the rule that said so.
    pub unsupported: Vec<(Surface, String)>,
    /// How often the oracle predicted revoked, kept and either for the family a plan aims at.
    pub predictions: [u64; 3],
    /// The first finding (lowest case index), shrunk; the run stops at it. With `keep_going`, the
    /// first case of each distinct finding.
    pub findings: Vec<Finding>,
    /// With `keep_going`: how many cases broke each distinct property, by kind, family and surface.
    pub counts: Vec<(FindingKind, Option<Family>, Surface, u64)>,
}

impl FuzzSummary {
    /// Cases per second of the fuzzing phase.
    pub fn rate(&self) -> f64 {
        self.cases as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Called after every case with the cases done and the findings so far.
pub type OnCase = Arc<dyn Fn(u64, usize) + Send + Sync>;

/// A violation as first seen.
#[derive(Debug, Clone)]
struct Violation {
    kind: FindingKind,
    family: Option<Family>,
    detail: String,
}

fn case_runner(seed: u64, index: u64) -> TestRunner {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&index.to_le_bytes());
    TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &key))
}

/// The plan of case `index`, and its value tree for shrinking.
pub fn case(seed: u64, index: u64, surfaces: &[Surface]) -> Result<(Plan, impl ValueTree<Value = Plan>), FuzzError> {
    let mut runner = case_runner(seed, index);
    let tree = plans(surfaces.to_vec()).new_tree(&mut runner).map_err(|e| FuzzError::World(e.to_string()))?;
    Ok((tree.current(), tree))
}

/// The rendered values that must never come back: the world's secrets and tokens, and every
/// secret-derived value the request carries.
fn secrets(world: &World, attack: &Attack) -> Vec<String> {
    let render = |value: &Value| Template::parse(&value.template()).ok().and_then(|t| world.ctx.fill(&t).ok());
    let mut out: Vec<String> = world.secrets().map(str::to_owned).collect();
    out.extend(attack.values().into_iter().filter(|v| v.is_sensitive()).filter_map(render));
    let exposed: Vec<String> = attack.exposed_values().into_iter().filter_map(render).collect();
    out.retain(|secret| !exposed.iter().any(|text| text.contains(secret.as_str())));
    out
}

/// Sends one attack and probes every family. Leaves the world as `fuzz-world.toml` describes it.
async fn execute(
    world: &mut World,
    wire: &Wire,
    attack: &Attack,
    bound: Duration,
    tally: Option<&Mutex<[u64; 3]>>,
    aimed: Family,
) -> Result<Vec<Violation>, FuzzError> {
    let action = attack.action().map_err(|e| FuzzError::World(format!("a generated template: {}", e.message)))?;
    let known = secrets(world, attack);
    let render = |value: &Value| Template::parse(&value.template()).ok().and_then(|t| world.ctx.fill(&t).ok());
    let settled = attack.settled(&render);
    let attack = &settled;
    let mut violations = Vec::new();
    let status = match perform(wire, &mut world.ctx, &action).await {
        Ok(performed) => match performed.output.exchange {
            Some(exchange) => {
                for (kind, detail) in judge_answer(attack, &exchange, &known, bound) {
                    violations.push(Violation { kind, family: None, detail });
                }
                Some(exchange.status)
            }
            None => None,
        },
        Err(StepFailure::Wire(error)) => {
            violations.push(Violation { kind: FindingKind::NoAnswer, family: None, detail: error.to_string() });
            None
        }
        Err(other) => return Err(FuzzError::World(other.to_string())),
    };
    let success = status.is_some_and(|s| (200..300).contains(&s));
    let values = attack.values();
    for family in Family::ALL {
        let expected = expect(attack, family);
        if family == aimed
            && let Some(tally) = tally
        {
            let slot = match expected {
                Expect::Revoked => 0,
                Expect::Kept => 1,
                Expect::Either => 2,
            };
            tally.lock()[slot] += 1;
        }
        // A success that carried the family's exact refresh token may have revoked it; a mangled
        // one revoking would kill the access tokens too, which GetUser sees (and then the refresh
        // token is asked as well). Each refresh of a live token costs the target two signatures.
        let carried = values.iter().any(|v| v.is_token(family, Kind::Refresh));
        let mut seen = world.probe(wire, family, expected == Expect::Revoked || (success && carried)).await?;
        if seen.access == Some(false) && seen.refresh.is_none() {
            seen.refresh = world.probe(wire, family, true).await?.refresh;
        }
        let broken = match expected {
            Expect::Revoked if seen.any_alive() => Some((FindingKind::KeptAlive, "lived through its revocation")),
            Expect::Kept if seen.any_dead() => Some((FindingKind::WronglyRevoked, "died")),
            _ => None,
        };
        if let Some((kind, what)) = broken {
            let detail = format!(
                "the {} family {what} (GetUser with its newest access token: {}; refresh: {})",
                family.name(),
                alive_text(seen.access),
                alive_text(seen.refresh)
            );
            violations.push(Violation { kind, family: Some(family), detail });
        }
        if seen.any_dead() {
            world.bury(family);
        }
    }
    world.revive(wire).await?;
    if world.ctx.redactor.len() > 64 {
        world.forget_spent_secrets();
    }
    Ok(violations)
}

fn alive_text(seen: Option<bool>) -> &'static str {
    match seen {
        Some(true) => "works",
        Some(false) => "refused as revoked",
        None => "not asked or unclear",
    }
}

/// Which surfaces the target lacks: a harmless request per surface, judged by the runner's rules
/// for "unsupported" (and its probe), so a missing operation is reported, never fuzzed as wrong.
async fn unsupported_surfaces(
    world: &mut World,
    wire: &Wire,
    surfaces: &[Surface],
) -> Result<Vec<(Surface, String)>, FuzzError> {
    let mut out = Vec::new();
    for surface in surfaces {
        let harmless = Plan {
            surface: *surface,
            family: Family::Public,
            mutations: vec![super::strategy::Mutation::Token(Some(Value::Text("not-a-token-".repeat(3))))],
        };
        let action = harmless.attack().action().map_err(|e| FuzzError::World(e.message))?;
        let performed = match perform(wire, &mut world.ctx, &action).await {
            Ok(performed) => performed,
            Err(StepFailure::Wire(error)) => return Err(FuzzError::Wire(error)),
            Err(other) => return Err(FuzzError::World(other.to_string())),
        };
        let (Some(request), Some(exchange)) = (performed.request, performed.output.exchange) else { continue };
        let mut verdict = classify(&exchange, false);
        let untyped = !harmless.attack().is_api() && exchange.json().is_none_or(|j| j.get("error").is_none());
        if verdict.is_none() && (exchange.status >= 500 || (untyped && exchange.status >= 400)) {
            verdict = world.ctx.probes.lacks(wire, &request, &exchange).await;
        }
        if let Some(classification) = verdict.filter(|c| c.verdict == Verdict::Unsupported) {
            out.push((*surface, classification.rule));
        }
    }
    Ok(out)
}

/// Shrinks a violation: simplifies the plan while the same property stays broken for the same
/// family on the same surface, each attempt on freshly signed-in families. Returns the smallest
/// plan, how many simplifications held, and what its last run saw.
async fn shrink(
    world: &mut World,
    wire: &Wire,
    mut tree: impl ValueTree<Value = Plan>,
    target: &Violation,
    options: &FuzzOptions,
) -> Result<(Plan, usize, Violation), FuzzError> {
    let surface = tree.current().surface;
    let matching = |plan: &Plan, violations: Vec<Violation>| {
        violations.into_iter().find(|v| plan.surface == surface && v.kind == target.kind && v.family == target.family)
    };
    let mut best = (tree.current(), target.clone());
    let mut steps = 0;
    let mut runs = 0;
    if !tree.simplify() {
        return Ok((best.0, steps, best.1));
    }
    while runs < options.shrink_limit {
        runs += 1;
        let candidate = tree.current();
        world.establish(wire, &Family::ALL).await?;
        let violations =
            execute(world, wire, &candidate.attack(), options.answer_bound, None, candidate.family).await?;
        if let Some(seen) = matching(&candidate, violations) {
            best = (candidate, seen);
            steps += 1;
            if !tree.simplify() {
                break;
            }
        } else if !tree.complicate() {
            break;
        }
    }
    Ok((best.0, steps, best.1))
}

/// Fails now, before any world is provisioned, when reproductions could not be written to `dir`:
/// discovered after a finding had been shrunk, the reproduction would be lost. Leaves no trace: the
/// directories it had to create for the check are removed again (a run without findings writes
/// nothing).
fn writable(dir: &Path) -> Result<(), FuzzError> {
    let first_missing = dir.ancestors().take_while(|path| !path.exists()).last().map(Path::to_path_buf);
    let probe = dir.join(format!(".cognito-conformance-write-check-{}", std::process::id()));
    let checked = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&probe, b""))
        .and_then(|()| std::fs::remove_file(&probe));
    if let Some(created) = first_missing.filter(|path| path.exists()) {
        let _ = std::fs::remove_dir_all(created);
    }
    checked.map_err(|source| FuzzError::Write { path: dir.to_path_buf(), source })
}

/// Runs the reproduction against the target: `Some(true)` when it fails (or warns) as it should.
async fn check_reproduction(target: &Connected, text: &str, path: &Path) -> Option<bool> {
    let scenario = parse_scenario(path, text).ok()?;
    let state = TargetState { probes: target.state.probes.clone(), live: target.state.live.clone(), settle: None, ..TargetState::default() };
    let deadline = Instant::now() + Duration::from_secs(120);
    let result = run_scenario(&target.wire, &state, &scenario, true, deadline).await;
    Some(matches!(result.verdict, Verdict::Fail | Verdict::Warn))
}

/// A distinct finding: what broke, for whom, on which surface.
type FindingKey = (FindingKind, Option<Family>, Surface);
/// How many cases broke it, and the first of them: its index, plan and violation.
type FirstSeen = (u64, u64, Plan, Violation);

struct Shared {
    next: AtomicU64,
    done: AtomicU64,
    stop: AtomicBool,
    tally: Mutex<[u64; 3]>,
    found: Mutex<BTreeMap<FindingKey, FirstSeen>>,
}

async fn worker(
    wire: Wire,
    mut world: World,
    shared: Arc<Shared>,
    options: Arc<FuzzOptions>,
    surfaces: Vec<Surface>,
    deadline: Option<Instant>,
    on_case: OnCase,
) -> (World, Result<(), FuzzError>) {
    let result = async {
        loop {
            if shared.stop.load(Ordering::SeqCst) || deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(());
            }
            let index = shared.next.fetch_add(1, Ordering::SeqCst);
            if index >= options.cases {
                return Ok(());
            }
            let (plan, _) = case(options.seed, index, &surfaces)?;
            let attack = plan.attack();
            let violations =
                execute(&mut world, &wire, &attack, options.answer_bound, Some(&shared.tally), plan.family).await?;
            let done = shared.done.fetch_add(1, Ordering::SeqCst) + 1;
            if !violations.is_empty() {
                let mut found = shared.found.lock();
                for violation in violations {
                    let key = (violation.kind, violation.family, plan.surface);
                    let entry = found.entry(key).or_insert_with(|| (0, index, plan.clone(), violation.clone()));
                    entry.0 += 1;
                    if index < entry.1 {
                        *entry = (entry.0, index, plan.clone(), violation);
                    }
                    if !options.keep_going {
                        break;
                    }
                }
                if !options.keep_going {
                    shared.stop.store(true, Ordering::SeqCst);
                }
            }
            on_case(done, shared.found.lock().len());
        }
    }
    .await;
    (world, result)
}

/// Fuzzes `target` and returns what was found (the run stops at its first finding).
pub async fn fuzz(target: &Connected, options: FuzzOptions, on_case: OnCase) -> Result<FuzzSummary, FuzzError> {
    world::scenario()?;
    if let Some(dir) = &options.out_dir {
        writable(dir)?;
    }
    let wire = &target.wire;
    let live = &target.state.live;
    let mut worlds = Vec::new();
    for _ in 0..options.jobs.max(1) {
        match World::provision(wire, live).await {
            Ok(world) => worlds.push(world),
            Err(error) => {
                for world in worlds {
                    world.teardown(wire, live).await;
                }
                return Err(error);
            }
        }
    }
    let unsupported = match unsupported_surfaces(&mut worlds[0], wire, &options.surfaces).await {
        Ok(unsupported) => unsupported,
        Err(error) => {
            for world in worlds {
                world.teardown(wire, live).await;
            }
            return Err(error);
        }
    };
    let surfaces: Vec<Surface> = options
        .surfaces
        .iter()
        .copied()
        .filter(|s| options.include_unsupported || !unsupported.iter().any(|(u, _)| u == s))
        .collect();
    let mut summary = FuzzSummary {
        seed: options.seed,
        cases: 0,
        elapsed: Duration::ZERO,
        surfaces: surfaces.clone(),
        unsupported,
        predictions: [0; 3],
        findings: Vec::new(),
        counts: Vec::new(),
    };
    if surfaces.is_empty() {
        for world in worlds {
            world.teardown(wire, live).await;
        }
        return Ok(summary);
    }
    let shared = Arc::new(Shared {
        next: AtomicU64::new(0),
        done: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        tally: Mutex::new([0; 3]),
        found: Mutex::new(BTreeMap::new()),
    });
    let started = Instant::now();
    let deadline = options.time_limit.map(|limit| started + limit);
    let options = Arc::new(options);
    let mut tasks = Vec::new();
    for world in worlds {
        tasks.push(tokio::spawn(worker(
            wire.clone(),
            world,
            shared.clone(),
            options.clone(),
            surfaces.clone(),
            deadline,
            on_case.clone(),
        )));
    }
    let mut worlds = Vec::new();
    let mut failure = None;
    for task in tasks {
        match task.await {
            Ok((world, result)) => {
                worlds.push(world);
                if let Err(error) = result {
                    failure.get_or_insert(error);
                }
            }
            Err(join) => {
                failure.get_or_insert(FuzzError::World(format!("a fuzz worker stopped: {join}")));
            }
        }
    }
    summary.elapsed = started.elapsed();
    summary.cases = shared.done.load(Ordering::SeqCst);
    summary.predictions = *shared.tally.lock();
    let found = std::mem::take(&mut *shared.found.lock());
    summary.counts = found.iter().map(|((kind, family, surface), entry)| (*kind, *family, *surface, entry.0)).collect();
    // Without keep_going, the lowest case index is the run's first finding whichever worker saw it.
    let mut firsts: Vec<(u64, Plan, Violation)> =
        found.into_values().map(|(_, index, plan, violation)| (index, plan, violation)).collect();
    firsts.sort_by_key(|(index, ..)| *index);
    firsts.truncate(if options.keep_going { options.max_findings } else { 1 });
    let outcome = match (failure, worlds.first_mut()) {
        (Some(error), _) => Err(error),
        (None, Some(world)) => {
            let mut outcome = Ok(());
            for (index, original, violation) in firsts {
                match finish(target, world, &options, &surfaces, index, original, violation).await {
                    Ok(finding) => summary.findings.push(finding),
                    Err(error) => {
                        outcome = Err(error);
                        break;
                    }
                }
            }
            outcome
        }
        (None, None) => Ok(()),
    };
    for world in worlds {
        world.teardown(wire, live).await;
    }
    outcome.map(|()| summary)
}

/// Shrinks, writes and checks the reproduction of the first finding.
async fn finish(
    target: &Connected,
    world: &mut World,
    options: &FuzzOptions,
    surfaces: &[Surface],
    index: u64,
    original: Plan,
    violation: Violation,
) -> Result<Finding, FuzzError> {
    let (_, tree) = case(options.seed, index, surfaces)?;
    let (shrunk, shrink_steps, seen) = shrink(world, &target.wire, tree, &violation, options).await?;
    let detail = world.ctx.redactor.redact(&seen.detail);
    let input = ReproInput {
        kind: violation.kind,
        family: violation.family,
        plan: &shrunk,
        seed: options.seed,
        case: index,
        detail: &detail,
    };
    let scenario = scenario_text(&input);
    let file_name = format!("{}.toml", scenario_id(&input));
    let written = match &options.out_dir {
        Some(dir) => {
            let path = dir.join(&file_name);
            std::fs::create_dir_all(dir)
                .and_then(|()| std::fs::write(&path, &scenario))
                .map_err(|source| FuzzError::Write { path: path.clone(), source })?;
            Some(path)
        }
        None => None,
    };
    let shown = written.clone().unwrap_or_else(|| PathBuf::from(&file_name));
    let reproduced = check_reproduction(target, &scenario, &shown).await;
    Ok(Finding {
        kind: violation.kind,
        family: violation.family,
        case: index,
        detail,
        original,
        shrunk,
        shrink_steps,
        scenario,
        written,
        reproduced,
    })
}
