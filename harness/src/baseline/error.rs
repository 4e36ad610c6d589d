//! Diagnostics for baseline files: file:line:col, the offending text and a hint (miette), in the
//! manner of [`ScenarioError`](crate::scenario::ScenarioError).

use std::fmt;
use std::path::PathBuf;

use miette::{Diagnostic, LabeledSpan, SourceCode};

/// Why a baseline could not be loaded.
///
/// As a [`Diagnostic`], an invalid file with one problem renders as that problem (its snippet and
/// hint); with several, as a summary line followed by each problem, located.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// There is no file at the path. Whether that means "no known non-conformances" or a mistake is
    /// the caller's decision, so it is told apart from every other failure.
    #[error("no baseline at {}", path.display())]
    Missing {
        /// The path looked at.
        path: PathBuf,
    },
    /// The file exists but could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The reason.
        source: std::io::Error,
    },
    /// The file is invalid; every problem found is listed, each located.
    #[error("{}", summary(problems))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem, in file order; never empty.
        problems: Vec<BaselineProblem>,
    },
}

impl BaselineError {
    /// The located problems of an invalid file; empty for the other variants.
    pub fn problems(&self) -> &[BaselineProblem] {
        match self {
            BaselineError::Invalid { problems, .. } => problems,
            BaselineError::Missing { .. } | BaselineError::Io { .. } => &[],
        }
    }

    /// The problem this error renders as, when there is exactly one.
    fn only_problem(&self) -> Option<&BaselineProblem> {
        match self.problems() {
            [only] => Some(only),
            _ => None,
        }
    }
}

impl Diagnostic for BaselineError {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        match self {
            BaselineError::Missing { .. } => {
                Some(Box::new("record one with `cognito-conformance run --target <target> --update-baseline`"))
            }
            _ => self.only_problem()?.help(),
        }
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.only_problem()?.source_code()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.only_problem()?.labels()
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        match self.problems() {
            [] | [_] => None,
            problems => Some(Box::new(problems.iter().map(|p| p as &dyn Diagnostic))),
        }
    }
}

fn summary(problems: &[BaselineProblem]) -> String {
    match problems {
        [] => "invalid baseline".to_owned(),
        [only] => only.to_string(),
        [first, rest @ ..] => format!("{first} (and {} more problem(s), listed below)", rest.len()),
    }
}

/// One problem in a baseline file, located: the same located diagnostic scenario and profile
/// files use.
pub type BaselineProblem = crate::scenario::ScenarioError;
