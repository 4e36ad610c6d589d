//! Reports: one module per format over one model.
//!
//! [`model`] is what a run produced; [`human`] prints it for people while the run goes on, [`json`]
//! writes the versioned machine-readable report, [`junit`] writes JUnit XML for CI systems. The
//! human and JUnit reports describe an unmet expectation in the same words (step, check, evidence
//! and source, rule, and a diff of expected against actual), so a terminal and a CI page can be read
//! side by side.
//!
//! A run leaves its machine-readable reports in one directory ([`write_reports`]) under fixed names
//! ([`JSON_FILE`], [`JUNIT_FILE`]), so CI configuration can point at them without knowing the
//! command line.

mod detail;
pub mod human;
pub mod json;
pub mod junit;
pub mod model;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub use model::{Evidence, ExpectationResult, RunReport, ScenarioResult, StepRecord, Summary, Verdict};

/// The JSON report's file name in a report directory.
pub const JSON_FILE: &str = "report.json";
/// The JUnit report's file name in a report directory.
pub const JUNIT_FILE: &str = "junit.xml";

/// A report could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Writing to a stream failed (a closed pipe, a full disk).
    #[error(transparent)]
    Io(#[from] io::Error),
    /// A report file or its directory could not be written.
    #[error("cannot write {}: {source}", path.display())]
    File {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The JSON report could not be serialised, or a JSON report read back is malformed.
    #[error("JSON report: {0}")]
    Json(#[from] serde_json::Error),
    /// The JUnit report could not be serialised.
    #[error(transparent)]
    Junit(#[from] quick_junit::SerializeError),
    /// A JSON report read back has a schema version this build does not read.
    #[error("JSON report has schema version {found}; this build reads version {expected}")]
    SchemaVersion {
        /// The document's `schema_version`.
        found: u64,
        /// [`model::SCHEMA_VERSION`].
        expected: u32,
    },
}

/// Writes [`JSON_FILE`] and [`JUNIT_FILE`] for `report` into `dir`, creating it if needed.
///
/// Each report is serialised in memory first, so a serialisation error leaves no half-written file
/// behind, and an I/O error names the file it concerns.
pub fn write_reports(report: &RunReport, dir: &Path) -> Result<(), ReportError> {
    fs::create_dir_all(dir).map_err(|source| ReportError::File { path: dir.to_owned(), source })?;

    let mut json_text = Vec::new();
    json::write(report, &mut json_text)?;
    write_file(&dir.join(JSON_FILE), &json_text)?;

    let mut junit_text = Vec::new();
    junit::write(report, &mut junit_text)?;
    write_file(&dir.join(JUNIT_FILE), &junit_text)
}

fn write_file(path: &Path, contents: &[u8]) -> Result<(), ReportError> {
    fs::write(path, contents).map_err(|source| ReportError::File { path: path.to_owned(), source })
}

#[cfg(test)]
pub(crate) mod fixture;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_reports_creates_the_directory_and_both_files() {
        let dir = std::env::temp_dir().join(format!("cc-report-{}-{}", std::process::id(), line!()));
        let nested = dir.join("a/b");
        let report = fixture::report();
        write_reports(&report, &nested).unwrap();
        let json_text = fs::read_to_string(nested.join(JSON_FILE)).unwrap();
        assert_eq!(json::read(json_text.as_bytes()).unwrap(), report);
        let xml = fs::read_to_string(nested.join(JUNIT_FILE)).unwrap();
        assert!(xml.starts_with("<?xml"), "{xml}");
        assert!(xml.contains("<testcase name=\"revoke-twice\""), "{xml}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_error_names_the_path() {
        let file = std::env::temp_dir().join(format!("cc-report-file-{}", std::process::id()));
        fs::write(&file, b"not a directory").unwrap();
        let err = write_reports(&fixture::report(), &file.join("sub")).unwrap_err();
        fs::remove_file(&file).unwrap();
        assert!(matches!(err, ReportError::File { .. }), "{err:?}");
        assert!(err.to_string().contains(&file.display().to_string()), "{err}");
    }
}
