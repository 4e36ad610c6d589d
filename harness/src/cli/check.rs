//! `check` and `list`: scenario files without a target. Both read citations against the
//! compiled-in spec ([`crate::spec`]): `check` warns about one that names nothing,
//! `list --sources` shows the anchors each source names.

use std::collections::BTreeMap;
use std::path::Path;

use crate::spec::{self, Index, Mode, cited};
use crate::{Error, Outcome};

use super::select::{load_suite, print_diagnostics, select};
use crate::cli::args::{CheckArgs, ListArgs};

pub fn check(args: CheckArgs) -> Result<Outcome, Error> {
    let scenarios = load_suite(&args.paths, args.scenarios.as_deref()).inspect_err(print_diagnostics)?;
    if scenarios.is_empty() {
        errln!("no scenario files found");
        return Ok(Outcome::NothingRan);
    }
    let expectations: usize = scenarios.iter().map(|s| s.expectation_count()).sum();
    outln!("{} scenario files OK ({expectations} expectations)", scenarios.len())?;
    // The registries the load read (a user's own `claims.toml`) cite sources too.
    let inputs = if args.paths.is_empty() { args.scenarios.iter().cloned().collect() } else { args.paths.clone() };
    let registries = crate::scenario::registry_files(&inputs);
    let files = scenarios.iter().map(|scenario| scenario.file.as_path()).chain(registries.iter().map(|p| p.as_path()));
    let dangling: usize = files.map(warn_dangling_citations).sum();
    if dangling > 0 {
        outln!("{dangling} citations name nothing in {} (warnings on stderr)", spec::PATH)?;
    }
    Ok(Outcome::Done)
}

/// Warns, with file:line, about each citation in `file` (a scenario, or a claims registry) that
/// names nothing in the spec; returns how many. A warning, not an error: a scenario or claim of
/// one's own may cite one's own sources.
fn warn_dangling_citations(file: &Path) -> usize {
    let registry = file.file_name().is_some_and(|name| name == crate::scenario::claims::FILE_NAME);
    let read = if registry { cited::claim_citations } else { cited::citations };
    let Some(citations) = std::fs::read_to_string(file).ok().and_then(|text| read(&text).ok()) else {
        return 0;
    };
    let index = Index::embedded();
    let mut count = 0;
    for citation in citations {
        if let Err(why) = index.check(&citation.text, citation.mode) {
            errln!(
                "warning: {}:{}: `{}` names nothing in {}: {}",
                file.display(),
                citation.line,
                citation.text,
                spec::PATH,
                why.join("; ")
            );
            count += 1;
        }
    }
    count
}

pub fn list(args: ListArgs) -> Result<Outcome, Error> {
    let scenarios = select(&args.selection)?;
    if scenarios.is_empty() {
        errln!("no scenario selected");
        return Ok(Outcome::NothingRan);
    }
    if args.show_tags {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for tag in scenarios.iter().flat_map(|s| &s.tags) {
            *counts.entry(tag.clone()).or_default() += 1;
        }
        for (name, count) in counts {
            outln!("{count:>4}  {name}")?;
        }
        return Ok(Outcome::Done);
    }
    if args.sources {
        // By claim: how many expectations check it, its grade and its sources; one-offs by source.
        let mut counts: BTreeMap<(String, &str, String), usize> = BTreeMap::new();
        let stated = scenarios.iter().flat_map(|s| s.steps.iter().flat_map(|step| &step.expectations));
        let suite_wide = scenarios.iter().flat_map(|s| s.suite_checks.iter().map(|(_, e)| e));
        for expectation in stated.chain(suite_wide) {
            let claim = expectation.claim.clone().unwrap_or_else(|| "(one-off)".into());
            *counts.entry((claim, expectation.evidence.name(), expectation.source.clone())).or_default() += 1;
        }
        let width = counts.keys().map(|(claim, _, _)| claim.len()).max().unwrap_or(0);
        let index = Index::embedded();
        for ((claim, grade, sources), count) in counts {
            outln!("{count:>4}  {claim:<width$}  {grade:<10}  {sources}  ({})", anchors(index, &sources))?;
        }
        return Ok(Outcome::Done);
    }
    let width = scenarios.iter().map(|s| s.id.len()).max().unwrap_or(0);
    for scenario in &scenarios {
        outln!("{:<width$}  {:<16}  [{}]  {}", scenario.id, scenario.spec, scenario.tags.join(", "), scenario.title)?;
    }
    Ok(Outcome::Done)
}

/// The spec anchors a source cites (`#src-api-rt #s1-4 #r1`), or why it cites nothing there.
fn anchors(index: &Index, source: &str) -> String {
    match index.check(source, Mode::Source) {
        Ok(anchors) if anchors.is_empty() => "no anchor".into(),
        Ok(anchors) => anchors.iter().map(|a| format!("#{a}")).collect::<Vec<_>>().join(" "),
        Err(why) => format!("unresolved: {}", why.join("; ")),
    }
}
