//! Scenario files: the TOML format ([`format`]), its checked model ([`model`]), the one list of
//! action kinds ([`action`]), templates ([`template`]) and diagnostics ([`error`]).
//!
//! A scenario describes one documented behaviour: the fixtures it needs (pools, clients, users,
//! a domain), the steps to run, and the expectations to judge, each with its evidence grade and
//! source. [`load`] reads files and directories; every problem is reported with file:line:col.

pub mod action;
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
pub use parse::parse_scenario;

/// Loads every scenario under `paths` (files, or directories searched recursively for `*.toml`),
/// sorted by path. Fails with every problem found when any file is invalid, or when two files
/// share an id.
pub fn load(paths: &[PathBuf]) -> Result<Vec<Scenario>, LoadError> {
    let mut files = Vec::new();
    for path in paths {
        collect(path, &mut files)?;
    }
    files.sort();
    files.dedup();
    let mut texts = Vec::with_capacity(files.len());
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|source| LoadError::Io { path: file.clone(), source })?;
        texts.push((file, text));
    }
    load_texts(texts.iter().map(|(path, text)| (path.as_path(), text.as_str())))
}

/// Checks scenario files already in memory (the embedded suite), each given with the name its
/// diagnostics use (`scenarios/<file>.toml`), in the order given. Fails like [`load`].
pub fn load_texts<'a>(files: impl IntoIterator<Item = (&'a Path, &'a str)>) -> Result<Vec<Scenario>, LoadError> {
    let mut scenarios = Vec::new();
    let mut problems = Vec::new();
    let mut ids: BTreeMap<String, PathBuf> = BTreeMap::new();
    for (file, text) in files {
        match parse_scenario(file, text) {
            Ok(scenario) => {
                if let Some(first) = ids.insert(scenario.id.clone(), file.to_path_buf()) {
                    let at = text.find("id").unwrap_or(0);
                    problems.push(ScenarioError::new(
                        file,
                        text,
                        at..at + 2,
                        format!("id `{}` is already used by {}", scenario.id, first.display()),
                        "duplicate id",
                        None,
                    ));
                }
                scenarios.push(scenario);
            }
            Err(errors) => problems.extend(errors),
        }
    }
    if problems.is_empty() { Ok(scenarios) } else { Err(LoadError::Invalid(problems)) }
}

/// TOML files a directory of scenarios may hold that are not scenarios: `KILLS.toml` lists which
/// scenarios each reference fault must fail (`harness/tests/suite_kill_rate.rs`). Named explicitly,
/// they are still loaded (and refused) as scenarios.
pub const NOT_SCENARIOS: [&str; 1] = ["KILLS.toml"];

fn collect(path: &Path, files: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let io = |source| LoadError::Io { path: path.to_path_buf(), source };
    let metadata = std::fs::metadata(path).map_err(io)?;
    if metadata.is_file() {
        files.push(path.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(path).map_err(io)? {
        let entry = entry.map_err(io)?.path();
        if entry.is_dir() {
            collect(&entry, files)?;
        } else if entry.extension().is_some_and(|ext| ext == "toml")
            && !entry.file_name().is_some_and(|name| NOT_SCENARIOS.iter().any(|n| name == *n))
        {
            files.push(entry);
        }
    }
    Ok(())
}
