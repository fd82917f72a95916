//! The shuttle engines: a threaded scenario, the same code loom runs, under
//! shuttle's schedulers. Shuttle runs one execution per iteration on its own
//! coroutines; the scheduler picks which thread runs at every atomic access.
//!
//! - `shuttle-random` ([`Strategy::Random`]): shuttle's `RandomScheduler`, a
//!   random runnable thread at every step, from a seed.
//! - `shuttle-pct` ([`Strategy::Pct`]): shuttle's `PctScheduler`
//!   (probabilistic concurrency testing): random thread priorities and
//!   `depth - 1` random priority change points per execution, which finds a
//!   bug that needs `depth` ordering constraints with a known probability.
//! - `shuttle-dfs` ([`Strategy::Dfs`]): shuttle's `DfsScheduler`, every
//!   schedule depth first within a preemption bound
//!   ([`dfs_default_bound`]; the steering scheduler enforces it), up to an
//!   iteration cap: a pass only when it ran out of schedules, `incomplete`
//!   at the cap. Shuttle's DFS has no partial-order reduction, so it runs
//!   only where loom does (at most 4 threads).
//!
//! Every failure is replayable: the engine records the failing execution's
//! schedule (shuttle's encoded string, in the outcome's note, which
//! `shuttle::replay` takes), keeps it in a replay file under
//! [`super::RunOptions::artifacts`] ([`super::replay`]: the envelope that says
//! which engine, scenario and scheme it was written for, checked before
//! use), and the violation's replay command runs that one execution again
//! (`--replay FILE`) through shuttle's `ReplayScheduler`. A random or PCT run is reproducible from its
//! seed (`--seed`; the outcome's `seed` counter).
//!
//! Shuttle treats every atomic ordering as `SeqCst` and has no `UnsafeCell`:
//! these engines see interleaving bugs at sizes loom cannot reach (loom
//! stops at 4 threads), and none of the weak-memory ones ([`Engine::misses`]).

mod run;
mod schedule;
mod steering;

pub use schedule::{ScheduleError, decode, encode};

use super::loom::LOOM_MAX_THREADS;
use super::outcome::{Outcome, Verdict};
use super::{Bound, Engine, Job, replay, rerun_command, threads_of};
use crate::scenarios::{DynScenario, ScenarioEntry};
use run::Run;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(crate) use run::{inside_shuttle_execution, install_shuttle_panic_hook};

/// One execution of `scenario` on `scheme` under a scheduler of the
/// caller's (the concurrent fuzz target's byte-driven one), run and judged
/// by the same code as every shuttle engine's execution (see
/// [`Run::once`]); the outcome counts one iteration.
pub(crate) fn run_once(
    scenario: Arc<dyn DynScenario>,
    scheme: pinref_model::SchemeObject,
    scheduler: Box<dyn shuttle::scheduler::Scheduler + Send>,
) -> Outcome {
    Run {
        scenario,
        scheme,
        engine: ShuttleEngine::random(),
    }
    .once(scheduler)
}

/// How a shuttle engine picks schedules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// shuttle's `RandomScheduler`.
    Random,
    /// shuttle's `PctScheduler` at this bug depth (at least 1).
    Pct {
        /// The number of ordering constraints a bug may need.
        depth: usize,
    },
    /// shuttle's `DfsScheduler`.
    Dfs,
}

/// The iterations a random or PCT run tries by default (its sample size):
/// what the main job gives each scenario on each scheme (at about 30
/// microseconds an iteration for two threads, 100 for eight).
pub const DEFAULT_ITERATIONS: u64 = 10_000;

/// The cap of a DFS run by default: past it the run is `incomplete`.
pub const DEFAULT_DFS_CAP: u64 = 20_000;

/// The bug depth of `shuttle-pct`: three ordering constraints cover a lost
/// update (two) and a race on the last reference with a third thread.
pub const DEFAULT_PCT_DEPTH: usize = 3;

/// Scheduling decisions one execution may take: the catalogue's scenarios
/// take a few hundred; an execution past this has a thread waiting forever.
pub const MAX_STEPS: usize = 100_000;

/// A shuttle engine: see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShuttleEngine {
    strategy: Strategy,
    iterations: u64,
}

impl ShuttleEngine {
    /// `shuttle-random`, [`DEFAULT_ITERATIONS`] a run.
    pub const fn random() -> ShuttleEngine {
        ShuttleEngine {
            strategy: Strategy::Random,
            iterations: DEFAULT_ITERATIONS,
        }
    }

    /// `shuttle-pct` at [`DEFAULT_PCT_DEPTH`], [`DEFAULT_ITERATIONS`] a run.
    pub const fn pct() -> ShuttleEngine {
        ShuttleEngine {
            strategy: Strategy::Pct {
                depth: DEFAULT_PCT_DEPTH,
            },
            iterations: DEFAULT_ITERATIONS,
        }
    }

    /// `shuttle-dfs`, capped at [`DEFAULT_DFS_CAP`] iterations.
    pub const fn dfs() -> ShuttleEngine {
        ShuttleEngine {
            strategy: Strategy::Dfs,
            iterations: DEFAULT_DFS_CAP,
        }
    }

    /// The same engine, trying `iterations` executions a run (DFS: its cap).
    /// A run's [`super::RunOptions::max_executions`] lowers it: a random or PCT
    /// run takes the lower one as its sample size (a pass), a DFS run as its
    /// cap (incomplete).
    pub const fn with_iterations(self, iterations: u64) -> ShuttleEngine {
        ShuttleEngine { iterations, ..self }
    }

    /// How it picks schedules.
    pub const fn strategy(&self) -> Strategy {
        self.strategy
    }

    /// The executions it tries a run (DFS: its cap).
    pub const fn iterations(&self) -> u64 {
        self.iterations
    }
}

impl Engine for ShuttleEngine {
    fn name(&self) -> &'static str {
        match self.strategy {
            Strategy::Random => "shuttle-random",
            Strategy::Pct { .. } => "shuttle-pct",
            Strategy::Dfs => "shuttle-dfs",
        }
    }
    fn summary(&self) -> &'static str {
        match self.strategy {
            Strategy::Random => {
                "random schedules of a threaded scenario under shuttle (a random runnable thread \
                 at every atomic access), from a seed"
            }
            Strategy::Pct { .. } => {
                "probabilistic concurrency testing under shuttle: random thread priorities with \
                 a few random priority changes per execution, from a seed"
            }
            Strategy::Dfs => {
                "every schedule of a threaded scenario under shuttle within a preemption bound, \
                 depth first, up to an iteration cap (incomplete past it)"
            }
        }
    }
    fn sees(&self) -> &'static str {
        match self.strategy {
            Strategy::Dfs => {
                "every interleaving within its preemption bound, with every atomic sequentially \
                 consistent, when it finishes: lost updates, races on the last reference, double \
                 frees, revived pages, a use after the free in program order"
            }
            _ => {
                "interleavings with every atomic sequentially consistent, at sizes loom cannot \
                 reach (more than 4 threads): lost updates, races on the last reference, double \
                 frees, revived pages, a use after the free in program order"
            }
        }
    }
    fn misses(&self) -> &'static str {
        match self.strategy {
            Strategy::Dfs => {
                "every weak-memory ordering bug (shuttle runs every ordering as SeqCst), and a \
                 free racing a use through a too-weak ordering (no causality-checked \
                 UnsafeCell); interleavings beyond its preemption bound (one less than loom's, \
                 no partial-order reduction); scenarios of more than 4 threads (not run)"
            }
            _ => {
                "every weak-memory ordering bug (shuttle runs every ordering as SeqCst), and a \
                 free racing a use through a too-weak ordering (no causality-checked \
                 UnsafeCell); a pass is a sample of schedules, not every one"
            }
        }
    }
    fn unit(&self) -> &'static str {
        "iterations"
    }
    fn supports(&self, scenario: &ScenarioEntry) -> bool {
        match self.strategy {
            // Exhaustive, so loom's reach: at eight threads even no
            // preemption at all leaves 394,353 schedules (pin_get_mix_4x4).
            Strategy::Dfs => {
                scenario.threads().is_some() && scenario.info().threads < LOOM_MAX_THREADS
            }
            _ => scenario.threads().is_some(),
        }
    }
    fn run(&self, job: Job<'_>) -> Outcome {
        let (scenario, scheme, options) = (job.scenario, job.scheme, job.options);
        let name = self.name();
        let threads = match threads_of(scenario, "shuttle") {
            Ok(threads) => threads,
            Err(why) => return Outcome::nothing_explored(why),
        };
        let run = Run {
            scenario: Arc::clone(threads),
            scheme: scheme.object().clone(),
            engine: *self,
        };
        let rerun = rerun_command(name, scenario, scheme.name, None);
        if let Some(path) = &options.replay_from {
            // Checked as every engine's replay file is: a file of another
            // engine, scenario or scheme, or no replay file at all, replays
            // nothing (the `pinref` command refuses it before any run).
            let key = self.replay_key(scenario, scheme, options);
            let (file, schedule) = match replay::load(path, &key).map_err(|e| e.to_string()) {
                Ok(file) => match decode(&file.payload) {
                    Some(schedule) => (file, schedule),
                    None => {
                        let error = ScheduleError::NotASchedule(path.clone());
                        return Outcome::nothing_explored(format!("nothing replayed: {error}"));
                    }
                },
                Err(error) => {
                    return Outcome::nothing_explored(format!("nothing replayed: {error}"));
                }
            };
            let mut outcome = run.replay(schedule, options);
            let replay = format!("{rerun} --replay {}", path.display());
            let found = outcome.violations.first().map(|v| v.property.id());
            if outcome.verdict == Verdict::Violation && found != Some(file.finding.as_str()) {
                outcome.note = Some(format!(
                    "the replay file recorded a violation of {}; this execution broke {} instead",
                    file.finding,
                    found.unwrap_or("nothing")
                ));
            }
            for violation in &mut outcome.violations {
                violation.replay = replay.clone();
            }
            return outcome;
        }
        let seed = match seed_for(self.strategy, options.seed) {
            Ok(seed) => seed,
            Err(message) => return Outcome::nothing_explored(message),
        };
        let bound = match (self.strategy, options.bound) {
            (Strategy::Dfs, Bound::ScenarioDefault) => Some(dfs_default_bound(scenario)),
            (Strategy::Dfs, bound) => bound.for_scenario(scenario),
            _ => None,
        };
        let (mut outcome, failing) = run.search(seed, bound, options);
        outcome.bound = bound;
        if let Some(seed) = seed {
            outcome.counters.push(("seed", seed));
        }
        if let Strategy::Pct { depth } = self.strategy {
            outcome.counters.push(("depth", depth as u64));
        }
        outcome
            .counters
            .push(("budget", self.iterations.min(options.max_executions)));
        if let Some(schedule) = failing {
            let encoded = encode(&schedule);
            outcome
                .counters
                .push(("schedule_steps", schedule.steps.len() as u64));
            let finding = outcome.violations.first().map_or("", |v| v.property.id());
            let replay = match &options.artifacts {
                Some(dir) => {
                    let path = schedule_path(dir, scenario.name(), scheme.name, name);
                    let key = self.replay_key(scenario, scheme, options);
                    match replay::write(&path, &key, finding, &encoded) {
                        Ok(()) => format!("{rerun} --replay {}", path.display()),
                        Err(error) => {
                            super::progress(format_args!(
                                "pinref: no replay file for {} on {}: {error}\n",
                                scenario.name(),
                                scheme.name
                            ));
                            seeded(&rerun, seed)
                        }
                    }
                }
                None => seeded(&rerun, seed),
            };
            for violation in &mut outcome.violations {
                violation.replay = replay.clone();
            }
            outcome.note = Some(format!(
                "failing schedule (shuttle::replay, {} steps): {encoded}",
                schedule.steps.len()
            ));
        }
        outcome
    }
}

/// DFS's preemption bound for `scenario` when the run asks for the
/// scenario's default. shuttle's DFS has no partial-order reduction, so it
/// affords less than loom: one preemption less where loom is bounded, and
/// [`DFS_UNBOUNDED_SCENARIO_BOUND`] where loom explores everything.
/// Measured on folio: pin_vs_unpin (loom's bound 2) takes 3,736 iterations
/// at 1 and 135,146 at 2; the two-thread scenarios take at most 8,547 at 3
/// (split_vs_gup_fast) and, unbounded, from 160 (last_reference) to more
/// than a million (batches, stats).
pub fn dfs_default_bound(scenario: &ScenarioEntry) -> usize {
    match scenario.default_bound() {
        Some(bound) => bound.saturating_sub(1),
        None => DFS_UNBOUNDED_SCENARIO_BOUND,
    }
}

/// DFS's preemption bound where loom needs none (see [`dfs_default_bound`]).
pub const DFS_UNBOUNDED_SCENARIO_BOUND: usize = 3;

fn seeded(rerun: &str, seed: Option<u64>) -> String {
    match seed {
        Some(seed) => format!("{rerun} --seed {seed}"),
        None => rerun.to_string(),
    }
}

/// The seed of a random or PCT run: the one asked for, else
/// `SHUTTLE_RANDOM_SEED` (which shuttle's schedulers read and prefer to
/// the one they are given), else a fresh one. DFS has none.
fn seed_for(strategy: Strategy, asked: Option<u64>) -> Result<Option<u64>, String> {
    if strategy == Strategy::Dfs {
        return Ok(None);
    }
    if let Ok(text) = std::env::var("SHUTTLE_RANDOM_SEED") {
        return text.trim().parse().map(Some).map_err(|_| {
            format!("SHUTTLE_RANDOM_SEED={text:?} is not a number (shuttle would panic): unset it")
        });
    }
    Ok(Some(asked.unwrap_or_else(super::fresh_seed)))
}

/// Where the failing schedule of `engine` on `scenario` and `scheme` goes
/// under an artifacts directory `dir`: a replay file
/// ([`super::replay::path_in`]) whose payload is shuttle's schedule string.
pub fn schedule_path(dir: &Path, scenario: &str, scheme: &str, engine: &str) -> PathBuf {
    replay::path_in(dir, engine, scenario, scheme)
}
