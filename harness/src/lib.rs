//! cognito-conformance: a conformance harness and fuzzer for Amazon Cognito refresh-token
//! revocation.
//!
//! The library holds all behaviour; the `cognito-conformance` binary only parses arguments.
//! To check an emulator from Rust tests, start at [`Conformance`]: a [`Suite`], a [`Target`], and a
//! [`Checked`] result with the exit code the command line would give.
//! [`reference`](mod@reference) is the embedded reference target every other part runs against by default;
//! [`exit_codes`] is the contract with scripts and CI, and [`outcome`] the one place that maps
//! what a command came to onto it.

pub mod baseline;
pub mod cognito;
pub mod conformance;
pub mod embedded;
pub mod error;
pub mod exit_codes;
pub mod form;
#[cfg(feature = "fuzz")]
pub mod fuzz;
pub mod fuzz_targets;
pub mod jwt;
pub mod matrix;
pub mod outcome;
pub mod redact;
pub mod reference;
pub mod rehearsal;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod snapshot;
pub mod spec;
pub mod target;
pub mod wire;

pub use conformance::{Checked, Conformance, Suite, Target};
pub use error::Error;
pub use outcome::{ExitStatus, Outcome};
