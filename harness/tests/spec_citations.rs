//! Every citation the suite makes names something `docs/spec.md` defines: each scenario's
//! `spec = "…"`, each claim's `sources = "…"` in `scenarios/claims.toml`, the fuzz world's, the sources the fuzzer's
//! reproductions cite, and the items the reference's choices answer. A failure says file:line and
//! the citation that does not resolve.

use std::path::{Path, PathBuf};

use cognito_conformance::fuzz::FindingKind;
use cognito_conformance::spec::{self, Index, Mode, cited};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every file whose citations the suite relies on.
fn cited_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/ is readable")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    files.push(root().join("harness/src/fuzz/fuzz-world.toml"));
    files
}

fn problems_in(path: &Path, index: &Index) -> (usize, Vec<String>) {
    let text = std::fs::read_to_string(path).expect("the file is readable");
    let shown = path.strip_prefix(root()).unwrap_or(path).display().to_string();
    let read = if path.file_name().is_some_and(|name| name == "claims.toml") {
        cited::claim_citations
    } else {
        cited::citations
    };
    let citations = read(&text).unwrap_or_else(|error| panic!("{shown}: {error}"));
    let problems = citations
        .iter()
        .filter_map(|c| {
            index
                .check(&c.text, c.mode)
                .err()
                .map(|why| format!("{shown}:{}: `{}`: {}", c.line, c.text, why.join("; ")))
        })
        .collect();
    (citations.len(), problems)
}

#[test]
fn every_citation_in_the_suite_resolves_in_docs_spec_md() {
    let index = Index::embedded();
    let mut total = 0;
    let mut problems = Vec::new();
    for file in cited_files() {
        let (count, mut found) = problems_in(&file, index);
        total += count;
        problems.append(&mut found);
    }
    assert!(
        problems.is_empty(),
        "{} citations do not resolve in {}:\n{}",
        problems.len(),
        spec::PATH,
        problems.join("\n")
    );
    // 88 scenarios and the fuzz world cite their spec items; the registry's 95 claims cite sources.
    assert!(total > 150, "only {total} citations found: is the reader still finding them?");
}

#[test]
fn a_dangling_citation_fails_with_its_file_line_and_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dangling.toml");
    let text = "id = \"dangling\"\nspec = \"§1.4 R7, §9.2\"\n\n[[steps]]\nname = \"a\"\nexpect = [\n  { status = 200, evidence = \"documented\", source = \"DG-NOWHERE; spec §3 E4\" },\n]\n";
    std::fs::write(&path, text).unwrap();
    let (count, problems) = problems_in(&path, Index::embedded());
    assert_eq!(count, 2);
    let shown = path.display();
    assert_eq!(
        problems,
        [
            format!("{shown}:2: `§1.4 R7, §9.2`: §9.2 has no anchor `#s9-2`"),
            format!("{shown}:7: `DG-NOWHERE; spec §3 E4`: `DG-NOWHERE` is not a short name of the sources list"),
        ]
    );
}

#[test]
fn the_fuzzers_reproductions_cite_what_exists() {
    let index = Index::embedded();
    for kind in FindingKind::ALL {
        let source = kind.source();
        // A reproduction cites the source in its expectations and, without `spec `, as its spec.
        for (text, mode) in [(source, Mode::Source), (source.trim_start_matches("spec "), Mode::Spec)] {
            let anchors = index.check(text, mode).unwrap_or_else(|why| panic!("{}: `{text}`: {why:?}", kind.name()));
            assert!(!anchors.is_empty() || kind == FindingKind::NoAnswer, "{}: `{text}` names no anchor", kind.name());
        }
    }
}

#[test]
fn every_choice_of_the_reference_names_items_that_exist() {
    let index = Index::embedded();
    let rows: Vec<&str> = spec::TEXT.lines().filter(|line| line.starts_with("| <a id=\"choice-")).collect();
    assert!(rows.len() >= 28, "the choices table has {} rows", rows.len());
    for row in rows {
        let case = row.split('|').nth(1).unwrap();
        // The items a choice answers are the parenthesised list ending its first cell: `(R7, R8, Q2)`.
        let Some(items) = case.trim_end().strip_suffix(')').and_then(|c| c.rsplit_once('(')).map(|(_, items)| items)
        else {
            continue;
        };
        if items.starts_with(['R', 'E', 'Q', '§']) {
            index.check(items, Mode::Spec).unwrap_or_else(|why| panic!("{case}: {why:?}"));
        }
    }
}

#[test]
fn every_anchor_of_docs_spec_md_is_unique() {
    assert_eq!(Index::embedded().duplicate_anchors(), [] as [String; 0]);
}

fn binary(args: &[&str]) -> (Option<i32>, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cognito-conformance"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the binary runs");
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("utf-8");
    (output.status.code(), text(output.stdout), text(output.stderr))
}

#[test]
fn help_names_the_spec() {
    let (code, stdout, _) = binary(&["--help"]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("docs/spec.md"), "{stdout}");
}

#[test]
fn list_sources_shows_the_anchors_each_source_names() {
    let scenarios = root().join("scenarios");
    let (code, stdout, stderr) = binary(&["list", "--sources", scenarios.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    let line = stdout.lines().find(|line| {
        line.contains(" R1 ") && line.contains("documented") && line.contains("#src-api-rt") && line.contains("#r1")
    });
    assert!(line.is_some(), "{stdout}");
    assert!(!stdout.contains("unresolved"), "{stdout}");
}

#[test]
fn check_warns_about_a_dangling_citation_and_still_passes_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("scenarios/claims-id-token.toml")).unwrap();
    assert!(text.contains("spec = \"§4.3\""), "the fixture scenario changed");
    let path = dir.path().join("claims-id-token.toml");
    std::fs::write(&path, text.replace("spec = \"§4.3\"", "spec = \"§4.9\"")).unwrap();
    let line = text.lines().position(|l| l.starts_with("spec = ")).unwrap() + 1;
    let (code, stdout, stderr) = binary(&["check", path.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    let warning =
        format!("warning: {}:{line}: `§4.9` names nothing in docs/spec.md: §4.9 has no anchor `#s4-9`", path.display());
    assert!(stderr.contains(&warning), "{stderr}");
    assert!(stdout.contains("1 citations name nothing in docs/spec.md"), "{stdout}");
}

#[test]
fn check_warns_about_a_dangling_citation_in_a_registry_of_ones_own() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = "title = \"t\"\nspec = \"§3 E4\"\n\n[[steps]]\nrevoke_token = { client = \"app\", token = \"{{login.refresh_token}}\" }\nexpect = [{ status = 200, claim = \"mine\" }]\n";
    std::fs::write(dir.path().join("mine.toml"), scenario).unwrap();
    let registry = "[mine]\nsays = \"s\"\ngrade = \"documented\"\nsources = \"API-RT; spec §9.9\"\n";
    std::fs::write(dir.path().join("claims.toml"), registry).unwrap();
    let (code, stdout, stderr) = binary(&["check", "--scenarios", dir.path().to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    let warning = format!(
        "warning: {}:4: `API-RT; spec §9.9` names nothing in docs/spec.md: §9.9 has no anchor `#s9-9`",
        dir.path().join("claims.toml").display()
    );
    assert!(stderr.contains(&warning), "{stderr}");
    assert!(stdout.contains("1 scenario files OK"), "{stdout}");
}
