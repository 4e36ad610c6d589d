//! What a command came to, and the one place that turns it into an exit code.
//!
//! Every command ends in an [`Outcome`] (or an [`Error`], which [`Outcome::Failed`] carries), and
//! [`Outcome::status`] alone decides the [`ExitStatus`]. [`ExitStatus::ALL`] lists every code the
//! contract has with its meaning, word for word as README's "Exit codes" table states it (a test
//! holds the two together); [`exit_codes`] keeps the numbers as constants for scripts and tests.

use crate::audit::{AuditError, CredentialsError};
use crate::baseline::BaselineError;
use crate::error::Error;
use crate::exit_codes;
use crate::report::{RunReport, Verdict};
use crate::scenario::LoadError;
use crate::snapshot::SnapshotError;
use crate::reference::seed::PoolsFileError;
use crate::target::{TargetConfigError, TargetError};

/// One exit code of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// [`exit_codes::OK`].
    Ok,
    /// [`exit_codes::USAGE`].
    Usage,
    /// [`exit_codes::INVALID_FILE`].
    InvalidFile,
    /// [`exit_codes::RUNTIME`].
    Runtime,
    /// [`exit_codes::NON_CONFORMANT`].
    NonConformant,
    /// [`exit_codes::NOTHING_RAN`].
    NothingRan,
    /// [`exit_codes::CHANGED`].
    Changed,
    /// [`exit_codes::INTERRUPTED`].
    Interrupted,
    /// [`exit_codes::TERMINATED`].
    Terminated,
}

impl ExitStatus {
    /// Every code, in numeric order.
    pub const ALL: [ExitStatus; 9] = [
        ExitStatus::Ok,
        ExitStatus::Usage,
        ExitStatus::InvalidFile,
        ExitStatus::Runtime,
        ExitStatus::NonConformant,
        ExitStatus::NothingRan,
        ExitStatus::Changed,
        ExitStatus::Interrupted,
        ExitStatus::Terminated,
    ];

    /// The process exit code.
    pub fn code(self) -> i32 {
        match self {
            ExitStatus::Ok => exit_codes::OK,
            ExitStatus::Usage => exit_codes::USAGE,
            ExitStatus::InvalidFile => exit_codes::INVALID_FILE,
            ExitStatus::Runtime => exit_codes::RUNTIME,
            ExitStatus::NonConformant => exit_codes::NON_CONFORMANT,
            ExitStatus::NothingRan => exit_codes::NOTHING_RAN,
            ExitStatus::Changed => exit_codes::CHANGED,
            ExitStatus::Interrupted => exit_codes::INTERRUPTED,
            ExitStatus::Terminated => exit_codes::TERMINATED,
        }
    }

    /// What the code tells a script, as README's table says it.
    pub fn meaning(self) -> &'static str {
        match self {
            ExitStatus::Ok => "every scenario passed (warnings allowed unless `--strict`), or `serve` ended normally",
            ExitStatus::Usage => {
                "usage error: unknown flag, fault, target or value; a remote target without `--allow-remote`; \
                 `--target aws` without `--create-aws-resources` (after printing what it would create)"
            }
            ExitStatus::InvalidFile => {
                "invalid scenario or configuration file (diagnostics with file:line:col on stderr)"
            }
            ExitStatus::Runtime => {
                "target or runtime error: some scenario's verdict is `error` (unreachable, timeout, …), whatever \
                 `--baseline` says; `--update-baseline` refused to record `error` verdicts; the reference could \
                 not start; `cleanup` could not delete everything; `emulator status`: it is not up; \
                 `audit-api`: the API refused a fresh token, or the audit could not set up or sign in its user"
            }
            ExitStatus::NonConformant => {
                {
                "non-conformance: some scenario failed, is unsupported, or was skipped; `fuzz`: a property broke; \
                 `audit-api`: the API still accepted a token after some path ended its session, or a path is unsupported"
            }
            }
            ExitStatus::NothingRan => "nothing selected or run; `fuzz`: the target lacks every surface asked for",
            ExitStatus::Changed => {
                "results changed: a snapshot differs (`--snapshot`), or the run departs from its baseline \
                 (`--baseline`); `diff`: the targets differ"
            }
            ExitStatus::Interrupted => {
                "interrupted by Ctrl-C (SIGINT), after deleting what the run had created and writing the \
                 `--report-dir` report of what finished"
            }
            ExitStatus::Terminated => "stopped by SIGTERM (CI cancellation, a container stopping), handled as Ctrl-C",
        }
    }
}

/// Which signal asked a command to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// SIGINT: Ctrl-C.
    Interrupt,
    /// SIGTERM: what CI cancellation and container stops send.
    Terminate,
}

/// A finished run's verdicts and how they compared with what was recorded before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Verdicts {
    /// Scenarios whose verdict is `error`: something could not be checked.
    pub errors: usize,
    /// Scenarios that failed, are unsupported or were skipped (warnings too under `--strict`,
    /// which turns them into failures before they are counted).
    pub non_conformant: usize,
    /// `--snapshot`: some snapshot differs from what the target did.
    pub snapshots_changed: bool,
    /// `--baseline`: whether the run matched its baseline exactly; `None` without `--baseline`.
    pub baseline_matched: Option<bool>,
}

impl Verdicts {
    /// The counts of `report`, compared with nothing yet.
    pub(crate) fn of(report: &RunReport) -> Self {
        let count = |v| report.summary.count(v);
        Verdicts {
            errors: count(Verdict::Error),
            non_conformant: count(Verdict::Fail) + count(Verdict::Unsupported) + count(Verdict::Skipped),
            snapshots_changed: false,
            baseline_matched: None,
        }
    }
}

/// What a command came to.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// It did what was asked: listed, checked, served until stopped, deleted, wrote.
    Done,
    /// A conformance run finished.
    Run(Verdicts),
    /// The fuzzer finished with this many findings.
    Fuzzed {
        /// Properties found broken.
        findings: usize,
    },
    /// `diff`: the two targets behave differently.
    Differs,
    /// Nothing was selected or run (no scenario, no transcript, no surface the target has).
    NothingRan,
    /// `--target aws` without `--create-aws-resources`: what would be created was printed.
    ConsentNeeded,
    /// The command line was refused; the parser already said why.
    UsageRefused,
    /// `emulator status`: the emulator is not up.
    NotRunning,
    /// `cleanup` deleted what it could; this many deletions failed.
    CleanupFailed(usize),
    /// A signal stopped the command after it cleaned up.
    Stopped(Stop),
    /// The command failed.
    Failed(Error),
}

impl From<Result<Outcome, Error>> for Outcome {
    fn from(result: Result<Outcome, Error>) -> Self {
        result.unwrap_or_else(Outcome::Failed)
    }
}

impl Outcome {
    /// The exit status: the whole exit-code policy.
    ///
    /// For a run, an `error` verdict wins over everything (3), because a check that could not be
    /// made is no evidence either way, and no baseline may vouch for it; then any change from a
    /// snapshot or the baseline (6); then, without a baseline to accept them, non-conformances (4).
    pub fn status(&self) -> ExitStatus {
        match self {
            Outcome::Done => ExitStatus::Ok,
            Outcome::Run(v) if v.errors > 0 => ExitStatus::Runtime,
            Outcome::Run(v) if v.snapshots_changed || v.baseline_matched == Some(false) => ExitStatus::Changed,
            Outcome::Run(v) if v.non_conformant > 0 && v.baseline_matched.is_none() => ExitStatus::NonConformant,
            Outcome::Run(_) => ExitStatus::Ok,
            Outcome::Fuzzed { findings: 0 } => ExitStatus::Ok,
            Outcome::Fuzzed { .. } => ExitStatus::NonConformant,
            Outcome::Differs => ExitStatus::Changed,
            Outcome::NothingRan => ExitStatus::NothingRan,
            Outcome::ConsentNeeded | Outcome::UsageRefused => ExitStatus::Usage,
            Outcome::NotRunning => ExitStatus::Runtime,
            Outcome::CleanupFailed(0) => ExitStatus::Ok,
            Outcome::CleanupFailed(_) => ExitStatus::Runtime,
            Outcome::Stopped(Stop::Interrupt) => ExitStatus::Interrupted,
            Outcome::Stopped(Stop::Terminate) => ExitStatus::Terminated,
            Outcome::Failed(error) => error_status(error),
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        self.status().code()
    }
}

/// The status a failure calls for: the command line (1), a file (2), or the run itself (3).
fn error_status(error: &Error) -> ExitStatus {
    match error {
        Error::Usage(_) | Error::UnknownFault(_) | Error::Network(_) => ExitStatus::Usage,
        Error::Load(LoadError::Invalid(_))
        | Error::TargetConfig(TargetConfigError::Invalid(_))
        | Error::PoolsFile(PoolsFileError::Invalid(_)) => ExitStatus::InvalidFile,
        Error::Load(LoadError::Io { .. })
        | Error::TargetConfig(TargetConfigError::Io { .. })
        | Error::PoolsFile(PoolsFileError::Io { .. }) => ExitStatus::Usage,
        Error::Target(
            TargetError::Unknown(..)
            | TargetError::Remote(_)
            | TargetError::BadUrl(_)
            | TargetError::FaultsNeedReference
            | TargetError::NotSpawnable,
        ) => ExitStatus::Usage,
        Error::Baseline(BaselineError::Invalid { .. })
        | Error::Snapshot(SnapshotError::NotSnapshot { .. } | SnapshotError::Toml { .. }) => ExitStatus::InvalidFile,
        Error::Audit(error) => match **error {
            AuditError::Credentials(CredentialsError::Invalid(..)) => ExitStatus::InvalidFile,
            AuditError::Credentials(_) => ExitStatus::Usage,
            _ => ExitStatus::Runtime,
        },
        Error::Target(_)
        | Error::Serve(_)
        | Error::Report(_)
        | Error::Io(_)
        | Error::Baseline(_)
        | Error::Snapshot(_)
        | Error::Cleanup(_) => ExitStatus::Runtime,
        #[cfg(feature = "fuzz")]
        Error::Fuzz(_) => ExitStatus::Runtime,
    }
}

impl Error {
    /// The documented exit code for this error; the same as `Outcome::Failed(error)` exits with.
    pub fn exit_code(&self) -> i32 {
        error_status(self).code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(errors: usize, non_conformant: usize, snapshots_changed: bool, baseline: Option<bool>) -> i32 {
        Outcome::Run(Verdicts { errors, non_conformant, snapshots_changed, baseline_matched: baseline }).exit_code()
    }

    #[test]
    fn an_error_verdict_is_a_runtime_failure_whatever_the_baseline_says() {
        assert_eq!(run(1, 0, false, None), exit_codes::RUNTIME);
        assert_eq!(run(1, 3, false, Some(true)), exit_codes::RUNTIME);
        assert_eq!(run(1, 0, false, Some(false)), exit_codes::RUNTIME);
        assert_eq!(run(2, 0, true, Some(false)), exit_codes::RUNTIME);
    }

    #[test]
    fn a_baseline_accepts_known_non_conformances_and_flags_any_change() {
        assert_eq!(run(0, 3, false, None), exit_codes::NON_CONFORMANT);
        assert_eq!(run(0, 3, false, Some(true)), exit_codes::OK);
        assert_eq!(run(0, 3, false, Some(false)), exit_codes::CHANGED);
        assert_eq!(run(0, 0, false, Some(false)), exit_codes::CHANGED);
        assert_eq!(run(0, 3, true, None), exit_codes::CHANGED);
        assert_eq!(run(0, 0, false, None), exit_codes::OK);
    }

    #[test]
    fn signals_have_codes_of_their_own() {
        assert_eq!(Outcome::Stopped(Stop::Interrupt).exit_code(), 130);
        assert_eq!(Outcome::Stopped(Stop::Terminate).exit_code(), 143);
    }

    #[test]
    fn every_status_has_a_distinct_code_and_the_list_is_in_order() {
        let codes: Vec<i32> = ExitStatus::ALL.iter().map(|s| s.code()).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(codes, sorted);
    }

    #[test]
    fn failures_map_by_kind() {
        assert_eq!(Outcome::Failed(Error::Usage("x".into())).exit_code(), exit_codes::USAGE);
        assert_eq!(Outcome::Failed(Error::Io(std::io::Error::other("x"))).exit_code(), exit_codes::RUNTIME);
        assert_eq!(Outcome::from(Ok(Outcome::NothingRan)).exit_code(), exit_codes::NOTHING_RAN);
    }
}
