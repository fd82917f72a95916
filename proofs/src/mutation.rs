//! The mutation hunt: runs a (flawed) scheme through every engine and says
//! what caught it. It is orchestration, not an engine: it asks each engine
//! of [`engines::registry`], through the [`Engine`] interface, about every
//! scenario it supports, cheapest cases first, until that engine reports a
//! violation of a property the scheme claims or its budget for the scheme
//! is spent.
//!
//! The result is one row of the engine matrix: for each engine, caught or
//! not, and what the first counterexample cost ([`EngineHunt`]); and the
//! catch of the cheapest engine (the fewest seconds to its first
//! counterexample), which the mutation score and "caught by" report. The
//! main job's matrix and the "every variant is caught" test are built on
//! it.

use crate::engines::loom::LoomEngine;
use crate::engines::proptest::ProptestEngine;
use crate::engines::shuttle::ShuttleEngine;
use crate::engines::{self, Bound, Engine, RunOptions, Verdict};
use crate::properties::{Property, Violation};
use crate::scenarios::{self, ScenarioEntry};
use crate::schemes::SchemeEntry;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One engine's hunt for one scheme: a cell of the matrix.
#[derive(Debug, Clone)]
pub struct EngineHunt {
    /// The engine ([`Engine::name`]).
    pub engine: &'static str,
    /// What it counts its work in ([`Engine::unit`]).
    pub unit: &'static str,
    /// The violation that caught the scheme (`None`: not caught).
    pub violation: Option<Violation>,
    /// The scenario that caught it.
    pub scenario: Option<&'static str>,
    /// The work of the catching run, up to its first counterexample.
    pub executions_to_find: u64,
    /// The work of every run of this engine on the scheme, the catching one
    /// included (all of it, when nothing caught it).
    pub executions: u64,
    /// Seconds from this engine's first run on the scheme to its first
    /// counterexample (all it spent, when nothing caught it).
    pub seconds: f64,
    /// The scenarios it ran.
    pub runs: usize,
    /// Whether it ran every scenario it supports to the end, within its
    /// budget: a miss with `false` is "not caught within the budget", with
    /// `true` "not caught by anything it can run".
    pub complete: bool,
    /// For an engine with a preemption bound: the smallest bound at which
    /// the flaw shows (`None`: only unbounded, or an engine without one).
    pub bound: Option<usize>,
}

impl EngineHunt {
    /// Whether this engine caught the scheme.
    pub fn caught(&self) -> bool {
        self.violation.is_some()
    }

    /// The property it saw violated.
    pub fn property(&self) -> Option<Property> {
        self.violation.as_ref().map(|violation| violation.property)
    }
}

/// What the hunt found.
#[derive(Debug, Clone)]
pub struct Hunt {
    /// The scheme's name.
    pub name: &'static str,
    /// The violation that caught it (`None`: it survived every engine).
    pub violation: Option<Violation>,
    /// The engine that caught it cheapest (`none` if none did).
    pub engine: &'static str,
    /// The scenario that caught it.
    pub scenario: Option<&'static str>,
    /// The engine's work up to the first counterexample, in `unit`s.
    pub executions_to_find: u64,
    /// What `executions_to_find` counts (`executions`, `programs`, ...).
    pub unit: &'static str,
    /// Seconds from the engine's first run to its first counterexample.
    pub seconds: f64,
    /// Every engine's hunt, in registry order: the matrix row.
    pub engines: Vec<EngineHunt>,
    /// For the catching engine, if it has a preemption bound: the smallest
    /// bound at which the flaw shows.
    pub bound: Option<usize>,
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

    /// The named engine's hunt, if it took part.
    pub fn by(&self, engine: &str) -> Option<&EngineHunt> {
        self.engines.iter().find(|hunt| hunt.engine == engine)
    }
}

/// What each engine may spend on one scheme.
#[derive(Debug, Clone)]
pub struct Budget {
    /// The options of every run ([`RunOptions::max_duration`]: each run's
    /// time cap; [`RunOptions::max_executions`]: its work, unless `work`
    /// names the engine).
    pub run: RunOptions,
    /// The work of each run of the engines named here
    /// ([`RunOptions::max_executions`]: shuttle's iterations, proptest's
    /// programs, loom's cap), where it differs from `run`'s.
    pub work: Vec<(&'static str, u64)>,
    /// The seconds one engine may spend on one scheme over all its
    /// scenarios: once spent, it starts no further scenario.
    pub per_engine: Duration,
}

impl Budget {
    /// The budget of a hunt without one: runs capped at a minute, an engine
    /// at five minutes a scheme, what replays a counterexample under
    /// `artifacts`.
    pub fn generous(artifacts: &Path) -> Budget {
        Budget {
            run: RunOptions {
                max_duration: Duration::from_secs(60),
                artifacts: Some(artifacts.to_path_buf()),
                ..RunOptions::default()
            },
            work: Vec::new(),
            per_engine: Duration::from_secs(300),
        }
    }

    /// The main job's budget per flawed variant, the same for every variant
    /// (what replays a counterexample under `artifacts`, random schedules
    /// from `seed`, loom at `bound`): each run capped at
    /// [`MAIN_JOB_RUN_SECONDS`], each engine at [`MAIN_JOB_ENGINE_SECONDS`]
    /// a variant, and each run's work at [`main_job_work`]. DFS and
    /// anything not listed there run as their defaults have them.
    pub fn main_job(artifacts: &Path, seed: u64, bound: Bound) -> Budget {
        Budget {
            run: RunOptions {
                bound,
                max_duration: Duration::from_secs(MAIN_JOB_RUN_SECONDS),
                seed: Some(seed),
                artifacts: Some(artifacts.to_path_buf()),
                ..RunOptions::default()
            },
            work: main_job_work(),
            per_engine: Duration::from_secs(MAIN_JOB_ENGINE_SECONDS),
        }
    }

    /// Lowers every cap of this budget to the caps of `asked` (the command
    /// line's `--max-seconds` and `--max-executions`) where those are
    /// smaller, so that a hunt honours them as every other run does (a cap
    /// of 0 runs nothing: no variant is caught, none passes).
    pub fn cap(&mut self, asked: &RunOptions) {
        self.run.max_duration = self.run.max_duration.min(asked.max_duration);
        self.run.max_executions = self.run.max_executions.min(asked.max_executions);
        for (_, work) in &mut self.work {
            *work = (*work).min(asked.max_executions);
        }
        self.per_engine = self.per_engine.min(asked.max_duration);
    }

    /// The options of `engine`'s runs.
    pub fn options_for(&self, engine: &str) -> RunOptions {
        let mut options = self.run.clone();
        if let Some(&(_, work)) = self.work.iter().find(|(name, _)| *name == engine) {
            options.max_executions = work;
        }
        options
    }
}

/// The main job's time cap on one run of a variant's hunt.
pub const MAIN_JOB_RUN_SECONDS: u64 = 30;

/// The main job's seconds for one engine on one variant, all its scenarios
/// together: a safety net; the work budgets below end every hunt well
/// before it on two cores.
pub const MAIN_JOB_ENGINE_SECONDS: u64 = 30;

/// The main job's work budget for one run of a variant's hunt, per engine
/// (its [`RunOptions::max_executions`]).
/// Measured (seed 1, 19 variants): every variant loom catches, it catches
/// within 136 executions, and its 80,238-execution pin_vs_unpin is then
/// cut at the cap (reported as not caught within the budget); shuttle
/// random and PCT catch within 50 iterations, DFS (run as its default
/// has it) within 2,730; proptest within 69 programs.
pub fn main_job_work() -> Vec<(&'static str, u64)> {
    vec![
        (LoomEngine.name(), 20_000),
        (ShuttleEngine::random().name(), 1_000),
        (ShuttleEngine::pct().name(), 1_000),
        (ProptestEngine::default().name(), 2_000),
    ]
}

/// The scenarios one engine tries on one scheme, in order: first those
/// explored exhaustively by default (milliseconds each), then those that
/// need a bound (seconds each).
fn cases(
    engine: &dyn Engine,
    scenarios: &[ScenarioEntry],
    entry: &SchemeEntry,
) -> Vec<ScenarioEntry> {
    let mut cases = Vec::new();
    for bounded in [false, true] {
        for scenario in scenarios {
            if engine.supports(scenario)
                && entry.applies(scenario)
                && scenario.default_bound().is_some() == bounded
            {
                cases.push(scenario.clone());
            }
        }
    }
    cases
}

/// The deepest preemption bound the hunt tries, one at a time, before it
/// runs a scenario that is exhaustive by default without a bound.
pub const DEEPEN_UP_TO: usize = 3;

/// The bounds one case is run at: for an engine with a preemption bound
/// asked to use each scenario's default, one preemption at a time up to
/// that default (then unbounded, if that is the default), so that the
/// bound the hunt reports is the smallest at which the flaw shows; else
/// the bound asked for.
fn deepening(engine: &dyn Engine, scenario: &ScenarioEntry, asked: Bound) -> Vec<Bound> {
    if !engine.preemption_bounded() || asked != Bound::ScenarioDefault {
        return vec![asked];
    }
    let default = Bound::ScenarioDefault.for_scenario(scenario);
    let deepest = default.unwrap_or(DEEPEN_UP_TO);
    let mut bounds: Vec<Bound> = (0..=deepest).map(Bound::At).collect();
    if default.is_none() {
        bounds.push(Bound::Unbounded);
    }
    bounds
}

/// Hunts `entry` on every engine and scenario pinref has, with the
/// [`Budget::generous`] budget.
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
    hunt_with(entry, engines, scenarios, &Budget::generous(artifacts))
}

/// [`hunt`] over the given engines and scenarios, within `budget`.
pub fn hunt_with(
    entry: &SchemeEntry,
    engines: &[Arc<dyn Engine>],
    scenarios: &[ScenarioEntry],
    budget: &Budget,
) -> Hunt {
    let row: Vec<EngineHunt> = engines
        .iter()
        .map(|engine| hunt_one(entry, engine.as_ref(), scenarios, budget))
        .collect();
    // The cheapest catch; on a tie, the engine listed first.
    let cheapest = row
        .iter()
        .filter(|hunt| hunt.caught())
        .min_by(|a, b| a.seconds.total_cmp(&b.seconds));
    match cheapest {
        Some(best) => Hunt {
            name: entry.name,
            violation: best.violation.clone(),
            engine: best.engine,
            scenario: best.scenario,
            executions_to_find: best.executions_to_find,
            unit: best.unit,
            seconds: best.seconds,
            bound: best.bound,
            engines: row,
        },
        None => Hunt {
            name: entry.name,
            violation: None,
            engine: "none",
            scenario: None,
            executions_to_find: 0,
            unit: "executions",
            seconds: row.iter().map(|hunt| hunt.seconds).sum(),
            bound: None,
            engines: row,
        },
    }
}

/// One engine's hunt: its cases in order, until a violation or the budget.
fn hunt_one(
    entry: &SchemeEntry,
    engine: &dyn Engine,
    scenarios: &[ScenarioEntry],
    budget: &Budget,
) -> EngineHunt {
    let started = Instant::now();
    let options = budget.options_for(engine.name());
    let mut hunt = EngineHunt {
        engine: engine.name(),
        unit: engine.unit(),
        violation: None,
        scenario: None,
        executions_to_find: 0,
        executions: 0,
        seconds: 0.0,
        runs: 0,
        complete: true,
        bound: None,
    };
    for scenario in cases(engine, scenarios, entry) {
        if started.elapsed() >= budget.per_engine {
            hunt.complete = false;
            break;
        }
        // Time to the counterexample: what came before this case, and the
        // engine's own time in each run of it up to its first failure (not
        // the rerun that records a replay).
        let mut seconds = started.elapsed().as_secs_f64();
        let mut work = 0;
        for bound in deepening(engine, &scenario, options.bound) {
            let run = RunOptions {
                bound,
                ..options.clone()
            };
            // Through the entry, so that a known bug of the variant's base
            // version is judged as such, not mistaken for its flaw.
            let outcome = entry.explore(engine, &scenario, &run);
            hunt.runs += 1;
            hunt.executions += outcome.executions;
            work += outcome.executions;
            seconds += outcome.seconds;
            if outcome.verdict == Verdict::Incomplete {
                hunt.complete = false;
            }
            if outcome.verdict == Verdict::Violation {
                hunt.violation = outcome.violations.into_iter().next();
                hunt.scenario = Some(scenario.name());
                hunt.executions_to_find = work;
                hunt.seconds = seconds;
                hunt.bound = outcome.bound;
                return hunt;
            }
        }
    }
    hunt.seconds = started.elapsed().as_secs_f64();
    hunt
}
