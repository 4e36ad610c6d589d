//! The top-level error: every failure the binary can report, each mapped to one exit code.

use crate::exit_codes;
use crate::reference::{ServeError, UnknownFault};

/// Any failure of a harness command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad command-line value.
    #[error("{0}")]
    Usage(String),
    /// An unknown `--fault` name.
    #[error(transparent)]
    UnknownFault(#[from] UnknownFault),
    /// The reference target could not start or failed.
    #[error(transparent)]
    Serve(#[from] ServeError),
    /// I/O on the harness's side.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl Error {
    /// The documented exit code for this error (see [`exit_codes`]).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) | Error::UnknownFault(_) => exit_codes::USAGE,
            Error::Serve(_) | Error::Io(_) => exit_codes::RUNTIME,
        }
    }
}
