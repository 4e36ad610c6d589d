//! The citation grammar of `docs/spec.md` ("How to cite this file"): from a scenario's `spec` or
//! an expectation's `source` text to the items it names. Parsing knows nothing of the spec's
//! contents; [`super::Index`] decides whether each item names something that exists.

/// What kind of text is being parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A scenario's `spec = "…"`: spec items only, without the word `spec`.
    Spec,
    /// An expectation's `source = "…"`: sources, and spec items after the word `spec`.
    Source,
}

/// One thing a citation names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// `§3`, `§1.4`, `§8.11` (item 11 of §8).
    Section(String),
    /// `R7` or `E4`.
    Row {
        /// The section named last before it, which must hold it.
        section: Option<String>,
        /// `R7`.
        row: String,
    },
    /// `Q2`.
    Question(u32),
    /// `harness <rule>`: a bound the harness sets, not a fact about Cognito.
    Harness(String),
    /// A capitalised short name of the sources list.
    ShortName {
        /// `MODEL`, `DG-REVOKE`, `KC`.
        name: String,
        /// For `KC`, the word after it: the article's slug.
        article: Option<String>,
    },
    /// A public issue or pull request.
    Issue {
        /// `amplify-js`, `pmill/aws-cognito`.
        repository: String,
        /// `3540`.
        number: u32,
    },
    /// `RFC 7009 …`.
    Standard(u32),
    /// Any other reference: its words (the first may be a short name written in lower case,
    /// as in `moto test_jti_in_tokens`).
    Mention(Vec<String>),
}

/// Why a citation does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CitationError(String);

/// The items `text` names, in order.
pub fn parse(text: &str, mode: Mode) -> Result<Vec<Item>, CitationError> {
    let bare = strip_notes(text)?;
    let mut items = Vec::new();
    for segment in bare.split(';').map(str::trim) {
        if segment.is_empty() {
            return Err(CitationError(format!("an empty segment in `{text}`")));
        }
        match (mode, segment.strip_prefix("spec")) {
            (_, Some(rest)) if rest.is_empty() || rest.starts_with(' ') => spec_items(rest, &mut items)?,
            (Mode::Spec, _) => spec_items(segment, &mut items)?,
            (Mode::Source, _) => {
                for source in segment.split(',') {
                    items.extend(source_items(source.trim())?);
                }
            }
        }
    }
    Ok(items)
}

/// The text without its parenthesised notes.
fn strip_notes(text: &str) -> Result<String, CitationError> {
    let mut depth = 0usize;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.checked_sub(1).ok_or_else(|| CitationError(format!("an unopened `)` in `{text}`")))?;
            }
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    if depth > 0 {
        return Err(CitationError(format!("an unclosed `(` in `{text}`")));
    }
    Ok(out)
}

/// A comma-separated list of spec items; a row without a section continues the last one named.
fn spec_items(list: &str, items: &mut Vec<Item>) -> Result<(), CitationError> {
    let mut section: Option<String> = None;
    for item in list.split(',').map(str::trim) {
        if item.is_empty() {
            return Err(CitationError(format!("an empty spec item in `{list}`")));
        }
        if let Some(rule) = item.strip_prefix("harness ") {
            items.push(Item::Harness(rule.trim().to_owned()));
            continue;
        }
        let mut words = item.split_whitespace();
        while let Some(word) = words.next() {
            if let Some(number) = word.strip_prefix('§') {
                let sections = section_range(number).ok_or_else(|| not_a_spec_item(word))?;
                section = sections.last().cloned();
                items.extend(sections.into_iter().map(Item::Section));
            } else if word == "item" {
                let n = words.next().and_then(|n| n.parse::<u32>().ok()).ok_or_else(|| not_a_spec_item(item))?;
                let parent = section.take().ok_or_else(|| not_a_spec_item(item))?;
                if items.last() == Some(&Item::Section(parent.clone())) {
                    items.pop();
                }
                let full = format!("{parent}.{n}");
                items.push(Item::Section(full.clone()));
                section = Some(full);
            } else if let Some(n) = word.strip_prefix('Q').and_then(|n| n.parse().ok()) {
                items.push(Item::Question(n));
            } else if let Some(rows) = row_range(word) {
                items.extend(rows.into_iter().map(|row| Item::Row { section: section.clone(), row }));
            } else {
                return Err(not_a_spec_item(word));
            }
        }
    }
    Ok(())
}

fn not_a_spec_item(word: &str) -> CitationError {
    CitationError(format!("`{word}` is not a spec item (§3, §1.4 R7, §8.11, §8 item 11, Q2)"))
}

/// `1.4` → [`1.4`]; `8.3–8.10` → [`8.3`, …, `8.10`].
fn section_range(text: &str) -> Option<Vec<String>> {
    let valid = |s: &str| {
        !s.is_empty() && s.split('.').all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
    };
    match text.split_once(['–', '-']) {
        None => valid(text).then(|| vec![text.to_owned()]),
        Some((from, to)) => {
            let (parent, low) = from.rsplit_once('.')?;
            let (to_parent, high) = to.rsplit_once('.')?;
            let (low, high) = (low.parse::<u32>().ok()?, high.parse::<u32>().ok()?);
            (valid(from) && parent == to_parent && low < high)
                .then(|| (low..=high).map(|n| format!("{parent}.{n}")).collect())
        }
    }
}

/// `R7` → [`R7`]; `E1–E4` → [`E1`, …, `E4`].
fn row_range(text: &str) -> Option<Vec<String>> {
    let one = |s: &str| -> Option<(char, u32)> {
        let kind = s.chars().next().filter(|c| matches!(c, 'R' | 'E'))?;
        Some((kind, s[1..].parse().ok()?))
    };
    match text.split_once(['–', '-']) {
        None => one(text).map(|(kind, n)| vec![format!("{kind}{n}")]),
        Some((from, to)) => {
            let ((kind, low), (to_kind, high)) = (one(from)?, one(to)?);
            (kind == to_kind && low < high).then(|| (low..=high).map(|n| format!("{kind}{n}")).collect())
        }
    }
}

/// One source: an issue, a standard, short names with the words around them, or a mention.
fn source_items(source: &str) -> Result<Vec<Item>, CitationError> {
    let words: Vec<&str> = source.split_whitespace().collect();
    if words.is_empty() {
        return Err(CitationError("an empty source".into()));
    }
    if words[0] == "harness" {
        return Ok(vec![Item::Harness(words[1..].join(" "))]);
    }
    if words[0] == "RFC" {
        let number = words.get(1).and_then(|n| n.parse().ok());
        return number
            .map(|n| vec![Item::Standard(n)])
            .ok_or_else(|| CitationError(format!("`{source}`: RFC without a number")));
    }
    if let Some(at) = words.iter().position(|w| w.starts_with('#')) {
        let number = words[at][1..]
            .parse()
            .map_err(|_| CitationError(format!("`{source}`: `{}` is not an issue number", words[at])))?;
        let repository = at.checked_sub(1).map(|i| words[i].to_owned());
        return repository
            .map(|repository| vec![Item::Issue { repository, number }])
            .ok_or_else(|| CitationError(format!("`{source}`: an issue number without its repository")));
    }
    let names: Vec<Item> = words
        .iter()
        .enumerate()
        .filter(|(_, word)| is_short_name_like(word))
        .map(|(i, word)| Item::ShortName {
            name: (*word).to_owned(),
            article: (*word == "KC").then(|| words.get(i + 1).map(|a| (*a).to_owned())).flatten(),
        })
        .collect();
    if names.is_empty() { Ok(vec![Item::Mention(words.iter().map(|w| (*w).to_owned()).collect())]) } else { Ok(names) }
}

/// `MODEL`, `API-RT`, `DG-ID`, `KC`: capitals, digits and hyphens, at least two capitals.
fn is_short_name_like(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_uppercase())
        && word.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
        && word.chars().filter(char::is_ascii_uppercase).count() >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(section: &str, row: &str) -> Item {
        Item::Row { section: Some(section.into()), row: row.into() }
    }

    #[test]
    fn spec_items_carry_their_section_to_later_rows() {
        let items = parse("§1.4 R7, R8, Q2", Mode::Spec).unwrap();
        assert_eq!(items, [Item::Section("1.4".into()), row("1.4", "R7"), row("1.4", "R8"), Item::Question(2)]);
        let items = parse("§3 E1 E4, §8.2", Mode::Spec).unwrap();
        assert_eq!(items, [Item::Section("3".into()), row("3", "E1"), row("3", "E4"), Item::Section("8.2".into())]);
    }

    #[test]
    fn ranges_expand_and_item_names_a_subsection() {
        let items = parse("§8.3–8.5, §3 E1–E2", Mode::Spec).unwrap();
        let sections: Vec<_> = ["8.3", "8.4", "8.5", "3"].map(|s| Item::Section(s.into())).into();
        assert_eq!(items[..4], sections[..]);
        assert_eq!(items[4..], [row("3", "E1"), row("3", "E2")]);
        assert_eq!(parse("§8 item 11", Mode::Spec).unwrap(), [Item::Section("8.11".into())]);
    }

    #[test]
    fn sources_split_into_names_issues_standards_and_mentions() {
        let items = parse("DG-REVEP (200 for an invalid token, RFC 7009 §2.2); spec §2.1, Q7", Mode::Source).unwrap();
        assert_eq!(
            items,
            [
                Item::ShortName { name: "DG-REVEP".into(), article: None },
                Item::Section("2.1".into()),
                Item::Question(7)
            ]
        );
        let items = parse("amplify-js #3540, KC cognito-revoke-refresh-tokens; RFC 7009 §2.1", Mode::Source).unwrap();
        assert_eq!(
            items,
            [
                Item::Issue { repository: "amplify-js".into(), number: 3540 },
                Item::ShortName { name: "KC".into(), article: Some("cognito-revoke-refresh-tokens".into()) },
                Item::Standard(7009),
            ]
        );
        assert_eq!(
            parse("gist raupachz", Mode::Source).unwrap(),
            [Item::Mention(vec!["gist".into(), "raupachz".into()])]
        );
    }

    #[test]
    fn malformed_citations_are_refused() {
        for (text, mode) in [
            ("§1.4 X7", Mode::Spec),
            ("API-RT", Mode::Spec),
            ("§", Mode::Spec),
            ("§8.5–8.3", Mode::Spec),
            ("API-RT (empty body; spec §1.1", Mode::Source),
            ("API-RT;; spec §1.1", Mode::Source),
            ("spec §1.4,", Mode::Source),
            ("#3540", Mode::Source),
        ] {
            assert!(parse(text, mode).is_err(), "{text:?} parsed");
        }
    }

    #[test]
    fn harness_rules_are_their_own_kind() {
        let items = parse("harness time bound (--answer-bound)", Mode::Spec).unwrap();
        assert_eq!(items, [Item::Harness("time bound".into())]);
    }
}
