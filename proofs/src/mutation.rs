//! The mutation hunt: runs a (flawed) scheme through the engines, cheapest
//! cases first, until one reports a violation of a property the scheme
//! claims, and says what caught it. It is orchestration, not an engine: it
//! asks every engine of [`engines::registry`] in turn, through the
//! [`Engine`] interface, about every scenario it supports. The main job's
//! mutation score and the "every variant is caught" test are built on it.

use crate::engines::{self, Engine, RunOptions, Verdict};
use crate::properties::{Property, Violation};
use crate::scenarios::{self, ScenarioEntry};
use crate::schemes::SchemeEntry;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the hunt found.
#[derive(Debug, Clone)]
pub struct Hunt {
    /// The scheme's name.
    pub name: &'static str,
    /// The violation that caught it (`None`: it survived every engine).
    pub violation: Option<Violation>,
    /// The engine that caught it (`none` if none did).
    pub engine: &'static str,
    /// The scenario that caught it.
    pub scenario: Option<&'static str>,
    /// The engine's work up to the first counterexample, in `unit`s.
    pub executions_to_find: u64,
    /// What `executions_to_find` counts (`executions`, `programs`, ...).
    pub unit: &'static str,
    /// Seconds from the start of the hunt to the first counterexample.
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

/// The cases of one engine on one scheme, in the order the hunt tries
/// them: first everything that runs exhaustively by default (milliseconds
/// each), then the scenarios that need a bound (seconds each).
fn cases(
    engines: &[Arc<dyn Engine>],
    scenarios: &[ScenarioEntry],
    entry: &SchemeEntry,
) -> Vec<(Arc<dyn Engine>, ScenarioEntry)> {
    let mut cases = Vec::new();
    for bounded in [false, true] {
        for engine in engines {
            for scenario in scenarios {
                if engine.supports(scenario)
                    && entry.applies(scenario)
                    && scenario.default_bound().is_some() == bounded
                {
                    cases.push((Arc::clone(engine), scenario.clone()));
                }
            }
        }
    }
    cases
}

/// Hunts `entry` on every engine and scenario pinref has, cheapest first
/// (the exhaustive cases first, then the bounded). What replays a counterexample goes under `artifacts`.
pub fn hunt(entry: &SchemeEntry, artifacts: &Path) -> Hunt {
    hunt_in(
        entry,
        &engines::registry(),
        &scenarios::catalogue(),
        artifacts,
    )
}

/// [`hunt`] over the given engines and scenarios.
pub fn hunt_in(
    entry: &SchemeEntry,
    engines: &[Arc<dyn Engine>],
    scenarios: &[ScenarioEntry],
    artifacts: &Path,
) -> Hunt {
    let started = Instant::now();
    let options = RunOptions {
        max_duration: Duration::from_secs(60),
        artifacts: Some(artifacts.to_path_buf()),
        ..RunOptions::default()
    };
    for (engine, scenario) in cases(engines, scenarios, entry) {
        // Time to the counterexample: what came before this case, and the
        // engine's own time to its first failure.
        let before = started.elapsed().as_secs_f64();
        let outcome = entry.explore(&*engine, &scenario, &options);
        if outcome.verdict == Verdict::Violation {
            return Hunt {
                name: entry.name,
                violation: outcome.violations.into_iter().next(),
                engine: engine.name(),
                scenario: Some(scenario.name()),
                executions_to_find: outcome.executions,
                unit: outcome.unit,
                seconds: before + outcome.seconds,
            };
        }
    }
    Hunt {
        name: entry.name,
        violation: None,
        engine: "none",
        scenario: None,
        executions_to_find: 0,
        unit: "executions",
        seconds: started.elapsed().as_secs_f64(),
    }
}
