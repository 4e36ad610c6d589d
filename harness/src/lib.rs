//! cognito-conformance: a conformance harness and fuzzer for Amazon Cognito refresh-token
//! revocation.
//!
//! To check an emulator from Rust tests, start at [`Conformance`]: a [`Suite`], a [`Target`], and a
//! [`Checked`] result with the exit code the command line would give ([`exit_codes`] is that
//! contract). That is the whole public surface; the `cognito-conformance` binary is `cli::main`
//! (feature `cli`, on by default).
//!
//! The behaviour checked, fact by fact with its evidence and sources, is `docs/spec.md` in the
//! repository.

// Without `internals`, what only the crate's tests reach (the reference's store statistics, the
// report readers, the parsers' fuzz entry points) looks unused. Unused code is judged with the
// feature on, as CI's `clippy --all-targets` builds it.
#![cfg_attr(not(feature = "internals"), allow(dead_code, unused_imports))]

/// Declares the crate's inner modules: `pub(crate)` for everyone, and `pub` (hidden from the docs,
/// with no stability promise) under the `internals` feature, which only the crate's own tests,
/// benches and fuzz targets turn on.
macro_rules! internal_modules {
    ($($(#[$attr:meta])* $name:ident),* $(,)?) => {$(
        $(#[$attr])*
        #[cfg(feature = "internals")]
        #[doc(hidden)]
        pub mod $name;
        $(#[$attr])*
        #[cfg(not(feature = "internals"))]
        pub(crate) mod $name;
    )*};
}

internal_modules! {
    audit,
    baseline,
    cognito,
    conformance,
    diagnostic,
    embedded,
    error,
    form,
    input,
    #[cfg(feature = "fuzz")]
    fuzz,
    jwt,
    matrix,
    outcome,
    redact,
    reference,
    rehearsal,
    report,
    runner,
    scenario,
    snapshot,
    spec,
    target,
    wire,
}

#[cfg(feature = "cli")]
pub mod cli;
pub mod exit_codes;
/// The cargo-fuzz targets' entry points (`fuzz/`), which exist only for that workspace and the
/// tests that replay its corpora.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod fuzz_targets;

pub use conformance::{Checked, Conformance, Suite, Target};
pub use error::Error;
pub use outcome::{ExitStatus, Outcome, Stop, Verdicts};
pub use report::Verdict;
