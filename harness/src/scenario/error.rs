//! Diagnostics for scenario files: file:line:col, the offending text and a hint (miette).

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};

/// One problem in one scenario file, located.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ScenarioError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    #[source_code]
    source_code: NamedSource<Arc<str>>,
    #[label("{label}")]
    span: SourceSpan,
    label: String,
    #[help]
    help: Option<String>,
}

impl ScenarioError {
    /// An error at byte range `span` of `text` (the contents of `file`), which it copies; a file
    /// with many problems shares one copy through [`ScenarioError::shared`].
    pub fn new(
        file: &Path,
        text: &str,
        span: Range<usize>,
        message: impl Into<String>,
        label: &str,
        help: Option<String>,
    ) -> Self {
        Self::shared(file, &source_text(text), span, message, label, help)
    }

    /// [`ScenarioError::new`] for a text shared by every problem of its file: a file of
    /// megabytes with thousands of problems is kept once, not once per problem.
    pub fn shared(
        file: &Path,
        text: &Arc<str>,
        span: Range<usize>,
        message: impl Into<String>,
        label: &str,
        help: Option<String>,
    ) -> Self {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let end = floor_char_boundary(text, span.end.clamp(start, text.len()));
        let (line, column) = line_col(text, start);
        Self {
            file: file.to_path_buf(),
            line,
            column,
            message: bounded(message.into()),
            source_code: NamedSource::new(file.display().to_string(), Arc::clone(text)),
            span: (start, end - start).into(),
            label: label.to_owned(),
            help,
        }
    }

    /// The hint, if any.
    pub fn hint(&self) -> Option<&str> {
        self.help.as_deref()
    }
}

/// The longest message kept, in characters: messages quote the file (`unknown field `…``), and a
/// key of 70,000 characters would otherwise be quoted whole.
pub const MAX_MESSAGE: usize = 400;

/// Unicode's explicit direction controls. A terminal obeys them, so a line holding them can show
/// text in another order than the file has it ("Trojan Source", CVE-2021-42574): a diagnostic
/// would quote code that is not what the parser read.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every control character but tab and line breaks, and every direction control,
/// replaced by one of the same UTF-8 length (`?`, `¿`, `�`), so offsets still hold: a hostile
/// file's escape sequences are shown, not obeyed by the terminal. `keep_breaks`: `\n` and `\r`
/// stay (source text), or go too (messages).
fn printable(text: &str, keep_breaks: bool) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\t' && !(keep_breaks && matches!(c, '\n' | '\r'))) || is_bidi_control(c)
    };
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let replace = |c: char| match c {
        c if !unsafe_char(c) => c,
        c if c.len_utf8() == 1 => '?',
        c if c.len_utf8() == 2 => '¿',
        _ => '\u{FFFD}',
    };
    std::borrow::Cow::Owned(text.chars().map(replace).collect())
}

fn bounded(message: String) -> String {
    let mut message = printable(&message, false).into_owned();
    if let Some((cut, _)) = message.char_indices().nth(MAX_MESSAGE) {
        message.truncate(cut);
        message.push('…');
    }
    message
}

/// The most problems reported for one file; past it, one more problem says how many were left
/// out. A generated file with a problem on each of its 100,000 lines would otherwise print (and
/// keep) 100,000 diagnostics.
pub const MAX_PROBLEMS_PER_FILE: usize = 100;

/// The problems of one file as they are found: the first [`MAX_PROBLEMS_PER_FILE`] located (each
/// location costs a pass over the text before it), the rest only counted, and then reported as
/// one more problem that says how many were left out.
pub(crate) struct Problems<'a> {
    file: &'a Path,
    source: Arc<str>,
    list: Vec<ScenarioError>,
    left_out: usize,
    first_left_out: usize,
}

impl<'a> Problems<'a> {
    pub(crate) fn new(file: &'a Path, text: &str) -> Self {
        Self { file, source: source_text(text), list: Vec::new(), left_out: 0, first_left_out: 0 }
    }

    /// Adds a problem at `span`.
    pub(crate) fn add(&mut self, span: Range<usize>, message: impl Into<String>, label: &str, help: Option<String>) {
        if self.list.len() < MAX_PROBLEMS_PER_FILE {
            self.list.push(ScenarioError::shared(self.file, &self.source, span, message, label, help));
        } else {
            if self.left_out == 0 {
                self.first_left_out = span.start;
            }
            self.left_out += 1;
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Every problem reported, the count of those left out last.
    pub(crate) fn into_vec(mut self) -> Vec<ScenarioError> {
        if self.left_out > 0 {
            let (at, left_out) = (self.first_left_out, self.left_out);
            let message = format!("{left_out} more problem(s) in this file not shown");
            self.list.push(ScenarioError::shared(self.file, &self.source, at..at, message, "from here", None));
        }
        self.list
    }
}

/// `text` as diagnostics keep and show it: control characters made [`printable`].
pub(crate) fn source_text(text: &str) -> Arc<str> {
    Arc::from(printable(text, true))
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
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

/// Why scenarios could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A path could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The reason.
        source: std::io::Error,
    },
    /// One or more files are invalid; every problem of every file is listed.
    #[error("{} invalid scenario file problem(s)", .0.len())]
    Invalid(Vec<ScenarioError>),
}
