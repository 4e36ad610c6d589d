//! Two targets side by side, behaviour by behaviour: the emulator author's "how far am I from
//! AWS", answered from snapshots alone, without running either target.
//!
//! Scenarios are matched by id and expectations by step and check (the n-th occurrence of the same
//! pair matches the n-th), so what differs is named the way scenario files name it. Only verdicts
//! decide whether a scenario differs: two targets that word an error message differently agree
//! when the scenario does not check the wording. The transcripts' diff is there to show *how* a
//! differing scenario differs.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use super::compare::unified_text_diff;
use super::file::render as render_transcript;
use super::transcript::{ExpectationLine, Transcript};
use crate::report::model::Verdict;

/// One side of a differing expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    /// The verdict.
    pub verdict: Verdict,
    /// The expected value, when the verdict is not pass.
    pub expected: Option<String>,
    /// The value seen, when the verdict is not pass.
    pub actual: Option<String>,
    /// The classification rule, if any.
    pub rule: Option<String>,
}

impl Side {
    fn of(line: &ExpectationLine) -> Self {
        Self {
            verdict: line.verdict,
            expected: line.expected.clone(),
            actual: line.actual.clone(),
            rule: line.rule.clone(),
        }
    }
}

/// An expectation whose verdict differs, or that one side does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectationDiff {
    /// The step.
    pub step: String,
    /// The check.
    pub check: String,
    /// The left target's side, `None` when it has no such expectation.
    pub left: Option<Side>,
    /// The right target's side, `None` when it has no such expectation.
    pub right: Option<Side>,
}

/// A scenario both targets ran whose verdicts differ somewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioDiff {
    /// The scenario id.
    pub scenario: String,
    /// The left target's combined verdict.
    pub left: Verdict,
    /// The right target's combined verdict.
    pub right: Verdict,
    /// Why the left target stopped early, if it did.
    pub left_reason: Option<String>,
    /// Why the right target stopped early, if it did.
    pub right_reason: Option<String>,
    /// The expectations that differ, in the left target's order, then those only on the right.
    pub expectations: Vec<ExpectationDiff>,
    /// A unified diff of the two snapshots' contents.
    pub transcript_diff: String,
}

/// How two targets' snapshots differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetDiff {
    /// The left target's name (usually `reference`).
    pub left: String,
    /// The right target's name.
    pub right: String,
    /// Scenarios both ran with every verdict equal.
    pub agreeing: usize,
    /// Scenarios both ran with some verdict different, sorted by id.
    pub differing: Vec<ScenarioDiff>,
    /// Scenarios only the left target has, sorted.
    pub only_left: Vec<String>,
    /// Scenarios only the right target has, sorted.
    pub only_right: Vec<String>,
}

/// Compares the transcripts of two targets. A scenario given twice on one side counts once (the
/// first).
pub fn diff_targets(left_name: &str, left: &[Transcript], right_name: &str, right: &[Transcript]) -> TargetDiff {
    let (left_map, right_map) = (by_id(left), by_id(right));
    let mut out = TargetDiff {
        left: left_name.to_owned(),
        right: right_name.to_owned(),
        agreeing: 0,
        differing: Vec::new(),
        only_left: Vec::new(),
        only_right: right_map.keys().filter(|id| !left_map.contains_key(*id)).map(|id| (*id).to_owned()).collect(),
    };
    for (id, l) in &left_map {
        let Some(r) = right_map.get(id) else {
            out.only_left.push((*id).to_owned());
            continue;
        };
        let expectations = differing_expectations(&l.expectations, &r.expectations);
        if expectations.is_empty() && l.verdict == r.verdict {
            out.agreeing += 1;
            continue;
        }
        out.differing.push(ScenarioDiff {
            scenario: (*id).to_owned(),
            left: l.verdict,
            right: r.verdict,
            left_reason: l.reason.clone(),
            right_reason: r.reason.clone(),
            expectations,
            transcript_diff: unified_text_diff(
                &format!("{left_name}/{id}.snap"),
                &format!("{right_name}/{id}.snap"),
                &render_transcript(l),
                &render_transcript(r),
            ),
        });
    }
    out
}

/// Transcripts by scenario id, the first of each.
fn by_id(transcripts: &[Transcript]) -> BTreeMap<&str, &Transcript> {
    let mut map = BTreeMap::new();
    for transcript in transcripts {
        map.entry(transcript.scenario.as_str()).or_insert(transcript);
    }
    map
}

/// Expectations keyed by (step, check, occurrence), in order.
fn keyed(lines: &[ExpectationLine]) -> Vec<((&str, &str, usize), &ExpectationLine)> {
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    lines
        .iter()
        .map(|line| {
            let n = seen.entry((line.step.as_str(), line.check.as_str())).or_default();
            *n += 1;
            ((line.step.as_str(), line.check.as_str(), *n), line)
        })
        .collect()
}

fn differing_expectations(left: &[ExpectationLine], right: &[ExpectationLine]) -> Vec<ExpectationDiff> {
    let left = keyed(left);
    let right = keyed(right);
    let right_map: HashMap<_, _> = right.iter().copied().collect();
    let left_map: HashMap<_, _> = left.iter().copied().collect();
    let mut out = Vec::new();
    for (key, l) in &left {
        let r = right_map.get(key);
        if r.is_none_or(|r| r.verdict != l.verdict) {
            out.push(ExpectationDiff {
                step: l.step.clone(),
                check: l.check.clone(),
                left: Some(Side::of(l)),
                right: r.map(|r| Side::of(r)),
            });
        }
    }
    for (key, r) in &right {
        if !left_map.contains_key(key) {
            out.push(ExpectationDiff {
                step: r.step.clone(),
                check: r.check.clone(),
                left: None,
                right: Some(Side::of(r)),
            });
        }
    }
    out
}

impl TargetDiff {
    /// Whether the two targets agree on every scenario and ran the same ones.
    pub fn is_empty(&self) -> bool {
        self.differing.is_empty() && self.only_left.is_empty() && self.only_right.is_empty()
    }

    /// The comparison for people: a summary, then each differing scenario with its differing
    /// expectations (and, if asked, the diff of the two transcripts), then the one-sided scenarios.
    pub fn render(&self, with_transcripts: bool) -> String {
        let (l, r) = (self.left.as_str(), self.right.as_str());
        let mut out = format!(
            "{l} vs {r}: {} scenarios agree, {} differ, {} only on {l}, {} only on {r}\n",
            self.agreeing,
            self.differing.len(),
            self.only_left.len(),
            self.only_right.len()
        );
        for scenario in &self.differing {
            let _ = writeln!(out, "\n{}: {l} {}, {r} {}", scenario.scenario, scenario.left, scenario.right);
            for (name, reason) in [(l, &scenario.left_reason), (r, &scenario.right_reason)] {
                if let Some(reason) = reason {
                    field(&mut out, &format!("{name} stopped"), reason, "  ");
                }
            }
            for e in &scenario.expectations {
                let _ = writeln!(out, "  {} · {}: {}, {}", e.step, e.check, verdict(l, &e.left), verdict(r, &e.right));
                for (name, side) in [(l, &e.left), (r, &e.right)] {
                    let Some(side) = side else { continue };
                    for (what, value) in [("expected", &side.expected), ("actual", &side.actual), ("rule", &side.rule)]
                    {
                        if let Some(value) = value {
                            field(&mut out, &format!("{name} {what}"), value, "    ");
                        }
                    }
                }
            }
            if with_transcripts {
                out.push('\n');
                for line in scenario.transcript_diff.lines() {
                    let _ = writeln!(out, "    {line}");
                }
            }
        }
        for (name, ids) in [(l, &self.only_left), (r, &self.only_right)] {
            if !ids.is_empty() {
                let _ = writeln!(out, "\nonly on {name}:");
                for id in ids {
                    let _ = writeln!(out, "  {id}");
                }
            }
        }
        out
    }
}

fn verdict(name: &str, side: &Option<Side>) -> String {
    match side {
        Some(side) => format!("{name} {}", side.verdict),
        None => format!("{name} has no such expectation"),
    }
}

/// `label: value`, a multi-line value continued under itself.
fn field(out: &mut String, label: &str, value: &str, indent: &str) {
    let mut lines = value.lines();
    let _ = writeln!(out, "{indent}{label}: {}", lines.next().unwrap_or(""));
    let pad = " ".repeat(label.chars().count() + 2);
    for line in lines {
        let _ = writeln!(out, "{indent}{pad}{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{fixture, normalise};

    fn transcripts() -> (Vec<Transcript>, Vec<Transcript>) {
        let reference = normalise::transcript(&fixture::result());
        let mut moto = reference.clone();
        moto.verdict = Verdict::Unsupported;
        moto.reason = Some("the target has no RevokeToken".into());
        let revoke = &mut moto.expectations[1];
        revoke.verdict = Verdict::Unsupported;
        revoke.actual = Some("400 UnknownOperationException".into());
        revoke.rule = Some("unknown-operation".into());
        moto.steps[2].response_body = Some("{\n  \"__type\": \"UnknownOperationException\"\n}".into());
        let mut agree = reference.clone();
        agree.scenario = "agree".into();
        let mut only = reference.clone();
        only.scenario = "only-reference".into();
        (vec![reference.clone(), agree.clone(), only], vec![agree, moto])
    }

    #[test]
    fn finds_a_differing_verdict() {
        let (reference, moto) = transcripts();
        let diff = diff_targets("reference", &reference, "moto", &moto);
        assert!(!diff.is_empty());
        assert_eq!(
            (diff.agreeing, diff.only_left.as_slice(), diff.only_right.len()),
            (1, &["only-reference".to_owned()][..], 0)
        );
        let scenario = &diff.differing[0];
        assert_eq!((scenario.left, scenario.right), (Verdict::Fail, Verdict::Unsupported));
        assert_eq!(scenario.expectations.len(), 1);
        let e = &scenario.expectations[0];
        assert_eq!((e.step.as_str(), e.check.as_str()), ("revoke", "status = 200"));
        assert_eq!(e.left.as_ref().map(|s| s.verdict), Some(Verdict::Fail));
        assert_eq!(e.right.as_ref().and_then(|s| s.rule.as_deref()), Some("unknown-operation"));

        let text = diff.render(false);
        assert!(
            text.starts_with("reference vs moto: 1 scenarios agree, 1 differ, 1 only on reference, 0 only on moto\n")
        );
        assert!(text.contains("\nrevoke-kills-refresh: reference fail, moto unsupported\n"), "{text}");
        assert!(text.contains("  revoke · status = 200: reference fail, moto unsupported\n"), "{text}");
        assert!(text.contains("    moto actual: 400 UnknownOperationException\n"), "{text}");
        assert!(text.contains("  moto stopped: the target has no RevokeToken\n"), "{text}");
        assert!(!text.contains("UnknownOperationException\"\n"), "no transcripts unless asked");
        let full = diff.render(true);
        assert!(full.contains("    --- reference/revoke-kills-refresh.snap\n"), "{full}");
        assert!(full.contains("+  \"__type\": \"UnknownOperationException\""), "{full}");
    }

    #[test]
    fn identical_targets_have_no_diff() {
        let (reference, _) = transcripts();
        let diff = diff_targets("reference", &reference, "copy", &reference);
        assert!(diff.is_empty());
        assert_eq!(diff.agreeing, 3);
    }

    #[test]
    fn an_expectation_on_one_side_only_differs() {
        let (reference, _) = transcripts();
        let mut other = reference.clone();
        other[0].expectations.pop();
        let diff = diff_targets("reference", &reference, "other", &other);
        let e = &diff.differing[0].expectations[0];
        assert!(e.left.is_some() && e.right.is_none());
        assert!(diff.render(false).contains("reference fail, other has no such expectation"));
    }
}
