//! The matrix in Markdown, for the README and for any page that renders GitHub-flavoured Markdown.
//!
//! Mapping:
//!
//! - [`summary_markdown`] is one table, a row per target: scenarios run, scenarios per verdict,
//!   scenarios not run, and the share of documented expectations met. It depends on nothing but
//!   the matrix (no time, no paths), so the README can carry it verbatim and a test can compare.
//! - [`markdown`] is a title, that summary, and the full table: a row per scenario (id, title,
//!   spec sections, expectations per evidence grade) and a cell per target.
//! - A cell reads without colour (`✅ pass 3/3`: the verdict, then expectations met out of judged)
//!   and links to its detail in the HTML page, `matrix.html#diff-<target>-<scenario>`; a scenario a
//!   target did not run reads `· not run` and links nowhere.
//! - Text from scenarios and targets is escaped: Markdown punctuation and `|` are backslash-escaped
//!   and line breaks become spaces, so a `<placeholder>` shows as written and cannot break a table.

use std::fmt::Write;

use super::{Cell, HTML_FILE, Matrix, NOT_RUN_LABEL, VERDICT_ORDER, verdict_label};

/// The summary table alone, ending in a newline.
pub fn summary_markdown(matrix: &Matrix) -> String {
    let mut out = String::from("| target | scenarios |");
    for verdict in VERDICT_ORDER {
        let _ = write!(out, " {} |", verdict_label(verdict));
    }
    out.push_str(" not run | documented met |\n|:---|---:|");
    out.push_str(&"---:|".repeat(VERDICT_ORDER.len() + 2));
    out.push('\n');
    for summary in &matrix.summaries {
        let _ = write!(out, "| {} | {} |", escape(&summary.target), summary.ran);
        for verdict in VERDICT_ORDER {
            let _ = write!(out, " {} |", summary.count(verdict));
        }
        let _ = writeln!(out, " {} | {} |", summary.not_run, summary.documented_share());
    }
    out
}

/// The whole matrix: a title, the summary table, the scenario table and the claims table.
pub fn markdown(matrix: &Matrix) -> String {
    let mut out = String::from("# Conformance matrix\n\n");
    if let Some(baseline) = matrix.baseline() {
        let _ = writeln!(
            out,
            "Each cell links to its detail in [{HTML_FILE}]({HTML_FILE}): the transcript for {}, the diff \
             against {} for every other target.\n",
            escape(baseline),
            escape(baseline),
        );
    }
    out.push_str("## Summary\n\n");
    out.push_str(&summary_markdown(matrix));
    out.push_str("\n## Scenarios\n\n| scenario | title | spec | documented / aws-seen / inferred |");
    for target in &matrix.targets {
        let _ = write!(out, " {} |", escape(target));
    }
    out.push_str("\n|:---|:---|:---|---:|");
    out.push_str(&":---|".repeat(matrix.targets.len()));
    out.push('\n');
    for row in &matrix.rows {
        let evidence = row.evidence;
        let _ = write!(
            out,
            "| {} | {} | {} | {} / {} / {} |",
            escape(&row.scenario),
            escape(&row.title),
            escape(&row.spec),
            evidence.documented,
            evidence.aws_seen,
            evidence.inferred,
        );
        for cell in &row.cells {
            let _ = write!(out, " {} |", cell_text(cell));
        }
        out.push('\n');
    }
    claims_markdown(&mut out, matrix);
    out
}

/// The claims table: per claim, the scenarios that meet it over those that judged it, per target.
fn claims_markdown(out: &mut String, matrix: &Matrix) {
    if matrix.claims.is_empty() {
        return;
    }
    out.push_str(
        "\n## Claims\n\nPer fact of `scenarios/claims.toml`: in how many of the scenarios that judged it the \
         target met it (❌ some failed, ⚠️ some only warned).\n\n| claim | grade |",
    );
    for target in &matrix.targets {
        let _ = write!(out, " {} |", escape(target));
    }
    out.push_str("\n|:---|:---|");
    out.push_str(&":---|".repeat(matrix.targets.len()));
    out.push('\n');
    for row in &matrix.claims {
        let _ = write!(out, "| {} | {} |", escape(&row.claim), row.grade);
        for cell in &row.cells {
            let _ = write!(out, " {} |", cell.label());
        }
        out.push('\n');
    }
}

fn cell_text(cell: &Cell) -> String {
    match &cell.result {
        None => NOT_RUN_LABEL.to_owned(),
        Some(result) => format!(
            "[{} {}/{}]({HTML_FILE}#{})",
            verdict_label(result.verdict),
            result.passed,
            result.total,
            result.anchor
        ),
    }
}

/// Escapes `text` for a table cell: Markdown punctuation backslash-escaped, line breaks as spaces.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{render, transcript};
    use super::super::{Column, Matrix};
    use super::*;
    use crate::report::model::{Evidence, Verdict};

    fn matrix() -> Matrix {
        let pass = (Evidence::Documented, Verdict::Pass);
        let fail = (Evidence::Documented, Verdict::Fail);
        Matrix::build(
            &[
                Column {
                    target: "reference".into(),
                    transcripts: vec![
                        transcript("revoke-basic", Verdict::Pass, &[pass, pass]),
                        transcript("revoke-family", Verdict::Pass, &[pass]),
                    ],
                },
                Column {
                    target: "moto|x".into(),
                    transcripts: vec![transcript("revoke-basic", Verdict::Fail, &[pass, fail])],
                },
            ],
            &render,
        )
    }

    #[test]
    fn escapes_markdown_and_table_syntax() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("<refresh-token#1>"), "\\<refresh-token#1\\>");
        assert_eq!(escape("[x](y) *z* `c` \\"), "\\[x\\](y) \\*z\\* \\`c\\` \\\\");
        assert_eq!(escape("two\nlines"), "two lines");
        assert_eq!(escape("§2.3 revoke-token"), "§2.3 revoke-token");
    }

    #[test]
    fn summary_table_counts_per_target() {
        let summary = summary_markdown(&matrix());
        let lines: Vec<&str> = summary.lines().collect();
        assert_eq!(
            lines[0],
            "| target | scenarios | ✅ pass | ⚠️ warn | ❌ fail | ➖ unsupported | 💥 error | ⏭ skipped | not run | \
             documented met |"
        );
        assert_eq!(lines[1], "|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        assert_eq!(lines[2], "| reference | 2 | 2 | 0 | 0 | 0 | 0 | 0 | 0 | 3/3 (100%) |");
        assert_eq!(lines[3], "| moto\\|x | 1 | 0 | 0 | 1 | 0 | 0 | 0 | 1 | 1/2 (50%) |");
        assert_eq!(lines.len(), 4);
    }

    #[test]
    fn full_table_links_cells_to_the_html_page() {
        let page = markdown(&matrix());
        assert!(page.contains(&summary_markdown(&matrix())), "{page}");
        let row = page.lines().find(|l| l.starts_with("| revoke-basic |")).expect("a row for revoke-basic");
        assert_eq!(
            row,
            "| revoke-basic | revoke-basic \\<title\\> \\& more | §2.3 | 2 / 0 / 0 | \
             [✅ pass 2/2](matrix.html#diff-reference-revoke-basic) | \
             [❌ fail 1/2](matrix.html#diff-moto-x-revoke-basic) |"
        );
        let row = page.lines().find(|l| l.starts_with("| revoke-family |")).expect("a row for revoke-family");
        assert!(row.ends_with("| · not run |"), "{row}");
    }

    #[test]
    fn rendering_is_deterministic() {
        let mut shuffled: Vec<Column> = Vec::new();
        let pass = (Evidence::Documented, Verdict::Pass);
        shuffled.push(Column {
            target: "reference".into(),
            transcripts: vec![
                transcript("revoke-family", Verdict::Pass, &[pass]),
                transcript("revoke-basic", Verdict::Pass, &[pass, pass]),
            ],
        });
        shuffled.push(Column {
            target: "moto|x".into(),
            transcripts: vec![transcript(
                "revoke-basic",
                Verdict::Fail,
                &[pass, (Evidence::Documented, Verdict::Fail)],
            )],
        });
        let shuffled = Matrix::build(&shuffled, &render);
        assert_eq!(markdown(&shuffled), markdown(&matrix()), "the order transcripts were read in does not matter");
        assert_eq!(summary_markdown(&shuffled), summary_markdown(&matrix()));
    }
}
