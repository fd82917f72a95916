//! What a user sees: the run table on the terminal, and
//! `target/pinref/report.json` (a contract for CI consumers: its keys are
//! stable) and `report.md`.

pub mod counterexample;
pub mod history;
pub mod json;
pub mod markdown;
pub mod table;

use crate::engines::outcome::Outcome;
use crate::mutation::Hunt;
use crate::properties::Property;
use crate::scenarios;

/// One run of the main job: a scenario, on a scheme, on an engine.
#[derive(Debug, Clone)]
pub struct Run {
    /// The scenario's name.
    pub scenario: &'static str,
    /// The scheme's name.
    pub scheme: &'static str,
    /// The engine's name (`loom`, `proptest`, ...).
    pub engine: &'static str,
    /// The preemption bound used (`None`: unbounded).
    pub preemption_bound: Option<usize>,
    /// What it found.
    pub outcome: Outcome,
}

/// One flawed variant of the mutation run: what is wrong with it, and
/// what caught it.
#[derive(Debug, Clone)]
pub struct Mutant {
    /// The mistake, in one sentence.
    pub flaw: &'static str,
    /// The property the catalogue says should catch it.
    pub expected_property: Property,
    /// What the hunt found.
    pub hunt: Hunt,
}

/// The main job's report.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Every run, in the order they ran.
    pub runs: Vec<Run>,
    /// The flawed variants hunted (empty when the mutation run was skipped).
    pub mutants: Vec<Mutant>,
}

impl Report {
    /// Which scenarios check each property (from the catalogue).
    pub fn coverage(&self) -> Vec<(Property, Vec<&'static str>)> {
        Property::ALL
            .into_iter()
            .map(|property| {
                let scenarios = scenarios::catalogue()
                    .iter()
                    .filter(|scenario| scenario.properties().contains(&property))
                    .filter(|scenario| self.runs.iter().any(|run| run.scenario == scenario.name()))
                    .map(|scenario| scenario.name())
                    .collect();
                (property, scenarios)
            })
            .collect()
    }

    /// The share of flawed variants caught (`None` when none was hunted).
    pub fn mutation_score(&self) -> Option<f64> {
        (!self.mutants.is_empty()).then(|| {
            let caught = self.mutants.iter().filter(|m| m.hunt.caught()).count();
            caught as f64 / self.mutants.len() as f64
        })
    }

    /// For each property, the variants whose hunt violated it.
    pub fn kills(&self) -> Vec<(Property, Vec<&'static str>)> {
        Property::ALL
            .into_iter()
            .map(|property| {
                let names = self
                    .mutants
                    .iter()
                    .filter(|m| m.hunt.property() == Some(property))
                    .map(|m| m.hunt.name)
                    .collect();
                (property, names)
            })
            .collect()
    }

    /// The median seconds to the first counterexample over caught variants.
    pub fn median_seconds_to_catch(&self) -> Option<f64> {
        let mut seconds: Vec<f64> = self
            .mutants
            .iter()
            .filter(|m| m.hunt.caught())
            .map(|m| m.hunt.seconds)
            .collect();
        seconds.sort_by(f64::total_cmp);
        (!seconds.is_empty()).then(|| seconds[seconds.len() / 2])
    }

    /// How many runs ended with each verdict: (pass, violation, expected,
    /// incomplete); `known_bug` runs are counted by [`Report::known_bugs`].
    pub fn tally(&self) -> (usize, usize, usize, usize) {
        use crate::engines::outcome::Verdict::*;
        let count = |verdict| {
            self.runs
                .iter()
                .filter(|run| run.outcome.verdict == verdict)
                .count()
        };
        (
            count(Pass),
            count(Violation),
            count(ExpectedViolation),
            count(Incomplete),
        )
    }
}

impl Report {
    /// How many runs found exactly the known bugs of their scheme.
    pub fn known_bugs(&self) -> usize {
        self.runs
            .iter()
            .filter(|run| run.outcome.verdict == crate::engines::Verdict::KnownBug)
            .count()
    }
}

/// The version written into the report.
pub const PINREF_VERSION: &str = env!("CARGO_PKG_VERSION");
