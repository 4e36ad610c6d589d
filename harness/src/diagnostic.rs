//! Rendering file diagnostics (scenario, claims, config, baseline and snapshot files) with
//! miette, on any input.
//!
//! miette's graphical handler pads each underline with `{:width$}`, and a width past 65,535
//! columns panics ("Formatting argument out of range"), so a problem at the end of one very long
//! line would crash the process instead of being reported. [`render`] gives the handler a view of
//! the diagnostic in which no line it is shown is longer than [`MAX_SHOWN_LINE`] bytes: a longer
//! line is shown as a window around the problem, a label on it is cut to [`WINDOW`] bytes, and the
//! line and column in the header stay those of the real file (miette's own reading of the span).
//! Every other part (message, help, related diagnostics) is passed through unchanged.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};

/// The longest line shown whole, in bytes.
pub const MAX_SHOWN_LINE: usize = 240;

/// How much of an over-long line is shown before the problem, and at most of the problem itself
/// (and as much again after it), in bytes.
pub const WINDOW: usize = 80;

/// `report` rendered by miette's graphical handler (with its related diagnostics), in colour or
/// not; never panics, whatever the file's lines.
pub fn render(report: &dyn Diagnostic, colour: bool) -> String {
    let theme = if colour { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme);
    let bounded = Bounded::new(report, None);
    let mut out = String::new();
    match handler.render_report(&mut out, &bounded) {
        Ok(()) => out,
        Err(_) => report.to_string(),
    }
}

/// A diagnostic whose source shows no over-long line and whose labels stay short on one.
struct Bounded<'a> {
    inner: &'a dyn Diagnostic,
    source: Option<BoundedSource<'a>>,
    labels: Option<Vec<LabeledSpan>>,
    related: Vec<Bounded<'a>>,
}

impl<'a> Bounded<'a> {
    /// `parent` is the source a related diagnostic without its own is shown against.
    fn new(inner: &'a dyn Diagnostic, parent: Option<&'a dyn SourceCode>) -> Self {
        let source = inner.source_code().or(parent);
        let labels = inner.labels().map(|labels| {
            labels.map(|label| source.map_or(label.clone(), |source| clip_label(source, &label))).collect()
        });
        let related = inner.related().map(|related| related.map(|r| Bounded::new(r, source)).collect());
        Self { inner, source: source.map(|inner| BoundedSource { inner }), labels, related: related.unwrap_or_default() }
    }
}

/// `label` cut to the first line break and to [`WINDOW`] bytes (on a character boundary) when it
/// covers more than that or an over-long line.
fn clip_label(source: &dyn SourceCode, label: &LabeledSpan) -> LabeledSpan {
    let Ok(contents) = source.read_span(label.inner(), 0, 0) else { return label.clone() };
    let data = contents.data();
    let covered = &data[..label.len().min(data.len())];
    if covered.len() <= WINDOW && longest_line(data) <= MAX_SHOWN_LINE {
        return label.clone();
    }
    let line_end = covered.iter().position(|b| matches!(b, b'\n' | b'\r')).unwrap_or(covered.len());
    let len = floor_boundary(covered, line_end.min(WINDOW));
    LabeledSpan::new_with_span(label.label().map(str::to_owned), SourceSpan::new(label.offset().into(), len))
}

/// The length of the longest line of `data`, in bytes.
fn longest_line(data: &[u8]) -> usize {
    data.split(|b| matches!(b, b'\n' | b'\r')).map(<[u8]>::len).max().unwrap_or(0)
}

/// `index`, moved back to the start of the UTF-8 character it falls in.
fn floor_boundary(data: &[u8], mut index: usize) -> usize {
    while index > 0 && index < data.len() && (data[index] & 0xC0) == 0x80 {
        index -= 1;
    }
    index
}

/// `index`, moved on to the start of the next UTF-8 character when it falls inside one.
fn ceil_boundary(data: &[u8], mut index: usize) -> usize {
    while index < data.len() && (data[index] & 0xC0) == 0x80 {
        index += 1;
    }
    index
}

/// Line breaks as miette counts them: `\n`, `\r\n` and a lone `\r`.
fn line_breaks(data: &[u8]) -> (usize, usize) {
    let (mut breaks, mut line_start) = (0, 0);
    for (index, byte) in data.iter().enumerate() {
        let lone_cr = *byte == b'\r' && data.get(index + 1) != Some(&b'\n');
        if *byte == b'\n' || lone_cr {
            breaks += 1;
            line_start = index + 1;
        }
    }
    (breaks, line_start)
}

/// A source that shows a window of a line instead of the whole line when a snippet would hold an
/// over-long one.
struct BoundedSource<'a> {
    inner: &'a dyn SourceCode,
}

impl SourceCode for BoundedSource<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let full = self.inner.read_span(span, before, after)?;
        if before == 0 && after == 0 {
            return self.in_characters(span, full);
        }
        let data = full.data();
        if longest_line(data) <= MAX_SHOWN_LINE {
            return Ok(full);
        }
        // The window: up to WINDOW bytes before the span on its line, the span (at most WINDOW
        // bytes of it) and up to WINDOW bytes after, never across a line break.
        let start = span.offset().saturating_sub(full.span().offset()).min(data.len());
        let (breaks, line_start) = line_breaks(&data[..start]);
        let from = ceil_boundary(data, start.saturating_sub(WINDOW).max(line_start));
        let line_end = data[start..].iter().position(|b| matches!(b, b'\n' | b'\r')).map_or(data.len(), |i| start + i);
        let to = floor_boundary(data, (start + span.len().min(WINDOW) + WINDOW).min(line_end)).max(from);
        let column = if breaks == 0 { full.column() + from } else { from - line_start };
        let name = full.name().map(str::to_owned).unwrap_or_default();
        let window = SourceSpan::new((full.span().offset() + from).into(), to - from);
        Ok(Box::new(MietteSpanContents::new_named(name, &data[from..to], window, full.line() + breaks, column, 1)))
    }
}

impl<'a> BoundedSource<'a> {
    /// `primary` (the span alone, which miette reads for the `[file:line:col]` it shows) with its
    /// column counted in characters, as the message's own location, editors and rustc count it:
    /// miette counts bytes, so on a line with non-ASCII text before the problem the two locations
    /// of one diagnostic disagreed.
    fn in_characters<'b>(
        &'b self,
        span: &SourceSpan,
        primary: Box<dyn SpanContents<'b> + 'b>,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let with_line = self.inner.read_span(&SourceSpan::new(span.offset().into(), 0), 1, 0)?;
        let before = &with_line.data()[..span.offset().saturating_sub(with_line.span().offset()).min(with_line.data().len())];
        let line_start = before.iter().rposition(|b| matches!(b, b'\n' | b'\r')).map_or(0, |at| at + 1);
        let column = String::from_utf8_lossy(&before[line_start..]).chars().count();
        let name = primary.name().map(str::to_owned).unwrap_or_default();
        Ok(Box::new(MietteSpanContents::new_named(
            name,
            primary.data(),
            *primary.span(),
            primary.line(),
            column,
            primary.line_count(),
        )))
    }
}

impl fmt::Debug for Bounded<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.inner, f)
    }
}

impl fmt::Display for Bounded<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.inner, f)
    }
}

impl std::error::Error for Bounded<'_> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source()
    }
}

impl Diagnostic for Bounded<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.code()
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.inner.severity()
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.help()
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.url()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|source| source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.labels.as_ref().map(|labels| Box::new(labels.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|related| related as &dyn Diagnostic)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::ScenarioError;
    use std::path::Path;

    fn render_at(text: &str, span: std::ops::Range<usize>) -> String {
        let error = ScenarioError::new(Path::new("long.toml"), text, span, "broken here", "here", None);
        render(&error, false)
    }

    #[test]
    fn a_problem_past_column_65535_renders_a_window_with_the_real_location() {
        let text = format!("description = \"{}\" x\n", "a".repeat(70_000));
        let at = text.len() - 2;
        let out = render_at(&text, at..at + 1);
        assert!(out.contains("long.toml:1:70018: broken here"), "{out}");
        assert!(out.contains("[long.toml:1:70018]"), "{out}");
        assert!(out.lines().all(|line| line.chars().count() < 400), "{out}");
    }

    #[test]
    fn long_labels_long_context_lines_and_wide_characters_stay_bounded() {
        let long = "é".repeat(40_000);
        let text = format!("a = 1\nb = \"{long}\"\nc = 2\n");
        for span in [0..1, 6..text.len() - 7, 10..12, text.len() - 6..text.len() - 5, text.len()..text.len()] {
            let out = render_at(&text, span.clone());
            assert!(out.lines().all(|line| line.chars().count() < 400), "{span:?}: {out}");
        }
    }

    #[test]
    fn short_lines_render_as_miette_renders_them() {
        let text = "a = 1\nb = x\n";
        let error = ScenarioError::new(Path::new("f.toml"), text, 10..11, "broken", "here", None);
        let mut plain = String::new();
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).render_report(&mut plain, &error).unwrap();
        assert_eq!(render(&error, false), plain);
    }

    #[test]
    fn both_locations_count_characters_on_a_line_of_non_ascii_text() {
        let text = "a = 1\ntitle = \"ééé\" x\n";
        let at = text.find(" x").expect("the x") + 1;
        let shown = render_at(text, at..at + 1);
        assert!(shown.contains("long.toml:2:15: broken here"), "{shown}");
        assert!(shown.contains("[long.toml:2:15]"), "miette's header agrees: {shown}");
    }
}
