//! Baselines: the known non-conformances of a target, `snapshots/<target>/expected.toml`.
//!
//! An emulator rarely conforms fully, yet CI should still tell a regression from a gap everyone
//! knows about. A baseline lists, per expectation (scenario, step, check), the non-pass verdict the
//! target gets and why. A run is then judged against it: CI passes while the target does exactly
//! what its baseline says, and fails on any change, in either direction, so a fixed gap is noticed
//! too (its entry becomes *stale*) and the baseline never drifts from the truth.
//!
//! [`file`](mod@file) is the format and its rules (a reason for every entry, no `pass`, no
//! duplicates), each violation reported at its place in the file ([`error`]).
//! [`compare`](compare()) measures a run against a baseline; [`render`] prints the result for
//! people, with paste-ready entries for what is new or changed; [`unknown_entries`] finds entries
//! no scenario of the suite states (a misspelt id would otherwise never be checked).
//! [`generate`](generate()) writes a whole baseline from a run, for `run --update-baseline`,
//! keeping the reasons people wrote.

mod compare;
pub mod error;
pub mod file;
mod generate;
mod render;

pub use compare::{BaselineOutcome, Changed, Observation, Stale, StaleWhy, compare, unknown_entries};
pub use error::{BaselineError, BaselineProblem};
pub use file::{Baseline, ExpectationKey, KnownIssue, Unstable, load, parse, recordable};
pub use generate::{ErrorVerdicts, generate};
pub use render::render;
