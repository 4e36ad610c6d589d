//! The network fuzzer: hostile RevokeToken, `/oauth2/revoke` and `/oauth2/token` requests thrown
//! at a target around a provisioned victim session, each followed by an oracle that probes every
//! token family and compares with what the documented contract predicts.
//!
//! - [`world`]: the pools, clients, users and six families a run attacks (`fuzz-world.toml`);
//! - [`strategy`]: proptest strategies — the canonical request, mutated;
//! - [`attack`]: one request, held symbolically so it can be judged, shrunk and written down;
//! - [`oracle`]: the predictions and the per-answer invariants;
//! - [`engine`]: workers, probing, shrinking;
//! - [`repro`]: findings as scenario files.
//!
//! A case is reproducible from `(seed, index)` alone: its plan comes from a ChaCha generator keyed
//! by both, and every case starts from the state `fuzz-world.toml` describes (families that died are
//! signed in again before the next case).

pub mod attack;
pub mod engine;
pub mod oracle;
pub mod repro;
pub mod strategy;
pub mod world;

use std::path::PathBuf;
use std::time::Duration;

pub use engine::{Finding, FuzzOptions, FuzzSummary, OnCase, fuzz};
pub use oracle::{Expect, FindingKind};
pub use strategy::{Plan, Surface};
pub use world::Family;

use crate::wire::WireError;

/// Why a fuzz run could not proceed.
#[derive(Debug, thiserror::Error)]
pub enum FuzzError {
    /// The fuzz world's fixtures could not be created on the target.
    #[error("could not provision the fuzz world: {0}")]
    Provision(String),
    /// The fuzzer's own world or templates are broken (a bug here, not in the target).
    #[error("fuzz world: {0}")]
    World(String),
    /// A probe or set-up request got no answer.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// A reproduction could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// How long an answer may take before it is a finding, by default.
pub const DEFAULT_ANSWER_BOUND: Duration = Duration::from_secs(5);
