//! The front door for people who check their own Cognito emulator from Rust: pick a [`Suite`],
//! point it at a [`Target`], and [`Conformance::run`] it, optionally against the target's baseline
//! of known non-conformances; the [`Checked`] result says what happened and which exit code the
//! command line would give for it.
//!
//! The command line's `run` and the project's own `tests/targets.rs` go through here too, so the
//! run policy (how a target is reached, how results meet a baseline, what counts as passing)
//! exists once.
//!
//! An emulator's own test, in full: start moto (installing the pinned version on first use), run
//! the whole suite against it, and require that it does exactly what its baseline of known
//! non-conformances says — no new failure, no known one fixed unnoticed.
//!
//! ```
//! use cognito_conformance::{Conformance, Suite, Target};
//!
//! # fn main() -> Result<(), cognito_conformance::Error> {
//! let runtime = tokio::runtime::Runtime::new()?;
//! let run = Conformance::new(Suite::embedded()?, Target::spawned("moto")).against_baseline().run();
//! let checked = runtime.block_on(run)?;
//! assert_eq!(checked.exit_code(), 0, "{}", checked.explain());
//! # Ok(())
//! # }
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::baseline::{self, Baseline, BaselineError, BaselineOutcome};
use crate::embedded::BaselineSource;
use crate::error::Error;
use crate::outcome::{Outcome, Verdicts};
use crate::reference::FaultSet;
use crate::report::{RunReport, Verdict};
use crate::runner::{self, RunOptions};
use crate::scenario::Scenario;
use crate::target::{ConnectOptions, Connected, TargetSpec, builtin_profiles};
use crate::wire::WireOptions;

/// Scenarios to run: the suite compiled into this crate, or a directory of scenario files.
#[derive(Debug, Clone)]
pub struct Suite {
    scenarios: Vec<Scenario>,
}

impl Suite {
    /// The suite compiled in (the project's `scenarios/`).
    pub fn embedded() -> Result<Self, Error> {
        Ok(Self { scenarios: crate::embedded::load()? })
    }

    /// Every scenario file under `dir`.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Self, Error> {
        Ok(Self { scenarios: crate::scenario::load(&[dir.as_ref().to_owned()])? })
    }

    /// Only the scenarios whose id matches the regular expression `pattern`.
    pub fn filter(mut self, pattern: &str) -> Result<Self, Error> {
        let pattern = regex::Regex::new(pattern).map_err(|e| Error::Usage(format!("filter: {e}")))?;
        self.scenarios.retain(|s| pattern.is_match(&s.id));
        Ok(self)
    }

    /// Only the scenarios with `tag`.
    pub fn tagged(mut self, tag: &str) -> Self {
        self.scenarios.retain(|s| s.tags.iter().any(|t| t == tag));
        self
    }

    /// How many scenarios.
    pub fn len(&self) -> usize {
        self.scenarios.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.scenarios.is_empty()
    }

    /// The scenarios' ids, in run order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.scenarios.iter().map(|s| s.id.as_str())
    }
}

/// What to run against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The embedded reference target, started in process.
    Reference,
    /// Anything speaking the Cognito wire protocol on loopback, e.g. `http://127.0.0.1:5000`.
    Url(String),
    /// A built-in emulator profile (moto, cognito-local, …), already running on its port.
    Profile(String),
    /// A built-in emulator profile, started on a free loopback port for the run and stopped after.
    Spawned(String),
}

impl Target {
    /// [`Target::Spawned`].
    pub fn spawned(name: &str) -> Self {
        Self::Spawned(name.to_owned())
    }

    /// The name baselines and snapshots are kept under.
    pub fn name(&self) -> &str {
        match self {
            Target::Reference => "reference",
            Target::Url(_) => "url",
            Target::Profile(name) | Target::Spawned(name) => name,
        }
    }

    /// What `--target` would resolve this to: the command line's own parsing, over the built-in
    /// profiles.
    fn spec(&self) -> Result<TargetSpec, Error> {
        let text = match self {
            Target::Reference => "reference",
            Target::Url(url) => url,
            Target::Profile(name) | Target::Spawned(name) => name,
        };
        let spec = TargetSpec::parse(text, FaultSet::none(), &builtin_profiles())?;
        // Each variant resolves only to its own kind: in particular no name reaches real AWS,
        // which needs the command line's explicit consent.
        match (self, &spec) {
            (Target::Reference, TargetSpec::Reference(_))
            | (Target::Url(_), TargetSpec::Url(_))
            | (Target::Profile(_) | Target::Spawned(_), TargetSpec::Profile(_)) => Ok(spec),
            _ => Err(Error::Usage(format!("`{text}` is not a target of that kind"))),
        }
    }
}

/// A run to make: a suite, a target, and how to judge it.
#[derive(Debug, Clone)]
pub struct Conformance {
    suite: Suite,
    target: Target,
    baseline: Option<PathBuf>,
    options: RunOptions,
    timeout: Duration,
    spawn_wait: Duration,
}

impl Conformance {
    /// Runs `suite` against `target`, judging each scenario on its own (no baseline).
    pub fn new(suite: Suite, target: Target) -> Self {
        Self {
            suite,
            target,
            baseline: None,
            options: RunOptions::default(),
            timeout: WireOptions::default().timeout,
            spawn_wait: Duration::from_secs(600),
        }
    }

    /// Judges the run against the target's baseline: `snapshots/<target>/expected.toml` when a
    /// `snapshots` directory is here, else the copy compiled in for a built-in target.
    pub fn against_baseline(self) -> Self {
        self.against_baseline_in("snapshots")
    }

    /// As [`Conformance::against_baseline`], with the baselines under `dir`.
    pub fn against_baseline_in(mut self, dir: impl AsRef<Path>) -> Self {
        self.baseline = Some(dir.as_ref().to_owned());
        self
    }

    /// Per-request timeout (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Scenarios in flight at once.
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.options.jobs = jobs.max(1);
        self
    }

    /// Unmet inferred expectations fail instead of warning.
    pub fn strict(mut self, strict: bool) -> Self {
        self.options.strict = strict;
        self
    }

    /// Makes the run.
    pub async fn run(self) -> Result<Checked, Error> {
        self.run_with(|_, _| {}).await
    }

    /// Makes the run, calling `on_scenario` with each scenario's id and verdict as it finishes
    /// (for progress output).
    pub async fn run_with(
        self,
        on_scenario: impl Fn(&str, Verdict) + Send + Sync + 'static,
    ) -> Result<Checked, Error> {
        let on_scenario: runner::OnScenario = Arc::new(move |result| on_scenario(&result.id, result.verdict));
        let known = match &self.baseline {
            Some(dir) => Some(load_baseline(dir, self.target.name())?),
            None => None,
        };
        let connect = ConnectOptions {
            spawn: matches!(self.target, Target::Spawned(_)).then_some(self.spawn_wait),
            wire: WireOptions { timeout: self.timeout, ..WireOptions::default() },
            ..ConnectOptions::default()
        };
        let target = Connected::open(&self.target.spec()?, &connect).await?;
        let report = runner::run(self.suite.scenarios, &target, &self.options, on_scenario).await;
        target.close().await;
        Ok(Checked::judge(report, known))
    }
}

/// A target's baseline under `dir` (or compiled in); an empty one when it has none.
fn load_baseline(dir: &Path, target: &str) -> Result<(Baseline, PathBuf), Error> {
    let source = BaselineSource::find(dir, target);
    let path = source.path().to_owned();
    match source.load() {
        Ok(known) => Ok((known, path)),
        Err(BaselineError::Missing { .. }) => Ok((Baseline::empty(target), path)),
        Err(error) => Err(error.into()),
    }
}

/// A finished run and how it met its baseline.
#[derive(Debug, Clone)]
pub struct Checked {
    /// Every scenario's verdict and transcript.
    report: RunReport,
    /// The baseline judged against, where it came from, and how the run compared.
    baseline: Option<(Baseline, PathBuf, BaselineOutcome)>,
}

impl Checked {
    /// Judges `report` against `known` (a baseline and where it came from), if given.
    pub(crate) fn judge(report: RunReport, known: Option<(Baseline, PathBuf)>) -> Self {
        let baseline = known.map(|(known, path)| {
            let outcome = baseline::compare(&known, &report.scenarios);
            (known, path, outcome)
        });
        Self { report, baseline }
    }

    /// The counts that decide the exit code.
    pub fn verdicts(&self) -> Verdicts {
        Verdicts {
            baseline_matched: self.baseline.as_ref().map(|(_, _, outcome)| outcome.is_clean()),
            ..Verdicts::of(&self.report)
        }
    }

    /// What the run came to.
    pub fn outcome(&self) -> Outcome {
        Outcome::Run(self.verdicts())
    }

    /// The exit code `cognito-conformance run` gives for the same run: 0 when every scenario
    /// passed or the run matched its baseline exactly.
    pub fn exit_code(&self) -> i32 {
        self.outcome().exit_code()
    }

    /// Each scenario's id and verdict, in run order.
    pub fn results(&self) -> impl Iterator<Item = (&str, Verdict)> {
        self.report.scenarios.iter().map(|s| (s.id.as_str(), s.verdict))
    }

    /// The run as the JSON report `run --report json` writes (every transcript, secrets redacted),
    /// e.g. to keep as a CI artifact.
    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        // Writing to memory cannot fail, and the report model always serialises.
        let _ = crate::report::json::write(&self.report, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// The full report, for the crate's own tests.
    #[cfg(feature = "internals")]
    #[doc(hidden)]
    pub fn report(&self) -> &RunReport {
        &self.report
    }

    /// The baseline judged against, for the crate's own tests.
    #[cfg(feature = "internals")]
    #[doc(hidden)]
    pub fn baseline(&self) -> Option<&Baseline> {
        self.baseline.as_ref().map(|(known, _, _)| known)
    }

    /// What a person needs to see: the baseline comparison, or the scenarios that did not pass.
    pub fn explain(&self) -> String {
        if let Some((_, path, outcome)) = &self.baseline {
            return baseline::render(outcome, path);
        }
        let failing: Vec<String> = self
            .report
            .scenarios
            .iter()
            .filter(|s| s.verdict != Verdict::Pass)
            .map(|s| format!("{} {}", s.verdict, s.id))
            .collect();
        if failing.is_empty() { "every scenario passed".into() } else { failing.join("\n") }
    }
}
