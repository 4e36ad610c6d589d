//! Diagnostics for baseline files: file:line:col, the offending text and a hint (miette), in the
//! manner of [`ScenarioError`](crate::scenario::ScenarioError).

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode, SourceSpan};

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

/// One problem in a baseline file, located.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{file}:{line}:{column}: {message}")]
pub struct BaselineProblem {
    /// The file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    #[source_code]
    source_code: NamedSource<String>,
    #[label("{label}")]
    span: SourceSpan,
    label: String,
    #[help]
    help: Option<String>,
}

impl BaselineProblem {
    /// A problem at byte range `span` of `text` (the contents of `file`).
    pub fn new(
        file: &Path,
        text: &str,
        span: Range<usize>,
        message: impl Into<String>,
        label: &str,
        help: Option<&str>,
    ) -> Self {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let end = floor_char_boundary(text, span.end.clamp(start, text.len()));
        let (line, column) = line_col(text, start);
        Self {
            file: file.to_path_buf(),
            line,
            column,
            message: message.into(),
            source_code: NamedSource::new(file.display().to_string(), text.to_owned()),
            span: (start, end - start).into(),
            label: label.to_owned(),
            help: help.map(str::to_owned),
        }
    }

    /// The hint, if any.
    pub fn hint(&self) -> Option<&str> {
        self.help.as_deref()
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..floor_char_boundary(text, offset.min(text.len()))];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}
