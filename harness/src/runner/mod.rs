//! The runner: executes scenarios against a target and judges every expectation.
//!
//! A run first creates the pools its scenarios need, one per pool configuration ([`plan`],
//! [`pools`]). Each scenario then creates its own clients and users in them ([`provision`]), runs
//! its steps in order ([`exec`]), judges each step's expectations as soon as it has answered
//! ([`judge`]), and deletes its clients and users whatever happened. Scenarios run concurrently
//! (`jobs`). A whole-run deadline holds for every request ([`Wire::with_deadline`]): nothing is
//! sent or retried after it, scenarios not yet started are reported as not run, and the run ends
//! by about the deadline plus one request timeout. Then everything the run created is deleted
//! ([`ledger`]), in a short window of its own; so it is when the run is interrupted
//! ([`run_until`]). Only throttling is retried (in [`crate::wire`]).
//!
//! A step without expectations is a prerequisite: if it does not succeed, the scenario's later
//! expectations are *skipped*. An answer classified unsupported ([`classify`]) makes its step's
//! expectations *unsupported*; a request without an answer makes them *error*.

pub mod classify;
pub mod cleanup;
pub mod context;
pub mod exec;
pub mod judge;
pub mod ledger;
pub mod plan;
pub mod pools;
pub mod probe;
pub mod provision;
pub mod suite_checks;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use self::classify::classify;
use self::context::Context;
use self::exec::{StepFailure, perform};
use self::judge::{judge, not_judged};
use self::ledger::{Deleted, Ledger};
use self::plan::{ReusedPool, RunPlan};
use self::pools::SharedPools;
use self::probe::Probes;
use self::provision::{provision, teardown, wire_rule};
use self::suite_checks::SuiteTally;
use crate::report::model::{RequestRecord, ResponseRecord, SCHEMA_VERSION, Summary};
use crate::report::{ExpectationResult, RunReport, ScenarioResult, StepRecord, Verdict};
use crate::scenario::Scenario;
use crate::scenario::model::{Check, Step};
use crate::target::Connected;
use crate::wire::{Exchange, Request, Wire};

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Scenarios in flight at once.
    pub jobs: usize,
    /// Unmet inferred expectations fail instead of warning.
    pub strict: bool,
    /// The whole run's wall-time budget.
    pub deadline: Duration,
    /// Start no new scenario after one fails or errors.
    pub fail_fast: bool,
    /// A pool (and domain) of the user's to use for the default pool configuration.
    pub reuse: Option<ReusedPool>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self { jobs: default_jobs(), strict: false, deadline: Duration::from_secs(600), fail_fast: false, reuse: None }
    }
}

/// Scenarios in flight by default: enough to keep the cores busy while requests wait.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(4, |n| n.get() * 4)
}

/// What a run learns and holds about its target across scenarios.
#[derive(Debug, Clone, Default)]
pub struct TargetState {
    /// How long a failing check after a revocation is retried (eventual consistency); `None`
    /// judges the first answer, as for emulators and the reference.
    pub settle: Option<Duration>,
    /// Which operations the target lacks, found by probing.
    pub probes: Probes,
    /// What runs created and have not yet deleted, for clean-up after an interruption.
    pub live: Ledger,
    /// Every secret the run's scenarios registered: a target quoting one scenario's secret in
    /// another's answer is redacted too.
    pub secrets: crate::redact::RunSecrets,
}

/// Called as each scenario finishes, for progress output.
pub type OnScenario = Arc<dyn Fn(&ScenarioResult) + Send + Sync>;

/// Bodies kept in reports are cut to this many characters.
pub(crate) const RECORD_BODY_MAX: usize = 2_000;

fn request_record(ctx: &Context, request: &Request, target: String) -> RequestRecord {
    RequestRecord {
        method: request.method.to_string(),
        target,
        url: request.url.clone(),
        body: ctx.redactor.redact_cut(&String::from_utf8_lossy(&request.body), RECORD_BODY_MAX),
    }
}

fn response_record(ctx: &Context, exchange: &Exchange) -> ResponseRecord {
    ResponseRecord {
        status: exchange.status,
        body: ctx.redactor.redact_cut(&String::from_utf8_lossy(&exchange.body), RECORD_BODY_MAX),
        duration_ms: Some(exchange.elapsed.as_millis() as u64),
    }
}

fn request_target(request: &Request) -> String {
    request.operation().map(str::to_owned).unwrap_or_else(|| {
        let path = request.url.splitn(4, '/').nth(3).unwrap_or_default();
        format!("/{path}")
    })
}

/// Why the scenario stopped judging, and the verdict its remaining expectations get.
struct Halt {
    verdict: Verdict,
    reason: String,
}

fn explicitly_expects_status(step: &Step, status: u16) -> bool {
    step.expectations.iter().any(|e| matches!(e.check, Check::Status(s) if s == status))
}

/// Runs one scenario on its own: its pools are created for it and deleted afterwards.
pub async fn run_scenario(
    wire: &Wire,
    state: &TargetState,
    scenario: &Scenario,
    strict: bool,
    deadline: Instant,
) -> ScenarioResult {
    let plan = RunPlan::new(std::slice::from_ref(scenario), None);
    let pools = SharedPools::provision(&plan, &wire.with_deadline(deadline), &state.probes, &state.live).await;
    let result = run_planned_scenario(wire, state, &pools, scenario, strict, deadline).await;
    pools.delete(wire, &state.live).await;
    result
}

/// Runs one scenario against `wire` in the run's `pools`.
pub async fn run_planned_scenario(
    wire: &Wire,
    state: &TargetState,
    pools: &SharedPools,
    scenario: &Scenario,
    strict: bool,
    deadline: Instant,
) -> ScenarioResult {
    let started = Instant::now();
    let mut ctx = Context {
        probes: state.probes.clone(),
        redactor: crate::redact::Redactor::sharing(state.secrets.clone()),
        ..Context::default()
    };
    let mut records: Vec<StepRecord> = Vec::new();
    let mut results: Vec<ExpectationResult> = Vec::new();
    let mut halt: Option<Halt> = None;
    let mut scenario_verdict: Option<Verdict> = None;
    let mut suite = SuiteTally::new(scenario);
    if let Err(failure) = provision(wire, &state.live, pools, scenario, &mut ctx, &mut records).await {
        scenario_verdict = Some(failure.classification.verdict);
        halt = Some(Halt {
            verdict: Verdict::Skipped,
            reason: format!("{} ({})", failure.reason, failure.classification.rule),
        });
    }
    for step in &scenario.steps {
        if halt.is_none() && Instant::now() > deadline {
            scenario_verdict = Some(Verdict::Error);
            halt = Some(Halt { verdict: Verdict::Skipped, reason: "the run's deadline was reached".into() });
        }
        if let Some(halted) = &halt {
            let reason = ctx.redactor.redact(&halted.reason);
            results.extend(step.expectations.iter().map(|e| not_judged(&step.name, e, halted.verdict, &reason)));
            continue;
        }
        let step_started = Instant::now();
        let mut performed = match perform(wire, &mut ctx, &step.action).await {
            Ok(performed) => performed,
            Err(failure) => {
                let (verdict, rule) = match &failure {
                    StepFailure::Wire(error) => (Verdict::Error, wire_rule(error).to_owned()),
                    StepFailure::Missing(_) | StepFailure::Local(_) => {
                        (Verdict::Skipped, "an earlier step produced no such value".to_owned())
                    }
                };
                results.extend(step.expectations.iter().map(|e| not_judged(&step.name, e, verdict, &rule)));
                if verdict == Verdict::Error {
                    scenario_verdict = Some(Verdict::Error);
                }
                halt = Some(Halt {
                    verdict: Verdict::Skipped,
                    reason: format!("step `{}` could not run: {failure}", step.name),
                });
                continue;
            }
        };
        let exchange = performed.output.exchange.clone();
        records.push(StepRecord {
            name: step.name.clone(),
            kind: step.action.kind().key().into(),
            request: performed.request.as_ref().map(|r| request_record(&ctx, r, request_target(r))),
            response: exchange.as_ref().map(|e| response_record(&ctx, e)),
            duration_ms: step_started.elapsed().as_millis() as u64,
        });
        let mut classification = exchange.as_ref().and_then(|e| classify(e, explicitly_expects_status(step, e.status)));
        if let (None, Some(exchange), Some(request)) = (&classification, &exchange, &performed.request)
            && !explicitly_expects_status(step, exchange.status)
        {
            classification = state.probes.lacks(wire, request, exchange).await;
        }
        if let Some(classification) = classification {
            results.extend(
                step.expectations
                    .iter()
                    .map(|e| not_judged(&step.name, e, classification.verdict, &classification.rule)),
            );
            scenario_verdict = Some(classification.verdict);
            halt = Some(Halt {
                verdict: Verdict::Skipped,
                reason: format!("step `{}` ({}): {}", step.name, step.action.kind(), classification.rule),
            });
            continue;
        }
        if step.expectations.is_empty() {
            if let Some(why) = prerequisite_failure(step, &performed.output) {
                halt = Some(Halt {
                    verdict: Verdict::Skipped,
                    reason: format!("prerequisite step `{}` failed: {why}", step.name),
                });
                scenario_verdict.get_or_insert(Verdict::Skipped);
            }
        } else {
            let mut judged: Vec<ExpectationResult> =
                step.expectations.iter().map(|e| judge(&mut ctx, &step.name, &performed.output, e, strict)).collect();
            // Against a target with a settle window (real AWS), a check that may see an eventually
            // consistent revocation (its kind settles: see `scenario::action`) is asked again until it
            // holds or the window closes.
            if let Some(window) = state.settle.filter(|_| step.action.kind().settles()) {
                let until = Instant::now() + window;
                while judged.iter().any(|r| matches!(r.verdict, Verdict::Fail | Verdict::Warn))
                    && Instant::now() < until
                {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    let Ok(again) = perform(wire, &mut ctx, &step.action).await else { break };
                    judged =
                        step.expectations.iter().map(|e| judge(&mut ctx, &step.name, &again.output, e, strict)).collect();
                    if let (Some(record), Some(answer)) = (records.last_mut(), &again.output.exchange) {
                        record.response = Some(response_record(&ctx, answer));
                    }
                    performed = again;
                }
            }
            results.extend(judged);
        }
        suite.judge(&mut ctx, step, &performed.output, strict);
        for (name, path) in &step.captures {
            if let Some(value) = ctx.step_value(&performed.output, path) {
                ctx.captures.insert(name.clone(), value);
            }
        }
        ctx.outputs.insert(step.name.clone(), performed.output);
    }
    teardown(wire, &state.live, &mut ctx, &mut records).await;
    results.extend(suite.finish());
    let verdict = Verdict::combine(results.iter().map(|r| r.verdict).chain(scenario_verdict));
    let reason = halt.map(|h| ctx.redactor.redact(&h.reason));
    let mut result = result_of(scenario, verdict, reason, results);
    result.duration_ms = started.elapsed().as_millis() as u64;
    result.steps = records;
    result.volatile = ctx.volatile_values();
    result
}

/// A result for `scenario` without steps or timing.
fn result_of(
    scenario: &Scenario,
    verdict: Verdict,
    reason: Option<String>,
    expectations: Vec<ExpectationResult>,
) -> ScenarioResult {
    ScenarioResult {
        id: scenario.id.clone(),
        title: scenario.title.clone(),
        file: scenario.file.display().to_string(),
        spec: scenario.spec.clone(),
        tags: scenario.tags.clone(),
        verdict,
        reason,
        duration_ms: 0,
        expectations,
        steps: Vec::new(),
        volatile: Vec::new(),
    }
}

/// Why a prerequisite step did not succeed, if it did not.
fn prerequisite_failure(step: &Step, output: &context::StepOutput) -> Option<String> {
    if let Some(verified) = &output.verified {
        return verified.as_ref().err().cloned();
    }
    let exchange = output.exchange.as_ref()?;
    if !(200..300).contains(&exchange.status) {
        let detail = exchange.error_type().unwrap_or_default();
        return Some(format!("HTTP {} {detail}", exchange.status).trim_end().to_owned());
    }
    if step.action.kind().yields_tokens() && output.access_token.is_none() {
        return Some("the answer carries no access token".into());
    }
    None
}

/// How a run ended: its report, what its clean-up deleted, and whether it was interrupted.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// What finished; scenarios that did not are reported as not run.
    pub report: RunReport,
    /// What clean-up deleted, and what it left.
    pub cleanup: Deleted,
    /// The interrupt future completed before the run did.
    pub interrupted: bool,
}

/// Runs `scenarios` against `target`, calling `on_scenario` as each finishes, and deletes what
/// the run created.
pub async fn run(
    scenarios: Vec<Scenario>,
    target: &Connected,
    options: &RunOptions,
    on_scenario: OnScenario,
) -> RunReport {
    run_until(scenarios, target, options, on_scenario, std::future::pending()).await.report
}

/// As [`run`], stopping early when `interrupt` completes (a signal): scenarios in flight are
/// abandoned, what the run created is deleted all the same, and the report holds what finished.
pub async fn run_until(
    scenarios: Vec<Scenario>,
    target: &Connected,
    options: &RunOptions,
    on_scenario: OnScenario,
    interrupt: impl std::future::Future<Output = ()>,
) -> RunOutcome {
    let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let started = Instant::now();
    let deadline = started + options.deadline;
    let wire = target.wire.with_deadline(deadline);
    let plan = RunPlan::new(&scenarios, options.reuse.as_ref());
    let total = scenarios.len();
    let scenarios: Vec<Arc<Scenario>> = scenarios.into_iter().map(Arc::new).collect();
    let mut results: Vec<Option<ScenarioResult>> = vec![None; total];
    tokio::pin!(interrupt);
    // Provisioning is a handful of requests, each bounded by the timeout and the deadline: an
    // interruption lets it finish, so a pool whose creation was in flight is still recorded (and
    // deleted). The interrupt is listened to all along, so its signal handlers are in place.
    let provisioning = SharedPools::provision(&plan, &wire, &target.state.probes, &target.state.live);
    tokio::pin!(provisioning);
    let mut interrupted = false;
    let pools = loop {
        tokio::select! {
            pools = &mut provisioning => break pools,
            () = &mut interrupt, if !interrupted => interrupted = true,
        }
    };
    if !interrupted {
        interrupted =
            run_all(&scenarios, &wire, target, &pools, options, on_scenario, &mut results, &mut interrupt).await;
    }
    let reason = if interrupted {
        "not run: the run was interrupted"
    } else {
        "stopped: the run's deadline passed while it was in a request"
    };
    let scenarios: Vec<ScenarioResult> = results
        .into_iter()
        .zip(&scenarios)
        .map(|(result, scenario)| result.unwrap_or_else(|| not_run_as(scenario, Verdict::Error, reason)))
        .collect();
    let report = RunReport {
        schema_version: SCHEMA_VERSION,
        tool: format!("cognito-conformance {}", env!("CARGO_PKG_VERSION")),
        target: target.info.clone(),
        strict: options.strict,
        started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        summary: Summary::of(&scenarios),
        scenarios,
    };
    let cleanup = target.state.live.delete_all(&target.wire).await;
    RunOutcome { report, cleanup, interrupted }
}

/// Runs the scenarios in `pools`, filling `results`; `true` when `interrupt` stopped it.
#[allow(clippy::too_many_arguments)]
async fn run_all(
    scenarios: &[Arc<Scenario>],
    wire: &Wire,
    target: &Connected,
    pools: &SharedPools,
    options: &RunOptions,
    on_scenario: OnScenario,
    results: &mut [Option<ScenarioResult>],
    interrupt: &mut std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
) -> bool {
    let deadline = wire.deadline().unwrap_or_else(|| Instant::now() + options.deadline);
    let permits = Arc::new(Semaphore::new(options.jobs.max(1)));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = JoinSet::new();
    for (index, scenario) in scenarios.iter().enumerate() {
        let (wire, state, pools) = (wire.clone(), target.state.clone(), pools.clone());
        let (scenario, permits, stop) = (scenario.clone(), permits.clone(), stop.clone());
        let (strict, fail_fast, on_scenario) = (options.strict, options.fail_fast, on_scenario.clone());
        tasks.spawn(async move {
            pools.wait_until_ready(&wire, &scenario).await;
            let _permit = permits.acquire().await.ok();
            let result = if stop.load(Ordering::Relaxed) {
                not_run(&scenario, "not run: an earlier scenario failed and --fail-fast is set")
            } else if Instant::now() >= deadline {
                not_run_as(&scenario, Verdict::Error, "not run: the run's deadline passed before it started")
            } else {
                run_planned_scenario(&wire, &state, &pools, &scenario, strict, deadline).await
            };
            if fail_fast && matches!(result.verdict, Verdict::Fail | Verdict::Error) {
                stop.store(true, Ordering::Relaxed);
            }
            on_scenario(&result);
            (index, result)
        });
    }
    // Nothing is sent after the deadline, and a request in flight then ends within its timeout;
    // this catches anything that still hangs.
    let hard_stop = tokio::time::sleep_until((deadline + wire.timeout() + Duration::from_secs(2)).into());
    tokio::pin!(hard_stop);
    loop {
        tokio::select! {
            joined = tasks.join_next() => match joined {
                Some(Ok((index, result))) => results[index] = Some(result),
                Some(Err(_)) => {}
                None => return false,
            },
            () = &mut hard_stop => {
                tasks.abort_all();
                return false;
            }
            () = interrupt.as_mut() => {
                tasks.abort_all();
                return true;
            }
        }
    }
}

fn not_run(scenario: &Scenario, reason: &str) -> ScenarioResult {
    let expectations = scenario
        .steps
        .iter()
        .flat_map(|step| step.expectations.iter().map(|e| not_judged(&step.name, e, Verdict::Skipped, reason)))
        .collect();
    result_of(scenario, Verdict::Skipped, Some(reason.to_owned()), expectations)
}

fn not_run_as(scenario: &Scenario, verdict: Verdict, reason: &str) -> ScenarioResult {
    ScenarioResult { verdict, ..not_run(scenario, reason) }
}
