//! How an unmet expectation is spelled out, shared by the human and JUnit reports.
//!
//! A terminal and a CI page should say the same thing about a failure, so both formats render it
//! here: the step and the check, the evidence grade and its source, the classification rule, and
//! how the value seen differs from the one expected. One-line values become a `- expected` /
//! `+ actual` pair; multi-line values (response bodies, claim sets) become a unified diff, because a
//! two-line pair of long JSON documents hides the one field that differs.
//!
//! Styling is a [`Palette`]: the human report always writes styles and lets `anstream` strip them;
//! JUnit uses [`Palette::PLAIN`], whose styles render as nothing.

use std::fmt;

use anstyle::{AnsiColor, Style};
use similar::{ChangeTag, TextDiff};

use super::model::{ExpectationResult, Verdict};

/// The styles a rendering uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Palette {
    colour: bool,
}

impl Palette {
    /// No styles at all: for formats that are never shown on a terminal.
    pub(crate) const PLAIN: Palette = Palette { colour: false };
    /// Colours and emphasis, for a stream that decides itself whether to keep them.
    pub(crate) const COLOUR: Palette = Palette { colour: true };

    fn pick(self, style: Style) -> Style {
        if self.colour { style } else { Style::new() }
    }

    /// The style of a verdict's label.
    pub(crate) fn verdict(self, verdict: Verdict) -> Style {
        self.pick(match verdict {
            Verdict::Pass => AnsiColor::Green.on_default().bold(),
            Verdict::Fail => AnsiColor::Red.on_default().bold(),
            Verdict::Warn => AnsiColor::Yellow.on_default().bold(),
            Verdict::Unsupported => AnsiColor::Cyan.on_default().bold(),
            Verdict::Error => AnsiColor::BrightRed.on_default().bold(),
            Verdict::Skipped => Style::new().dimmed(),
        })
    }

    /// What was expected and is missing.
    pub(crate) fn removed(self) -> Style {
        self.pick(AnsiColor::Red.on_default())
    }

    /// What was seen instead.
    pub(crate) fn added(self) -> Style {
        self.pick(AnsiColor::Green.on_default())
    }

    /// Secondary information: durations, hunk headers, placeholders.
    pub(crate) fn dim(self) -> Style {
        self.pick(Style::new().dimmed())
    }

    /// Headings.
    pub(crate) fn strong(self) -> Style {
        self.pick(Style::new().bold())
    }
}

/// An unmet expectation, rendered as an indented block ending in a newline.
pub(crate) struct Problem<'a> {
    pub(crate) expectation: &'a ExpectationResult,
    pub(crate) indent: &'a str,
    pub(crate) palette: Palette,
}

impl fmt::Display for Problem<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Problem { expectation: e, indent, palette } = *self;
        let label = palette.verdict(e.verdict);
        writeln!(f, "{indent}{label}[{}]{label:#} step `{}`: {}", e.verdict, e.step, e.check)?;
        writeln!(f, "{indent}  evidence: {}, source: {}", e.evidence, e.source)?;
        if let Some(rule) = &e.rule {
            writeln!(f, "{indent}  rule: {rule}")?;
        }
        let inner = format!("{indent}  ");
        ValueDiff { expected: &e.expected, actual: &e.actual, indent: &inner, palette }.fmt(f)
    }
}

/// Expected against actual, each line indented.
pub(crate) struct ValueDiff<'a> {
    pub(crate) expected: &'a str,
    pub(crate) actual: &'a str,
    pub(crate) indent: &'a str,
    pub(crate) palette: Palette,
}

impl fmt::Display for ValueDiff<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ValueDiff { expected, actual, indent, palette } = *self;
        let (removed, added, dim) = (palette.removed(), palette.added(), palette.dim());
        let multi_line = expected.contains('\n') || actual.contains('\n');
        if !multi_line || actual.is_empty() {
            for line in lines_or_empty(expected) {
                writeln!(f, "{indent}{removed}- {line}{removed:#}")?;
            }
            // The model leaves `actual` empty when nothing was checked; say so rather than show a
            // blank that reads like an empty value.
            if actual.is_empty() {
                return writeln!(f, "{indent}{added}+ {added:#}{dim}(not checked){dim:#}");
            }
            return writeln!(f, "{indent}{added}+ {actual}{added:#}");
        }

        let diff = TextDiff::from_lines(expected, actual);
        let unified = diff.unified_diff();
        // A hint on every last line would be noise when both values simply lack a final newline.
        let newline_differs = expected.ends_with('\n') != actual.ends_with('\n');
        writeln!(f, "{indent}{removed}--- expected{removed:#}")?;
        writeln!(f, "{indent}{added}+++ actual{added:#}")?;
        let mut any_hunk = false;
        for hunk in unified.iter_hunks() {
            any_hunk = true;
            writeln!(f, "{indent}{dim}{}{dim:#}", hunk.header())?;
            for change in hunk.iter_changes() {
                let (sign, style) = match change.tag() {
                    ChangeTag::Delete => ('-', removed),
                    ChangeTag::Insert => ('+', added),
                    ChangeTag::Equal => (' ', Style::new()),
                };
                let line = change.value().trim_end_matches(['\n', '\r']);
                writeln!(f, "{indent}{style}{sign}{line}{style:#}")?;
                if newline_differs && change.missing_newline() {
                    writeln!(f, "{indent}{dim}\\ No newline at end of value{dim:#}")?;
                }
            }
        }
        if !any_hunk {
            writeln!(f, "{indent}{dim}(expected and actual render the same text){dim:#}")?;
        }
        Ok(())
    }
}

/// The lines of `text`, with an empty text still giving one (empty) line.
fn lines_or_empty(text: &str) -> impl Iterator<Item = &str> {
    let empty = text.is_empty().then_some("");
    empty.into_iter().chain(text.lines())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::Evidence;

    fn plain(expected: &str, actual: &str) -> String {
        ValueDiff { expected, actual, indent: "  ", palette: Palette::PLAIN }.to_string()
    }

    #[test]
    fn one_line_values_are_a_minus_plus_pair() {
        assert_eq!(plain("200", "400"), "  - 200\n  + 400\n");
    }

    #[test]
    fn an_unchecked_value_is_named_not_left_blank() {
        assert_eq!(plain("200", ""), "  - 200\n  + (not checked)\n");
    }

    #[test]
    fn multi_line_values_are_a_unified_diff_with_context() {
        let expected = "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n}";
        let actual = "{\n  \"a\": 1,\n  \"b\": 5,\n  \"c\": 3\n}";
        let text = plain(expected, actual);
        assert!(text.starts_with("  --- expected\n  +++ actual\n  @@ -1,5 +1,5 @@\n"), "{text}");
        assert!(text.contains("\n  -  \"b\": 2,\n  +  \"b\": 5,\n"), "{text}");
        assert!(text.contains("\n     \"a\": 1,\n"), "context line kept: {text}");
        assert!(!text.contains("No newline"), "{text}");
    }

    #[test]
    fn a_trailing_newline_difference_is_made_visible() {
        let text = plain("a\nb\n", "a\nb");
        assert!(text.contains("No newline at end of value"), "{text}");
    }

    #[test]
    fn plain_palette_writes_no_escapes_and_colour_does() {
        let e = ExpectationResult {
            step: "revoke".into(),
            check: "status = 200".into(),
            evidence: Evidence::Documented,
            source: "spec §2.3".into(),
            claim: None,
            verdict: Verdict::Fail,
            expected: "200".into(),
            actual: "400".into(),
            rule: Some("r1".into()),
        };
        let plain = Problem { expectation: &e, indent: "", palette: Palette::PLAIN }.to_string();
        assert_eq!(
            plain,
            "[fail] step `revoke`: status = 200\n  evidence: documented, source: spec §2.3\n  rule: r1\n  - 200\n  + 400\n"
        );
        let coloured = Problem { expectation: &e, indent: "", palette: Palette::COLOUR }.to_string();
        assert!(coloured.contains('\x1b'), "{coloured:?}");
    }
}
