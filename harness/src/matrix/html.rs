//! The matrix as one self-contained HTML page: inline CSS, no scripts, no external resources, so it
//! opens offline from a CI artifact or a file system.
//!
//! Layout, top to bottom:
//!
//! - the summary table, a row per target (the same numbers as the Markdown summary);
//! - a legend of the verdict colours: green pass, amber warn, red fail, grey unsupported, purple
//!   error, light skipped; every cell also spells its verdict out (`❌ fail`), so colour is never
//!   the only signal;
//! - the matrix (`id="matrix"`), its header sticky while scrolling: a row per scenario with its
//!   title, spec sections and expectations per evidence grade, a cell per target with the verdict
//!   and expectations met out of judged;
//! - one `<section id="diff-<target>-<scenario>">` per cell that ran, which the cell links to: the
//!   transcript for the baseline column, else the unified diff against the baseline, added lines
//!   green and removed lines red.
//!
//! Every piece of text from a scenario or a target is escaped: transcripts hold placeholders such as
//! `<refresh-token#1>`, and a target under test may answer anything. A Content-Security-Policy that
//! allows only inline styles makes any markup that got through inert all the same.

use std::fmt::Write;

use super::{Cell, CellResult, Detail, Matrix, NOT_RUN_LABEL, Row, VERDICT_ORDER, verdict_label};
use crate::report::model::Verdict;

/// The page's policy: inline styles only; no script, image, font, frame or connection.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'";

const STYLE: &str = r#"
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 15px; }
body { margin: 1.5rem; color: #1d1d1f; background: #fff; }
h1 { margin-top: 0; }
table { border-collapse: separate; border-spacing: 0; margin-bottom: 1.5rem; }
th, td { border-right: 1px solid #d0d0d0; border-bottom: 1px solid #d0d0d0; padding: .3rem .55rem;
  text-align: left; vertical-align: top; }
tr > :first-child { border-left: 1px solid #d0d0d0; }
thead th { position: sticky; top: 0; z-index: 1; background: #ececec; border-top: 1px solid #d0d0d0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.title { color: #444; font-size: .9em; }
.evidence { font-size: .85em; color: #444; white-space: nowrap; }
td.cell { padding: 0; white-space: nowrap; }
td.cell > a, td.cell > span { display: block; padding: .3rem .55rem; color: inherit; text-decoration: none; }
td.cell > a:hover, td.cell > a:focus { text-decoration: underline; }
.count { font-size: .85em; font-variant-numeric: tabular-nums; }
.v-pass { background: #b6e3ae; }
.v-warn { background: #ffd97a; }
.v-fail { background: #f4a6a6; }
.v-unsupported { background: #cfcfcf; }
.v-error { background: #d3b5f0; }
.v-skipped { background: #f4f4f0; }
.not-run { background: #fff; color: #777; font-style: italic; }
.legend { display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; padding: 0; list-style: none; }
.legend li { display: flex; align-items: center; gap: .4rem; }
.swatch { display: inline-block; width: 1.1em; height: 1.1em; border: 1px solid #999; }
.badge { padding: .05rem .4rem; border-radius: .25rem; }
section { margin: 1.2rem 0; padding-top: .4rem; border-top: 1px solid #d0d0d0; }
section:target { outline: 3px solid #3b7dd8; outline-offset: 4px; }
section h3 { margin: .3rem 0; }
pre { background: #f7f7f7; border: 1px solid #e0e0e0; padding: .5rem; overflow-x: auto; font-size: 13px; }
pre.diff > span { display: block; min-height: 1.2em; }
pre .add { background: #d4f5cf; color: #0d4d16; }
pre .del { background: #fcd6d6; color: #7a0f0f; }
pre .hunk { background: #e6ecf7; color: #374a72; }
pre .head { font-weight: bold; }
"#;

/// The whole page.
pub fn html(matrix: &Matrix) -> String {
    let mut out = String::with_capacity(16 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(out, "<meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>Conformance matrix</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<h1>Conformance matrix</h1>\n");
    summary(&mut out, matrix);
    legend(&mut out);
    table(&mut out, matrix);
    claims_table(&mut out, matrix);
    details(&mut out, matrix);
    out.push_str("</body>\n</html>\n");
    out
}

fn summary(out: &mut String, matrix: &Matrix) {
    out.push_str("<h2>Summary</h2>\n<table class=\"summary\">\n<thead><tr><th>target</th><th>scenarios</th>");
    for verdict in VERDICT_ORDER {
        let _ = write!(out, "<th class=\"v-{}\">{}</th>", verdict.name(), verdict_label(verdict));
    }
    out.push_str("<th>not run</th><th>documented met</th></tr></thead>\n<tbody>\n");
    for summary in &matrix.summaries {
        let target = escape(&summary.target);
        let _ = write!(
            out,
            "<tr data-target=\"{target}\"><th scope=\"row\">{target}</th><td class=\"num\" data-count=\"ran\">{}</td>",
            summary.ran
        );
        for verdict in VERDICT_ORDER {
            let _ = write!(out, "<td class=\"num\" data-count=\"{}\">{}</td>", verdict.name(), summary.count(verdict));
        }
        let _ = writeln!(
            out,
            "<td class=\"num\" data-count=\"not-run\">{}</td><td class=\"num\" data-count=\"documented\">{}</td></tr>",
            summary.not_run,
            escape(&summary.documented_share())
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

fn legend(out: &mut String) {
    out.push_str("<ul class=\"legend\">\n");
    for verdict in VERDICT_ORDER {
        let _ = writeln!(
            out,
            "<li><span class=\"swatch v-{}\"></span>{} — {}</li>",
            verdict.name(),
            verdict_label(verdict),
            meaning(verdict)
        );
    }
    let _ = writeln!(out, "<li><span class=\"swatch not-run\"></span>{NOT_RUN_LABEL} — no transcript</li>");
    out.push_str("</ul>\n");
}

fn meaning(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "every expectation met",
        Verdict::Warn => "an inferred expectation not met",
        Verdict::Fail => "a documented or aws-seen expectation not met",
        Verdict::Unsupported => "the target lacks the operation or endpoint",
        Verdict::Error => "the check could not be made",
        Verdict::Skipped => "not checked: a prerequisite failed",
    }
}

fn table(out: &mut String, matrix: &Matrix) {
    out.push_str("<h2>Scenarios</h2>\n<table class=\"matrix\" id=\"matrix\">\n<thead><tr><th>scenario</th>");
    out.push_str("<th>spec</th><th>evidence</th>");
    for (index, target) in matrix.targets.iter().enumerate() {
        let note = if index == 0 { " <span class=\"title\">(baseline)</span>" } else { "" };
        let _ = write!(out, "<th>{}{note}</th>", escape(target));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &matrix.rows {
        let evidence = row.evidence;
        let _ = write!(
            out,
            "<tr data-scenario=\"{id}\"><th scope=\"row\"><code>{id}</code><br><span class=\"title\">{}</span></th>\
             <td>{}</td><td class=\"evidence\">{} documented<br>{} aws-seen<br>{} inferred</td>",
            escape(&row.title),
            escape(&row.spec),
            evidence.documented,
            evidence.aws_seen,
            evidence.inferred,
            id = escape(&row.scenario),
        );
        for cell in &row.cells {
            matrix_cell(out, cell);
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

/// Per claim, the scenarios that meet it over those that judged it, per target.
fn claims_table(out: &mut String, matrix: &Matrix) {
    if matrix.claims.is_empty() {
        return;
    }
    out.push_str("<h2>Claims</h2>\n<table class=\"claims\" id=\"claims\">\n<thead><tr><th>claim</th><th>grade</th>");
    for target in &matrix.targets {
        let _ = write!(out, "<th>{}</th>", escape(target));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &matrix.claims {
        let _ = write!(out, "<tr><th scope=\"row\">{}</th><td>{}</td>", escape(&row.claim), row.grade);
        for cell in &row.cells {
            let _ = write!(out, "<td>{}</td>", escape(&cell.label()));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn matrix_cell(out: &mut String, cell: &Cell) {
    let target = escape(&cell.target);
    match &cell.result {
        None => {
            let _ =
                write!(out, "<td class=\"cell not-run\" data-target=\"{target}\"><span>{NOT_RUN_LABEL}</span></td>");
        }
        Some(result) => {
            let _ = write!(
                out,
                "<td class=\"cell v-{}\" data-target=\"{target}\"><a href=\"#{}\">{}<br>\
                 <span class=\"count\">{}/{}</span></a></td>",
                result.verdict.name(),
                escape(&result.anchor),
                verdict_label(result.verdict),
                result.passed,
                result.total,
            );
        }
    }
}

fn details(out: &mut String, matrix: &Matrix) {
    out.push_str("<h2>Transcripts and diffs</h2>\n");
    for row in &matrix.rows {
        for cell in &row.cells {
            if let Some(result) = &cell.result {
                section(out, row, cell, result);
            }
        }
    }
}

fn section(out: &mut String, row: &Row, cell: &Cell, result: &CellResult) {
    let target = escape(&cell.target);
    let _ = write!(
        out,
        "<section id=\"{}\">\n<h3>{target} · <code>{}</code> · <span class=\"badge v-{}\">{} {}/{}</span></h3>\n",
        escape(&result.anchor),
        escape(&row.scenario),
        result.verdict.name(),
        verdict_label(result.verdict),
        result.passed,
        result.total,
    );
    let back = "<a href=\"#matrix\">back to the matrix</a>";
    match &result.detail {
        Detail::Transcript(text) => {
            let _ =
                write!(out, "<p>The transcript of {target}, the baseline. {back}</p>\n<pre>{}</pre>\n", escape(text));
        }
        Detail::NoBaseline(text) => {
            let _ = write!(
                out,
                "<p>The baseline did not run this scenario; the transcript of {target}. {back}</p>\n<pre>{}</pre>\n",
                escape(text)
            );
        }
        Detail::NoDifference { against } => {
            let _ = writeln!(out, "<p>No difference from {}. {back}</p>", escape(against));
        }
        Detail::Diff { against, diff } => {
            let _ = writeln!(
                out,
                "<p>Diff of the transcript: <span class=\"del\">− {}</span>, <span class=\"add\">+ {target}</span>. \
                 {back}</p>",
                escape(against)
            );
            out.push_str("<pre class=\"diff\">");
            for line in diff.lines() {
                let class = if line.starts_with("+++ ") || line.starts_with("--- ") {
                    "head"
                } else if line.starts_with("@@") {
                    "hunk"
                } else if line.starts_with('+') {
                    "add"
                } else if line.starts_with('-') {
                    "del"
                } else {
                    "same"
                };
                let _ = write!(out, "<span class=\"{class}\">{}</span>", escape(line));
            }
            out.push_str("</pre>\n");
        }
    }
    out.push_str("</section>\n");
}

/// Escapes `text` for HTML text and double- or single-quoted attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::super::fixture::{render, transcript};
    use super::super::{Column, Matrix};
    use super::*;
    use crate::report::model::Evidence;

    const HOSTILE: &str = "<script>document.title='pwned'</script><img src=x onerror=\"alert(1)\">";

    fn matrix() -> Matrix {
        let pass = (Evidence::Documented, Verdict::Pass);
        let mut hostile = transcript("revoke-basic", Verdict::Fail, &[pass, (Evidence::AwsSeen, Verdict::Fail)]);
        hostile.steps[0].response_body = Some(HOSTILE.into());
        let mut titled = transcript("moto-only", Verdict::Pass, &[pass]);
        titled.title = "<b>bold</b> \"quoted\"".into();
        Matrix::build(
            &[
                Column {
                    target: "reference".into(),
                    transcripts: vec![
                        transcript("revoke-basic", Verdict::Pass, &[pass, (Evidence::AwsSeen, Verdict::Pass)]),
                        transcript("revoke-family", Verdict::Pass, &[pass]),
                    ],
                },
                Column { target: "moto<x>".into(), transcripts: vec![hostile, titled] },
            ],
            &render,
        )
    }

    /// The values of `attribute="…"` in `page`.
    fn attributes<'a>(page: &'a str, attribute: &str) -> Vec<&'a str> {
        let needle = format!("{attribute}=\"");
        page.match_indices(&needle)
            .map(|(at, _)| {
                let rest = &page[at + needle.len()..];
                &rest[..rest.find('"').unwrap_or(rest.len())]
            })
            .collect()
    }

    #[test]
    fn escapes_text_and_attributes() {
        assert_eq!(escape("<refresh-token#1>"), "&lt;refresh-token#1&gt;");
        assert_eq!(escape("a & \"b\" 'c'"), "a &amp; &quot;b&quot; &#39;c&#39;");
        assert_eq!(escape("§2.3 ✅"), "§2.3 ✅");
    }

    #[test]
    fn hostile_text_comes_out_inert() {
        let page = html(&matrix());
        assert!(!page.contains("<script"), "a script tag got through");
        assert!(!page.contains("<img"), "an img tag got through");
        assert!(!page.contains("<b>bold"), "markup in a title got through");
        assert!(page.contains("&lt;script&gt;document.title="), "the hostile body is shown, escaped");
        assert!(page.contains("&lt;refresh-token#1&gt;"), "placeholders are shown as written");
        assert!(page.contains("&lt;b&gt;bold&lt;/b&gt; &quot;quoted&quot;"));
        assert!(page.contains("data-target=\"moto&lt;x&gt;\""));
    }

    #[test]
    fn is_self_contained() {
        let plain = transcript("revoke-basic", Verdict::Pass, &[(Evidence::Documented, Verdict::Pass)]);
        let page = html(&Matrix::build(&[Column { target: "reference".into(), transcripts: vec![plain] }], &render));
        assert!(page.contains(CONTENT_SECURITY_POLICY));
        for external in ["src=", "<link", "http://", "https://", "url(", "@import"] {
            assert!(!page.contains(external), "the page refers outside itself: {external}");
        }
    }

    #[test]
    fn every_link_has_exactly_one_target() {
        let page = html(&matrix());
        let ids = attributes(&page, "id");
        assert_eq!(ids.len(), ids.iter().collect::<HashSet<_>>().len(), "duplicate ids: {ids:?}");
        let hrefs = attributes(&page, "href");
        assert_eq!(hrefs.iter().filter(|h| h.starts_with("#diff-")).count(), 4, "{hrefs:?}");
        for href in hrefs {
            let id = href.strip_prefix('#').expect("in-page links only");
            assert!(ids.contains(&id), "no element with id {id}");
        }
    }

    #[test]
    fn cells_carry_verdict_class_text_and_counts() {
        let page = html(&matrix());
        assert!(page.contains(
            "<td class=\"cell v-fail\" data-target=\"moto&lt;x&gt;\"><a href=\"#diff-moto-x--revoke-basic\">❌ fail<br>\
             <span class=\"count\">1/2</span></a></td>"
        ));
        assert!(page.contains("<td class=\"cell not-run\" data-target=\"moto&lt;x&gt;\"><span>· not run</span></td>"));
        assert!(page.contains("<td class=\"num\" data-count=\"fail\">1</td>"));
    }

    #[test]
    fn diff_lines_are_classed() {
        let page = html(&matrix());
        let section = &page[page.find("<section id=\"diff-moto-x--revoke-basic\">").expect("moto's section")..];
        let section = &section[..section.find("</section>").expect("section ends")];
        assert!(section.contains("<span class=\"head\">--- reference</span>"), "{section}");
        assert!(section.contains("<span class=\"hunk\">@@"), "{section}");
        assert!(section.contains("<span class=\"del\">-      &quot;response_body&quot;: &quot;{}&quot;"), "{section}");
        assert!(section.contains("<span class=\"add\">+      &quot;response_body&quot;: &quot;&lt;script&gt;"));
    }
}
