//! The `.snap` files: `snapshots/<target>/<scenario>.snap`, insta's format, a transcript in TOML.
//!
//! The same files serve two paths. The `cargo test` path (`harness/tests/targets.rs`) asserts
//! each transcript with insta, so `cargo insta review` can accept changes; the CLI reads and
//! writes them here without insta's macros. For insta to see our files as its own, [`write`](write())
//! puts down exactly what insta 1.49 writes for
//!
//! ```text
//! insta::with_settings!({
//!     snapshot_path => dir, prepend_module_to_snapshot => false, omit_expression => true,
//! }, {
//!     insta::assert_snapshot!(scenario_id, contents);
//! });
//! ```
//!
//! from `harness/tests/targets.rs` with `contents` holding [`render`]'s text: a YAML header with
//! only `source` (insta drops `assertion_line` when it persists a file, and `expression` is
//! omitted), `---`, the contents with trailing whitespace trimmed, and one newline. insta compares
//! contents only, so it passes on our files; identical headers also keep `INSTA_FORCE_UPDATE` and
//! `INSTA_REQUIRE_FULL_MATCH` from seeing a difference.
//!
//! TOML keeps multi-line bodies readable in a diff: each is a `'''` block, one line per line.

use std::fs;
use std::path::{Path, PathBuf};

use miette::NamedSource;

use super::transcript::Transcript;
use super::{SnapshotError, TomlError};

/// The test file insta records as the snapshots' source.
pub const SOURCE: &str = "harness/tests/targets.rs";
/// The snapshot files' extension.
pub const EXTENSION: &str = "snap";

/// The snapshot contents of `transcript`: TOML, what the `cargo test` path asserts.
pub fn render(transcript: &Transcript) -> String {
    toml::to_string_pretty(transcript).expect("a transcript is plain strings, numbers and tables")
}

/// The whole file for `transcript`, header included, byte for byte what insta writes.
pub fn file_text(transcript: &Transcript) -> String {
    let contents = render(transcript);
    format!("---\nsource: {SOURCE}\n---\n{}\n", contents.trim_end().replace("\r\n", "\n"))
}

/// Where the snapshot of `scenario` on `target` lives under `dir`.
pub fn snapshot_path(dir: &Path, target: &str, scenario: &str) -> PathBuf {
    dir.join(target).join(format!("{}.{EXTENSION}", scenario.replace(['/', '\\'], "__")))
}

/// Writes the snapshot of `transcript` for `target` under `dir`; returns its path.
pub fn write(dir: &Path, target: &str, transcript: &Transcript) -> Result<PathBuf, SnapshotError> {
    let path = snapshot_path(dir, target, &transcript.scenario);
    let folder = dir.join(target);
    fs::create_dir_all(&folder).map_err(|source| SnapshotError::Write { path: folder, source })?;
    fs::write(&path, file_text(transcript)).map_err(|source| SnapshotError::Write { path: path.clone(), source })?;
    Ok(path)
}

/// The snapshot contents of the file at `path`, as insta reads them (header dropped, trailing
/// whitespace trimmed).
pub fn contents(path: &Path) -> Result<String, SnapshotError> {
    let snapshot = insta::Snapshot::from_file(path).map_err(|error| not_snapshot(path, &*error))?;
    let text = snapshot
        .as_text()
        .ok_or_else(|| SnapshotError::NotSnapshot { path: path.to_owned(), message: "a binary snapshot".into() })?;
    Ok(text.to_string())
}

fn not_snapshot(path: &Path, error: &(dyn std::error::Error + 'static)) -> SnapshotError {
    match error.downcast_ref::<std::io::Error>() {
        Some(io) => {
            SnapshotError::Read { path: path.to_owned(), source: std::io::Error::new(io.kind(), io.to_string()) }
        }
        None => SnapshotError::NotSnapshot { path: path.to_owned(), message: error.to_string() },
    }
}

/// Reads the transcript in the snapshot at `path`. The file's name must be its scenario id.
pub fn read(path: &Path) -> Result<Transcript, SnapshotError> {
    let contents = contents(path)?;
    let transcript = toml::from_str::<Transcript>(&contents).map_err(|error| toml_error(path, &contents, &error))?;
    let expected = path.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default();
    if expected != transcript.scenario.replace(['/', '\\'], "__") {
        return Err(SnapshotError::Misnamed { path: path.to_owned(), expected, found: transcript.scenario });
    }
    Ok(transcript)
}

/// A TOML error located in the whole file: the contents start after the header.
fn toml_error(path: &Path, contents: &str, error: &toml::de::Error) -> SnapshotError {
    let file = fs::read_to_string(path).unwrap_or_default();
    let offset = header_len(&file);
    let start = error.span().map_or(0, |span| span.start).min(contents.len());
    let before = &contents[..floor_char_boundary(contents, start)];
    let header_lines = file[..offset].matches('\n').count();
    let line = header_lines + before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let span = error.span().filter(|_| offset + contents.len() <= file.len()).map(|span| {
        let at = (offset + span.start).min(file.len());
        (at, span.len().min(file.len() - at)).into()
    });
    SnapshotError::Toml(Box::new(TomlError {
        path: path.to_owned(),
        line,
        column,
        message: error.message().to_owned(),
        source_code: NamedSource::new(path.display().to_string(), file),
        span,
    }))
}

/// The length of insta's YAML header (both `---` lines included), or 0 if there is none.
fn header_len(file: &str) -> usize {
    let mut offset = 0;
    let mut fences = 0;
    for line in file.split_inclusive('\n') {
        offset += line.len();
        if line.trim_end() == "---" {
            fences += 1;
            if fences == 2 {
                return offset;
            }
        } else if fences == 0 {
            return 0;
        }
    }
    0
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// The `.snap` files of `target` under `dir`, sorted by file name; `.snap.new`, `expected.toml`
/// and anything else are not snapshots.
pub fn snapshot_files(dir: &Path, target: &str) -> Result<Vec<PathBuf>, SnapshotError> {
    let folder = dir.join(target);
    let entries = fs::read_dir(&folder).map_err(|source| SnapshotError::Read { path: folder.clone(), source })?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|source| SnapshotError::Read { path: folder.clone(), source })?.path();
        if path.extension().is_some_and(|ext| ext == EXTENSION) && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Every transcript of `target` under `dir`, sorted by scenario id. A missing directory is an
/// error: a misspelt target must not read as "no scenarios".
pub fn load_target(dir: &Path, target: &str) -> Result<Vec<Transcript>, SnapshotError> {
    let mut transcripts = snapshot_files(dir, target)?.iter().map(|path| read(path)).collect::<Result<Vec<_>, _>>()?;
    transcripts.sort_by(|a, b| a.scenario.cmp(&b.scenario));
    Ok(transcripts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{fixture, normalise};

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ccf-snapshot-file-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn insta_reads_back_what_we_write() {
        let dir = temp_dir("roundtrip");
        let transcript = normalise::transcript(&fixture::result());
        let path = write(&dir, "reference", &transcript).unwrap();
        assert_eq!(path, dir.join("reference/revoke-kills-refresh.snap"));
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("---\nsource: harness/tests/targets.rs\n---\nscenario = "));
        let snapshot = insta::Snapshot::from_file(&path).unwrap();
        assert_eq!(snapshot.metadata().source(), Some(SOURCE));
        assert_eq!(snapshot.metadata().expression(), None);
        assert_eq!(snapshot.as_text().unwrap().to_string(), render(&transcript).trim_end());
        assert_eq!(read(&path).unwrap(), transcript);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn bodies_are_readable_blocks() {
        let transcript = normalise::transcript(&fixture::result());
        let text = render(&transcript);
        assert!(text.contains("response_body = \"\"\"\n{\n  \"UserPoolClient\": {\n"), "{text}");
        assert_eq!(toml::from_str::<Transcript>(&text).unwrap(), transcript);
    }

    #[test]
    fn load_target_reads_only_snapshots_sorted_by_scenario() {
        let dir = temp_dir("load");
        let mut transcript = normalise::transcript(&fixture::result());
        for id in ["b-second", "a-first"] {
            transcript.scenario = id.into();
            write(&dir, "moto", &transcript).unwrap();
        }
        fs::write(dir.join("moto/c.snap.new"), "junk").unwrap();
        fs::write(dir.join("moto/expected.toml"), "junk").unwrap();
        let ids: Vec<String> = load_target(&dir, "moto").unwrap().into_iter().map(|t| t.scenario).collect();
        assert_eq!(ids, ["a-first", "b-second"]);
        assert!(matches!(load_target(&dir, "nope"), Err(SnapshotError::Read { .. })));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn errors_name_the_file_and_the_place() {
        let dir = temp_dir("errors");
        fs::create_dir_all(dir.join("t")).unwrap();
        let broken = dir.join("t/broken.snap");
        fs::write(
            &broken,
            "---\nsource: harness/tests/targets.rs\n---\nscenario = \"broken\"\nverdict = \"maybe\"\ntitle = \"t\"\n",
        )
        .unwrap();
        let error = read(&broken).unwrap_err();
        assert!(matches!(&error, SnapshotError::Toml(e) if (e.line, e.column) == (5, 11)), "{error:?}");
        assert!(error.to_string().starts_with(&format!("{}:5:11: ", broken.display())), "{error}");

        let misnamed = dir.join("t/other.snap");
        let transcript = normalise::transcript(&fixture::result());
        fs::write(&misnamed, file_text(&transcript)).unwrap();
        assert!(matches!(read(&misnamed), Err(SnapshotError::Misnamed { .. })));
        assert!(matches!(read(&dir.join("t/missing.snap")), Err(SnapshotError::Read { .. })));
        fs::remove_dir_all(dir).unwrap();
    }
}
