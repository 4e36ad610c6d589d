//! The citations a file makes, with their places: a scenario's `spec = "…"` and every one-off
//! expectation's `source = "…"`, and each claim's `sources = "…"` in a claims registry. Read
//! leniently (any other key is ignored), so it works on a scenario, on the fuzz world and on a
//! file the strict loader would refuse.

use serde::Deserialize;
use toml::Spanned;

use super::Mode;

/// One citation in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cited {
    /// 1-based line of the quoted value.
    pub line: usize,
    /// `Spec` for the `spec` key, `Source` for an expectation's `source`.
    pub mode: Mode,
    /// The citation's text.
    pub text: String,
}

#[derive(Deserialize)]
struct File {
    spec: Option<Spanned<String>>,
    #[serde(default)]
    steps: Vec<Step>,
}

#[derive(Deserialize)]
struct Step {
    #[serde(default)]
    expect: Vec<Expect>,
}

#[derive(Deserialize)]
struct Expect {
    source: Option<Spanned<String>>,
}

/// The citations of a scenario file's text, in file order.
pub fn citations(text: &str) -> Result<Vec<Cited>, toml::de::Error> {
    let file: File = toml::from_str(text)?;
    let line = |at: usize| text[..at.min(text.len())].matches('\n').count() + 1;
    let cited = |value: Spanned<String>, mode| Cited { line: line(value.span().start), mode, text: value.into_inner() };
    let sources = file.steps.into_iter().flat_map(|step| step.expect).filter_map(|expect| expect.source);
    Ok(file
        .spec
        .map(|spec| cited(spec, Mode::Spec))
        .into_iter()
        .chain(sources.map(|source| cited(source, Mode::Source)))
        .collect())
}

#[derive(Deserialize)]
struct ClaimSources {
    sources: Option<Spanned<String>>,
}

/// The citations of a claims registry's text (each claim's `sources`), in file order.
pub fn claim_citations(text: &str) -> Result<Vec<Cited>, toml::de::Error> {
    let claims: std::collections::BTreeMap<String, ClaimSources> = toml::from_str(text)?;
    let line = |at: usize| text[..at.min(text.len())].matches('\n').count() + 1;
    let mut cited: Vec<Cited> = claims
        .into_values()
        .filter_map(|claim| claim.sources)
        .map(|sources| Cited { line: line(sources.span().start), mode: Mode::Source, text: sources.into_inner() })
        .collect();
    cited.sort_by_key(|c| c.line);
    Ok(cited)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_and_sources_are_found_with_their_lines() {
        let text = "id = \"x\"\nspec = \"§1.4 R7\"\n\n[[steps]]\nname = \"a\"\nexpect = [\n  { status = 200, source = \"API-RT\" },\n]\n\n[[steps]]\nname = \"b\"\n";
        let found = citations(text).unwrap();
        let claims = claim_citations("[E1]\nsays = \"s\"\nsources = \"API-RT\"\n\n[A2]\nsources = \"MODEL\"\n").unwrap();
        let lines: Vec<usize> = claims.iter().map(|c| c.line).collect();
        assert_eq!(lines, [3, 6]);
        assert_eq!(
            found,
            [
                Cited { line: 2, mode: Mode::Spec, text: "§1.4 R7".into() },
                Cited { line: 7, mode: Mode::Source, text: "API-RT".into() },
            ]
        );
    }
}
