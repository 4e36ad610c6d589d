//! The README's reliability table, written by the hostile-input suites themselves.
//!
//! Each suite owns one table, between `<!-- reliability:NAME -->` and
//! `<!-- /reliability:NAME -->` in README.md. After its cases ran and passed, a suite renders its
//! rows from the very case list it ran (so the counts cannot drift from the tests) and compares
//! them with the README. `CC_UPDATE_README=1` rewrites the section instead of comparing.

use std::path::PathBuf;

/// One row: a class of hostile input, how many inputs of it the suite tried, and what happened.
pub struct Row {
    pub class: String,
    pub tried: usize,
    pub outcome: String,
}

impl Row {
    pub fn new(class: impl Into<String>, tried: usize, outcome: impl Into<String>) -> Row {
        Row { class: class.into(), tried, outcome: outcome.into() }
    }
}

fn readme() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../README.md")
}

fn render(rows: &[Row]) -> String {
    let mut table = String::from("| hostile input | tried | outcome |\n|---|---|---|\n");
    for row in rows {
        table.push_str(&format!("| {} | {} | {} |\n", row.class, row.tried, row.outcome));
    }
    table
}

/// Compares the suite's section of the README with `rows` (or rewrites it under
/// `CC_UPDATE_README=1`). Panics with the expected text when they differ.
pub fn check_section(name: &str, rows: &[Row]) {
    let path = readme();
    let text = std::fs::read_to_string(&path).expect("README.md is readable");
    let open = format!("<!-- reliability:{name} -->\n");
    let close = format!("<!-- /reliability:{name} -->");
    let start = text.find(&open).unwrap_or_else(|| panic!("README.md lacks `{open}`")) + open.len();
    let end = start + text[start..].find(&close).unwrap_or_else(|| panic!("README.md lacks `{close}`"));
    let expected = render(rows);
    if text[start..end] == expected {
        return;
    }
    if std::env::var_os("CC_UPDATE_README").is_some() {
        let updated = format!("{}{expected}{}", &text[..start], &text[end..]);
        std::fs::write(&path, updated).expect("README.md is writable");
        return;
    }
    panic!(
        "README.md's reliability rows for `{name}` are out of date (CC_UPDATE_README=1 rewrites them); \
         expected:\n{expected}"
    );
}
