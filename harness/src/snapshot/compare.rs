//! Checking a run against its snapshots, or updating them: the CLI's side of what insta does for
//! `cargo test`.
//!
//! Snapshots compare as insta compares them, by contents (the header is not part of the
//! behaviour). In check mode a scenario without a snapshot fails like a changed one: a snapshot
//! nobody looked at is not a baseline. Snapshots of scenarios that did not run are only reported
//! as orphaned, since a filtered run says nothing about them; update mode deletes them only when
//! told the whole suite ran.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use super::SnapshotError;
use super::file::{self, render, snapshot_path};
use super::normalise;
use crate::report::model::ScenarioResult;

/// Lines of context around each change in a diff.
const CONTEXT: usize = 3;

/// What [`compare`] does with the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Compare only; write nothing.
    Check,
    /// Write the snapshot of every scenario that ran and changed or is new.
    Update {
        /// The whole suite ran, so snapshots of scenarios that did not run are stale: delete them.
        prune_orphans: bool,
    },
}

/// How one scenario's transcript compares with its snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The snapshot holds exactly this transcript.
    Unchanged,
    /// No snapshot yet (check mode): the whole transcript, for review.
    New {
        /// The snapshot contents this run would write.
        contents: String,
    },
    /// The snapshot differs (check mode).
    Changed {
        /// A unified diff, stored snapshot → this run, with a header naming the file.
        diff: String,
    },
    /// The snapshot was written (update mode).
    Written {
        /// Whether the file is new, rather than overwritten.
        created: bool,
    },
}

/// One scenario's comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioComparison {
    /// The scenario id.
    pub scenario: String,
    /// Its snapshot file.
    pub path: PathBuf,
    /// What was found or done.
    pub outcome: Outcome,
}

/// A run compared with one target's snapshots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// The target.
    pub target: String,
    /// One entry per scenario that ran, in run order.
    pub scenarios: Vec<ScenarioComparison>,
    /// Snapshot files of scenarios that did not run, kept.
    pub orphaned: Vec<PathBuf>,
    /// Snapshot files of scenarios that did not run, deleted (update mode, whole suite).
    pub removed: Vec<PathBuf>,
}

/// Compares `results` with the snapshots of `target` under `dir` (`dir/<target>/<id>.snap`), and
/// in [`Mode::Update`] writes those that are new or changed.
pub fn compare(dir: &Path, target: &str, results: &[ScenarioResult], mode: Mode) -> Result<Comparison, SnapshotError> {
    let mut scenarios = Vec::with_capacity(results.len());
    for result in results {
        let transcript = normalise::transcript(result);
        let path = snapshot_path(dir, target, &transcript.scenario);
        let new = render(&transcript);
        let old = if path.exists() { Some(stored(&path)?) } else { None };
        let outcome = match (old, mode) {
            (Some(old), _) if old == new.trim_end() => Outcome::Unchanged,
            (old, Mode::Update { .. }) => {
                file::write(dir, target, &transcript)?;
                Outcome::Written { created: old.is_none() }
            }
            (None, Mode::Check) => Outcome::New { contents: new },
            (Some(old), Mode::Check) => Outcome::Changed { diff: unified_diff(&path, &path, &old, &new) },
        };
        scenarios.push(ScenarioComparison { scenario: transcript.scenario, path, outcome });
    }

    let ran: HashSet<&Path> = scenarios.iter().map(|s| s.path.as_path()).collect();
    let existing = if dir.join(target).is_dir() { file::snapshot_files(dir, target)? } else { Vec::new() };
    let stale: Vec<PathBuf> = existing.into_iter().filter(|path| !ran.contains(path.as_path())).collect();
    let (orphaned, removed) = match mode {
        Mode::Update { prune_orphans: true } => {
            for path in &stale {
                fs::remove_file(path).map_err(|source| SnapshotError::Write { path: path.clone(), source })?;
            }
            (Vec::new(), stale)
        }
        _ => (stale, Vec::new()),
    };
    Ok(Comparison { target: target.to_owned(), scenarios, orphaned, removed })
}

/// The stored contents, or the raw file when it is not a readable snapshot, so that a broken file
/// shows up as a change rather than stopping the run.
fn stored(path: &Path) -> Result<String, SnapshotError> {
    match file::contents(path) {
        Err(SnapshotError::NotSnapshot { .. }) => {
            fs::read_to_string(path).map_err(|source| SnapshotError::Read { path: path.to_owned(), source })
        }
        other => other,
    }
}

/// A unified diff of two texts, with `CONTEXT` lines around each change, headed by their names.
pub(crate) fn unified_diff(old_name: &Path, new_name: &Path, old: &str, new: &str) -> String {
    let old = format!("{}\n", old.trim_end());
    let new = format!("{}\n", new.trim_end());
    let old_header = format!("{} (stored)", old_name.display());
    let new_header = format!("{} (this run)", new_name.display());
    unified_text_diff(&old_header, &new_header, &old, &new)
}

/// A unified diff of two texts under the given header lines.
pub(crate) fn unified_text_diff(old_header: &str, new_header: &str, old: &str, new: &str) -> String {
    TextDiff::from_lines(old, new).unified_diff().context_radius(CONTEXT).header(old_header, new_header).to_string()
}

impl Comparison {
    /// Whether every scenario that ran matches its snapshot or had it written.
    pub fn is_clean(&self) -> bool {
        self.scenarios.iter().all(|s| matches!(s.outcome, Outcome::Unchanged | Outcome::Written { .. }))
    }

    /// How many scenarios have an outcome `wanted` accepts.
    fn count(&self, wanted: fn(&Outcome) -> bool) -> usize {
        self.scenarios.iter().filter(|s| wanted(&s.outcome)).count()
    }

    /// The comparison for people: a summary line, then every diff, new transcript and orphan.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = write!(
            out,
            "snapshots of {}: {} unchanged, {} changed, {} new, {} written",
            self.target,
            self.count(|o| matches!(o, Outcome::Unchanged)),
            self.count(|o| matches!(o, Outcome::Changed { .. })),
            self.count(|o| matches!(o, Outcome::New { .. })),
            self.count(|o| matches!(o, Outcome::Written { .. })),
        );
        if !self.orphaned.is_empty() {
            let _ = write!(out, ", {} orphaned", self.orphaned.len());
        }
        if !self.removed.is_empty() {
            let _ = write!(out, ", {} removed", self.removed.len());
        }
        out.push('\n');
        for scenario in &self.scenarios {
            let path = scenario.path.display();
            match &scenario.outcome {
                Outcome::Unchanged => {}
                Outcome::Changed { diff } => {
                    let _ = writeln!(out, "\nchanged: {} ({path})\n{}", scenario.scenario, diff.trim_end());
                }
                Outcome::New { contents } => {
                    let _ = writeln!(out, "\nnew: {} (no snapshot at {path})", scenario.scenario);
                    for line in contents.trim_end().lines() {
                        let _ = writeln!(out, "+{line}");
                    }
                }
                Outcome::Written { created } => {
                    let _ = writeln!(out, "{}: {path}", if *created { "created" } else { "updated" });
                }
            }
        }
        for path in &self.orphaned {
            let _ = writeln!(out, "orphaned: {} (no scenario of this run)", path.display());
        }
        for path in &self.removed {
            let _ = writeln!(out, "removed: {}", path.display());
        }
        if !self.is_clean() {
            out.push_str("\nsnapshots differ: review the changes, then update the snapshots to accept them\n");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::fixture;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ccf-snapshot-compare-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn new_then_written_then_unchanged_then_changed() {
        let dir = temp_dir("cycle");
        let mut results = vec![fixture::result()];

        let check = compare(&dir, "reference", &results, Mode::Check).unwrap();
        assert!(!check.is_clean());
        assert!(matches!(&check.scenarios[0].outcome, Outcome::New { contents } if contents.contains("[[steps]]")));
        assert!(check.render().contains("new: revoke-kills-refresh"));
        assert!(!dir.join("reference").exists(), "check mode writes nothing");

        let update = compare(&dir, "reference", &results, Mode::Update { prune_orphans: false }).unwrap();
        assert_eq!(update.scenarios[0].outcome, Outcome::Written { created: true });
        assert!(update.is_clean());

        // Another run: other ids, same behaviour.
        let other = "us-east-1_ZzZzZz999";
        results[0].volatile[0].value = other.into();
        let create = &mut results[0].steps[0];
        create.request.as_mut().unwrap().body = format!(r#"{{"ClientName":"app","UserPoolId":"{other}"}}"#);
        let answer = &mut create.response.as_mut().unwrap().body;
        *answer = answer.replace(fixture::POOL_ID, other);
        let again = compare(&dir, "reference", &results, Mode::Check).unwrap();
        assert_eq!(again.scenarios[0].outcome, Outcome::Unchanged, "{}", again.render());
        assert!(again.is_clean());

        results[0].steps[2].response.as_mut().unwrap().status = 200;
        let changed = compare(&dir, "reference", &results, Mode::Check).unwrap();
        assert!(!changed.is_clean());
        let Outcome::Changed { diff } = &changed.scenarios[0].outcome else { panic!("{changed:?}") };
        assert!(diff.starts_with("--- "), "{diff}");
        assert!(diff.contains("revoke-kills-refresh.snap (stored)"), "{diff}");
        assert!(diff.contains("-status = 400\n+status = 200\n"), "{diff}");
        assert!(changed.render().contains("changed: revoke-kills-refresh"));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn orphans_are_kept_unless_the_whole_suite_ran() {
        let dir = temp_dir("orphans");
        let results = vec![fixture::result()];
        let mut gone = fixture::result();
        gone.id = "gone".into();
        compare(&dir, "moto", &[gone], Mode::Update { prune_orphans: false }).unwrap();

        let partial = compare(&dir, "moto", &results, Mode::Update { prune_orphans: false }).unwrap();
        assert_eq!(partial.orphaned, [dir.join("moto/gone.snap")]);
        assert!(dir.join("moto/gone.snap").exists());

        let whole = compare(&dir, "moto", &results, Mode::Update { prune_orphans: true }).unwrap();
        assert_eq!(whole.removed, [dir.join("moto/gone.snap")]);
        assert!(!dir.join("moto/gone.snap").exists());
        assert_eq!(whole.scenarios[0].outcome, Outcome::Unchanged);
        fs::remove_dir_all(dir).unwrap();
    }
}
