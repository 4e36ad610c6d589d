//! A run measured against a baseline: what still matches, what is new, what changed, what is stale.
//!
//! Expectations are keyed by (scenario, step, check). Only scenarios the run includes are looked
//! at, so a run narrowed with `--filter` or `--tag` does not call the other entries stale. If a
//! scenario judges the same check of the same step twice, the key gets the most serious of those
//! verdicts, here and in [`generate`](super::generate), so a generated baseline always matches the
//! run it came from.
//!
//! An `error` verdict is set apart ([`BaselineOutcome::unchecked`]), and so is an expectation an
//! error made the scenario skip (an unreachable target errs while provisioning and skips them
//! all): the check could not be made, so the run neither matches an entry nor departs from one,
//! and no entry is suggested for it (a baseline never records an error, see
//! [`recordable`](super::recordable)).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;

use super::file::{Baseline, ExpectationKey, KnownIssue};
use crate::report::model::Volatile;
use crate::report::{ExpectationResult, ScenarioResult, Verdict};
use crate::runner::judge::describe;
use crate::runner::suite_checks::EVERY_STEP;
use crate::scenario::Scenario;

/// A pre-filled reason is cut to this many characters: enough to recognise the observation.
const REASON_CHARS: usize = 200;

/// What a run observed for one expectation key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// The scenario id.
    pub scenario: String,
    /// The judged expectation (the most serious one, if the key occurs more than once), with the
    /// ids and names its run assigned replaced by `<client-id>`, `<pool-id>`, ….
    pub expectation: ExpectationResult,
}

impl Observation {
    /// The key this observation is filed under.
    pub fn key(&self) -> ExpectationKey {
        ExpectationKey::of(&self.scenario, &self.expectation)
    }

    /// The verdict observed.
    pub fn verdict(&self) -> Verdict {
        self.expectation.verdict
    }

    /// The observation in one line, for a pre-filled reason: `expected 200, got 500 (rule: …)`.
    pub fn describe(&self) -> String {
        let e = &self.expectation;
        let mut text = match (e.expected.is_empty(), e.actual.is_empty()) {
            (true, true) => "not checked".to_owned(),
            (false, true) => format!("expected {}, not checked", e.expected),
            (true, false) => format!("got {}", e.actual),
            (false, false) => format!("expected {}, got {}", e.expected, e.actual),
        };
        if let Some(rule) = &e.rule {
            text.push_str(&format!(" (rule: {rule})"));
        }
        one_line(&text, REASON_CHARS)
    }

    /// A baseline entry recording this observation, its reason pre-filled by [`describe`](Self::describe).
    pub fn to_known(&self) -> KnownIssue {
        KnownIssue { key: self.key(), verdict: self.verdict(), reason: self.describe() }
    }
}

/// `text` on one line (runs of whitespace become one space), cut to `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() <= max {
        return joined;
    }
    let mut cut: String = joined.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

/// One observation per key, in scenario then file order.
pub(super) fn observations<'a>(results: impl IntoIterator<Item = &'a ScenarioResult>) -> Vec<Observation> {
    let mut order: Vec<Observation> = Vec::new();
    let mut index: BTreeMap<ExpectationKey, usize> = BTreeMap::new();
    for scenario in results {
        for expectation in &scenario.expectations {
            let key = ExpectationKey::of(&scenario.id, expectation);
            let mut expectation = without_volatile(expectation, &scenario.volatile);
            // What an error skipped was not checked either: it is as unknown as the error itself.
            if scenario.verdict == Verdict::Error && expectation.verdict == Verdict::Skipped {
                expectation.verdict = Verdict::Error;
            }
            match index.get(&key) {
                Some(&at) => {
                    let kept = &mut order[at].expectation;
                    if expectation.verdict.severity() > kept.verdict.severity() {
                        *kept = expectation;
                    }
                }
                None => {
                    index.insert(key, order.len());
                    order.push(Observation { scenario: scenario.id.clone(), expectation });
                }
            }
        }
    }
    order
}

/// Volatile values shorter than this are left alone: replacing them would mangle ordinary text.
const MIN_VOLATILE_LEN: usize = 4;

/// UUIDs (`jti`, `origin_jti`, `sub`, …) differ on every run.
static UUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}").expect("a valid pattern")
});

/// `expectation` with the ids and names its run assigned replaced by `<client-id>`, `<pool-id>`, …
/// and UUIDs by `<uuid>`, so that a reason written from it does not change from run to run.
fn without_volatile(expectation: &ExpectationResult, volatile: &[Volatile]) -> ExpectationResult {
    let replace = |text: &str| {
        let text = volatile
            .iter()
            .filter(|v| v.value.len() >= MIN_VOLATILE_LEN)
            .fold(text.to_owned(), |text, v| text.replace(&v.value, &format!("<{}>", v.label)));
        UUID.replace_all(&text, "<uuid>").into_owned()
    };
    ExpectationResult {
        expected: replace(&expectation.expected),
        actual: replace(&expectation.actual),
        rule: expectation.rule.as_deref().map(replace),
        ..expectation.clone()
    }
}

/// A baseline entry the target no longer matches with the same verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    /// The entry as the baseline has it.
    pub known: KnownIssue,
    /// What the run observed instead.
    pub now: Observation,
}

/// Why a baseline entry no longer describes the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaleWhy {
    /// The expectation now passes.
    Passes,
    /// The scenario ran but has no such step and check any more.
    NoSuchExpectation,
}

/// A baseline entry to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    /// The entry.
    pub known: KnownIssue,
    /// Why it is stale.
    pub why: StaleWhy,
}

/// How a run compares with a baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaselineOutcome {
    /// Non-passing expectations the baseline lists with the same verdict.
    pub matched: usize,
    /// Non-passing expectations the baseline does not list, in scenario then file order.
    pub new_failures: Vec<Observation>,
    /// Entries whose expectation got another non-pass verdict, in scenario then file order.
    pub changed: Vec<Changed>,
    /// Entries that no longer describe the target, in baseline order.
    pub stale: Vec<Stale>,
    /// Entries for scenarios the run did not include: not checked either way.
    pub not_run: usize,
    /// Scenarios that ran but are listed unstable, so were not judged: id and reason.
    pub unstable: Vec<(String, String)>,
    /// Expectations that could not be checked (verdict `error`), so were not judged either way.
    pub unchecked: Vec<Observation>,
}

impl BaselineOutcome {
    /// Whether the run is exactly what the baseline says: nothing new, changed or stale, and
    /// nothing left unchecked.
    pub fn is_clean(&self) -> bool {
        self.new_failures.is_empty() && self.changed.is_empty() && self.stale.is_empty() && self.unchecked.is_empty()
    }
}

/// Compares a run's `results` with `baseline`.
pub fn compare(baseline: &Baseline, results: &[ScenarioResult]) -> BaselineOutcome {
    let (unstable, judged): (Vec<&ScenarioResult>, Vec<&ScenarioResult>) =
        results.iter().partition(|r| baseline.unstable(&r.id).is_some());
    let observed = observations(judged.iter().copied());
    let by_key: BTreeMap<ExpectationKey, &Observation> = observed.iter().map(|o| (o.key(), o)).collect();
    let mut outcome = BaselineOutcome {
        unstable: unstable
            .iter()
            .filter_map(|r| baseline.unstable(&r.id).map(|u| (u.scenario.clone(), u.reason.clone())))
            .collect(),
        ..BaselineOutcome::default()
    };
    for observation in observed.iter().filter(|o| o.verdict() != Verdict::Pass) {
        if observation.verdict() == Verdict::Error {
            outcome.unchecked.push(observation.clone());
            continue;
        }
        match baseline.get(&observation.key()) {
            Some(known) if known.verdict == observation.verdict() => outcome.matched += 1,
            Some(known) => outcome.changed.push(Changed { known: known.clone(), now: observation.clone() }),
            None => outcome.new_failures.push(observation.clone()),
        }
    }
    let ran: BTreeSet<&str> = judged.iter().map(|s| s.id.as_str()).collect();
    for known in &baseline.known {
        if !ran.contains(known.key.scenario.as_str()) {
            outcome.not_run += 1;
            continue;
        }
        let why = match by_key.get(&known.key) {
            None => StaleWhy::NoSuchExpectation,
            Some(observation) if observation.verdict() == Verdict::Pass => StaleWhy::Passes,
            Some(_) => continue,
        };
        outcome.stale.push(Stale { known: known.clone(), why });
    }
    outcome
}

/// Entries naming an expectation that no scenario of `suite` states. [`compare`] looks only at the
/// scenarios a run includes, so an entry with a misspelt scenario id would otherwise never be
/// checked at all; a run of the whole suite, or a test over the committed baselines, asks this.
pub fn unknown_entries<'a>(baseline: &'a Baseline, suite: &[Scenario]) -> Vec<&'a KnownIssue> {
    let stated: BTreeSet<ExpectationKey> = suite
        .iter()
        .flat_map(|scenario| {
            let steps = scenario.steps.iter().flat_map(move |step| {
                step.expectations.iter().map(move |e| ExpectationKey {
                    scenario: scenario.id.clone(),
                    step: step.name.clone(),
                    check: describe(&e.check),
                })
            });
            // A suite-wide check is reported once per scenario, under every step.
            let suite_wide = scenario.suite_checks.iter().map(move |(_, e)| ExpectationKey {
                scenario: scenario.id.clone(),
                step: EVERY_STEP.into(),
                check: describe(&e.check),
            });
            steps.chain(suite_wide)
        })
        .collect();
    baseline.known.iter().filter(|known| !stated.contains(&known.key)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture::{expectation, scenario, scenarios};

    fn known(scenario: &str, step: &str, check: &str, verdict: Verdict) -> KnownIssue {
        let key = ExpectationKey { scenario: scenario.into(), step: step.into(), check: check.into() };
        KnownIssue { key, verdict, reason: "known".into() }
    }

    fn run() -> Vec<ScenarioResult> {
        vec![
            scenario(
                "revoke-twice",
                Verdict::Fail,
                vec![
                    expectation("revoke", "status = 200", Verdict::Pass, "200", "200"),
                    expectation("refresh", "status = 400", Verdict::Fail, "400", "200"),
                ],
            ),
            scenario(
                "revoke-hosted",
                Verdict::Unsupported,
                vec![expectation("revoke", "status = 200", Verdict::Unsupported, "200", "400")],
            ),
        ]
    }

    #[test]
    fn unstable_scenarios_are_not_judged() {
        let baseline = Baseline {
            target: "moto".into(),
            known: Vec::new(),
            unstable: vec![
                super::super::Unstable { scenario: "revoke-twice".into(), reason: "timing".into() },
                super::super::Unstable { scenario: "revoke-hosted".into(), reason: "timing".into() },
            ],
        };
        let outcome = compare(&baseline, &run());
        assert!(outcome.new_failures.iter().all(|o| o.scenario != "revoke-twice" && o.scenario != "revoke-hosted"));
        assert_eq!(outcome.unstable.len(), 2);
    }

    #[test]
    fn an_entry_with_the_same_verdict_matches() {
        let baseline = Baseline {
            target: "moto".into(),
            known: vec![
                known("revoke-twice", "refresh", "status = 400", Verdict::Fail),
                known("revoke-hosted", "revoke", "status = 200", Verdict::Unsupported),
            ],
            unstable: Vec::new(),
        };
        let outcome = compare(&baseline, &run());
        assert_eq!(outcome.matched, 2);
        assert!(outcome.is_clean(), "{outcome:?}");
    }

    #[test]
    fn a_non_pass_result_not_in_the_baseline_is_new() {
        let baseline = Baseline {
            target: "moto".into(),
            known: vec![known("revoke-hosted", "revoke", "status = 200", Verdict::Unsupported)],
            unstable: Vec::new(),
        };
        let outcome = compare(&baseline, &run());
        assert_eq!(outcome.matched, 1);
        assert_eq!(outcome.new_failures.len(), 1);
        assert_eq!(outcome.new_failures[0].key().to_string(), "revoke-twice: step `refresh`: status = 400");
        assert!(!outcome.is_clean());
    }

    #[test]
    fn another_non_pass_verdict_is_a_change_showing_both() {
        let baseline = Baseline {
            target: "moto".into(),
            known: vec![
                known("revoke-twice", "refresh", "status = 400", Verdict::Unsupported),
                known("revoke-hosted", "revoke", "status = 200", Verdict::Unsupported),
            ],
            unstable: Vec::new(),
        };
        let outcome = compare(&baseline, &run());
        assert_eq!(outcome.matched, 1);
        assert_eq!(outcome.changed.len(), 1);
        let changed = &outcome.changed[0];
        assert_eq!((changed.known.verdict, changed.now.verdict()), (Verdict::Unsupported, Verdict::Fail));
        assert!(outcome.new_failures.is_empty() && outcome.stale.is_empty());
    }

    #[test]
    fn entries_that_now_pass_or_name_nothing_are_stale() {
        let baseline = Baseline {
            target: "moto".into(),
            known: vec![
                known("revoke-twice", "revoke", "status = 200", Verdict::Fail),
                known("revoke-twice", "refresh", "status = 400", Verdict::Fail),
                known("revoke-twice", "gone", "status = 200", Verdict::Fail),
                known("revoke-twice", "refresh", "status = 401", Verdict::Fail),
                known("revoke-hosted", "revoke", "status = 200", Verdict::Unsupported),
            ],
            unstable: Vec::new(),
        };
        let outcome = compare(&baseline, &run());
        let stale: Vec<_> = outcome.stale.iter().map(|s| (s.known.key.to_string(), s.why)).collect();
        assert_eq!(
            stale,
            [
                ("revoke-twice: step `revoke`: status = 200".to_owned(), StaleWhy::Passes),
                ("revoke-twice: step `gone`: status = 200".to_owned(), StaleWhy::NoSuchExpectation),
                ("revoke-twice: step `refresh`: status = 401".to_owned(), StaleWhy::NoSuchExpectation),
            ]
        );
        assert_eq!(outcome.matched, 2);
    }

    #[test]
    fn scenarios_the_run_did_not_include_are_ignored() {
        let baseline = Baseline {
            target: "moto".into(),
            known: vec![
                known("revoke-twice", "refresh", "status = 400", Verdict::Fail),
                known("revoke-hosted", "revoke", "status = 200", Verdict::Unsupported),
                known("not-selected", "revoke", "status = 200", Verdict::Fail),
            ],
            unstable: Vec::new(),
        };
        let filtered: Vec<_> = run().into_iter().take(1).collect();
        let outcome = compare(&baseline, &filtered);
        assert!(outcome.is_clean(), "{outcome:?}");
        assert_eq!((outcome.matched, outcome.not_run), (1, 2));
    }

    #[test]
    fn an_empty_baseline_makes_every_problem_new_but_errors() {
        let outcome = compare(&Baseline::empty("reference"), &scenarios());
        let verdicts: Vec<_> = outcome.new_failures.iter().map(Observation::verdict).collect();
        assert_eq!(
            verdicts,
            [Verdict::Fail, Verdict::Fail, Verdict::Skipped, Verdict::Warn, Verdict::Unsupported, Verdict::Skipped]
        );
        let unchecked: Vec<_> = outcome.unchecked.iter().map(Observation::key).collect();
        assert_eq!(unchecked.len(), 1);
        assert_eq!(unchecked[0].to_string(), "sign-in-basic: step `sign-in`: status = 200");
        assert!(!outcome.is_clean());
    }

    #[test]
    fn what_an_error_skipped_is_unchecked_too() {
        let mut unreachable = scenario(
            "revoke-twice",
            Verdict::Error,
            vec![
                expectation("revoke", "status = 200", Verdict::Skipped, "200", ""),
                expectation("refresh", "status = 400", Verdict::Skipped, "400", ""),
            ],
        );
        unreachable.reason = Some("CreateUserPool: cannot connect (target unreachable)".into());
        let outcome = compare(&Baseline::empty("moto"), &[unreachable]);
        assert!(outcome.new_failures.is_empty(), "{outcome:?}");
        assert_eq!(outcome.unchecked.len(), 2);
    }

    #[test]
    fn an_error_where_the_baseline_has_an_entry_is_unchecked_not_stale_nor_changed() {
        let results = vec![scenario(
            "revoke-twice",
            Verdict::Error,
            vec![expectation("refresh", "status = 400", Verdict::Error, "400", "")],
        )];
        let baseline = Baseline {
            target: "moto".into(),
            known: vec![known("revoke-twice", "refresh", "status = 400", Verdict::Fail)],
            unstable: Vec::new(),
        };
        let outcome = compare(&baseline, &results);
        assert!(outcome.changed.is_empty() && outcome.stale.is_empty() && outcome.new_failures.is_empty());
        assert_eq!(outcome.unchecked.len(), 1);
        assert!(!outcome.is_clean());
    }

    #[test]
    fn a_key_judged_twice_gets_its_most_serious_verdict() {
        let results = vec![scenario(
            "twice",
            Verdict::Fail,
            vec![
                expectation("s", "status = 200", Verdict::Warn, "200", "500"),
                expectation("s", "status = 200", Verdict::Fail, "200", "500"),
            ],
        )];
        let baseline = Baseline {
            target: "moto".into(),
            known: vec![known("twice", "s", "status = 200", Verdict::Fail)],
            unstable: Vec::new(),
        };
        let outcome = compare(&baseline, &results);
        assert!(outcome.is_clean(), "{outcome:?}");
        assert_eq!(outcome.matched, 1);
    }

    #[test]
    fn entries_the_suite_does_not_state_are_unknown() {
        let text = "id = \"revoke-twice\"\ntitle = \"t\"\nspec = \"§1\"\n[[clients]]\nname = \"app\"\n[[users]]\n\
                    name = \"alice\"\n[[steps]]\nname = \"refresh\"\nsign_in = { client = \"app\", user = \"alice\" }\n\
                    expect = [{ status = 400, evidence = \"documented\", source = \"API\" }]\n";
        let suite = [crate::scenario::parse_scenario(std::path::Path::new("revoke-twice.toml"), text).expect("valid")];
        let baseline = Baseline {
            target: "moto".into(),
            known: vec![
                known("revoke-twice", "refresh", "status = 400", Verdict::Fail),
                known("revoke-twise", "refresh", "status = 400", Verdict::Fail),
                known("revoke-twice", "refresh", "status = 401", Verdict::Fail),
            ],
            unstable: Vec::new(),
        };
        let unknown: Vec<_> = unknown_entries(&baseline, &suite).into_iter().map(|k| k.key.to_string()).collect();
        assert_eq!(
            unknown,
            ["revoke-twise: step `refresh`: status = 400", "revoke-twice: step `refresh`: status = 401"]
        );
    }

    #[test]
    fn ids_the_run_assigned_and_uuids_are_left_out_of_reasons() {
        let actual = "0e588614-ec6c-4bac-8d20-b20e08b82e23";
        let mut e = expectation("s", "message = \"x\"", Verdict::Fail, "Unable to verify abcd1234", actual);
        e.rule = Some("pool us-east-1_Xy9 abcd1234".into());
        let mut result = scenario("ids", Verdict::Fail, vec![e]);
        result.volatile = vec![
            Volatile { value: "abcd1234".into(), label: "client-id" },
            Volatile { value: "Xy9".into(), label: "pool-id" },
        ];
        let observed = observations(&[result]);
        assert_eq!(
            observed[0].describe(),
            "expected Unable to verify <client-id>, got <uuid> (rule: pool us-east-1_Xy9 <client-id>)"
        );
    }

    #[test]
    fn describe_is_one_bounded_line_with_the_rule() {
        let mut e = expectation("revoke", "status = 200", Verdict::Unsupported, "200", "400\nUnknownOperation");
        e.rule = Some("unknown-operation".into());
        let observation = Observation { scenario: "s".into(), expectation: e };
        assert_eq!(observation.describe(), "expected 200, got 400 UnknownOperation (rule: unknown-operation)");
        let mut long = observation.clone();
        long.expectation.actual = "x".repeat(1_000);
        assert_eq!(long.describe().chars().count(), REASON_CHARS);
        let mut skipped = expectation("revoke", "status = 200", Verdict::Skipped, "", "");
        skipped.rule = Some("prerequisite step `login` failed".into());
        let skipped = Observation { scenario: "s".into(), expectation: skipped };
        assert_eq!(skipped.describe(), "not checked (rule: prerequisite step `login` failed)");
    }
}
