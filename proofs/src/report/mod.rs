//! What a user sees: the run table on the terminal, and
//! `target/pinref/report.json` (a contract for CI consumers: its keys are
//! stable) and `report.md`.

pub mod counterexample;
pub mod json;
pub mod markdown;
pub mod table;

use crate::engines::outcome::Outcome;
use crate::properties::Property;
use crate::scenarios::ScenarioId;

/// One run of the main job: a scenario, on a scheme, on an engine.
#[derive(Debug, Clone)]
pub struct Run {
    /// The scenario's name.
    pub scenario: &'static str,
    /// The scheme's name.
    pub scheme: &'static str,
    /// The engine's name (`loom`).
    pub engine: &'static str,
    /// The preemption bound used (`None`: unbounded).
    pub preemption_bound: Option<usize>,
    /// What it found.
    pub outcome: Outcome,
}

/// The main job's report.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Every run, in the order they ran.
    pub runs: Vec<Run>,
}

impl Report {
    /// Which scenarios check each property (from the catalogue).
    pub fn coverage(&self) -> Vec<(Property, Vec<&'static str>)> {
        Property::ALL
            .into_iter()
            .map(|property| {
                let scenarios = ScenarioId::ALL
                    .into_iter()
                    .filter(|scenario| scenario.properties().contains(&property))
                    .filter(|scenario| self.runs.iter().any(|run| run.scenario == scenario.name()))
                    .map(ScenarioId::name)
                    .collect();
                (property, scenarios)
            })
            .collect()
    }

    /// How many runs ended with each verdict: (pass, violation, expected,
    /// incomplete).
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

/// The version written into the report.
pub const PINREF_VERSION: &str = env!("CARGO_PKG_VERSION");
