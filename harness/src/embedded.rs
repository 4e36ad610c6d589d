//! The suite compiled into the binary, so an installed `cognito-conformance` runs from any
//! directory: the scenario files and the kill list of `scenarios/`, and the baselines
//! (`snapshots/<profile>/expected.toml`) of the built-in targets. (The fuzz world is compiled in
//! by `fuzz::world` itself.)
//!
//! Embedded files keep the names they have in a checkout (`scenarios/<file>.toml`), so a
//! diagnostic reads the same whichever copy was loaded, and `scenarios export` writes back exactly
//! what a checkout holds.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::baseline::{self, Baseline, BaselineError};
use crate::scenario::{self, LoadError, NOT_SCENARIOS, Scenario};

static SCENARIOS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../scenarios");

/// The directory name embedded scenario files are reported under.
pub const SCENARIO_DIR: &str = "scenarios";

/// `scenarios/KILLS.toml`: which scenarios each reference fault must fail.
pub const KILLS: &str = include_str!("../../scenarios/KILLS.toml");

/// The baselines of the built-in targets that have one, by target name. A test
/// (`tests/embedded_suite.rs`) checks that every `snapshots/<target>/expected.toml` of a built-in
/// target is here and identical.
const BASELINES: [(&str, &str); 7] = [
    ("reference", include_str!("../../snapshots/reference/expected.toml")),
    ("moto", include_str!("../../snapshots/moto/expected.toml")),
    ("cognito-local", include_str!("../../snapshots/cognito-local/expected.toml")),
    ("ministack", include_str!("../../snapshots/ministack/expected.toml")),
    ("ministack-auth", include_str!("../../snapshots/ministack-auth/expected.toml")),
    ("fakecloud", include_str!("../../snapshots/fakecloud/expected.toml")),
    ("aws-local-run", include_str!("../../snapshots/aws-local-run/expected.toml")),
];

/// Every embedded file of `scenarios/` (scenarios and `KILLS.toml`), as (path relative to
/// `scenarios/`, text), sorted by path.
pub fn files() -> Vec<(PathBuf, &'static str)> {
    let mut out = Vec::new();
    walk(&SCENARIOS, &mut out);
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn walk(dir: &'static Dir<'static>, out: &mut Vec<(PathBuf, &'static str)>) {
    for file in dir.files() {
        if let Some(text) = file.contents_utf8() {
            out.push((file.path().to_path_buf(), text));
        }
    }
    for sub in dir.dirs() {
        walk(sub, out);
    }
}

/// The embedded scenario files, named `scenarios/<file>.toml`, in the order `scenario::load`
/// would read a checkout's `scenarios/` (sorted by path; `KILLS.toml` and non-TOML files left out).
pub fn scenario_files() -> Vec<(PathBuf, &'static str)> {
    files()
        .into_iter()
        .filter(|(path, _)| path.extension().is_some_and(|ext| ext == "toml"))
        .filter(|(path, _)| !path.file_name().is_some_and(|name| NOT_SCENARIOS.iter().any(|n| name == *n)))
        .map(|(path, text)| (Path::new(SCENARIO_DIR).join(path), text))
        .collect()
}

/// Loads the embedded suite.
pub fn load() -> Result<Vec<Scenario>, LoadError> {
    let files = scenario_files();
    scenario::load_texts(files.iter().map(|(path, text)| (path.as_path(), *text)))
}

/// The embedded baseline of built-in target `name`, if it has one.
pub fn baseline_text(name: &str) -> Option<&'static str> {
    BASELINES.iter().find(|(target, _)| *target == name).map(|(_, text)| *text)
}

/// The names of the targets with an embedded baseline.
pub fn baseline_targets() -> impl Iterator<Item = &'static str> {
    BASELINES.iter().map(|(name, _)| *name)
}

/// Where a target's baseline comes from: `snapshot_dir/<target>/expected.toml` when
/// `snapshot_dir` exists (a checkout, or a directory the user keeps), else the embedded copy of a
/// built-in target. Writing a baseline (`--update-baseline`) always goes to the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaselineSource {
    /// A file under the snapshot directory (which exists; the file may not).
    File(PathBuf),
    /// The copy compiled in, for a target that has one, shown under the name it has in a checkout.
    Embedded {
        /// `snapshots/<target>/expected.toml`.
        shown_as: PathBuf,
        /// Its text.
        text: &'static str,
    },
    /// Neither: the target has no baseline here.
    None(PathBuf),
}

impl BaselineSource {
    /// Applies the rule above for `target` and the snapshot directory `snapshot_dir`.
    pub fn find(snapshot_dir: &Path, target: &str) -> Self {
        let path = snapshot_dir.join(target).join("expected.toml");
        if snapshot_dir.is_dir() {
            return Self::File(path);
        }
        match baseline_text(target) {
            Some(text) => Self::Embedded { shown_as: Path::new("snapshots").join(target).join("expected.toml"), text },
            None => Self::None(path),
        }
    }

    /// The path to name in messages.
    pub fn path(&self) -> &Path {
        match self {
            Self::File(path) | Self::None(path) => path,
            Self::Embedded { shown_as, .. } => shown_as,
        }
    }

    /// Reads and checks the baseline; [`BaselineError::Missing`] when there is none.
    pub fn load(&self) -> Result<Baseline, BaselineError> {
        match self {
            Self::File(path) => baseline::load(path),
            Self::Embedded { shown_as, text } => baseline::parse(shown_as, text),
            Self::None(path) => Err(BaselineError::Missing { path: path.clone() }),
        }
    }
}

/// Why the suite could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A file is there already and differs (nothing was written).
    #[error("{0} exists and differs from the embedded copy: export into a new directory, or add --force")]
    Exists(PathBuf),
    /// Writing failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Writes every embedded file of `scenarios/` under `dir` (created if needed) and returns how many
/// files it wrote. A file that exists with other content is refused unless `force`, before
/// anything is written, so an export never half-overwrites edits.
pub fn export(dir: &Path, force: bool) -> Result<usize, ExportError> {
    let files = files();
    if !force
        && let Some((path, _)) = files
            .iter()
            .find(|(path, text)| std::fs::read_to_string(dir.join(path)).is_ok_and(|existing| existing != *text))
    {
        return Err(ExportError::Exists(dir.join(path)));
    }
    for (path, text) in &files {
        let target = dir.join(path);
        let io = |source| ExportError::Io { path: target.clone(), source };
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(&target, text).map_err(io)?;
    }
    Ok(files.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_suite_loads_and_names_files_as_a_checkout_does() {
        let scenarios = load().expect("the embedded suite is valid");
        assert!(scenarios.len() > 50, "{}", scenarios.len());
        let files = scenario_files();
        assert!(files.iter().all(|(path, _)| path.starts_with("scenarios")), "{files:?}");
        assert!(!files.iter().any(|(path, _)| path.ends_with("KILLS.toml")));
    }

    #[test]
    fn a_diagnostic_of_an_embedded_name_says_scenarios_file_line_col() {
        let path = Path::new(SCENARIO_DIR).join("broken.toml");
        let Err(LoadError::Invalid(problems)) = scenario::load_texts([(path.as_path(), "id = 3\n")]) else {
            panic!("invalid text accepted");
        };
        let shown = problems[0].to_string();
        assert!(shown.contains("scenarios/broken.toml:1:"), "{shown}");
    }

    #[test]
    fn an_existing_snapshot_directory_wins_over_the_embedded_baseline() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(
            BaselineSource::find(dir.path(), "moto"),
            BaselineSource::File(dir.path().join("moto/expected.toml"))
        );
        let missing = dir.path().join("absent");
        assert!(matches!(BaselineSource::find(&missing, "moto"), BaselineSource::Embedded { .. }));
        assert!(matches!(BaselineSource::find(&missing, "my-emulator"), BaselineSource::None(_)));
        let embedded = BaselineSource::find(&missing, "moto");
        assert_eq!(embedded.path(), Path::new("snapshots/moto/expected.toml"));
        embedded.load().expect("the embedded moto baseline is valid");
    }

    #[test]
    fn export_refuses_to_overwrite_an_edit_unless_forced() {
        let dir = tempfile::tempdir().expect("temp dir");
        let written = export(dir.path(), false).expect("exported");
        assert_eq!(written, files().len());
        // Exporting again over identical files is fine.
        export(dir.path(), false).expect("idempotent");
        let (first, _) = &scenario_files()[0];
        let edited = dir.path().join(first.strip_prefix(SCENARIO_DIR).expect("prefixed"));
        std::fs::write(&edited, "# mine\n").expect("edited");
        let error = export(dir.path(), false).expect_err("refused");
        assert!(matches!(&error, ExportError::Exists(path) if *path == edited), "{error}");
        assert_eq!(std::fs::read_to_string(&edited).expect("kept"), "# mine\n");
        export(dir.path(), true).expect("forced");
        assert_ne!(std::fs::read_to_string(&edited).expect("rewritten"), "# mine\n");
    }
}
