//! `check` and `list`: scenario files without a target. Both read citations against the
//! compiled-in spec ([`cognito_conformance::spec`]): `check` warns about one that names nothing,
//! `list --sources` shows the anchors each source names.

use std::collections::BTreeMap;
use std::path::Path;

use cognito_conformance::spec::{self, Index, Mode, cited};
use cognito_conformance::{Error, exit_codes};

use super::select::{load_suite, print_diagnostics, select};
use crate::cli::{CheckArgs, ListArgs};

pub fn check(args: CheckArgs) -> Result<i32, Error> {
    let scenarios = load_suite(&args.paths, args.scenarios.as_deref()).inspect_err(print_diagnostics)?;
    if scenarios.is_empty() {
        eprintln!("no scenario files found");
        return Ok(exit_codes::NOTHING_RAN);
    }
    let expectations: usize = scenarios.iter().map(|s| s.expectation_count()).sum();
    println!("{} scenario files OK ({expectations} expectations)", scenarios.len());
    let dangling: usize = scenarios.iter().map(|scenario| warn_dangling_citations(&scenario.file)).sum();
    if dangling > 0 {
        println!("{dangling} citations name nothing in {} (warnings on stderr)", spec::PATH);
    }
    Ok(exit_codes::OK)
}

/// Warns, with file:line, about each citation in `file` that names nothing in the spec; returns
/// how many. A warning, not an error: a scenario of one's own may cite one's own sources.
fn warn_dangling_citations(file: &Path) -> usize {
    let Some(citations) = std::fs::read_to_string(file).ok().and_then(|text| cited::citations(&text).ok()) else {
        return 0;
    };
    let index = Index::embedded();
    let mut count = 0;
    for citation in citations {
        if let Err(why) = index.check(&citation.text, citation.mode) {
            eprintln!(
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

pub fn list(args: ListArgs) -> Result<i32, Error> {
    let scenarios = select(&args.selection)?;
    if scenarios.is_empty() {
        eprintln!("no scenario selected");
        return Ok(exit_codes::NOTHING_RAN);
    }
    if args.show_tags || args.sources {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for scenario in &scenarios {
            if args.show_tags {
                for tag in &scenario.tags {
                    *counts.entry(tag.clone()).or_default() += 1;
                }
            } else {
                for step in &scenario.steps {
                    for expectation in &step.expectations {
                        *counts.entry(expectation.source.clone()).or_default() += 1;
                    }
                }
            }
        }
        let index = Index::embedded();
        for (name, count) in counts {
            if args.show_tags {
                println!("{count:>4}  {name}");
            } else {
                println!("{count:>4}  {name}  ({})", anchors(index, &name));
            }
        }
        return Ok(exit_codes::OK);
    }
    let width = scenarios.iter().map(|s| s.id.len()).max().unwrap_or(0);
    for scenario in &scenarios {
        println!("{:<width$}  {:<16}  [{}]  {}", scenario.id, scenario.spec, scenario.tags.join(", "), scenario.title);
    }
    Ok(exit_codes::OK)
}

/// The spec anchors a source cites (`#src-api-rt #s1-4 #r1`), or why it cites nothing there.
fn anchors(index: &Index, source: &str) -> String {
    match index.check(source, Mode::Source) {
        Ok(anchors) if anchors.is_empty() => "no anchor".into(),
        Ok(anchors) => anchors.iter().map(|a| format!("#{a}")).collect::<Vec<_>>().join(" "),
        Err(why) => format!("unresolved: {}", why.join("; ")),
    }
}
