//! The claims registry: each fact of the spec the suite checks, written once with its evidence
//! grade and its sources (`scenarios/claims.toml`). An expectation names its claim and inherits
//! both, so raising a fact's grade as evidence arrives is one edit, and a report can say which
//! facts a target breaks rather than which files.
//!
//! ```toml
//! [E1]
//! says = "A revoked refresh token no longer refreshes: HTTP 400"
//! grade = "documented"
//! sources = "API-RT, DG-REVOKE; spec §3 E1"
//! ```
//!
//! The embedded suite's registry is always there; a `claims.toml` beside a user's own scenarios
//! adds claims and overrides the embedded ones of the same id (an exported suite edited in place
//! keeps working).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;
use toml::Spanned;

use super::error::{Problems, ScenarioError};
use super::model::Check;
use crate::report::Evidence;

/// The registry's file name, in `scenarios/` and in a user's scenario directory.
pub const FILE_NAME: &str = "claims.toml";

/// The embedded suite's registry.
const EMBEDDED: &str = include_str!("../../../scenarios/claims.toml");

/// One fact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// Its id, e.g. `E1` or `E1-type`.
    pub id: String,
    /// The fact, in one sentence.
    pub says: String,
    /// How strong the evidence is; an expectation may narrow it, never raise it.
    pub grade: Evidence,
    /// Where it is stated or seen: a citation of `docs/spec.md` ([`crate::spec::citation`]).
    pub sources: String,
    /// The registry file it came from.
    pub file: PathBuf,
}

/// Every claim an expectation may name.
#[derive(Debug, Clone, Default)]
pub struct Claims {
    by_id: BTreeMap<String, Claim>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimFile {
    says: Spanned<String>,
    grade: Spanned<String>,
    sources: Spanned<String>,
}

impl Claims {
    /// The embedded suite's registry, as `scenarios/claims.toml`, parsed once per process (every
    /// scenario is checked against it).
    pub fn embedded() -> Result<&'static Self, Vec<ScenarioError>> {
        static PARSED: OnceLock<Option<Claims>> = OnceLock::new();
        let path = Path::new(crate::embedded::SCENARIO_DIR).join(FILE_NAME);
        match PARSED.get_or_init(|| Self::parse(&path, EMBEDDED).ok()) {
            Some(claims) => Ok(claims),
            // Invalid: parsed again for its diagnostics, which are not kept.
            None => Err(Self::parse(&path, EMBEDDED).err().unwrap_or_default()),
        }
    }

    /// The embedded registry's text.
    pub fn embedded_text() -> &'static str {
        EMBEDDED
    }

    /// Parses a registry file; every problem is located in `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Self, Vec<ScenarioError>> {
        let located = |span: Range<usize>, message: String, help: Option<String>| {
            ScenarioError::new(path, text, span, message, "here", help)
        };
        let tables: BTreeMap<String, Spanned<ClaimFile>> = toml::from_str(text).map_err(|error| {
            let span = error.span().unwrap_or(0..0);
            vec![located(span, error.message().trim().to_owned(), None)]
        })?;
        let mut claims = Claims::default();
        let mut errors = Problems::new(path, text);
        for (id, table) in tables {
            let span = table.span();
            let table = table.into_inner();
            if !is_claim_id(&id) {
                errors.add(span.clone(), format!("`{id}` is not a claim id"), "here", Some(ID_HELP.into()));
            }
            let grade = match Evidence::parse(table.grade.get_ref()) {
                Some(grade) => grade,
                None => {
                    let message = "grade is `documented`, `aws-seen` or `inferred`".to_owned();
                    errors.add(table.grade.span(), message, "here", None);
                    continue;
                }
            };
            for (field, value) in [("says", &table.says), ("sources", &table.sources)] {
                if value.get_ref().trim().is_empty() {
                    errors.add(value.span(), format!("`{field}` must not be empty"), "here", None);
                }
            }
            let claim = Claim {
                id: id.clone(),
                says: table.says.into_inner(),
                grade,
                sources: table.sources.into_inner(),
                file: path.to_path_buf(),
            };
            claims.by_id.insert(id, claim);
        }
        if errors.is_empty() { Ok(claims) } else { Err(errors.into_vec()) }
    }

    /// This registry with `other`'s claims added, replacing those of the same id.
    pub fn overridden_by(mut self, other: Claims) -> Self {
        self.by_id.extend(other.by_id);
        self
    }

    /// The claim `id`, if there is one.
    pub fn get(&self, id: &str) -> Option<&Claim> {
        self.by_id.get(id)
    }

    /// Every claim, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Claim> {
        self.by_id.values()
    }

    /// How many claims.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

const ID_HELP: &str = "claim ids are letters, digits, `.` and `-`, starting with a letter or digit (`E1`, `E1-type`)";

/// Whether `id` may name a claim.
pub fn is_claim_id(id: &str) -> bool {
    id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// The checks every step that talks to the target gets by default, each bound to its claim. A step
/// opts out by naming the claim in `exempt = [...]`, where the spec says the check does not apply;
/// a step that states the same check itself (with a stronger claim) replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SuiteCheck {
    /// No token, secret or hash of the scenario quoted in an answer.
    NoEcho,
    /// No server error (5xx) for anything the suite sends.
    NoServerError,
    /// An error answer names its error (`__type`, OAuth `error`).
    TypedError,
}

impl SuiteCheck {
    /// All of them, in report order.
    pub const ALL: [SuiteCheck; 3] = [SuiteCheck::NoEcho, SuiteCheck::NoServerError, SuiteCheck::TypedError];

    /// The claim it is bound to (and the name a step opts out with).
    pub fn claim(self) -> &'static str {
        match self {
            SuiteCheck::NoEcho => "no-echo",
            SuiteCheck::NoServerError => "no-5xx",
            SuiteCheck::TypedError => "typed-errors",
        }
    }

    /// The check it makes.
    pub fn check(self) -> Check {
        match self {
            SuiteCheck::NoEcho => Check::NoEcho,
            SuiteCheck::NoServerError => Check::NoServerError,
            SuiteCheck::TypedError => Check::TypedError,
        }
    }

    /// The suite check an explicit check stands in for, if any.
    pub fn of(check: &Check) -> Option<SuiteCheck> {
        SuiteCheck::ALL.into_iter().find(|suite| std::mem::discriminant(&suite.check()) == std::mem::discriminant(check))
    }

    /// The suite check opted out of by `name`.
    pub fn named(name: &str) -> Option<SuiteCheck> {
        SuiteCheck::ALL.into_iter().find(|suite| suite.claim() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Claims, Vec<ScenarioError>> {
        Claims::parse(Path::new("claims.toml"), text)
    }

    #[test]
    fn the_embedded_registry_parses_and_binds_every_suite_check() {
        let claims = Claims::embedded().expect("scenarios/claims.toml is valid");
        for suite in SuiteCheck::ALL {
            assert!(claims.get(suite.claim()).is_some(), "no claim `{}`", suite.claim());
        }
    }

    #[test]
    fn a_claim_has_its_grade_and_sources() {
        let claims = parse("[E1]\nsays = \"x\"\ngrade = \"aws-seen\"\nsources = \"API-RT; spec §3 E1\"\n").unwrap();
        let claim = claims.get("E1").unwrap();
        assert_eq!((claim.grade, claim.sources.as_str()), (Evidence::AwsSeen, "API-RT; spec §3 E1"));
    }

    #[test]
    fn problems_are_located() {
        let errors = parse("[E1]\nsays = \"x\"\ngrade = \"certain\"\nsources = \"s\"\n").unwrap_err();
        assert_eq!((errors[0].line, errors[0].column), (3, 9), "{errors:?}");
        let errors = parse("[E1]\nsays = \"x\"\ngrade = \"inferred\"\nsource = \"s\"\n").unwrap_err();
        assert_eq!(errors[0].line, 4, "{errors:?}");
        assert!(parse("[\"E 1\"]\nsays = \"x\"\ngrade = \"inferred\"\nsources = \"s\"\n").is_err());
    }

    #[test]
    fn a_directory_registry_overrides_by_id() {
        let base = parse("[E1]\nsays = \"x\"\ngrade = \"inferred\"\nsources = \"a\"\n").unwrap();
        let mine = parse("[E1]\nsays = \"x\"\ngrade = \"documented\"\nsources = \"b\"\n[Z9]\nsays = \"z\"\ngrade = \"inferred\"\nsources = \"c\"\n").unwrap();
        let merged = base.overridden_by(mine);
        assert_eq!(merged.get("E1").unwrap().grade, Evidence::Documented);
        assert_eq!(merged.len(), 2);
    }

    #[test]
    fn suite_checks_are_found_by_claim_and_by_check() {
        for suite in SuiteCheck::ALL {
            assert_eq!(SuiteCheck::named(suite.claim()), Some(suite));
            assert_eq!(SuiteCheck::of(&suite.check()), Some(suite));
        }
        assert_eq!(SuiteCheck::of(&Check::Status(200)), None);
    }
}
