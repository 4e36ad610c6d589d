//! The report for people: a line per scenario as it finishes, what went wrong, and a summary.
//!
//! ```text
//! PASS        revoke-basic (45ms)
//! FAIL        revoke-twice (1s 234ms)
//!     [fail] step `refresh`: status = 400
//!       evidence: documented, source: spec §2.3
//!       - 400
//!       + 200
//!     (1 expectation skipped)
//! ERROR       sign-in-basic (45ms)
//!     reason: connection refused
//!     [error] step `sign-in`: status = 200
//!       evidence: documented, source: spec §2.3
//!       rule: unreachable
//!       - 200
//!       + (not checked)
//!
//! not passing:
//!     FAIL        revoke-twice
//!     ERROR       sign-in-basic
//!     (citations such as spec §3 E4 are anchors of docs/spec.md)
//! claims broken: E1 (1)
//! 3 scenarios: 1 pass, 1 fail, 1 error
//! target: reference (http://127.0.0.1:4566); faults: slow-revoke
//! wall time: 3s 200ms
//! ```
//!
//! A passing scenario is one line. Any other verdict adds its reason and every expectation that
//! [needs attention](Verdict::needs_attention); skipped expectations are only counted, since they
//! follow from a problem already shown. Multi-line values are shown as a unified diff. The summary
//! lists the scenarios that did not pass, so a long run's failures need no scrolling, and where
//! their citations resolve (`docs/spec.md`), then the
//! non-zero counts in [`Verdict::ALL`] order.
//!
//! Colour: the text is always written with `anstyle` styles and emitted through
//! [`anstream::AutoStream`], which keeps them only for a terminal and never when `NO_COLOR` is set
//! (`CLICOLOR_FORCE`, or a [`ColorChoice`](anstream::ColorChoice) set globally by a `--color` flag,
//! overrides that). The same code therefore writes terminals, pipes, log files and test buffers, and
//! only a terminal sees escape codes. Any writer can be passed as `&mut dyn Write`.
//!
//! Progress: [`Progress`] draws a bar on stderr for runs of two or more scenarios, only when stderr
//! is a terminal. [`HumanReporter`] prints each scenario inside [`ProgressBar::suspend`], which
//! clears the bar first and redraws it after, so no line is torn by a redraw.

use std::collections::BTreeMap;
use std::io::{self, Stdout, Write};
use std::time::Duration;

use anstream::AutoStream;
use anstream::stream::{AsLockedWrite, RawStream};
#[cfg(feature = "progress")]
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::ReportError;
use super::detail::{Palette, Problem};
use super::model::{RunReport, ScenarioResult, Verdict};

/// How far a scenario's details are indented under its line.
const INDENT: &str = "    ";

/// Under the scenarios not passing: where the `spec §…` citations of their sources resolve.
const SPEC_NOTE: &str = "(citations such as spec §3 E4 are anchors of docs/spec.md)";

/// Writes the line for `scenario` and, unless it passed, what went wrong.
pub fn write_scenario<W: RawStream + AsLockedWrite>(out: W, scenario: &ScenarioResult) -> Result<(), ReportError> {
    Ok(render_scenario(&mut AutoStream::auto(out), scenario, Palette::COLOUR)?)
}

/// Writes the end-of-run summary: scenarios not passing, counts, target and wall time.
pub fn write_summary<W: RawStream + AsLockedWrite>(out: W, report: &RunReport) -> Result<(), ReportError> {
    Ok(render_summary(&mut AutoStream::auto(out), report, Palette::COLOUR)?)
}

/// Writes a whole finished run, as [`HumanReporter`] would have while it ran.
pub fn write_report<W: RawStream + AsLockedWrite>(out: W, report: &RunReport) -> Result<(), ReportError> {
    let mut out = AutoStream::auto(out);
    for scenario in &report.scenarios {
        render_scenario(&mut out, scenario, Palette::COLOUR)?;
    }
    Ok(render_summary(&mut out, report, Palette::COLOUR)?)
}

/// What the runner calls as a run goes on: a line per finished scenario, a summary at the end.
pub struct HumanReporter<W: RawStream = Stdout> {
    out: AutoStream<W>,
    progress: Progress,
}

impl HumanReporter<Stdout> {
    /// Reports to stdout, with a progress bar on stderr for a run of `total` scenarios.
    pub fn stdout(total: u64) -> Self {
        Self::new(io::stdout(), Progress::new(total))
    }
}

impl<W: RawStream + AsLockedWrite> HumanReporter<W> {
    /// Reports to `out`, keeping `progress` up to date.
    pub fn new(out: W, progress: Progress) -> Self {
        Self { out: AutoStream::auto(out), progress }
    }

    /// Reports a scenario that has just finished.
    pub fn scenario_finished(&mut self, scenario: &ScenarioResult) -> Result<(), ReportError> {
        let out = &mut self.out;
        let written = self.progress.suspend(|| {
            render_scenario(out, scenario, Palette::COLOUR)?;
            out.flush()
        });
        self.progress.inc(scenario);
        Ok(written?)
    }

    /// Clears the progress bar and writes the summary.
    pub fn finish(&mut self, report: &RunReport) -> Result<(), ReportError> {
        self.progress.finish();
        render_summary(&mut self.out, report, Palette::COLOUR)?;
        Ok(self.out.flush()?)
    }

    /// The writer, once reporting is done.
    pub fn into_inner(self) -> W {
        self.out.into_inner()
    }
}

/// A build without the `progress` feature (a library user's) draws no bar; this keeps the count
/// and the message a drawn bar would show.
#[cfg(not(feature = "progress"))]
#[derive(Default)]
struct ProgressBar {
    position: std::sync::atomic::AtomicU64,
    message: std::sync::Mutex<String>,
}

#[cfg(not(feature = "progress"))]
impl ProgressBar {
    fn hidden() -> Self {
        Self::default()
    }
    fn is_hidden(&self) -> bool {
        true
    }
    fn set_message(&self, message: String) {
        if let Ok(mut held) = self.message.lock() {
            *held = message;
        }
    }
    fn inc(&self, n: u64) {
        self.position.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }
    fn position(&self) -> u64 {
        self.position.load(std::sync::atomic::Ordering::Relaxed)
    }
    fn message(&self) -> String {
        self.message.lock().map(|m| m.clone()).unwrap_or_default()
    }
    fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        f()
    }
    fn finish_and_clear(&self) {}
}

/// A progress bar over the scenarios of a run, with the problems so far as its message.
pub struct Progress {
    bar: ProgressBar,
    counts: BTreeMap<Verdict, u64>,
}

impl Progress {
    /// A bar for `total` scenarios on stderr; hidden when stderr is not a terminal, and for a run
    /// of fewer than two scenarios, where it would flash and vanish.
    pub fn new(total: u64) -> Self {
        if total < 2 || cfg!(not(feature = "progress")) {
            return Self::hidden();
        }
        Self::drawn(total)
    }

    #[cfg(not(feature = "progress"))]
    fn drawn(_total: u64) -> Self {
        Self::hidden()
    }

    #[cfg(feature = "progress")]
    fn drawn(total: u64) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        // The template is a constant, so the fallback is for form's sake.
        let style = ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        if !bar.is_hidden() {
            bar.enable_steady_tick(Duration::from_millis(250));
        }
        Self { bar, counts: BTreeMap::new() }
    }

    /// A bar that is never drawn, for tests and for output that is not a terminal.
    pub fn hidden() -> Self {
        Self { bar: ProgressBar::hidden(), counts: BTreeMap::new() }
    }

    /// Whether the bar is drawn at all.
    pub fn is_hidden(&self) -> bool {
        self.bar.is_hidden()
    }

    /// Counts `scenario` as finished.
    pub fn inc(&mut self, scenario: &ScenarioResult) {
        if scenario.verdict != Verdict::Pass {
            *self.counts.entry(scenario.verdict).or_default() += 1;
            self.bar.set_message(counts_text(Verdict::ALL.iter().map(|v| (*v, self.count(*v))), Palette::PLAIN));
        }
        self.bar.inc(1);
    }

    /// Scenarios finished so far.
    pub fn position(&self) -> u64 {
        self.bar.position()
    }

    /// The bar's message: the non-passing counts so far, e.g. `1 fail, 2 error`.
    pub fn message(&self) -> String {
        self.bar.message()
    }

    /// Runs `f` with the bar cleared, for anything written to the terminal while it is shown.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Removes the bar, leaving the terminal to the summary.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn count(&self, verdict: Verdict) -> u64 {
        self.counts.get(&verdict).copied().unwrap_or(0)
    }
}

/// `PASS`, `FAIL`, …: upper case, so it stands out at the start of a line.
fn label(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Warn => "WARN",
        Verdict::Unsupported => "UNSUPPORTED",
        Verdict::Error => "ERROR",
        Verdict::Skipped => "SKIPPED",
    }
}

fn duration(ms: u64) -> humantime::FormattedDuration {
    humantime::format_duration(Duration::from_millis(ms))
}

fn render_scenario(out: &mut impl Write, scenario: &ScenarioResult, palette: Palette) -> io::Result<()> {
    let (style, dim) = (palette.verdict(scenario.verdict), palette.dim());
    writeln!(
        out,
        "{style}{:<11}{style:#} {} {dim}({}){dim:#}",
        label(scenario.verdict),
        scenario.id,
        duration(scenario.duration_ms)
    )?;
    if scenario.verdict == Verdict::Pass {
        return Ok(());
    }
    if let Some(reason) = &scenario.reason {
        let mut lines = reason.lines();
        writeln!(out, "{INDENT}reason: {}", lines.next().unwrap_or_default())?;
        for line in lines {
            writeln!(out, "{INDENT}        {line}")?;
        }
    }
    for expectation in scenario.problems() {
        write!(out, "{}", Problem { expectation, indent: INDENT, palette })?;
    }
    let skipped = scenario.expectations.iter().filter(|e| e.verdict == Verdict::Skipped).count();
    if skipped > 0 {
        let noun = if skipped == 1 { "expectation" } else { "expectations" };
        writeln!(out, "{INDENT}{dim}({skipped} {noun} skipped){dim:#}")?;
    }
    Ok(())
}

fn render_summary(out: &mut impl Write, report: &RunReport, palette: Palette) -> io::Result<()> {
    writeln!(out)?;
    let strong = palette.strong();
    let mut not_passing = report.scenarios.iter().filter(|s| s.verdict != Verdict::Pass).peekable();
    if not_passing.peek().is_some() {
        writeln!(out, "{strong}not passing:{strong:#}")?;
        for scenario in not_passing {
            let style = palette.verdict(scenario.verdict);
            writeln!(out, "{INDENT}{style}{:<11}{style:#} {}", label(scenario.verdict), scenario.id)?;
        }
        let dim = palette.dim();
        writeln!(out, "{INDENT}{dim}{SPEC_NOTE}{dim:#}")?;
        // The facts the target departs from, with how many scenarios show it: what an emulator's
        // author fixes, rather than which files failed.
        let mut broken: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> = Default::default();
        for scenario in &report.scenarios {
            let unmet = scenario.expectations.iter().filter(|e| matches!(e.verdict, Verdict::Fail | Verdict::Warn));
            for claim in unmet.filter_map(|e| e.claim.as_deref()) {
                broken.entry(claim).or_default().insert(&scenario.id);
            }
        }
        if !broken.is_empty() {
            let claims: Vec<String> = broken.iter().map(|(claim, ids)| format!("{claim} ({})", ids.len())).collect();
            writeln!(out, "{strong}claims broken:{strong:#} {}", claims.join(", "))?;
        }
    }

    let total = report.summary.total;
    let noun = if total == 1 { "scenario" } else { "scenarios" };
    let counts = counts_text(Verdict::ALL.iter().map(|v| (*v, report.summary.count(*v) as u64)), palette);
    let separator = if counts.is_empty() { "" } else { ": " };
    writeln!(out, "{strong}{total} {noun}{strong:#}{separator}{counts}")?;

    let target = &report.target;
    write!(out, "target: {} ({})", target.name, target.endpoint)?;
    if !target.faults.is_empty() {
        write!(out, "; faults: {}", target.faults.join(", "))?;
    }
    if report.strict {
        write!(out, "; strict")?;
    }
    writeln!(out)?;
    writeln!(out, "wall time: {}", duration(report.duration_ms))
}

/// `1 pass, 2 fail`: the non-zero counts, each in its verdict's style.
fn counts_text(counts: impl Iterator<Item = (Verdict, u64)>, palette: Palette) -> String {
    counts
        .filter(|(_, n)| *n > 0)
        .map(|(verdict, n)| {
            let style = palette.verdict(verdict);
            format!("{style}{n} {verdict}{style:#}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    fn text(report: &RunReport) -> String {
        let mut out = Vec::new();
        write_report(&mut out, report).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_verdict_gets_its_line() {
        let text = text(&fixture::report());
        for line in [
            "PASS        revoke-basic (45ms)\n",
            "FAIL        revoke-twice (1s 234ms)\n",
            "WARN        revoke-ordering (45ms)\n",
            "UNSUPPORTED revoke-hosted (45ms)\n",
            "ERROR       sign-in-basic (45ms)\n",
            "SKIPPED     revoke-after-delete (45ms)\n",
        ] {
            assert!(text.contains(line), "missing {line:?} in\n{text}");
        }
    }

    #[test]
    fn writing_to_a_buffer_leaves_no_escape_codes() {
        let text = text(&fixture::report());
        assert!(!text.contains('\x1b'), "{text:?}");
        // The styles are really there, and it is the stream that drops them.
        let mut styled = Vec::new();
        render_scenario(&mut styled, &fixture::scenarios()[1], Palette::COLOUR).unwrap();
        assert!(styled.contains(&0x1b));
    }

    #[test]
    fn a_passing_scenario_is_one_line() {
        let mut out = Vec::new();
        write_scenario(&mut out, &fixture::scenarios()[0]).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "PASS        revoke-basic (45ms)\n");
    }

    #[test]
    fn any_writer_can_be_passed_as_dyn_write() {
        let mut cursor = io::Cursor::new(Vec::new());
        write_scenario(&mut cursor as &mut dyn Write, &fixture::scenarios()[0]).unwrap();
        assert_eq!(cursor.into_inner(), b"PASS        revoke-basic (45ms)\n");
    }

    #[test]
    fn a_failing_scenario_shows_each_problem_with_its_diff() {
        let mut out = Vec::new();
        write_scenario(&mut out, &fixture::scenarios()[1]).unwrap();
        let text = String::from_utf8(out).unwrap();
        let one_line = "    [fail] step `refresh`: status = 400\n      evidence: documented, source: spec §2.3\n      - 400\n      + 200\n";
        assert!(text.contains(one_line), "{text}");
        assert!(text.contains("    [fail] step `refresh`: body\n"), "{text}");
        assert!(text.contains("      --- expected\n      +++ actual\n      @@ -1,4 +1,4 @@\n"), "{text}");
        assert!(text.contains("      -  \"message\": \"Refresh Token has been revoked\"\n"), "{text}");
        assert!(text.contains("      +  \"message\": \"Invalid Refresh Token\"\n"), "{text}");
        assert!(text.contains("    (1 expectation skipped)\n"), "{text}");
        assert!(!text.contains("status = 200"), "passing and skipped expectations are not detailed: {text}");
        assert!(!text.contains("refresh-again"), "{text}");
    }

    #[test]
    fn reasons_rules_and_evidence_grades_are_shown() {
        let text = text(&fixture::report());
        assert!(text.contains("ERROR       sign-in-basic (45ms)\n    reason: connection refused\n"), "{text}");
        assert!(text.contains("      rule: unreachable\n      - 200\n      + (not checked)\n"), "{text}");
        assert!(text.contains("      evidence: inferred, source: inferred.md#ordering\n"), "{text}");
        assert!(text.contains("    [unsupported] step `revoke`: status = 200\n      evidence: aws-seen"), "{text}");
        assert!(text.contains("    reason: needs a pool the target could not create\n"), "{text}");
    }

    #[test]
    fn the_summary_counts_every_verdict_once() {
        let mut out = Vec::new();
        write_summary(&mut out, &fixture::report()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("\n6 scenarios: 1 pass, 1 fail, 1 warn, 1 unsupported, 1 error, 1 skipped\n"), "{text}");
        assert!(text.contains("target: reference (http://127.0.0.1:4566); faults: slow-revoke\n"), "{text}");
        assert!(text.ends_with("wall time: 3s 200ms\n"), "{text}");
        assert!(
            text.contains("not passing:\n    FAIL        revoke-twice\n    WARN        revoke-ordering\n"),
            "{text}"
        );
        assert!(!text.contains("    PASS"), "{text}");
        assert!(
            text.contains(
                "    SKIPPED     revoke-after-delete\n    (citations such as spec §3 E4 are anchors of docs/spec.md)\n\
                 claims broken: E2 (2)\n6 scenarios"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_passing_run_needs_no_pointer_to_the_spec() {
        let scenarios = fixture::scenarios();
        let mut out = Vec::new();
        write_summary(&mut out, &fixture::report_of(vec![scenarios[0].clone()])).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("1 scenario: 1 pass\n"), "{text}");
        assert!(!text.contains("docs/spec.md"), "{text}");
    }

    #[test]
    fn the_summary_leaves_out_zero_counts() {
        let scenarios = fixture::scenarios();
        let mut report = fixture::report_of(vec![scenarios[0].clone(), scenarios[0].clone(), scenarios[1].clone()]);
        report.strict = true;
        let mut out = Vec::new();
        write_summary(&mut out, &report).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("\n3 scenarios: 2 pass, 1 fail\n"), "{text}");
        assert!(text.contains("; strict\n"), "{text}");
        for absent in ["warn", "error", "skipped", "unsupported"] {
            assert!(!text.contains(absent), "{absent} in {text}");
        }
    }

    #[test]
    fn the_reporter_writes_what_write_report_writes() {
        let report = fixture::report();
        let mut reporter = HumanReporter::new(Vec::new(), Progress::hidden());
        for scenario in &report.scenarios {
            reporter.scenario_finished(scenario).unwrap();
        }
        reporter.finish(&report).unwrap();
        assert_eq!(String::from_utf8(reporter.into_inner()).unwrap(), text(&report));
    }

    #[test]
    fn progress_counts_problems_so_far() {
        let scenarios = fixture::scenarios();
        let mut progress = Progress::hidden();
        progress.inc(&scenarios[0]);
        assert_eq!(progress.message(), "");
        progress.inc(&scenarios[1]);
        progress.inc(&scenarios[4]);
        progress.inc(&scenarios[1]);
        assert_eq!(progress.message(), "2 fail, 1 error");
        assert_eq!(progress.position(), 4);
    }

    #[test]
    fn progress_for_a_single_scenario_is_hidden() {
        assert!(Progress::new(1).is_hidden());
        assert!(Progress::new(0).is_hidden());
    }
}
