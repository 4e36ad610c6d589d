//! The top-level error: every failure a command can report. Its exit code is decided with every
//! other outcome's, in [`crate::outcome`].

use crate::audit::AuditError;
use crate::baseline::BaselineError;
#[cfg(feature = "fuzz")]
use crate::fuzz::FuzzError;
use crate::reference::{ServeError, UnknownFault};
use crate::report::ReportError;
use crate::runner::cleanup::CleanupError;
use crate::scenario::LoadError;
use crate::snapshot::SnapshotError;
use crate::target::{TargetConfigError, TargetError};

/// Any failure of a harness command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A bad command-line value.
    #[error("{0}")]
    Usage(String),
    /// An unknown `--fault` name.
    #[error(transparent)]
    UnknownFault(#[from] UnknownFault),
    /// Scenario files could not be loaded (diagnostics were printed).
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A target config file could not be used.
    #[error(transparent)]
    TargetConfig(#[from] TargetConfigError),
    /// A `serve --pools` file could not be used.
    #[error(transparent)]
    PoolsFile(#[from] crate::reference::seed::PoolsFileError),
    /// The target could not be used.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// The reference target could not start or failed.
    #[error(transparent)]
    Serve(#[from] ServeError),
    /// A report could not be written.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// A baseline file could not be used.
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    /// Snapshot files could not be read or written.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// `cleanup` could not list the target's pools.
    #[error(transparent)]
    Cleanup(#[from] CleanupError),
    /// The fuzzer could not proceed.
    #[cfg(feature = "fuzz")]
    #[error(transparent)]
    Fuzz(#[from] FuzzError),
    /// `--ca-bundle` (or `AWS_CA_BUNDLE`) cannot be used.
    #[error(transparent)]
    Network(#[from] crate::wire::NetworkError),
    /// `audit-api` could not go on: its user, the API, or the test user's credentials.
    #[error(transparent)]
    Audit(Box<AuditError>),
    /// I/O on the harness's side.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl From<AuditError> for Error {
    fn from(error: AuditError) -> Self {
        Error::Audit(Box::new(error))
    }
}
