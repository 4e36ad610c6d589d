//! Fuzz target `scenario_file`: [`parse_scenario`], from scenario TOML to the checked model.
//!
//! Scenario files are hand-written, so their parser meets every kind of mistake; it must answer
//! each with located diagnostics, never a panic. Input: the file text (non-UTF-8 input is
//! skipped; `load` refuses such files before parsing).
//!
//! Properties:
//! - no panic;
//! - every diagnostic is located inside the file: its label's span is in bounds and on character
//!   boundaries, its line and column are the span start's, and it renders (`diagnostic::render`);
//! - layout does not matter. There is no scenario serialiser, so the round trip goes through the
//!   `toml` crate: the text parsed as a plain `toml::Table` and rendered again by
//!   `toml::to_string` (other quoting, inline tables expanded, comments dropped) gets the same
//!   verdict — accepted or refused — and, when accepted, an equal model. The model has no
//!   `PartialEq` and keeps no spans, so equal means equal `Debug` renderings.

use std::path::Path;

use miette::Diagnostic;

use crate::scenario::ScenarioError;
use crate::scenario::error::line_col;
use crate::scenario::parse_scenario;

/// Runs one input; see the module docs.
pub fn scenario_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = Path::new("fuzz.toml");
    let verdict = parse_scenario(path, text);
    assert_located(text, &verdict);
    let Ok(table) = toml::from_str::<toml::Table>(text) else { return };
    let Ok(rendered) = toml::to_string(&table) else { return };
    let again = parse_scenario(path, &rendered);
    assert_located(&rendered, &again);
    match (&verdict, &again) {
        (Ok(first), Ok(second)) => {
            assert_eq!(format!("{first:#?}"), format!("{second:#?}"), "re-rendered as\n{rendered}\nthe model changed")
        }
        (Err(_), Err(_)) => {}
        (Ok(_), Err(errors)) => panic!("accepted, but refused once re-rendered as\n{rendered}\n{}", messages(errors)),
        (Err(errors), Ok(_)) => panic!("refused ({}), but accepted once re-rendered as\n{rendered}", messages(errors)),
    }
}

fn messages(errors: &[ScenarioError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// Checks that every diagnostic of `verdict` points inside `text`, at its stated line and column.
fn assert_located<T>(text: &str, verdict: &Result<T, Vec<ScenarioError>>) {
    let Err(errors) = verdict else { return };
    assert!(!errors.is_empty(), "refused without a diagnostic");
    for error in errors {
        let labels: Vec<_> = error.labels().into_iter().flatten().collect();
        assert_eq!(labels.len(), 1, "{error} has {} labels", labels.len());
        for label in labels {
            let (start, end) = (label.offset(), label.offset() + label.len());
            assert!(
                end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end),
                "{error}: span {start}..{end} is not inside the {}-byte text",
                text.len()
            );
            assert_eq!((error.line, error.column), line_col(text, start), "{error}: line and column of {start}");
        }
        let rendered = crate::diagnostic::render(error, false);
        assert!(rendered.contains(&error.to_string()), "{error} does not render: {rendered}");
    }
}
