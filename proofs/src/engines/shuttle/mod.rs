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
//!   schedule depth first, up to an iteration cap: a pass only when it ran
//!   out of schedules, `incomplete` at the cap.
//!
//! Every failure is replayable: the engine records the failing execution's
//! schedule (shuttle's encoded string, in the outcome's note), writes it to
//! a file under [`RunOptions::artifacts`], and the violation's replay
//! command runs that one execution again (`--replay FILE`) through
//! shuttle's `ReplayScheduler`. A random or PCT run is reproducible from its
//! seed (`--seed`; the outcome's `seed` counter).
//!
//! Shuttle treats every atomic ordering as `SeqCst` and has no `UnsafeCell`:
//! these engines see interleaving bugs at sizes loom cannot reach (loom
//! stops at 4 threads), and none of the weak-memory ones ([`Engine::misses`]).

mod schedule;
mod steering;

pub use schedule::{ScheduleError, decode, encode};

use super::loom::LOOM_MAX_THREADS;
use super::outcome::{Outcome, Verdict, collect_expected, stop_reason};
use super::{Bound, Engine, RunOptions, rerun_command};
use crate::properties::Violation;
use crate::properties::monitor::Monitor;
use crate::scenarios::{DynScenario, ScenarioEntry};
use crate::schemes::SchemeEntry;
use pinref_model::SchemeObject;
use pinref_model::sync::{Shuttle, ThreadPanicked};
use shuttle::scheduler::{
    DfsScheduler, PctScheduler, RandomScheduler, ReplayScheduler, Schedule, Scheduler, Task, TaskId,
};
use shuttle::{Config, FailurePersistence, MaxSteps, Runner};
use std::any::Any;
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use steering::{End, Flags, Plan, Record, Steering};

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
/// what the main job gives each scenario on each scheme, and each scenario
/// of a flawed variant's hunt.
pub const DEFAULT_ITERATIONS: u64 = 10_000;

/// The cap of a DFS run by default: past it the run is `incomplete`.
pub const DEFAULT_DFS_CAP: u64 = 20_000;

/// The bug depth of `shuttle-pct`: three ordering constraints cover a lost
/// update (two) and a race on the last reference with a third thread.
pub const DEFAULT_PCT_DEPTH: usize = 3;

/// Scheduling decisions one execution may take: the catalogue's scenarios
/// take a few hundred; an execution past this has a thread waiting forever.
pub const MAX_STEPS: usize = 100_000;

/// The stack of each shuttle thread: the model's threads format their
/// timelines on it.
const STACK_SIZE: usize = 0x4_0000;

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
    /// A run's [`RunOptions::max_executions`] lowers it: a random or PCT
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
                "every schedule of a threaded scenario under shuttle, depth first, up to an \
                 iteration cap (incomplete past it)"
            }
        }
    }
    fn sees(&self) -> &'static str {
        match self.strategy {
            Strategy::Dfs => {
                "every interleaving of a small scenario when it finishes, with every atomic \
                 sequentially consistent: lost updates, races on the last reference, double \
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
                 UnsafeCell); any scenario whose schedules exceed the cap (incomplete)"
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
    fn explore(
        &self,
        scenario: &ScenarioEntry,
        scheme: &SchemeEntry,
        options: &RunOptions,
    ) -> Outcome {
        let name = self.name();
        let Some(threads) = scenario.threads() else {
            return incomplete(
                name,
                format!(
                    "shuttle runs threaded scenarios; {} is not one",
                    scenario.name()
                ),
            );
        };
        let run = Run {
            scenario: Arc::clone(threads),
            scheme: scheme.object().clone(),
            engine: *self,
        };
        let rerun = rerun_command(name, scenario.name(), scheme.name, None);
        if let Some(path) = &options.replay_from {
            let schedule = match schedule::read(path) {
                Ok(schedule) => schedule,
                Err(error) => return incomplete(name, error.to_string()),
            };
            let mut outcome = run.replay(schedule, options);
            let replay = format!("{rerun} --replay {}", path.display());
            for violation in &mut outcome.violations {
                violation.replay = replay.clone();
            }
            return outcome;
        }
        let seed = match seed_for(self.strategy, options.seed) {
            Ok(seed) => seed,
            Err(message) => return incomplete(name, message),
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
        outcome.counters.push(("budget", self.iterations));
        if let Some(schedule) = failing {
            let encoded = encode(&schedule);
            outcome
                .counters
                .push(("schedule_steps", schedule.steps.len() as u64));
            let replay = match &options.artifacts {
                Some(dir) => {
                    let path = schedule_path(dir, scenario.name(), scheme.name, name);
                    match schedule::write(&path, &schedule) {
                        Ok(()) => format!("{rerun} --replay {}", path.display()),
                        Err(_) => seeded(&rerun, seed),
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

fn incomplete(engine: &'static str, note: String) -> Outcome {
    let mut outcome = Outcome::new(Verdict::Incomplete, 0, 0.0).by(engine, "iterations");
    outcome.note = Some(note);
    outcome
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

/// shuttle's configuration for pinref's runs: no warnings (the engine says
/// what shuttle cannot see, once, in [`Engine::misses`]), no schedule
/// printed or persisted by shuttle (the engine records and reports it), no
/// step bound of shuttle's (the steering scheduler ends a run that does not
/// finish and says so).
fn config() -> Config {
    let mut config = Config::new();
    config.silence_warnings = true;
    config.failure_persistence = FailurePersistence::None;
    config.max_steps = MaxSteps::None;
    config.stack_size = STACK_SIZE;
    config
}

/// Makes shuttle install its panic hook now, before the engines put theirs
/// over it ([`super::quiet_panics`]): shuttle installs it once, at its first
/// execution, around whatever hook is there, and would otherwise report
/// every panic of a later exploration on stderr before the quiet hook saw
/// it. One empty execution.
pub(crate) fn install_shuttle_panic_hook() {
    Runner::new(DfsScheduler::new(Some(1), false), config()).run(|| {});
}

/// shuttle's `RandomScheduler`, whose drop prints the seed of an execution
/// still under way ("failing seed: ..."), which every run that stops early
/// has. It owns no heap memory, so not dropping it loses nothing: the
/// engine reports the seed itself.
struct QuietRandom(ManuallyDrop<RandomScheduler>);

impl Scheduler for QuietRandom {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.0.new_execution()
    }
    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        self.0.next_task(runnable, current, is_yielding)
    }
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
}

/// One scenario on one scheme under one shuttle engine.
struct Run {
    scenario: Arc<dyn DynScenario>,
    scheme: SchemeObject,
    engine: ShuttleEngine,
}

/// What one run's executions leave for the engine.
#[derive(Default)]
struct Shared {
    /// The panic that stopped an execution.
    failure: Mutex<Option<Box<dyn Any + Send>>>,
    /// The monitor of the last execution started.
    monitor: Mutex<Option<Monitor>>,
    /// The first expected violation of each property, from executions that
    /// otherwise completed.
    expected: Mutex<Vec<Violation>>,
}

impl Run {
    /// Searches with the engine's strategy; returns the outcome and, on a
    /// failure, its schedule.
    fn search(
        &self,
        seed: Option<u64>,
        preemption_bound: Option<usize>,
        options: &RunOptions,
    ) -> (Outcome, Option<Schedule>) {
        let budget = self.engine.iterations.min(options.max_executions);
        let seed = seed.unwrap_or(0);
        let inner: Box<dyn Scheduler + Send> = match self.engine.strategy {
            Strategy::Random => Box::new(QuietRandom(ManuallyDrop::new(
                RandomScheduler::new_from_seed(seed, usize::MAX),
            ))),
            Strategy::Pct { depth } => {
                Box::new(PctScheduler::new_from_seed(seed, depth.max(1), usize::MAX))
            }
            Strategy::Dfs => Box::new(DfsScheduler::new(None, false)),
        };
        let plan = Plan {
            budget,
            probe_at_budget: self.engine.strategy == Strategy::Dfs,
            max_duration: options.max_duration,
            max_steps: MAX_STEPS,
            skip_yielding: self.engine.strategy == Strategy::Dfs,
            preemption_bound,
        };
        let (mut outcome, record) = self.execute(inner, plan);
        let failing = (record.end == Some(End::Failure)).then_some(record.schedule);
        if matches!(outcome.verdict, Verdict::Pass | Verdict::ExpectedViolation) {
            let cut = match record.end {
                Some(End::TimeCap) => {
                    Some(format!("stopped at the cap of {:?}", options.max_duration))
                }
                Some(End::Budget) if self.engine.strategy == Strategy::Dfs => Some(format!(
                    "DFS stopped at its cap of {budget} iterations with schedules left unexplored"
                )),
                Some(End::StepBound(steps)) => Some(format!(
                    "an execution did not finish within {steps} scheduling steps (a thread \
                     waiting forever?); not a pass"
                )),
                _ => None,
            };
            if let Some(note) = cut {
                outcome.verdict = Verdict::Incomplete;
                outcome.note = Some(note);
            }
        }
        (outcome, failing)
    }

    /// Replays one recorded execution.
    fn replay(&self, schedule: Schedule, options: &RunOptions) -> Outcome {
        let mut replay = ReplayScheduler::new_from_schedule(schedule);
        // A schedule that does not fit (another scenario or scheme) ends the
        // execution instead of panicking inside shuttle.
        replay.set_allow_incomplete();
        let plan = Plan {
            budget: 1,
            probe_at_budget: false,
            max_duration: options.max_duration.max(Duration::from_secs(1)),
            max_steps: MAX_STEPS,
            skip_yielding: false,
            preemption_bound: None,
        };
        let (mut outcome, record) = self.execute(Box::new(replay), plan);
        if outcome.verdict == Verdict::Pass && record.end != Some(End::Failure) {
            outcome.verdict = Verdict::Incomplete;
            outcome.note = Some(
                "the schedule replayed without a violation: it was recorded for another \
                 scenario, scheme or build"
                    .to_string(),
            );
        }
        outcome
    }

    /// Runs shuttle with `inner` steered by `plan`.
    fn execute(&self, inner: Box<dyn Scheduler + Send>, plan: Plan) -> (Outcome, Record) {
        let started = Instant::now();
        let shared = Arc::new(Shared::default());
        let flags = Arc::new(Flags::default());
        let record = Arc::new(Mutex::new(Record::default()));
        let steering = Steering::new(inner, plan, Arc::clone(&flags), Arc::clone(&record));
        let monitor_config = Monitor::config_for(&self.scheme);
        let body = {
            let shared = Arc::clone(&shared);
            let scenario = Arc::clone(&self.scenario);
            let scheme = self.scheme.clone();
            move || {
                // What a previous execution's threads left is not this one's.
                drop(Shuttle::take_thread_panic());
                let monitor = Monitor::new(monitor_config);
                *lock(&shared.monitor) = Some(monitor.clone());
                let result = catch_unwind(AssertUnwindSafe(|| {
                    scenario.run_shuttle(scheme.clone(), monitor.clone())
                }));
                match result {
                    Ok(()) => collect_expected(&shared.expected, &monitor),
                    Err(payload) => {
                        let payload = if payload.is::<ThreadPanicked>() {
                            Shuttle::take_thread_panic().unwrap_or(payload)
                        } else {
                            payload
                        };
                        *lock(&shared.failure) = Some(payload);
                        flags.failed.store(true, Ordering::Relaxed);
                    }
                }
            }
        };
        let ran = super::exploring(|| {
            catch_unwind(AssertUnwindSafe(|| {
                Runner::new(steering, config()).run(body)
            }))
        });
        let record = std::mem::take(&mut *lock(&record));
        let seconds = started.elapsed().as_secs_f64();
        let executions = record.started;
        // A thread's panic that stopped the execution before the main
        // thread joined it is still kept by the sync layer.
        let failure = lock(&shared.failure)
            .take()
            .or_else(Shuttle::take_thread_panic);
        let monitor = lock(&shared.monitor).take();
        let expected = std::mem::take(&mut *lock(&shared.expected));
        let outcome = match (ran, failure) {
            (Err(payload), _) | (Ok(_), Some(payload)) => {
                stop_reason(payload, monitor.as_ref(), executions, seconds)
            }
            (Ok(_), None) if expected.is_empty() => {
                Outcome::new(Verdict::Pass, executions, seconds)
            }
            (Ok(_), None) => {
                let mut outcome = Outcome::new(Verdict::ExpectedViolation, executions, seconds);
                outcome.violations = expected;
                outcome
            }
        };
        (outcome.by(self.engine.name(), "iterations"), record)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// Where the failing schedule of `engine` on `scenario` and `scheme` goes
/// under an artifacts directory `dir`.
pub fn schedule_path(dir: &Path, scenario: &str, scheme: &str, engine: &str) -> PathBuf {
    dir.join(format!("{scenario}-{scheme}-{engine}.schedule"))
}
