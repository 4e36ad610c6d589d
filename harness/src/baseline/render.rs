//! A baseline comparison for people, with the TOML to paste when the target really changed.
//!
//! ```text
//! baseline snapshots/moto/expected.toml: 1 matched, 1 new, 1 changed, 1 stale
//!
//! new (1): not in the baseline
//!     [fail] revoke-twice: step `refresh`: status = 400
//!       expected 400, got 200
//!   if this is what the target really does, add to snapshots/moto/expected.toml:
//!
//! [[known]]
//! scenario = "revoke-twice"
//! …
//!
//! changed (1): another verdict than the baseline's
//!     [unsupported → fail] revoke-hosted: step `revoke`: status = 200
//!       expected 200, got 500
//!       baseline reason: RevokeToken is missing
//!   if this is what the target really does, put in place of those entries:
//! …
//!
//! stale (1): remove from snapshots/moto/expected.toml
//!     [fail] revoke-basic: step `revoke`: status = 200 — now passes
//! ```
//!
//! The TOML blocks start at the left margin and are separated by blank lines, so a block can be
//! copied whole into the file. Their reasons are pre-filled with the observation; pasting them as
//! they are makes the baseline match, and editing the reasons keeps it so.

use std::fmt::Write;
use std::path::Path;

use super::compare::{BaselineOutcome, StaleWhy};
use super::file::KnownIssue;

const INDENT: &str = "    ";

/// `outcome` as text for people; `path` is the baseline file it was compared with.
pub fn render(outcome: &BaselineOutcome, path: &Path) -> String {
    let path = path.display();
    let mut out = String::new();
    let mut counts = vec![format!("{} matched", outcome.matched)];
    for (n, what) in [
        (outcome.new_failures.len(), "new"),
        (outcome.changed.len(), "changed"),
        (outcome.stale.len(), "stale"),
        (outcome.unchecked.len(), "not checked"),
    ] {
        if n > 0 {
            counts.push(format!("{n} {what}"));
        }
    }
    let _ = writeln!(out, "baseline {path}: {}", counts.join(", "));
    if outcome.not_run > 0 {
        let entries =
            if outcome.not_run == 1 { "1 entry is".to_owned() } else { format!("{} entries are", outcome.not_run) };
        let _ = writeln!(out, "{INDENT}({entries} for scenarios this run did not include)");
    }
    for (scenario, reason) in &outcome.unstable {
        let _ = writeln!(out, "{INDENT}unstable, not judged: {scenario}: {reason}");
    }
    if outcome.is_clean() {
        let _ = writeln!(out, "{INDENT}the target does exactly what its baseline says");
        return out;
    }

    if !outcome.new_failures.is_empty() {
        let _ = writeln!(out, "\nnew ({}): not in the baseline", outcome.new_failures.len());
        for new in &outcome.new_failures {
            let _ = writeln!(out, "{INDENT}[{}] {}", new.verdict(), new.key());
            let _ = writeln!(out, "{INDENT}  {}", new.describe());
        }
        let _ = writeln!(out, "  if this is what the target really does, add to {path}:");
        paste(&mut out, outcome.new_failures.iter().map(|o| o.to_known()));
    }

    if !outcome.changed.is_empty() {
        let _ = writeln!(out, "\nchanged ({}): another verdict than the baseline's", outcome.changed.len());
        for changed in &outcome.changed {
            let _ =
                writeln!(out, "{INDENT}[{} → {}] {}", changed.known.verdict, changed.now.verdict(), changed.known.key);
            let _ = writeln!(out, "{INDENT}  {}", changed.now.describe());
            let _ = writeln!(out, "{INDENT}  baseline reason: {}", changed.known.reason);
        }
        let _ = writeln!(out, "  if this is what the target really does, put in place of those entries in {path}:");
        paste(&mut out, outcome.changed.iter().map(|c| c.now.to_known()));
    }

    if !outcome.unchecked.is_empty() {
        let _ = writeln!(
            out,
            "\nnot checked ({}): verdict `error`, so neither matched nor changed; a baseline never records these",
            outcome.unchecked.len()
        );
        // One line per scenario: an unreachable target makes every expectation of every scenario
        // an error, for the same reason.
        for group in outcome.unchecked.chunk_by(|a, b| a.scenario == b.scenario) {
            let first = &group[0];
            let key = if group.len() == 1 {
                first.key().to_string()
            } else {
                format!("{}: {} expectations", first.scenario, group.len())
            };
            let _ = writeln!(out, "{INDENT}[{}] {key}", first.verdict());
            let _ = writeln!(out, "{INDENT}  {}", first.describe());
        }
    }

    if !outcome.stale.is_empty() {
        let _ = writeln!(out, "\nstale ({}): remove from {path}", outcome.stale.len());
        for stale in &outcome.stale {
            let why = match stale.why {
                StaleWhy::Passes => "now passes",
                StaleWhy::NoSuchExpectation => "the scenario has no such step and check",
            };
            let _ = writeln!(out, "{INDENT}[{}] {} — {why}", stale.known.verdict, stale.known.key);
        }
    }
    out
}

fn paste(out: &mut String, entries: impl Iterator<Item = KnownIssue>) {
    for entry in entries {
        out.push('\n');
        out.push_str(&entry.to_toml());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::{Baseline, ExpectationKey, compare, parse};
    use crate::report::fixture::{expectation, scenario};
    use crate::report::{ScenarioResult, Verdict};

    fn results() -> Vec<ScenarioResult> {
        let mut unsupported = expectation("revoke", "status = 200", Verdict::Fail, "200", "500");
        unsupported.rule = Some("server-error".into());
        vec![
            scenario("revoke-basic", Verdict::Pass, vec![expectation("revoke", "status = 200", Verdict::Pass, "", "")]),
            scenario(
                "revoke-twice",
                Verdict::Fail,
                vec![expectation("refresh", "status = 400", Verdict::Fail, "400", "200")],
            ),
            scenario("revoke-hosted", Verdict::Fail, vec![unsupported]),
        ]
    }

    fn baseline() -> Baseline {
        let known = |scenario: &str, step: &str, verdict| KnownIssue {
            key: ExpectationKey { scenario: scenario.into(), step: step.into(), check: "status = 200".into() },
            verdict,
            reason: "RevokeToken is missing".into(),
        };
        Baseline {
            target: "moto".into(),
            known: vec![
                known("revoke-basic", "revoke", Verdict::Fail),
                known("revoke-hosted", "revoke", Verdict::Unsupported),
                known("elsewhere", "revoke", Verdict::Fail),
            ],
            unstable: Vec::new(),
        }
    }

    #[test]
    fn every_group_is_listed() {
        let text = render(&compare(&baseline(), &results()), Path::new("snapshots/moto/expected.toml"));
        assert!(text.starts_with("baseline snapshots/moto/expected.toml: 0 matched, 1 new, 1 changed, 1 stale\n"));
        assert!(text.contains("(1 entry is for scenarios this run did not include)"), "{text}");
        assert!(text.contains("[fail] revoke-twice: step `refresh`: status = 400\n      expected 400, got 200\n"));
        assert!(text.contains("[unsupported → fail] revoke-hosted: step `revoke`: status = 200\n"), "{text}");
        assert!(text.contains("expected 200, got 500 (rule: server-error)"), "{text}");
        assert!(text.contains("baseline reason: RevokeToken is missing"), "{text}");
        assert!(text.contains("[fail] revoke-basic: step `revoke`: status = 200 — now passes"), "{text}");
    }

    #[test]
    fn pasting_the_suggested_entries_makes_the_baseline_match() {
        let results = results();
        let text = render(&compare(&baseline(), &results), Path::new("expected.toml"));
        let blocks: Vec<&str> = text.split("\n\n").filter(|b| b.starts_with("[[known]]")).collect();
        assert_eq!(blocks.len(), 2, "{text}");
        let mut file = String::from("target = \"moto\"\n");
        for block in blocks {
            let toml = block.lines().take_while(|l| !l.starts_with(' ') && !l.is_empty()).collect::<Vec<_>>();
            file.push('\n');
            file.push_str(&toml.join("\n"));
            file.push('\n');
        }
        let pasted = parse(Path::new("expected.toml"), &file).unwrap_or_else(|e| panic!("{e}\n{file}"));
        let outcome = compare(&pasted, &results);
        assert!(outcome.is_clean(), "{outcome:?}");
        assert_eq!(outcome.matched, 2);
    }

    #[test]
    fn a_clean_outcome_says_so() {
        let outcome = BaselineOutcome { matched: 3, ..BaselineOutcome::default() };
        let text = render(&outcome, Path::new("expected.toml"));
        assert_eq!(text, "baseline expected.toml: 3 matched\n    the target does exactly what its baseline says\n");
    }

    #[test]
    fn errors_are_listed_as_not_checked_and_no_entry_is_suggested_for_them() {
        let mut unreachable = expectation("sign-in", "status = 200", Verdict::Error, "200", "");
        unreachable.rule = Some("unreachable".into());
        let results = vec![scenario("sign-in-basic", Verdict::Error, vec![unreachable])];
        let text = render(&compare(&Baseline::empty("moto"), &results), Path::new("expected.toml"));
        assert!(text.starts_with("baseline expected.toml: 0 matched, 1 not checked\n"), "{text}");
        assert!(text.contains("[error] sign-in-basic: step `sign-in`: status = 200"), "{text}");
        assert!(text.contains("(rule: unreachable)"), "{text}");
        assert!(!text.contains("[[known]]"), "an error was offered as a baseline entry:\n{text}");
        assert!(!text.contains("add to"), "{text}");
    }
}
