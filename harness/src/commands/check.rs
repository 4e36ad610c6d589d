//! `check` and `list`: scenario files without a target.

use std::collections::BTreeMap;

use cognito_conformance::scenario::load;
use cognito_conformance::{Error, Outcome};

use super::select::{paths_or_default, print_diagnostics, select};
use crate::cli::{CheckArgs, ListArgs};

pub fn check(args: CheckArgs) -> Result<Outcome, Error> {
    let scenarios = load(&paths_or_default(&args.paths)).inspect_err(print_diagnostics)?;
    if scenarios.is_empty() {
        errln!("no scenario files found");
        return Ok(Outcome::NothingRan);
    }
    let expectations: usize = scenarios.iter().map(|s| s.expectation_count()).sum();
    outln!("{} scenario files OK ({expectations} expectations)", scenarios.len())?;
    Ok(Outcome::Done)
}

pub fn list(args: ListArgs) -> Result<Outcome, Error> {
    let scenarios = select(&args.selection)?;
    if scenarios.is_empty() {
        errln!("no scenario selected");
        return Ok(Outcome::NothingRan);
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
        for (name, count) in counts {
            outln!("{count:>4}  {name}")?;
        }
        return Ok(Outcome::Done);
    }
    let width = scenarios.iter().map(|s| s.id.len()).max().unwrap_or(0);
    for scenario in &scenarios {
        outln!("{:<width$}  {:<16}  [{}]  {}", scenario.id, scenario.spec, scenario.tags.join(", "), scenario.title)?;
    }
    Ok(Outcome::Done)
}
