//! The suite-wide checks (no echo, no 5xx, typed errors): judged on every step that answers, and
//! reported once per scenario and check, so a report names the steps that broke the claim rather
//! than repeating a pass on every step.

use super::context::{Context, StepOutput};
use super::judge::judge;
use crate::report::{ExpectationResult, Verdict};
use crate::scenario::claims::SuiteCheck;
use crate::scenario::model::{Expectation, Scenario, Step};

/// What a passing suite-wide check reports as its step.
pub const EVERY_STEP: &str = "every step";

/// The suite-wide checks of one scenario, as its steps are judged.
pub(super) struct SuiteTally<'a> {
    bound: &'a [(SuiteCheck, Expectation)],
    judged: Vec<(SuiteCheck, ExpectationResult)>,
}

impl<'a> SuiteTally<'a> {
    pub(super) fn new(scenario: &'a Scenario) -> Self {
        Self { bound: &scenario.suite_checks, judged: Vec::new() }
    }

    /// Judges `step`'s answer by each suite-wide check that applies to it.
    pub(super) fn judge(&mut self, ctx: &mut Context, step: &Step, output: &StepOutput, strict: bool) {
        for (suite, expectation) in self.bound.iter().filter(|(suite, _)| step.suite_checks.contains(suite)) {
            self.judged.push((*suite, judge(ctx, &step.name, output, expectation, strict)));
        }
    }

    /// One result per check that judged any step, under [`EVERY_STEP`] (so a baseline's entry keeps
    /// its key whichever steps break it): a pass, or the worst verdict with what each step that
    /// broke the check did.
    pub(super) fn finish(self) -> Vec<ExpectationResult> {
        let mut results = Vec::new();
        for (suite, _) in self.bound {
            let judged: Vec<&ExpectationResult> =
                self.judged.iter().filter(|(s, _)| s == suite).map(|(_, result)| result).collect();
            let Some(first) = judged.first() else { continue };
            let broken: Vec<&ExpectationResult> = judged.iter().copied().filter(|r| r.verdict != Verdict::Pass).collect();
            let result = match broken.first() {
                None => ExpectationResult {
                    step: EVERY_STEP.into(),
                    expected: String::new(),
                    actual: String::new(),
                    ..(*first).clone()
                },
                Some(worst) => ExpectationResult {
                    step: EVERY_STEP.into(),
                    verdict: Verdict::combine(broken.iter().map(|r| r.verdict)),
                    actual: broken.iter().map(|r| format!("step `{}`: {}", r.step, r.actual)).collect::<Vec<_>>().join("\n"),
                    ..(*worst).clone()
                },
            };
            results.push(result);
        }
        results
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_scenario;

    fn scenario() -> Scenario {
        let text = "title = \"t\"\nspec = \"§1.1\"\n\n[[steps]]\nname = \"a\"\nget_user = { access_token = \"x\" }\n\n\
                    [[steps]]\nname = \"b\"\nget_user = { access_token = \"y\" }\nexempt = [\"typed-errors\"]\n";
        parse_scenario(std::path::Path::new("s.toml"), text).expect("valid")
    }

    fn answer(status: u16, body: &str) -> StepOutput {
        let exchange = crate::wire::Exchange {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            elapsed: std::time::Duration::ZERO,
        };
        StepOutput { json: exchange.json(), exchange: Some(exchange), ..StepOutput::default() }
    }

    #[test]
    fn a_clean_run_reports_one_pass_per_check() {
        let scenario = scenario();
        let mut tally = SuiteTally::new(&scenario);
        let mut ctx = Context::default();
        for step in &scenario.steps {
            tally.judge(&mut ctx, step, &answer(200, "{}"), false);
        }
        let results = tally.finish();
        let checks: Vec<(&str, Verdict)> = results.iter().map(|r| (r.step.as_str(), r.verdict)).collect();
        assert_eq!(checks, [(EVERY_STEP, Verdict::Pass); 3]);
        assert_eq!(results[0].claim.as_deref(), Some("no-echo"));
    }

    #[test]
    fn a_broken_check_names_the_steps_that_broke_it_and_respects_exemptions() {
        let scenario = scenario();
        let mut tally = SuiteTally::new(&scenario);
        let mut ctx = Context::default();
        tally.judge(&mut ctx, &scenario.steps[0], &answer(500, "oops"), false);
        tally.judge(&mut ctx, &scenario.steps[1], &answer(503, "down"), false);
        let results = tally.finish();
        let no_5xx = results.iter().find(|r| r.claim.as_deref() == Some("no-5xx")).unwrap();
        assert_eq!((no_5xx.step.as_str(), no_5xx.verdict), (EVERY_STEP, Verdict::Warn));
        assert_eq!(no_5xx.actual, "step `a`: 500\nstep `b`: 503");
        let typed = results.iter().find(|r| r.claim.as_deref() == Some("typed-errors")).unwrap();
        assert!(typed.actual.starts_with("step `a`: ") && !typed.actual.contains("step `b`"), "b is exempt: {}", typed.actual);
    }
}
