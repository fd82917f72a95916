//! What a user sees: the run table on the terminal, and
//! `target/pinref/report.json` (a contract for CI consumers: its keys are
//! stable) and `report.md`.

pub mod atomic;
pub mod counterexample;
pub mod history;
pub mod json;
pub mod markdown;
pub mod table;

use crate::engines::Engine;
use crate::engines::outcome::Outcome;
use crate::mutation::Hunt;
use crate::properties::Property;
use crate::scenarios;
use crate::schemes::SchemeEntry;

/// One run of the main job: a scenario, on a scheme, on an engine.
#[derive(Debug, Clone)]
pub struct Run {
    /// The scenario's name.
    pub scenario: &'static str,
    /// The scenario's size parameters, as run (none for most scenarios).
    pub parameters: Vec<(&'static str, u64)>,
    /// The scheme's name.
    pub scheme: &'static str,
    /// The engine's name (`loom`, `proptest`, ...).
    pub engine: &'static str,
    /// The preemption bound used (`None`: unbounded).
    pub preemption_bound: Option<usize>,
    /// What it found.
    pub outcome: Outcome,
}

impl Run {
    /// The run of `engine` on `scenario` (with its parameters as run) and
    /// `scheme` that found `outcome`.
    pub fn new(
        engine: &dyn crate::engines::Engine,
        scenario: &crate::scenarios::ScenarioEntry,
        scheme: &SchemeEntry,
        outcome: Outcome,
    ) -> Run {
        Run {
            parameters: scenario
                .parameters()
                .iter()
                .map(|parameter| (parameter.name, parameter.value))
                .collect(),
            scenario: scenario.name(),
            scheme: scheme.name,
            engine: engine.name(),
            preemption_bound: outcome.bound,
            outcome,
        }
    }
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

/// An engine as the report describes it: what it does, and what a pass
/// from it does and does not say.
#[derive(Debug, Clone)]
pub struct EngineInfo {
    /// [`Engine::name`].
    pub name: &'static str,
    /// [`Engine::unit`].
    pub unit: &'static str,
    /// [`Engine::summary`].
    pub summary: &'static str,
    /// [`Engine::sees`].
    pub sees: &'static str,
    /// [`Engine::misses`].
    pub misses: &'static str,
}

impl EngineInfo {
    /// How `engine` describes itself.
    pub fn of(engine: &dyn Engine) -> EngineInfo {
        EngineInfo {
            name: engine.name(),
            unit: engine.unit(),
            summary: engine.summary(),
            sees: engine.sees(),
            misses: engine.misses(),
        }
    }
}

/// One engine's strength over the mutation run: a row of the matrix's
/// summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Strength {
    /// The engine.
    pub engine: &'static str,
    /// The flawed variants it caught.
    pub caught: usize,
    /// The flawed variants it hunted.
    pub total: usize,
    /// The median seconds to its first counterexample, over those it caught.
    pub median_seconds_to_catch: Option<f64>,
}

/// The main job's report.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The engines that ran, as they describe themselves.
    pub engines: Vec<EngineInfo>,
    /// Every run, in the order they ran.
    pub runs: Vec<Run>,
    /// The flawed variants hunted (empty when the mutation run was skipped).
    pub mutants: Vec<Mutant>,
    /// The runs and hunts the job set out to do (`runs` and `mutants` hold
    /// fewer when it was interrupted).
    pub planned: usize,
    /// What stopped the job before it was done (`SIGINT`, `SIGTERM`), if
    /// anything did: the report is then partial, and says so.
    pub interrupted: Option<&'static str>,
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
        median(
            self.mutants
                .iter()
                .filter(|m| m.hunt.caught())
                .map(|m| m.hunt.seconds)
                .collect(),
        )
    }

    /// The engines of the mutation run's matrix, in its column order.
    pub fn matrix_engines(&self) -> Vec<&'static str> {
        let mut engines: Vec<&'static str> = Vec::new();
        for mutant in &self.mutants {
            for cell in &mutant.hunt.engines {
                if !engines.contains(&cell.engine) {
                    engines.push(cell.engine);
                }
            }
        }
        engines
    }

    /// Each engine's strength over the mutation run, in the matrix's column
    /// order.
    pub fn strength(&self) -> Vec<Strength> {
        self.matrix_engines()
            .into_iter()
            .map(|engine| {
                let cells: Vec<_> = self
                    .mutants
                    .iter()
                    .filter_map(|mutant| mutant.hunt.by(engine))
                    .collect();
                let caught: Vec<f64> = cells
                    .iter()
                    .filter(|cell| cell.caught())
                    .map(|cell| cell.seconds)
                    .collect();
                Strength {
                    engine,
                    caught: caught.len(),
                    total: cells.len(),
                    median_seconds_to_catch: median(caught),
                }
            })
            .collect()
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
    /// Whether the job did everything it set out to do.
    pub fn complete(&self) -> bool {
        self.interrupted.is_none()
    }

    /// The known bugs that `schemes` declare ([`pinref_model::Scheme::known_bugs`])
    /// and that this report's runs should have shown but did not, as
    /// (scheme, bug id): a bug is missed when a run of one of the scenarios
    /// it names, on its scheme, ran to the end (`pass` or
    /// `expected_violation`), and no run of those scenarios on that scheme
    /// violated the bug's property. A bug whose scenarios did not run is
    /// not judged, nor a weak-memory bug
    /// ([`pinref_model::KnownBug::weak_memory`]) that no engine able to
    /// see it ran.
    pub fn known_bugs_missed(&self, schemes: &[SchemeEntry]) -> Vec<(&'static str, &'static str)> {
        use crate::engines::Verdict;
        let mut missed = Vec::new();
        for scheme in schemes {
            for bug in scheme.known_bugs() {
                // A bug only weak memory shows is judged by the runs of an
                // engine that sees weak memory.
                let sees = |engine: &str| {
                    !bug.weak_memory
                        || crate::engines::find(engine).is_some_and(|e| e.sees_weak_memory())
                };
                let runs: Vec<&Run> = self
                    .runs
                    .iter()
                    .filter(|run| {
                        run.scheme == scheme.name
                            && bug.scenarios.contains(&run.scenario)
                            && sees(run.engine)
                    })
                    .collect();
                let ran_to_the_end = runs.iter().any(|run| {
                    matches!(
                        run.outcome.verdict,
                        Verdict::Pass | Verdict::ExpectedViolation
                    )
                });
                let shown = runs.iter().any(|run| {
                    run.outcome
                        .violations
                        .iter()
                        .any(|violation| violation.property == bug.property)
                });
                if ran_to_the_end && !shown {
                    missed.push((scheme.name, bug.id));
                }
            }
        }
        missed
    }

    /// How many runs found exactly the known bugs of their scheme.
    pub fn known_bugs(&self) -> usize {
        self.runs
            .iter()
            .filter(|run| run.outcome.verdict == crate::engines::Verdict::KnownBug)
            .count()
    }
}

/// The median of `values` (the upper one of an even count).
fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    (!values.is_empty()).then(|| values[values.len() / 2])
}

/// The version written into the report.
pub const PINREF_VERSION: &str = env!("CARGO_PKG_VERSION");
