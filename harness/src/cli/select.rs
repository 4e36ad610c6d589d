//! Loading and selecting scenarios for `run` and `list`; diagnostics for invalid files.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::scenario::{LoadError, Scenario, load};
use crate::{Error, embedded};

use crate::cli::args::Selection;

/// The scenarios of `paths`, else of `--scenarios DIR`, else the suite compiled in.
pub fn load_suite(paths: &[PathBuf], dir: Option<&Path>) -> Result<Vec<Scenario>, LoadError> {
    match dir {
        _ if !paths.is_empty() => load(paths),
        Some(dir) => load(&[dir.to_path_buf()]),
        None => embedded::load(),
    }
}

/// Prints every problem of an invalid load as a located diagnostic on stderr.
pub fn print_diagnostics(error: &LoadError) {
    let LoadError::Invalid(problems) = error else { return };
    for problem in problems {
        print_report(problem);
    }
}

/// Prints every problem of an invalid `--config` file as a located diagnostic on stderr.
pub fn print_config_diagnostics(error: &crate::target::TargetConfigError) {
    if let crate::target::TargetConfigError::Invalid(problems) = error {
        problems.iter().for_each(|problem| print_report(problem));
    }
}

/// Prints one diagnostic (with its related ones) on stderr, in colour on a terminal; any file's
/// lines, however long, render ([`crate::diagnostic`]).
pub fn print_report(report: &dyn miette::Diagnostic) {
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    errln!("{}", crate::diagnostic::render(report, colour));
}

/// Loads scenarios (printing diagnostics on failure) and applies the tag and id filters.
pub fn select(selection: &Selection) -> Result<Vec<Scenario>, Error> {
    let scenarios = load_suite(&selection.paths, selection.scenarios.as_deref()).inspect_err(print_diagnostics)?;
    let filter = selection
        .filter
        .as_deref()
        .map(regex::Regex::new)
        .transpose()
        .map_err(|e| Error::Usage(format!("--filter: {e}")))?;
    Ok(scenarios
        .into_iter()
        .filter(|s| selection.tags.is_empty() || s.tags.iter().any(|t| selection.tags.contains(t)))
        .filter(|s| !s.tags.iter().any(|t| selection.skip_tags.contains(t)))
        .filter(|s| filter.as_ref().is_none_or(|re| re.is_match(&s.id)))
        .collect())
}
