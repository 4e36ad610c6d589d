//! `matrix`: the conformance matrix from the committed snapshots.

use std::path::Path;

use crate::matrix::{Column, Matrix, html::html, markdown};
use crate::target::emulator;
use crate::{Error, Outcome, snapshot};

use crate::cli::args::MatrixArgs;

/// Every target with a snapshot directory: the reference first, then the emulators in the
/// table's order (a variant beside its base), then any other by name.
fn targets_in(dir: &Path) -> Result<Vec<String>, Error> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_dir())
        .filter_map(|entry| entry.file_name().to_str().map(str::to_owned))
        .collect();
    let rank = |name: &str| {
        if name == "reference" {
            0
        } else {
            emulator::names().position(|known| known == name).map_or(usize::MAX, |i| i + 1)
        }
    };
    names.sort_by_key(|name| (rank(name), name.clone()));
    Ok(names)
}

/// The matrix of `targets` (default: every snapshot directory) under `dir`.
pub fn build(dir: &Path, targets: &[String]) -> Result<Matrix, Error> {
    let targets = if targets.is_empty() { targets_in(dir)? } else { targets.to_vec() };
    let columns = targets
        .into_iter()
        .map(|target| Ok(Column { transcripts: snapshot::load_target(dir, &target)?, target }))
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Matrix::build(&columns, &snapshot::render))
}

pub fn matrix(args: MatrixArgs) -> Result<Outcome, Error> {
    let matrix = build(&args.snapshot_dir, &args.targets)?;
    if matrix.targets.is_empty() {
        errln!("no snapshots under {}: record some with `run --update-snapshots`", args.snapshot_dir.display());
        return Ok(Outcome::NothingRan);
    }
    if args.summary {
        out!("{}", markdown::summary_markdown(&matrix))?;
        return Ok(Outcome::Done);
    }
    let out = args.out.unwrap_or(args.snapshot_dir);
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("matrix.md"), markdown::markdown(&matrix))?;
    std::fs::write(out.join("matrix.html"), html(&matrix))?;
    outln!("wrote {} and {}", out.join("matrix.md").display(), out.join("matrix.html").display())?;
    Ok(Outcome::Done)
}
