//! Fuzz target `scenario_diagnostics`: any bytes, read as a scenario file is read, and every
//! diagnostic rendered as the command line renders it.
//!
//! Input: the file's bytes, in which `\x01` followed by a byte `k` stands for `k` × 1,024 `a`s
//! (at most 1 MiB in all), so short inputs reach the long lines (past column 65,535) that once
//! crashed miette. Bytes that are not UTF-8 go through [`crate::input::decode`], like a file.
//!
//! Properties:
//! - no panic, reading, checking or rendering;
//! - each rendering states the diagnostic's `file:line:col` and names the file in its snippet
//!   header, and no message is longer than `scenario::error::MAX_MESSAGE` characters (and `…`);
//! - no line of a rendered snippet is longer than [`MAX_SNIPPET_LINE`] characters, however long
//!   the file's lines are.

use std::path::Path;

use crate::diagnostic;
use crate::input::decode;
use crate::scenario::{ScenarioError, parse_scenario};

/// The longest snippet line a rendering may hold: the widest window shown (`diagnostic::WINDOW`
/// before the problem, that much of it and after it, or a whole line of up to
/// `diagnostic::MAX_SHOWN_LINE` bytes), with tabs shown four wide, plus the gutter.
pub const MAX_SNIPPET_LINE: usize = 4 * diagnostic::MAX_SHOWN_LINE + 40;

/// The most an input expands to.
const MAX_EXPANDED: usize = 1 << 20;

/// Runs one input; see the module docs.
pub fn scenario_diagnostics(data: &[u8]) {
    let path = Path::new("fuzz.toml");
    let problems = match decode(path, expand(data)) {
        Err(problem) => vec![*problem],
        Ok(text) => parse_scenario(path, &text).err().unwrap_or_default(),
    };
    for problem in &problems {
        assert_renders(problem);
    }
}

/// `data` with each `\x01 k` replaced by `k` × 1,024 `a`s, up to [`MAX_EXPANDED`] bytes in all.
fn expand(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut bytes = data.iter();
    while let Some(&byte) = bytes.next() {
        if byte == 1 {
            let count = usize::from(bytes.next().copied().unwrap_or(0)) * 1024;
            out.resize(out.len() + count.min(MAX_EXPANDED.saturating_sub(out.len())), b'a');
        } else {
            out.push(byte);
        }
    }
    out
}

fn assert_renders(problem: &ScenarioError) {
    let rendered = diagnostic::render(problem, false);
    // The message may be wrapped; the location is one word.
    let located = format!("fuzz.toml:{}:{}:", problem.line, problem.column);
    let length = problem.message.chars().count();
    assert!(length <= crate::scenario::error::MAX_MESSAGE + 1, "a message of {length} characters");
    assert!(rendered.contains(&located), "the rendering lacks `{located}`:\n{rendered}");
    assert!(rendered.contains("─[fuzz.toml"), "the rendering has no snippet header:\n{rendered}");
    for line in rendered.lines().filter(|line| line.contains(" │ ") || line.trim_start().starts_with('·')) {
        let width = line.chars().count();
        assert!(width <= MAX_SNIPPET_LINE, "a snippet line of {width} characters:\n{}", &line[..line.len().min(400)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_expand_to_long_runs_and_stop_at_the_cap() {
        assert_eq!(expand(b"x\x01\x02y"), [&b"x"[..], &[b'a'; 2048], b"y"].concat());
        assert_eq!(expand(&b"\x01\xff".repeat(10)).len(), MAX_EXPANDED);
        assert_eq!(expand(b"\x01"), b"");
    }

    #[test]
    fn a_long_line_with_an_error_at_its_end_renders() {
        scenario_diagnostics(b"description = \"\x01\x45\" x\n");
        scenario_diagnostics(
            b"title = \"t\"\nspec = \"\xc2\xa7\"\n[[steps]]\nget_user = { access_token = \"\x01\x50{{nope.x}}\" }\n",
        );
        scenario_diagnostics(b"title = \"\x01\x50\xff\"");
    }
}
