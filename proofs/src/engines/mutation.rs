//! The mutation hunt: runs a (flawed) scheme through the engines, cheapest
//! first, until one reports a violation of a property the scheme claims,
//! and says what caught it. The main job's mutation score and the
//! "every variant is caught" test are built on it.

use super::loom::LoomOptions;
use super::outcome::Verdict;
use super::proptest::{CheckOptions, Finding};
use crate::catalogue::SchemeEntry;
use crate::properties::{Property, Violation};
use crate::scenarios::ScenarioId;
use std::path::Path;
use std::time::{Duration, Instant};

/// Programs the proptest engine tries on a mutant that loom's cheap
/// scenarios missed. A mutant it catches fails within a few dozen programs;
/// the rest is margin.
pub const PROPTEST_CASES: u32 = 20_000;

/// What the hunt found.
#[derive(Debug, Clone)]
pub struct Hunt {
    /// The scheme's name.
    pub name: &'static str,
    /// The violation that caught it (`None`: it survived every engine).
    pub violation: Option<Violation>,
    /// `loom` or `proptest`.
    pub engine: &'static str,
    /// The loom scenario that caught it.
    pub scenario: Option<&'static str>,
    /// Loom: executions explored up to the failing one. Proptest: operations
    /// in the shrunk failing program.
    pub executions_to_find: u64,
    /// Seconds from the start of the hunt to the first violation.
    pub seconds: f64,
}

impl Hunt {
    /// Whether some engine caught the scheme.
    pub fn caught(&self) -> bool {
        self.violation.is_some()
    }

    /// The property it violated.
    pub fn property(&self) -> Option<Property> {
        self.violation.as_ref().map(|violation| violation.property)
    }
}

/// Hunts `entry`: first every loom scenario the main job explores
/// exhaustively (milliseconds each), then the proptest engine, then the
/// scenarios the main job has to bound (seconds each). Checkpoints for loom
/// replays go under `replay_dir`.
pub fn hunt(entry: &SchemeEntry, replay_dir: &Path) -> Hunt {
    let started = Instant::now();
    let scenarios = |bounded: bool| {
        ScenarioId::ALL
            .into_iter()
            .filter(move |&s| entry.applies(s) && s.default_bound().is_some() == bounded)
    };
    let loom = |scenario: ScenarioId| {
        let options = LoomOptions {
            max_duration: Duration::from_secs(60),
            ..LoomOptions::for_scenario(scenario)
        };
        let checkpoint = replay_dir.join(format!("{}-{}.json", scenario.name(), entry.name));
        // Time to the counterexample: what came before this scenario, and
        // this exploration (not the second one that records the replay).
        let before = started.elapsed().as_secs_f64();
        let outcome = entry.explore_loom_replayable(scenario, &options, &checkpoint);
        (outcome.verdict == Verdict::Violation).then(|| Hunt {
            name: entry.name,
            violation: outcome.violations.into_iter().next(),
            engine: "loom",
            scenario: Some(scenario.name()),
            executions_to_find: outcome.executions,
            seconds: before + outcome.seconds,
        })
    };
    if let Some(found) = scenarios(false).find_map(loom) {
        return found;
    }
    let options = CheckOptions {
        regressions: None,
        ..CheckOptions::new(PROPTEST_CASES)
    };
    if let Err(failure) = entry.check_sequential(&options)
        && let Finding::Violation(violation) = &failure.finding
    {
        return Hunt {
            name: entry.name,
            violation: Some(violation.clone()),
            engine: "proptest",
            scenario: None,
            executions_to_find: failure.program.as_ref().map_or(0, |p| p.ops.len() as u64),
            seconds: started.elapsed().as_secs_f64(),
        };
    }
    if let Some(found) = scenarios(true).find_map(loom) {
        return found;
    }
    Hunt {
        name: entry.name,
        violation: None,
        engine: "none",
        scenario: None,
        executions_to_find: 0,
        seconds: started.elapsed().as_secs_f64(),
    }
}
