//! Checking expectations: exactly one check each, graded by the claim it names (narrowed, never
//! raised), and only checks that apply to their step's kind.

use std::ops::Range;

use toml::Spanned;

use super::action::ActionKind;
use super::format::ExpectFile;
use super::model::{Check, Expectation, ValueTest};
use super::parse::{Checker, Scope};
use crate::report::Evidence;

impl Checker<'_> {
    pub(super) fn expectation(
        &mut self,
        expect: &Spanned<ExpectFile>,
        kind: ActionKind,
        scope: &Scope,
    ) -> Option<Expectation> {
        let span = expect.span();
        let e = expect.get_ref();
        let (evidence, source, claim) = self.grading(e, span.clone())?;
        let check = self.check(e, span.clone(), kind, scope)?;
        if !kind.admits(&check) {
            self.error(span, format!("this check does not apply to a `{kind}` step"), "here", None);
            return None;
        }
        Some(Expectation { check, evidence, source, claim })
    }

    /// An expectation's grade, sources and claim: the claim's, narrowed by `evidence` if given;
    /// or, for a one-off without a claim, its own `evidence` and `source`.
    fn grading(&mut self, e: &ExpectFile, span: Range<usize>) -> Option<(Evidence, String, Option<String>)> {
        let narrowed = match &e.evidence {
            None => None,
            Some(evidence) => match Evidence::parse(evidence.get_ref()) {
                Some(grade) => Some((grade, evidence.span())),
                None => {
                    self.error(evidence.span(), "evidence is `documented`, `aws-seen` or `inferred`", "here", None);
                    return None;
                }
            },
        };
        let Some(id) = &e.claim else {
            let (Some((grade, _)), Some(source)) = (narrowed, &e.source) else {
                let help = "e.g. `claim = \"E1\"`; one-offs give `evidence` and `source` instead";
                self.error(span, "this expectation names no claim of the registry", "here", Some(help));
                return None;
            };
            if source.get_ref().trim().is_empty() {
                self.error(source.span(), "every expectation names its source", "empty", None);
            }
            return Some((grade, source.get_ref().clone(), None));
        };
        if let Some(source) = &e.source {
            let help = "the claim's sources apply; change them in the registry";
            self.error(source.span(), "an expectation with a `claim` has no `source` of its own", "here", Some(help));
        }
        let Some(claim) = self.claims.get(id.get_ref()) else {
            let help = "claims are the tables of scenarios/claims.toml (and of a claims.toml beside your scenarios)";
            self.error(id.span(), format!("no claim `{}` in the registry", id.get_ref()), "unknown claim", Some(help));
            return None;
        };
        let (grade, sources, claim_id, claim_grade) = (claim.grade, claim.sources.clone(), claim.id.clone(), claim.grade);
        match narrowed {
            Some((narrow, at)) if narrow < claim_grade => {
                let message = format!(
                    "`{narrow}` would raise claim `{claim_id}` above its grade, `{claim_grade}`"
                );
                let help = "an expectation may narrow its claim's grade, never raise it: raise the claim's grade in the registry, with its evidence";
                self.error(at, message, "raises the grade", Some(help));
                None
            }
            Some((narrow, _)) => Some((narrow, sources, Some(claim_id))),
            None => Some((grade, sources, Some(claim_id))),
        }
    }

    fn check(&mut self, e: &ExpectFile, span: Range<usize>, _kind: ActionKind, scope: &Scope) -> Option<Check> {
        let mut checks = Vec::new();
        if let Some(status) = &e.status {
            checks.push(Check::Status(*status.get_ref()));
        }
        if let Some(t) = &e.error_type {
            checks.push(Check::ErrorType(t.get_ref().clone()));
        }
        if let Some(m) = &e.message {
            checks.push(Check::Message(self.template(m, scope)));
        }
        if let Some(m) = &e.message_one_of {
            let allowed = m.get_ref().iter().map(|text| self.template_at(text, m.span(), scope)).collect();
            checks.push(Check::MessageOneOf(allowed));
        }
        if let Some(o) = &e.oauth_error {
            checks.push(Check::OAuthError(o.get_ref().clone()));
        }
        if let Some(b) = &e.body {
            checks.push(Check::Body(*b.get_ref()));
        }
        if let Some(path) = &e.body_has {
            checks.push(Check::BodyHas {
                path: path.get_ref().split('.').map(str::to_owned).collect(),
                present: e.present.unwrap_or(true),
            });
        }
        if let Some(name) = &e.header {
            let test = self.value_test(e, span.clone(), scope, true)?;
            checks.push(Check::Header { name: name.get_ref().to_ascii_lowercase(), test });
        }
        if let Some(claim) = &e.jwt_claim {
            let test = self.value_test(e, span.clone(), scope, false)?;
            checks.push(Check::Claim { name: claim.get_ref().clone(), test });
        }
        if let Some(outcome) = &e.offline {
            checks.push(Check::Offline(*outcome.get_ref()));
        }
        if let Some(no_echo) = &e.no_echo {
            if !no_echo.get_ref() {
                self.error(no_echo.span(), "`no_echo` can only be `true`", "here", None);
            }
            checks.push(Check::NoEcho);
        }
        for (flag, name, check) in [
            (&e.no_server_error, "no_server_error", Check::NoServerError),
            (&e.typed_error, "typed_error", Check::TypedError),
        ] {
            if let Some(flag) = flag {
                if !flag.get_ref() {
                    self.error(flag.span(), format!("`{name}` can only be `true`"), "here", None);
                }
                checks.push(check);
            }
        }
        let modifiers = e.equals.is_some() || e.differs.is_some() || e.contains.is_some();
        if modifiers && e.jwt_claim.is_none() && e.header.is_none() {
            self.error(span.clone(), "`equals`, `differs` and `contains` go with `jwt_claim` or `header`", "here", None);
        }
        if e.present.is_some() && e.jwt_claim.is_none() && e.header.is_none() && e.body_has.is_none() {
            self.error(span.clone(), "`present` goes with `jwt_claim`, `header` or `body_has`", "here", None);
        }
        if checks.len() != 1 {
            let message = if checks.is_empty() {
                "this expectation checks nothing"
            } else {
                "an expectation has exactly one check"
            };
            self.error(span, message, "here", Some("write one table per check, each naming its claim"));
            return None;
        }
        checks.pop()
    }

    fn value_test(&mut self, e: &ExpectFile, span: Range<usize>, scope: &Scope, header: bool) -> Option<ValueTest> {
        let mut tests = Vec::new();
        if let Some(present) = e.present {
            tests.push(ValueTest::Present(present));
        }
        if let Some(equals) = &e.equals {
            tests.push(ValueTest::Equals(self.template(equals, scope)));
        }
        if let Some(differs) = &e.differs {
            if header {
                self.error(differs.span(), "`differs` applies to claims only", "here", None);
            }
            tests.push(ValueTest::Differs(self.template(differs, scope)));
        }
        if let Some(contains) = &e.contains {
            tests.push(ValueTest::Contains(contains.get_ref().clone()));
        }
        match tests.len() {
            0 => Some(ValueTest::Present(true)),
            1 => tests.pop(),
            _ => {
                self.error(span, "use one of `present`, `equals`, `differs`, `contains`", "here", None);
                None
            }
        }
    }
}
