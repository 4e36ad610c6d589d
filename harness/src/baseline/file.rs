//! The baseline file format, its checked model, and how one entry is written back.
//!
//! ```toml
//! # header comment written by the generator
//! target = "moto"
//!
//! [[known]]
//! scenario = "revoke-token-success-kills-refresh-token"
//! step = "revoke"
//! check = "status = 200"
//! verdict = "unsupported"
//! reason = "RevokeToken answers like an operation moto does not have (probe rule)"
//! ```
//!
//! Every table is closed to unknown keys, so a misspelt key is an error rather than an entry that
//! silently excuses nothing. Serde checks the shape; the rules it cannot express are checked here,
//! each reported at its place in the file: a reason is required (a baseline entry nobody can
//! explain is a bug report nobody wrote), `pass` is refused (a baseline lists non-conformances
//! only), and an expectation may be listed once.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::error::{BaselineError, BaselineProblem};
use crate::report::{ExpectationResult, Verdict};
use crate::scenario::error::line_col;

/// Which expectation of which scenario: how a baseline entry names what it excuses.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExpectationKey {
    /// The scenario id.
    pub scenario: String,
    /// The step's name.
    pub step: String,
    /// The check, as reports print it (`status = 200`).
    pub check: String,
}

impl ExpectationKey {
    /// The key of `expectation`, judged in scenario `scenario`.
    pub fn of(scenario: &str, expectation: &ExpectationResult) -> Self {
        Self { scenario: scenario.to_owned(), step: expectation.step.clone(), check: expectation.check.clone() }
    }
}

impl fmt::Display for ExpectationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: step `{}`: {}", self.scenario, self.step, self.check)
    }
}

/// One known non-conformance: an expectation the target does not meet, how, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownIssue {
    /// The expectation.
    pub key: ExpectationKey,
    /// The verdict the target gets for it; never [`Verdict::Pass`] nor [`Verdict::Error`].
    pub verdict: Verdict,
    /// Why, for people; never blank.
    pub reason: String,
}

impl KnownIssue {
    /// The entry as a `[[known]]` table, ready to paste into a baseline file. Values are written by
    /// the `toml` crate, so any text is quoted and escaped correctly.
    pub fn to_toml(&self) -> String {
        #[derive(Serialize)]
        struct Entry<'a> {
            scenario: &'a str,
            step: &'a str,
            check: &'a str,
            verdict: &'a str,
            reason: &'a str,
        }
        let entry = Entry {
            scenario: &self.key.scenario,
            step: &self.key.step,
            check: &self.key.check,
            verdict: self.verdict.name(),
            reason: &self.reason,
        };
        let body = toml::to_string(&entry).expect("a table of strings always serialises");
        format!("[[known]]\n{body}")
    }
}

/// A scenario whose outcome on this target changes from run to run, so neither its verdicts nor
/// its snapshot are judged. Written by hand, with the reason: instability is seen across runs,
/// never in one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unstable {
    /// The scenario id.
    pub scenario: String,
    /// Why its outcome varies (what the target does that depends on timing).
    pub reason: String,
}

impl Unstable {
    /// The entry as TOML, values written by the `toml` crate.
    pub fn to_toml(&self) -> String {
        let mut table = toml::map::Map::new();
        table.insert("scenario".into(), toml::Value::String(self.scenario.clone()));
        table.insert("reason".into(), toml::Value::String(self.reason.clone()));
        let body = toml::to_string(&table).expect("a table of strings always serialises");
        format!("[[unstable]]\n{body}")
    }
}

/// A target's known non-conformances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    /// The target the file is for (`moto`, …).
    pub target: String,
    /// The entries, in file order; no two share a key.
    pub known: Vec<KnownIssue>,
    /// Scenarios not judged because their outcome varies, in file order.
    pub unstable: Vec<Unstable>,
}

impl Baseline {
    /// A baseline with no entries: the target is expected to conform fully.
    pub fn empty(target: &str) -> Self {
        Self { target: target.to_owned(), known: Vec::new(), unstable: Vec::new() }
    }

    /// The entry saying `scenario` is unstable, if any.
    pub fn unstable(&self, scenario: &str) -> Option<&Unstable> {
        self.unstable.iter().find(|u| u.scenario == scenario)
    }

    /// The entry for `key`, if any.
    pub fn get(&self, key: &ExpectationKey) -> Option<&KnownIssue> {
        self.known.iter().find(|issue| &issue.key == key)
    }
}

/// The `target = …` line, its value written by the `toml` crate.
pub(super) fn target_line(target: &str) -> String {
    format!("target = {}\n", toml::Value::String(target.to_owned()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    target: Spanned<String>,
    #[serde(default)]
    known: Vec<Spanned<KnownFile>>,
    #[serde(default)]
    unstable: Vec<Spanned<UnstableFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnstableFile {
    scenario: Spanned<String>,
    /// Optional here only so that a missing reason gets its own message and hint.
    reason: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KnownFile {
    scenario: Spanned<String>,
    step: Spanned<String>,
    check: Spanned<String>,
    verdict: Spanned<String>,
    /// Optional here only so that a missing reason gets its own message and hint.
    reason: Option<Spanned<String>>,
}

const REASON_HELP: &str = "say why the target behaves like this, e.g. `RevokeToken is not implemented (moto#1234)`; \
     `cognito-conformance run --update-baseline` pre-fills it with what was observed";

/// Whether a baseline may record `verdict`. `pass` is not a non-conformance, and `error` is a check
/// the harness could not make, which says nothing about the target: a baseline that vouched for
/// one would let an unreachable target pass CI.
pub fn recordable(verdict: Verdict) -> bool {
    !matches!(verdict, Verdict::Pass | Verdict::Error)
}

/// Reads and checks the baseline at `path`. A file that does not exist is
/// [`BaselineError::Missing`].
pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
    let text = std::fs::read_to_string(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            BaselineError::Missing { path: path.to_path_buf() }
        } else {
            BaselineError::Io { path: path.to_path_buf(), source }
        }
    })?;
    parse(path, &text)
}

/// Checks the baseline text `text`; `path` is used in diagnostics.
pub fn parse(path: &Path, text: &str) -> Result<Baseline, BaselineError> {
    let file: BaselineFile = toml::from_str(text).map_err(|error| {
        let message = error.message().trim();
        let help = if message.contains("unknown field") {
            Some("a baseline entry has exactly `scenario`, `step`, `check`, `verdict` and `reason`")
        } else if message.contains("missing field") {
            Some("this key is required here")
        } else {
            None
        };
        let problem =
            BaselineProblem::new(path, text, error.span().unwrap_or(0..0), message, "here", help.map(str::to_owned));
        BaselineError::Invalid { path: path.to_path_buf(), problems: vec![problem] }
    })?;
    let mut checker = Checker { path, text, problems: Vec::new() };
    let baseline = checker.baseline(file);
    let mut problems = checker.problems;
    if problems.is_empty() {
        return Ok(baseline);
    }
    problems.sort_by_key(|p| (p.line, p.column));
    Err(BaselineError::Invalid { path: path.to_path_buf(), problems })
}

struct Checker<'a> {
    path: &'a Path,
    text: &'a str,
    problems: Vec<BaselineProblem>,
}

impl Checker<'_> {
    fn problem(&mut self, span: Range<usize>, message: impl Into<String>, label: &str, help: Option<&str>) {
        self.problems.push(BaselineProblem::new(self.path, self.text, span, message, label, help.map(str::to_owned)));
    }

    fn baseline(&mut self, file: BaselineFile) -> Baseline {
        let target = self.non_empty(&file.target, "target");
        let mut first_at: BTreeMap<ExpectationKey, usize> = BTreeMap::new();
        let mut known = Vec::new();
        for entry in file.known {
            let span = entry.span();
            let entry = entry.into_inner();
            let key = ExpectationKey {
                scenario: self.non_empty(&entry.scenario, "scenario"),
                step: self.non_empty(&entry.step, "step"),
                check: self.non_empty(&entry.check, "check"),
            };
            let verdict = self.verdict(&entry.verdict);
            let reason = self.reason(entry.reason.as_ref(), span.clone());
            if let Some(first) = first_at.get(&key) {
                let (line, _) = line_col(self.text, *first);
                let message = format!("already listed at line {line}: {key}");
                let help = "an expectation is listed once; keep one entry and remove the other";
                let header = self.header_of(span);
                self.problem(header, message, "listed again", Some(help));
                continue;
            }
            first_at.insert(key.clone(), span.start);
            if let (Some(verdict), Some(reason)) = (verdict, reason) {
                known.push(KnownIssue { key, verdict, reason });
            }
        }
        let mut unstable: Vec<Unstable> = Vec::new();
        for entry in file.unstable {
            let span = entry.span();
            let entry = entry.into_inner();
            let scenario = self.non_empty(&entry.scenario, "scenario");
            let reason = self.reason(entry.reason.as_ref(), span.clone());
            if unstable.iter().any(|u| u.scenario == scenario) {
                let header = self.header_of(span);
                self.problem(header, format!("`{scenario}` is already listed as unstable"), "listed again", None);
                continue;
            }
            if known.iter().any(|k| k.key.scenario == scenario) {
                let help = "an unstable scenario is not judged: remove its [[known]] entries";
                self.problem(entry.scenario.span(), "unstable, yet it has [[known]] entries", "here", Some(help));
            }
            if let Some(reason) = reason {
                unstable.push(Unstable { scenario, reason });
            }
        }
        Baseline { target, known, unstable }
    }

    fn non_empty(&mut self, value: &Spanned<String>, field: &str) -> String {
        if value.get_ref().trim().is_empty() {
            self.problem(value.span(), format!("`{field}` must not be empty"), "empty", None);
        }
        value.get_ref().clone()
    }

    fn verdict(&mut self, value: &Spanned<String>) -> Option<Verdict> {
        match Verdict::ALL.into_iter().find(|v| v.name() == value.get_ref()) {
            Some(Verdict::Pass) => {
                let help = "a baseline lists non-conformances only: remove the entry if the target now passes";
                self.problem(value.span(), "`pass` is not a known non-conformance", "pass", Some(help));
                None
            }
            Some(Verdict::Error) => {
                let help = "an `error` is a check the harness could not make (unreachable, timeout, …), not \
                            something the target does: fix the cause and regenerate the baseline";
                self.problem(value.span(), "`error` is not a known non-conformance", "error", Some(help));
                None
            }
            Some(verdict) => Some(verdict),
            None => {
                let names: Vec<String> =
                    Verdict::ALL.into_iter().filter(|v| recordable(*v)).map(|v| format!("`{v}`")).collect();
                let help = format!("one of {}", names.join(", "));
                let message = format!("unknown verdict `{}`", value.get_ref());
                self.problem(value.span(), message, "unknown verdict", Some(&help));
                None
            }
        }
    }

    fn reason(&mut self, value: Option<&Spanned<String>>, entry: Range<usize>) -> Option<String> {
        match value {
            None => {
                let header = self.header_of(entry);
                self.problem(header, "this entry has no `reason`", "no reason", Some(REASON_HELP));
                None
            }
            Some(reason) if reason.get_ref().trim().is_empty() => {
                self.problem(reason.span(), "`reason` must not be empty", "empty reason", Some(REASON_HELP));
                None
            }
            Some(reason) => Some(reason.get_ref().clone()),
        }
    }

    /// The first line of an entry's span (its `[[known]]` header), so a diagnostic about the whole
    /// entry does not underline all of it.
    fn header_of(&self, entry: Range<usize>) -> Range<usize> {
        let start = entry.start.min(self.text.len());
        let end = self.text[start..].find('\n').map_or(entry.end, |n| (start + n).min(entry.end));
        start..end.max(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRY: &str = "scenario = \"revoke-hosted\"\nstep = \"revoke\"\ncheck = \"status = 200\"\n";

    fn parse_text(text: &str) -> Result<Baseline, BaselineError> {
        parse(Path::new("snapshots/moto/expected.toml"), text)
    }

    /// The only problem of an invalid `text`.
    fn problem(text: &str) -> BaselineProblem {
        match parse_text(text) {
            Err(BaselineError::Invalid { mut problems, .. }) if problems.len() == 1 => problems.remove(0),
            other => panic!("expected one problem, got {other:?}"),
        }
    }

    #[test]
    fn a_valid_file_loads_in_file_order() {
        let text = format!(
            "# comment\ntarget = \"moto\"\n\n[[known]]\n{ENTRY}verdict = \"unsupported\"\nreason = \"no RevokeToken\"\n\n\
             [[known]]\nscenario = \"revoke-twice\"\nstep = \"refresh\"\ncheck = 'status = 400'\nverdict = \"fail\"\n\
             reason = \"accepts a revoked token\"\n"
        );
        let baseline = parse_text(&text).expect("valid");
        assert_eq!(baseline.target, "moto");
        let got: Vec<_> = baseline.known.iter().map(|k| (k.key.to_string(), k.verdict, k.reason.as_str())).collect();
        assert_eq!(
            got,
            [
                ("revoke-hosted: step `revoke`: status = 200".to_owned(), Verdict::Unsupported, "no RevokeToken"),
                ("revoke-twice: step `refresh`: status = 400".to_owned(), Verdict::Fail, "accepts a revoked token"),
            ]
        );
    }

    #[test]
    fn a_file_without_entries_is_an_empty_baseline() {
        assert_eq!(parse_text("target = \"reference\"\n").expect("valid"), Baseline::empty("reference"));
    }

    #[test]
    fn a_missing_reason_is_located_at_its_entry_with_a_hint() {
        let p = problem(&format!("target = \"moto\"\n\n[[known]]\n{ENTRY}verdict = \"fail\"\n"));
        assert_eq!((p.line, p.column), (3, 1), "{p}");
        assert!(p.message.contains("no `reason`"), "{p}");
        assert!(p.hint().is_some_and(|h| h.contains("say why")));
    }

    #[test]
    fn an_empty_reason_is_located_at_the_reason() {
        let p = problem(&format!("target = \"moto\"\n[[known]]\n{ENTRY}verdict = \"fail\"\nreason = \"  \"\n"));
        assert_eq!((p.line, p.column), (7, 10), "{p}");
        assert!(p.message.contains("`reason` must not be empty"), "{p}");
        assert!(p.hint().is_some());
    }

    #[test]
    fn pass_is_refused() {
        let p = problem(&format!("target = \"moto\"\n[[known]]\n{ENTRY}verdict = \"pass\"\nreason = \"r\"\n"));
        assert_eq!((p.line, p.column), (6, 11), "{p}");
        assert!(p.message.contains("`pass`"), "{p}");
        assert!(p.hint().is_some_and(|h| h.contains("non-conformances only")));
    }

    #[test]
    fn an_unknown_verdict_lists_the_allowed_ones() {
        let p = problem(&format!("target = \"moto\"\n[[known]]\n{ENTRY}verdict = \"broken\"\nreason = \"r\"\n"));
        assert_eq!((p.line, p.column), (6, 11), "{p}");
        let hint = p.hint().unwrap_or_default();
        assert!(hint.contains("`unsupported`") && !hint.contains("`pass`"), "{hint}");
    }

    #[test]
    fn a_duplicate_is_reported_at_the_second_entry() {
        let entry = format!("[[known]]\n{ENTRY}verdict = \"fail\"\nreason = \"r\"\n");
        let p = problem(&format!("target = \"moto\"\n{entry}{entry}"));
        assert_eq!((p.line, p.column), (8, 1), "{p}");
        assert_eq!(p.message, "already listed at line 2: revoke-hosted: step `revoke`: status = 200");
        assert!(p.hint().is_some());
    }

    #[test]
    fn an_unknown_field_is_located_with_a_hint() {
        let p = problem(&format!(
            "target = \"moto\"\n[[known]]\n{ENTRY}verdict = \"fail\"\nreason = \"r\"\nreasn = \"r\"\n"
        ));
        assert_eq!((p.line, p.column), (8, 1), "{p}");
        assert!(p.message.contains("unknown field `reasn`"), "{p}");
        assert!(p.hint().is_some_and(|h| h.contains("exactly")));
        let top = problem("target = \"moto\"\ntargets = []\n");
        assert_eq!((top.line, top.column), (2, 1), "{top}");
    }

    #[test]
    fn every_problem_of_a_file_is_reported() {
        let text = format!(
            "target = \"\"\n[[known]]\n{ENTRY}verdict = \"pass\"\n[[known]]\nscenario = \"\"\nstep = \"s\"\ncheck = \"c\"\n\
             verdict = \"fail\"\nreason = \"r\"\n"
        );
        let Err(error) = parse_text(&text) else { panic!("invalid") };
        let lines: Vec<_> = error.problems().iter().map(|p| p.line).collect();
        assert_eq!(lines, [1, 2, 6, 8], "{error:?}");
        assert!(error.to_string().starts_with("snapshots/moto/expected.toml:1:10: `target` must not be empty"));
        assert!(error.to_string().ends_with("(and 3 more problem(s), listed below)"), "{error}");
    }

    #[test]
    fn one_problem_renders_as_that_problem_with_its_snippet() {
        use miette::Diagnostic;
        let Err(error) = parse_text("target = \"moto\"\nbogus = 1\n") else { panic!("invalid") };
        assert_eq!(
            error.to_string(),
            "snapshots/moto/expected.toml:2:1: unknown field `bogus`, expected one of `target`, `known`, `unstable`"
        );
        assert!(error.source_code().is_some() && error.labels().is_some() && error.help().is_some());
        assert!(error.related().is_none());
        let Err(several) =
            parse_text("target = \"\"\n[[known]]\nscenario = \"\"\nstep = \"s\"\ncheck = \"c\"\nverdict = \"fail\"\n")
        else {
            panic!("invalid")
        };
        assert_eq!(several.related().map(Iterator::count), Some(3));
    }

    #[test]
    fn a_missing_file_is_its_own_error() {
        let path = Path::new("/nonexistent/snapshots/moto/expected.toml");
        assert!(matches!(load(path), Err(BaselineError::Missing { path: p }) if p == path));
    }

    #[test]
    fn an_entry_is_written_as_paste_ready_toml() {
        let key = ExpectationKey { scenario: "s".into(), step: "t".into(), check: "__type = \"X\"".into() };
        let issue = KnownIssue { key, verdict: Verdict::Warn, reason: "why \"so\"\nnext".into() };
        let text = format!("target = \"m\"\n{}", issue.to_toml());
        assert!(text.contains("[[known]]\nscenario = \"s\"\nstep = \"t\"\n"), "{text}");
        assert_eq!(parse_text(&text).expect("valid").known, [issue]);
    }
}
