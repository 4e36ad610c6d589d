//! The behaviour spec, `docs/spec.md`, compiled in: the one place the facts the suite checks live,
//! each with its evidence grade and source, and the reference's choices where the spec is silent.
//!
//! Scenarios cite it (`spec = "§3 E4"`, `source = "API-RT; spec §1.4 R1"`); [`citation`] parses
//! those citations by the grammar the spec's "How to cite this file" section states, and [`Index`]
//! says whether each item names an anchor or a definition that exists, so a citation nobody can
//! resolve is caught by `cargo test --test spec_citations` and reported by `check`. [`cited`]
//! finds the citations of a scenario file with their places.

pub mod citation;
pub mod cited;

use std::collections::BTreeMap;
use std::sync::LazyLock;

pub use citation::{CitationError, Item, Mode, parse};

/// The spec's text.
pub const TEXT: &str = include_str!("../../../docs/spec.md");

/// Where the spec lives in the repository, for messages and links.
pub const PATH: &str = "docs/spec.md";

/// What a spec's anchors and source definitions are, for resolving citations.
#[derive(Debug)]
pub struct Index<'a> {
    text: &'a str,
    /// Anchor id → the section it lies in (`1.4`, `8`; empty before §1).
    anchors: BTreeMap<&'a str, String>,
    /// Short name (`MODEL`, `DG-ID`, `KC`) → its anchor and its row of the sources table.
    short_names: BTreeMap<String, (&'a str, &'a str)>,
    duplicates: Vec<String>,
}

static EMBEDDED: LazyLock<Index<'static>> = LazyLock::new(|| Index::new(TEXT));

impl<'a> Index<'a> {
    /// The index of the compiled-in spec.
    pub fn embedded() -> &'static Index<'static> {
        &EMBEDDED
    }

    /// Indexes a spec's text: every `<a id="…"></a>`, the section each lies in (from the
    /// `sN`/`sN-M` anchors of headings), and the short names of the sources table.
    pub fn new(text: &'a str) -> Self {
        let mut index = Index { text, anchors: BTreeMap::new(), short_names: BTreeMap::new(), duplicates: Vec::new() };
        let mut section = String::new();
        for line in text.lines() {
            for id in anchor_ids(line) {
                if line.starts_with('#')
                    && let Some(number) = id.strip_prefix('s').filter(|n| n.starts_with(|c: char| c.is_ascii_digit()))
                {
                    section = number.replace('-', ".");
                }
                if index.anchors.insert(id, section.clone()).is_some() {
                    index.duplicates.push(id.to_owned());
                }
                if id.starts_with("src-") {
                    let first_cell = line.split('|').nth(1).unwrap_or_default();
                    for name in first_cell.split('`').skip(1).step_by(2) {
                        index.short_names.insert(name.trim_end_matches("-*").to_owned(), (id, line));
                    }
                }
            }
        }
        index
    }

    /// Anchor ids that occur more than once (a link to one would be ambiguous).
    pub fn duplicate_anchors(&self) -> &[String] {
        &self.duplicates
    }

    /// Whether the spec has anchor `id`.
    pub fn has_anchor(&self, id: &str) -> bool {
        self.anchors.contains_key(id)
    }

    /// The anchor `item` names (`None` for what is checked but has no anchor of its own: an issue,
    /// a standard, a mention, a harness rule), or why it names nothing here.
    pub fn resolve(&self, item: &Item) -> Result<Option<&'a str>, String> {
        match item {
            Item::Section(number) => self.anchor(&format!("s{}", number.replace('.', "-")), &format!("§{number}")),
            Item::Question(n) => self.anchor(&format!("q{n}"), &format!("Q{n}")),
            Item::Row { section, row } => {
                let id = row.to_ascii_lowercase();
                let Some((anchor, within)) = self.anchors.get_key_value(id.as_str()) else {
                    return Err(format!("{row} has no anchor `#{id}`"));
                };
                match section {
                    Some(cited) if within != cited && !within.starts_with(&format!("{cited}.")) => {
                        Err(format!("{row} lies in §{within}, not §{cited}"))
                    }
                    _ => Ok(Some(anchor)),
                }
            }
            Item::ShortName { name, article } => {
                let Some((anchor, row)) = self.short_names.get(name.as_str()) else {
                    return Err(format!("`{name}` is not a short name of the sources list"));
                };
                match (name.as_str(), article) {
                    ("KC", None) => Err("`KC` without the article it means".into()),
                    ("KC", Some(article)) if !row.contains(&format!("`{article}`")) => {
                        Err(format!("`KC {article}` is not an article the KC-* row lists"))
                    }
                    _ => Ok(Some(anchor)),
                }
            }
            Item::Issue { repository, number } => {
                let named =
                    self.text.lines().any(|line| line.contains(repository.as_str()) && has_issue_number(line, *number));
                if named { Ok(None) } else { Err(format!("`{repository} #{number}` is not named in {PATH}")) }
            }
            Item::Standard(n) => {
                if self.text.contains(&format!("RFC {n}")) {
                    Ok(None)
                } else {
                    Err(format!("RFC {n} is not named in {PATH}"))
                }
            }
            Item::Mention(words) => {
                if let Some((anchor, _)) = self.short_names.get(&words[0].to_ascii_uppercase()) {
                    return Ok(Some(anchor));
                }
                let lower = self.text.to_lowercase();
                match words.iter().find(|word| !lower.contains(&word.to_lowercase())) {
                    Some(missing) => Err(format!("`{}`: `{missing}` does not occur in {PATH}", words.join(" "))),
                    None => Ok(None),
                }
            }
            Item::Harness(_) => Ok(None),
        }
    }

    fn anchor(&self, id: &str, cited: &str) -> Result<Option<&'a str>, String> {
        match self.anchors.get_key_value(id) {
            Some((anchor, _)) => Ok(Some(anchor)),
            None => Err(format!("{cited} has no anchor `#{id}`")),
        }
    }

    /// Parses and resolves a citation: the anchors it names, or every problem with it.
    pub fn check(&self, text: &str, mode: Mode) -> Result<Vec<&'a str>, Vec<String>> {
        let items = parse(text, mode).map_err(|error| vec![error.to_string()])?;
        let mut anchors = Vec::new();
        let mut problems = Vec::new();
        for item in &items {
            match self.resolve(item) {
                Ok(Some(anchor)) if !anchors.contains(&anchor) => anchors.push(anchor),
                Ok(_) => {}
                Err(problem) => problems.push(problem),
            }
        }
        if problems.is_empty() { Ok(anchors) } else { Err(problems) }
    }
}

/// The ids of the `<a id="…"></a>` anchors on a line.
fn anchor_ids(line: &str) -> impl Iterator<Item = &str> {
    line.split("<a id=\"").skip(1).filter_map(|rest| rest.split_once('"').map(|(id, _)| id))
}

/// Whether `line` has `#number` not followed by another digit (`#94` is not in `#942`).
fn has_issue_number(line: &str, number: u32) -> bool {
    let needle = format!("#{number}");
    line.match_indices(&needle).any(|(at, _)| !line[at + needle.len()..].starts_with(|c: char| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = "\
| <a id=\"src-api-rt\"></a>`API-RT` | the API reference |
| <a id=\"src-kc\"></a>`KC-*` | articles: `revoke-cognito-jwt-token`. |
## <a id=\"s1\"></a>1. API
### <a id=\"s1-4\"></a>1.4 Rows
| <a id=\"r7\"></a>R7 | another client | amplify-js #3540, #2205 |
## <a id=\"s3\"></a>3. Effects
| <a id=\"e4\"></a>E4 | access token | RFC 7009 |
- <a id=\"q2\"></a>**Q2.** which error?
";

    fn check(text: &str, mode: Mode) -> Result<Vec<&'static str>, Vec<String>> {
        Index::new(SPEC).check(text, mode)
    }

    #[test]
    fn a_citation_resolves_to_the_anchors_it_names() {
        assert_eq!(check("§1.4 R7, Q2", Mode::Spec).unwrap(), ["s1-4", "r7", "q2"]);
        assert_eq!(check("API-RT; amplify-js #2205; spec §3 E4", Mode::Source).unwrap(), ["src-api-rt", "s3", "e4"]);
        assert_eq!(check("KC revoke-cognito-jwt-token; RFC 7009", Mode::Source).unwrap(), ["src-kc"]);
    }

    #[test]
    fn every_kind_of_dangling_citation_is_named() {
        for (text, mode, problem) in [
            ("§1.5", Mode::Spec, "§1.5 has no anchor `#s1-5`"),
            ("§3 R7", Mode::Spec, "R7 lies in §1.4, not §3"),
            ("Q9", Mode::Spec, "Q9 has no anchor `#q9`"),
            ("DG-NOPE", Mode::Source, "`DG-NOPE` is not a short name of the sources list"),
            ("KC other-article", Mode::Source, "`KC other-article` is not an article the KC-* row lists"),
            ("amplify-js #354", Mode::Source, "`amplify-js #354` is not named in docs/spec.md"),
            ("RFC 6749", Mode::Source, "RFC 6749 is not named in docs/spec.md"),
            ("gist nobody", Mode::Source, "`gist nobody`: `gist` does not occur in docs/spec.md"),
        ] {
            assert_eq!(check(text, mode), Err(vec![problem.to_owned()]), "{text}");
        }
    }

    #[test]
    fn a_repeated_anchor_is_reported() {
        let index = Index::new("<a id=\"q1\"></a> <a id=\"q1\"></a>");
        assert_eq!(index.duplicate_anchors(), ["q1"]);
    }
}
