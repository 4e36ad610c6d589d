//! The matrix by claim: for each fact of the claims registry, how many of the scenarios that
//! check it each target meets. An emulator's author reads "breaks E4 in 3 scenarios" as one thing
//! to fix, where the scenario table shows three failing files.

use std::collections::BTreeMap;

use crate::report::model::{Evidence, Verdict};
use crate::snapshot::Transcript;

/// One claim across every target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRow {
    /// The claim's id (`E4`, `no-echo`).
    pub claim: String,
    /// Its grade: the strongest any expectation checks it at (an expectation may narrow it).
    pub grade: Evidence,
    /// One cell per target, in the matrix's target order.
    pub cells: Vec<ClaimCell>,
}

/// One claim on one target, counted in scenarios.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClaimCell {
    /// Scenarios in which every expectation of the claim passed.
    pub met: usize,
    /// Scenarios in which one failed (`fail`).
    pub failed: usize,
    /// Scenarios in which one only warned (an inferred expectation not met).
    pub warned: usize,
    /// Scenarios that check the claim where it was not judged (unsupported, skipped, error).
    pub not_judged: usize,
}

impl ClaimCell {
    /// Scenarios in which the claim was judged.
    pub fn judged(&self) -> usize {
        self.met + self.failed + self.warned
    }

    /// How the cell reads: the worst outcome's symbol, then met over judged (`❌ 2/5`), or
    /// `➖ not judged` when no scenario judged it.
    pub fn label(&self) -> String {
        let symbol = match () {
            _ if self.failed > 0 => "❌",
            _ if self.warned > 0 => "⚠️",
            _ if self.met > 0 => "✅",
            _ => return "➖ not judged".into(),
        };
        format!("{symbol} {}/{}", self.met, self.judged())
    }
}

/// The claims checked in `columns` (one map of transcripts by scenario per target), sorted by id.
pub fn claim_rows(columns: &[BTreeMap<&str, &Transcript>]) -> Vec<ClaimRow> {
    let mut rows: BTreeMap<String, ClaimRow> = BTreeMap::new();
    for (index, column) in columns.iter().enumerate() {
        for transcript in column.values() {
            let mut per_claim: BTreeMap<&str, Vec<Verdict>> = BTreeMap::new();
            for line in &transcript.expectations {
                let Some(claim) = line.claim.as_deref() else { continue };
                per_claim.entry(claim).or_default().push(line.verdict);
                let row = rows.entry(claim.to_owned()).or_insert_with(|| ClaimRow {
                    claim: claim.to_owned(),
                    grade: line.evidence,
                    cells: vec![ClaimCell::default(); columns.len()],
                });
                row.grade = row.grade.min(line.evidence);
            }
            for (claim, verdicts) in per_claim {
                let cell = &mut rows.get_mut(claim).expect("entered above").cells[index];
                match Verdict::combine(verdicts) {
                    Verdict::Pass => cell.met += 1,
                    Verdict::Fail => cell.failed += 1,
                    Verdict::Warn => cell.warned += 1,
                    Verdict::Unsupported | Verdict::Skipped | Verdict::Error => cell.not_judged += 1,
                }
            }
        }
    }
    rows.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::fixture::transcript;

    #[test]
    fn each_target_counts_the_scenarios_that_meet_or_break_a_claim() {
        let reference = [
            transcript("a", Verdict::Pass, &[(Evidence::Documented, Verdict::Pass), (Evidence::Inferred, Verdict::Pass)]),
            transcript("b", Verdict::Pass, &[(Evidence::Documented, Verdict::Pass)]),
        ];
        let emulator = [
            transcript("a", Verdict::Fail, &[(Evidence::Documented, Verdict::Fail), (Evidence::Inferred, Verdict::Warn)]),
            transcript("b", Verdict::Unsupported, &[(Evidence::Documented, Verdict::Unsupported)]),
        ];
        let columns: Vec<BTreeMap<&str, &Transcript>> = [&reference, &emulator]
            .iter()
            .map(|transcripts| transcripts.iter().map(|t| (t.scenario.as_str(), t)).collect())
            .collect();
        let rows = claim_rows(&columns);
        // The fixture names each expectation's claim `C<index>`: C0 is checked by a and b, C1 by a.
        assert_eq!(rows.iter().map(|r| r.claim.as_str()).collect::<Vec<_>>(), ["C0", "C1"]);
        assert_eq!(rows[0].cells[0], ClaimCell { met: 2, ..ClaimCell::default() });
        assert_eq!(rows[0].cells[1], ClaimCell { failed: 1, not_judged: 1, ..ClaimCell::default() });
        assert_eq!((rows[0].cells[0].label(), rows[0].cells[1].label()), ("✅ 2/2".into(), "❌ 0/1".into()));
        assert_eq!((rows[1].grade, rows[1].cells[1].label()), (Evidence::Inferred, "⚠️ 0/1".into()));
    }
}
