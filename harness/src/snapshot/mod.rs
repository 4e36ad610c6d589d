//! Snapshots: a normalised transcript per scenario and target, kept under
//! `snapshots/<target>/<scenario>.snap` in insta's file format.
//!
//! A snapshot pins down *how* a target answered, not only whether it passed: a changed error
//! message or a new field shows up in review even when every verdict stays the same. For that the
//! transcript must be identical from run to run, so [`normalise`] turns everything that differs
//! per run (ids, names, times, UUIDs, any secret that slipped through redaction) into placeholders
//! that keep equality. The files use insta's format so that the `cargo test` path can hand them to
//! `cargo insta review`, while the CLI reads and writes the same files without insta's macros
//! ([`file`](mod@file)). [`compare`](compare()) is the CLI's check/update step; [`diff`] reads two
//! targets' snapshots side by side, behaviour by behaviour, to say how far an emulator is from AWS
//! without running either.

pub mod compare;
pub mod diff;
pub mod file;
pub mod normalise;
pub mod transcript;

#[cfg(test)]
pub(crate) mod fixture;

use std::io;
use std::path::PathBuf;

use miette::{Diagnostic, NamedSource, SourceSpan};

pub use compare::{Comparison, Mode, Outcome, ScenarioComparison, compare};
pub use diff::{ExpectationDiff, ScenarioDiff, Side, TargetDiff, diff_targets};
pub use file::{load_target, read, render, snapshot_path, write};
pub use normalise::{normalise_body, normalise_text, transcript};
pub use transcript::{ExpectationLine, StepLine, Transcript};

/// Why snapshot files could not be read or written.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum SnapshotError {
    /// A file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// The reason.
        source: io::Error,
    },
    /// A file could not be written or removed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The path.
        path: PathBuf,
        /// The reason.
        source: io::Error,
    },
    /// The file is not a text snapshot in insta's format.
    #[error("{path}: not a text snapshot: {message}")]
    #[diagnostic(help("a snapshot starts with a `---` header, ends it with `---`, then holds the transcript"))]
    NotSnapshot {
        /// The file.
        path: PathBuf,
        /// What insta reported.
        message: String,
    },
    /// The transcript in the file is not valid TOML or not a transcript.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Toml(Box<TomlError>),
    /// The file's name and the scenario it holds disagree, so one of them was edited by hand.
    #[error("{path}: holds scenario `{found}`, but its name says `{expected}`")]
    Misnamed {
        /// The file.
        path: PathBuf,
        /// The scenario id the file name gives.
        expected: String,
        /// The scenario id inside.
        found: String,
    },
}

/// A snapshot whose transcript is not valid TOML or not a transcript, located in the file.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{path}:{line}:{column}: {message}")]
#[diagnostic(help("the text after the header must be a transcript in TOML; rewrite it by updating snapshots"))]
pub struct TomlError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line in the file.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// The whole file, for the caret.
    #[source_code]
    pub source_code: NamedSource<String>,
    /// Where in the file.
    #[label("here")]
    pub span: Option<SourceSpan>,
}
