//! The JSON report: [`RunReport`] serialised as is, pretty-printed, with a JSON Schema.
//!
//! The report is for programs (dashboards, diffing two targets' runs, archiving), so its shape is a
//! contract, written down as a JSON Schema (draft 2020-12) in `harness/schema/report-v2.json` and
//! embedded here as [`SCHEMA`]. The schema describes exactly what [`write()`] produces:
//!
//! - every object is closed (`additionalProperties: false`) and lists its required fields; the
//!   optional ones are those the model leaves out when empty (`reason`, `rule`, `request`,
//!   `response`, a step's `body`, the target's `faults`);
//! - `verdict` is one of `pass`, `fail`, `warn`, `unsupported`, `error`, `skipped`, and `evidence`
//!   one of `documented`, `aws-seen`, `inferred`; both lists are closed;
//! - `summary.by_verdict` has every verdict as a key, zero or not;
//! - durations are whole milliseconds, `started_at` is RFC 3339 UTC;
//! - `schema_version` is the constant [`SCHEMA_VERSION`], so a consumer can refuse a report it does
//!   not understand before reading anything else.
//!
//! Versioning: because every object and enum is closed, any change to the serialised form — a
//! field added, removed, renamed or retyped, a verdict or evidence grade added — makes some report
//! invalid under one of the two schemas. Every such change therefore bumps [`SCHEMA_VERSION`] and
//! adds `report-v<N>.json` beside the old schema, which stays as it was, so reports already archived
//! keep validating. Changes that leave every document's validity alone (descriptions, this text) do
//! not. The integration test `tests/report_formats.rs` validates a report that uses every optional
//! field against the schema, so a model change that forgets the schema fails there.

use std::io::{Read, Write};

use serde_json::Value;

use super::ReportError;
use super::model::{RunReport, SCHEMA_VERSION};

/// The JSON Schema of the report this build writes (version [`SCHEMA_VERSION`]).
pub const SCHEMA: &str = include_str!("../../schema/report-v2.json");

/// Writes `report` as pretty-printed JSON, ending in a newline.
pub fn write(report: &RunReport, mut out: impl Write) -> Result<(), ReportError> {
    serde_json::to_writer_pretty(&mut out, report)?;
    out.write_all(b"\n")?;
    Ok(out.flush()?)
}

/// Reads a report written by [`write()`].
///
/// The schema version is checked first, so a report from a newer build is refused as such rather
/// than with whatever field happens to differ.
pub fn read(input: impl Read) -> Result<RunReport, ReportError> {
    let document: Value = serde_json::from_reader(input)?;
    match document.get("schema_version").and_then(Value::as_u64) {
        Some(found) if found != u64::from(SCHEMA_VERSION) => {
            Err(ReportError::SchemaVersion { found, expected: SCHEMA_VERSION })
        }
        _ => Ok(serde_json::from_value(document)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;
    use crate::report::model::Verdict;

    fn written(report: &RunReport) -> String {
        let mut out = Vec::new();
        write(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn writes_pretty_json_with_the_model_names() {
        let text = written(&fixture::report());
        assert!(text.starts_with("{\n  \"schema_version\": 2,\n"), "{text}");
        assert!(text.ends_with("}\n"), "{text}");
        let document: Value = serde_json::from_str(&text).unwrap();
        let verdicts: Vec<&str> =
            document["scenarios"].as_array().unwrap().iter().map(|s| s["verdict"].as_str().unwrap()).collect();
        assert_eq!(verdicts, ["pass", "fail", "warn", "unsupported", "error", "skipped"]);
        assert_eq!(document["scenarios"][3]["expectations"][0]["evidence"], "aws-seen");
        assert_eq!(document["summary"]["by_verdict"]["unsupported"], 1);
    }

    #[test]
    fn absent_optional_fields_are_left_out() {
        let document: Value = serde_json::from_str(&written(&fixture::report())).unwrap();
        let passing = &document["scenarios"][0];
        assert!(passing.get("reason").is_none(), "{passing}");
        assert!(passing["expectations"][0].get("rule").is_none(), "{passing}");
        assert_eq!(document["scenarios"][4]["reason"], "connection refused");
    }

    #[test]
    fn reads_back_what_it_wrote() {
        let report = fixture::report();
        assert_eq!(read(written(&report).as_bytes()).unwrap(), report);
    }

    #[test]
    fn refuses_another_schema_version_by_name() {
        let text = written(&fixture::report()).replacen("\"schema_version\": 2", "\"schema_version\": 3", 1);
        let err = read(text.as_bytes()).unwrap_err();
        assert!(matches!(err, ReportError::SchemaVersion { found: 3, expected: 2 }), "{err:?}");
    }

    #[test]
    fn refuses_a_malformed_report() {
        let text = written(&fixture::report()).replace("\"fail\"", "\"failed\"");
        assert!(matches!(read(text.as_bytes()), Err(ReportError::Json(_))));
    }

    #[test]
    fn the_embedded_schema_is_this_version_and_names_every_verdict() {
        let schema: Value = serde_json::from_str(SCHEMA).unwrap();
        assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
        assert_eq!(schema["properties"]["schema_version"]["const"], u64::from(SCHEMA_VERSION));
        let names: Vec<&str> =
            schema["$defs"]["verdict"]["enum"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        let mut expected: Vec<&str> = Verdict::ALL.iter().map(|v| v.name()).collect();
        expected.sort_unstable();
        let mut names = names;
        names.sort_unstable();
        assert_eq!(names, expected);
    }
}
