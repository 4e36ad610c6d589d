//! Scenario files: the TOML format ([`format`]), its checked model ([`model`]), the one list of
//! action kinds ([`action`]), templates ([`template`]) and diagnostics ([`error`]).
//!
//! A scenario describes one documented behaviour: the fixtures it needs (pools, clients, users,
//! a domain), the steps to run, and the expectations to judge, each with its evidence grade and
//! source. [`load`] reads files and directories; every problem is reported with file:line:col.

pub mod action;
pub mod claims;
pub mod error;
mod expect;
pub mod format;
pub mod model;
mod parse;
pub mod template;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use action::ActionKind;
pub use error::{LoadError, ScenarioError};
pub use model::Scenario;
pub use claims::Claims;
pub use parse::{parse_scenario, parse_scenario_with};
pub use crate::input::{MAX_INPUT_BYTES, read_input};

/// Loads every scenario under `paths` (files, or directories searched recursively for `*.toml`),
/// sorted by path, against the embedded claims registry overridden by a `claims.toml` in each
/// directory given (or beside each file given). Fails with every problem found when any file is
/// invalid, or when two files share an id.
pub fn load(paths: &[PathBuf]) -> Result<Vec<Scenario>, LoadError> {
    let mut files = Vec::new();
    for path in paths {
        collect(path, &mut files)?;
    }
    files.sort();
    files.dedup();
    // Every file is read, and every unreadable one reported, before any is checked.
    let mut texts = Vec::with_capacity(files.len());
    let mut unreadable = Vec::new();
    for file in files {
        match read_input(&file) {
            Ok(text) => texts.push((file, text)),
            Err(problem) => unreadable.push(*problem),
        }
    }
    let claims = registry(paths)?;
    let loaded = load_texts_with(texts.iter().map(|(path, text)| (path.as_path(), text.as_str())), &claims);
    match (loaded, unreadable.is_empty()) {
        (loaded, true) => loaded,
        (Ok(_), false) => Err(LoadError::Invalid(unreadable)),
        (Err(LoadError::Invalid(mut problems)), false) => {
            problems.splice(0..0, unreadable);
            Err(LoadError::Invalid(problems))
        }
        (Err(other), false) => Err(other),
    }
}

/// The embedded claims registry, overridden by the `claims.toml` of each directory in `paths`
/// (of each file's directory, for files).
fn registry(paths: &[PathBuf]) -> Result<Claims, LoadError> {
    let mut claims = Claims::embedded().map_err(LoadError::Invalid)?.clone();
    for file in registry_files(paths) {
        let text = read_input(&file).map_err(|problem| LoadError::Invalid(vec![*problem]))?;
        claims = claims.overridden_by(Claims::parse(&file, &text).map_err(LoadError::Invalid)?);
    }
    Ok(claims)
}

/// The `claims.toml` files [`load`] reads for `paths`, in order: the one in each directory given,
/// or beside each file given.
pub fn registry_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = Vec::new();
    for path in paths {
        let dir = if path.is_dir() { path.as_path() } else { path.parent().unwrap_or(Path::new(".")) };
        let file = dir.join(claims::FILE_NAME);
        if !files.contains(&file) && file.is_file() {
            files.push(file);
        }
    }
    files
}

/// Checks scenario files already in memory (the embedded suite), each given with the name its
/// diagnostics use (`scenarios/<file>.toml`), in the order given, against the embedded claims
/// registry. Fails like [`load`].
pub fn load_texts<'a>(files: impl IntoIterator<Item = (&'a Path, &'a str)>) -> Result<Vec<Scenario>, LoadError> {
    load_texts_with(files, Claims::embedded().map_err(LoadError::Invalid)?)
}

/// [`load_texts`] against `claims`.
pub fn load_texts_with<'a>(
    files: impl IntoIterator<Item = (&'a Path, &'a str)>,
    claims: &Claims,
) -> Result<Vec<Scenario>, LoadError> {
    let mut scenarios = Vec::new();
    let mut problems = Vec::new();
    let mut ids: BTreeMap<String, PathBuf> = BTreeMap::new();
    for (file, text) in files {
        match parse_scenario_with(file, text, claims) {
            Ok(scenario) => {
                if let Some(first) = ids.insert(scenario.id.clone(), file.to_path_buf()) {
                    let (span, help) = match parse::id_span(text) {
                        Some(span) => (span, None),
                        None => (0..0, Some("the id is the file's stem: rename one of the files".to_owned())),
                    };
                    let message = format!("id `{}` is already used by {}", scenario.id, first.display());
                    problems.push(ScenarioError::new(file, text, span, message, "duplicate id", help));
                }
                scenarios.push(scenario);
            }
            Err(errors) => problems.extend(errors),
        }
    }
    if problems.is_empty() { Ok(scenarios) } else { Err(LoadError::Invalid(problems)) }
}

/// TOML files a directory of scenarios may hold that are not scenarios: `KILLS.toml` lists which
/// scenarios each reference fault must fail (`harness/tests/suite_kill_rate.rs`), `claims.toml`
/// is the claims registry. Named explicitly, they are still loaded (and refused) as scenarios.
pub const NOT_SCENARIOS: [&str; 2] = ["KILLS.toml", claims::FILE_NAME];

fn collect(path: &Path, files: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let io = |source| LoadError::Io { path: path.to_path_buf(), source };
    // A path that does not exist is the command line's mistake; one that is no directory (a file,
    // a dangling link, a FIFO) is read as a file, so `read_input` says what is wrong with it.
    std::fs::symlink_metadata(path).map_err(io)?;
    if !std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        files.push(path.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(path).map_err(io)? {
        let entry = entry.map_err(io)?.path();
        // A `*.toml` entry is a scenario file whatever it is, so a directory of that name is
        // refused (`read_input`) rather than searched.
        if entry.extension().is_some_and(|ext| ext == "toml") {
            if !entry.file_name().is_some_and(|name| NOT_SCENARIOS.iter().any(|n| name == *n)) {
                files.push(entry);
            }
        } else if std::fs::metadata(&entry).is_ok_and(|m| m.is_dir()) {
            collect(&entry, files)?;
        }
    }
    Ok(())
}
