//! The conformance matrix: scenarios × targets, in Markdown and self-contained HTML.
//!
//! [`Matrix::build`] reads one [`Column`] of snapshot [`Transcript`]s per target, in display order,
//! and lays them out as one [`Row`] per scenario (the union of every column's scenario ids,
//! sorted) with one [`Cell`] per target. The first column is the *baseline*, normally `reference`:
//! its cells carry its transcript, every other cell carries the unified diff between the
//! baseline's transcript of the scenario and its own, so a reader goes from "moto fails
//! `revoke-family`" to *how* moto answers differently in one click. Transcripts are compared as
//! text, rendered by the caller (the snapshot renderer), so the diff reads like the snapshot files.
//!
//! Beside the scenarios, [`claims`] counts per claim of the registry how many of the scenarios
//! checking it each target meets.
//!
//! [`markdown`](markdown()) renders a summary, the full table with links into the HTML page, and
//! the claims table;
//! [`html`](html()) renders that page: one file, inline CSS, no scripts, no external resources.
//! Both read only the model, so they cannot disagree on a count.

pub mod claims;
#[cfg(test)]
mod fixture;
pub mod html;
pub mod markdown;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use similar::TextDiff;

pub use claims::{ClaimCell, ClaimRow, claim_rows};
pub use html::html;
pub use markdown::{markdown, summary_markdown};

use crate::report::model::{Evidence, Verdict};
use crate::snapshot::{ExpectationLine, Transcript};

/// The HTML page's file name; the Markdown links into it.
pub const HTML_FILE: &str = "matrix.html";
/// The Markdown matrix's file name.
pub const MARKDOWN_FILE: &str = "matrix.md";

/// Lines of context around each change in a cell's diff.
const DIFF_CONTEXT: usize = 3;

/// The verdicts in the order the matrix shows them: best first.
pub const VERDICT_ORDER: [Verdict; 6] =
    [Verdict::Pass, Verdict::Warn, Verdict::Fail, Verdict::Unsupported, Verdict::Error, Verdict::Skipped];

/// What a cell shows for a scenario its target did not run.
pub const NOT_RUN_LABEL: &str = "· not run";

/// A verdict readable without colour: a symbol and the verdict's name, e.g. `✅ pass`.
pub fn verdict_label(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "✅ pass",
        Verdict::Warn => "⚠️ warn",
        Verdict::Fail => "❌ fail",
        Verdict::Unsupported => "➖ unsupported",
        Verdict::Error => "💥 error",
        Verdict::Skipped => "⏭ skipped",
    }
}

/// One target's transcripts, as read from its snapshot directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The target's name (`reference`, `moto`, …).
    pub target: String,
    /// Its transcripts, in any order; a scenario given twice counts once (the first).
    pub transcripts: Vec<Transcript>,
}

/// The whole matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    /// The targets, in display order; the first is the baseline.
    pub targets: Vec<String>,
    /// One row per scenario, sorted by scenario id.
    pub rows: Vec<Row>,
    /// One summary per target, in the order of `targets`.
    pub summaries: Vec<TargetSummary>,
    /// One row per claim the scenarios check, sorted by claim id.
    pub claims: Vec<ClaimRow>,
}

/// One scenario across every target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The scenario id.
    pub scenario: String,
    /// Its title, from the first column that ran it.
    pub title: String,
    /// The spec section(s) it checks, from the same column.
    pub spec: String,
    /// Its expectations by evidence grade, from the same column.
    pub evidence: EvidenceCounts,
    /// One cell per target, in the order of [`Matrix::targets`].
    pub cells: Vec<Cell>,
}

/// How many of a scenario's expectations stand on each evidence grade.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvidenceCounts {
    /// Stated in AWS documentation.
    pub documented: usize,
    /// Seen in a capture from real AWS.
    pub aws_seen: usize,
    /// Concluded, not confirmed.
    pub inferred: usize,
}

impl EvidenceCounts {
    /// Counts `expectations` by grade.
    pub fn of(expectations: &[ExpectationLine]) -> Self {
        let mut counts = Self::default();
        for expectation in expectations {
            match expectation.evidence {
                Evidence::Documented => counts.documented += 1,
                Evidence::AwsSeen => counts.aws_seen += 1,
                Evidence::Inferred => counts.inferred += 1,
            }
        }
        counts
    }

    /// The count for `evidence`.
    pub fn count(&self, evidence: Evidence) -> usize {
        match evidence {
            Evidence::Documented => self.documented,
            Evidence::AwsSeen => self.aws_seen,
            Evidence::Inferred => self.inferred,
        }
    }
}

/// One scenario on one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The target.
    pub target: String,
    /// What came of it; `None` when the target has no transcript of the scenario ("not run").
    pub result: Option<CellResult>,
}

/// A scenario a target ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellResult {
    /// The scenario's combined verdict on this target.
    pub verdict: Verdict,
    /// Expectations met.
    pub passed: usize,
    /// Expectations judged.
    pub total: usize,
    /// The HTML anchor of this cell's detail: `diff-<target>-<scenario>`, sanitised, unique.
    pub anchor: String,
    /// What the detail shows.
    pub detail: Detail,
}

/// What a cell links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    /// The baseline column: its own transcript.
    Transcript(String),
    /// The unified diff from the baseline's transcript to this target's.
    Diff {
        /// The baseline target.
        against: String,
        /// The diff, with `---`/`+++` headers and hunks.
        diff: String,
    },
    /// This target's transcript equals the baseline's.
    NoDifference {
        /// The baseline target.
        against: String,
    },
    /// The baseline did not run the scenario: this target's transcript, with nothing to compare.
    NoBaseline(String),
}

/// One target's results over the whole matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetSummary {
    /// The target.
    pub target: String,
    /// Scenarios it ran.
    pub ran: usize,
    /// Scenarios in the matrix it has no transcript of.
    pub not_run: usize,
    /// Scenarios it ran, per combined verdict; every verdict is present.
    pub by_verdict: BTreeMap<Verdict, usize>,
    /// Documented expectations it met, over the scenarios it ran.
    pub documented_met: usize,
    /// Documented expectations judged, over the scenarios it ran.
    pub documented_total: usize,
}

impl TargetSummary {
    /// Scenarios whose combined verdict is `verdict`.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.by_verdict.get(&verdict).copied().unwrap_or(0)
    }

    /// The share of documented expectations met, rounded down so that 100% means all of them:
    /// `12/15 (80%)`, or `–` when the target judged none.
    pub fn documented_share(&self) -> String {
        if self.documented_total == 0 {
            return "–".to_owned();
        }
        let percent = self.documented_met * 100 / self.documented_total;
        format!("{}/{} ({percent}%)", self.documented_met, self.documented_total)
    }
}

impl Matrix {
    /// Lays `columns` out as a matrix. `render_transcript` turns a transcript into the text that
    /// cells show and diff (pass the snapshot renderer).
    pub fn build(columns: &[Column], render_transcript: &dyn Fn(&Transcript) -> String) -> Self {
        let by_scenario: Vec<BTreeMap<&str, &Transcript>> = columns
            .iter()
            .map(|column| {
                let mut map = BTreeMap::new();
                for transcript in &column.transcripts {
                    map.entry(transcript.scenario.as_str()).or_insert(transcript);
                }
                map
            })
            .collect();
        let scenarios: BTreeSet<&str> = by_scenario.iter().flat_map(|map| map.keys().copied()).collect();
        let baseline = columns.first().map(|column| column.target.as_str());
        let mut anchors = Anchors::default();

        let rows = scenarios
            .into_iter()
            .map(|scenario| {
                let found: Vec<Option<&Transcript>> =
                    by_scenario.iter().map(|map| map.get(scenario).copied()).collect();
                let first = found.iter().flatten().next().copied();
                let base_text = found.first().copied().flatten().map(render_transcript);
                let cells = columns
                    .iter()
                    .zip(&found)
                    .enumerate()
                    .map(|(index, (column, transcript))| Cell {
                        target: column.target.clone(),
                        result: transcript.map(|transcript| {
                            let detail = if index == 0 {
                                Detail::Transcript(base_text.clone().unwrap_or_default())
                            } else {
                                let text = render_transcript(transcript);
                                detail(baseline.unwrap_or_default(), base_text.as_deref(), &column.target, &text)
                            };
                            CellResult {
                                verdict: transcript.verdict,
                                passed: passed(&transcript.expectations),
                                total: transcript.expectations.len(),
                                anchor: anchors.make(&column.target, scenario),
                                detail,
                            }
                        }),
                    })
                    .collect();
                Row {
                    scenario: scenario.to_owned(),
                    title: first.map(|t| t.title.clone()).unwrap_or_default(),
                    spec: first.map(|t| t.spec.clone()).unwrap_or_default(),
                    evidence: first.map(|t| EvidenceCounts::of(&t.expectations)).unwrap_or_default(),
                    cells,
                }
            })
            .collect::<Vec<_>>();

        let summaries =
            columns.iter().zip(&by_scenario).map(|(column, map)| summarise(&column.target, map, rows.len())).collect();
        let claims = claim_rows(&by_scenario);
        Self { targets: columns.iter().map(|column| column.target.clone()).collect(), rows, summaries, claims }
    }

    /// The baseline target, when there is any column.
    pub fn baseline(&self) -> Option<&str> {
        self.targets.first().map(String::as_str)
    }
}

fn passed(expectations: &[ExpectationLine]) -> usize {
    expectations.iter().filter(|e| e.verdict == Verdict::Pass).count()
}

fn detail(baseline: &str, base_text: Option<&str>, target: &str, text: &str) -> Detail {
    let Some(base_text) = base_text else {
        return Detail::NoBaseline(text.to_owned());
    };
    if base_text == text {
        return Detail::NoDifference { against: baseline.to_owned() };
    }
    let diff = TextDiff::from_lines(base_text, text)
        .unified_diff()
        .context_radius(DIFF_CONTEXT)
        .header(baseline, target)
        .to_string();
    Detail::Diff { against: baseline.to_owned(), diff }
}

fn summarise(target: &str, transcripts: &BTreeMap<&str, &Transcript>, scenarios: usize) -> TargetSummary {
    let mut by_verdict: BTreeMap<Verdict, usize> = VERDICT_ORDER.iter().map(|v| (*v, 0)).collect();
    let (mut documented_met, mut documented_total) = (0, 0);
    for transcript in transcripts.values() {
        *by_verdict.entry(transcript.verdict).or_default() += 1;
        for expectation in transcript.expectations.iter().filter(|e| e.evidence == Evidence::Documented) {
            documented_total += 1;
            documented_met += usize::from(expectation.verdict == Verdict::Pass);
        }
    }
    TargetSummary {
        target: target.to_owned(),
        ran: transcripts.len(),
        not_run: scenarios - transcripts.len(),
        by_verdict,
        documented_met,
        documented_total,
    }
}

/// Hands out anchor ids: `diff-<target>-<scenario>` with every character outside `[A-Za-z0-9_-]`
/// made `-`, and `-2`, `-3`… appended when two pairs sanitise alike.
#[derive(Default)]
struct Anchors {
    taken: HashSet<String>,
}

impl Anchors {
    fn make(&mut self, target: &str, scenario: &str) -> String {
        let base = format!("diff-{}-{}", sanitise(target), sanitise(scenario));
        let mut anchor = base.clone();
        let mut n = 1;
        while !self.taken.insert(anchor.clone()) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
        anchor
    }
}

fn sanitise(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect()
}

#[cfg(test)]
mod tests {
    use super::fixture::{render, transcript};
    use super::*;

    const DOC_PASS: (Evidence, Verdict) = (Evidence::Documented, Verdict::Pass);
    const DOC_FAIL: (Evidence, Verdict) = (Evidence::Documented, Verdict::Fail);
    const INF_WARN: (Evidence, Verdict) = (Evidence::Inferred, Verdict::Warn);

    fn columns() -> Vec<Column> {
        vec![
            Column {
                target: "reference".into(),
                transcripts: vec![
                    transcript("b-scenario", Verdict::Pass, &[DOC_PASS, DOC_PASS, (Evidence::AwsSeen, Verdict::Pass)]),
                    transcript("a-scenario", Verdict::Pass, &[DOC_PASS, (Evidence::Inferred, Verdict::Pass)]),
                ],
            },
            Column {
                target: "moto".into(),
                transcripts: vec![
                    transcript("a-scenario", Verdict::Warn, &[DOC_PASS, INF_WARN]),
                    transcript("b-scenario", Verdict::Fail, &[DOC_PASS, DOC_FAIL, (Evidence::AwsSeen, Verdict::Pass)]),
                    transcript("c-only-moto", Verdict::Pass, &[DOC_PASS]),
                ],
            },
            Column { target: "cognito local".into(), transcripts: vec![] },
        ]
    }

    #[test]
    fn rows_are_the_sorted_union_of_scenarios() {
        let matrix = Matrix::build(&columns(), &render);
        let ids: Vec<&str> = matrix.rows.iter().map(|r| r.scenario.as_str()).collect();
        assert_eq!(ids, ["a-scenario", "b-scenario", "c-only-moto"]);
        assert_eq!(matrix.baseline(), Some("reference"));
        let b = &matrix.rows[1];
        assert_eq!(b.evidence, EvidenceCounts { documented: 2, aws_seen: 1, inferred: 0 });
        let moto = b.cells[1].result.as_ref().expect("moto ran b");
        assert_eq!((moto.verdict, moto.passed, moto.total), (Verdict::Fail, 2, 3));
        assert!(b.cells[2].result.is_none(), "cognito local did not run b");
    }

    #[test]
    fn cells_link_to_transcript_diff_or_nothing() {
        let matrix = Matrix::build(&columns(), &render);
        let a = &matrix.rows[0];
        let reference = a.cells[0].result.as_ref().expect("reference ran a");
        assert!(matches!(&reference.detail, Detail::Transcript(text) if text.contains("<refresh-token#1>")));
        let Detail::Diff { against, diff } = &a.cells[1].result.as_ref().expect("moto ran a").detail else {
            panic!("moto's warn differs from reference's pass");
        };
        assert_eq!(against, "reference");
        assert!(diff.starts_with("--- reference\n+++ moto\n@@"), "{diff}");
        assert!(diff.lines().any(|l| l.starts_with("-") && l.contains("\"pass\"")), "{diff}");
        assert!(diff.lines().any(|l| l.starts_with("+") && l.contains("\"warn\"")), "{diff}");
        let c = &matrix.rows[2];
        assert!(matches!(c.cells[1].result.as_ref().map(|r| &r.detail), Some(Detail::NoBaseline(_))));
    }

    #[test]
    fn equal_transcripts_make_no_difference() {
        let same = transcript("x", Verdict::Pass, &[DOC_PASS]);
        let columns = [
            Column { target: "reference".into(), transcripts: vec![same.clone()] },
            Column { target: "moto".into(), transcripts: vec![same] },
        ];
        let matrix = Matrix::build(&columns, &render);
        let detail = &matrix.rows[0].cells[1].result.as_ref().expect("moto ran x").detail;
        assert_eq!(detail, &Detail::NoDifference { against: "reference".into() });
    }

    #[test]
    fn summary_counts_scenarios_and_documented_expectations() {
        let matrix = Matrix::build(&columns(), &render);
        let moto = &matrix.summaries[1];
        assert_eq!((moto.ran, moto.not_run), (3, 0));
        assert_eq!([Verdict::Pass, Verdict::Warn, Verdict::Fail].map(|v| moto.count(v)), [1, 1, 1]);
        assert_eq!(moto.count(Verdict::Error), 0);
        assert_eq!(moto.documented_share(), "3/4 (75%)");
        let reference = &matrix.summaries[0];
        assert_eq!((reference.ran, reference.not_run, reference.count(Verdict::Pass)), (2, 1, 2));
        assert_eq!(reference.documented_share(), "3/3 (100%)");
        let local = &matrix.summaries[2];
        assert_eq!((local.ran, local.not_run, local.documented_share().as_str()), (0, 3, "–"));
    }

    #[test]
    fn share_rounds_down() {
        let summary = TargetSummary {
            target: "t".into(),
            ran: 1,
            not_run: 0,
            by_verdict: BTreeMap::new(),
            documented_met: 199,
            documented_total: 200,
        };
        assert_eq!(summary.documented_share(), "199/200 (99%)");
    }

    #[test]
    fn anchors_are_sanitised_and_unique() {
        let mut anchors = Anchors::default();
        assert_eq!(anchors.make("cognito local", "revoke/<x>"), "diff-cognito-local-revoke--x-");
        assert_eq!(anchors.make("cognito.local", "revoke/<x>"), "diff-cognito-local-revoke--x--2");
        assert_eq!(anchors.make("cognito:local", "revoke/<x>"), "diff-cognito-local-revoke--x--3");

        let matrix = Matrix::build(&columns(), &render);
        let ids: Vec<&str> =
            matrix.rows.iter().flat_map(|r| &r.cells).filter_map(|c| c.result.as_ref()).map(|r| &*r.anchor).collect();
        assert_eq!(ids.len(), ids.iter().collect::<HashSet<_>>().len(), "{ids:?}");
        assert!(ids.iter().all(|id| id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')));
    }

    #[test]
    fn no_columns_make_an_empty_matrix() {
        let matrix = Matrix::build(&[], &render);
        assert!(matrix.targets.is_empty() && matrix.rows.is_empty() && matrix.summaries.is_empty());
        assert_eq!(matrix.baseline(), None);
    }
}
