//! `check` and `list`: scenario files without a target.

use std::collections::BTreeMap;

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
    Ok(exit_codes::OK)
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
        for (name, count) in counts {
            println!("{count:>4}  {name}");
        }
        return Ok(exit_codes::OK);
    }
    let width = scenarios.iter().map(|s| s.id.len()).max().unwrap_or(0);
    for scenario in &scenarios {
        println!("{:<width$}  {:<16}  [{}]  {}", scenario.id, scenario.spec, scenario.tags.join(", "), scenario.title);
    }
    Ok(exit_codes::OK)
}
