//! One shuttle run: a scenario on a scheme under one of shuttle's
//! schedulers, steered ([`super::steering`]), every execution's panic caught
//! and turned into the run's [`Outcome`].

use super::steering::{End, Flags, Plan, Record, Steering};
use super::{MAX_STEPS, ShuttleEngine, Strategy};
use crate::engines::outcome::{Outcome, Verdict, collect_expected, stop_reason};
use crate::engines::stop::Cut;
use crate::engines::{Engine, RunOptions};
use crate::properties::Violation;
use crate::properties::monitor::Monitor;
use crate::scenarios::DynScenario;
use pinref_model::SchemeObject;
use pinref_model::sync::{Shuttle, ThreadPanicked};
use shuttle::scheduler::{
    DfsScheduler, PctScheduler, RandomScheduler, ReplayScheduler, Schedule, Scheduler, Task, TaskId,
};
use shuttle::{Config, FailurePersistence, MaxSteps, Runner};
use std::any::Any;
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The stack of each shuttle thread: the model's threads format their
/// timelines on it.
const STACK_SIZE: usize = 0x4_0000;

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
/// over it ([`crate::engines::quiet_panics`]): shuttle installs it once, at its first
/// execution, around whatever hook is there, and would otherwise report
/// every panic of a later exploration on stderr before the quiet hook saw
/// it. One empty execution.
pub(crate) fn install_shuttle_panic_hook() {
    Runner::new(DfsScheduler::new(Some(1), false), config()).run(|| {});
}

/// Whether this thread is running a shuttle execution now.
pub(crate) fn inside_shuttle_execution() -> bool {
    shuttle::current::try_get_current_task().is_some()
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
pub(super) struct Run {
    pub scenario: Arc<dyn DynScenario>,
    pub scheme: SchemeObject,
    pub engine: ShuttleEngine,
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
    pub fn search(
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
                Some(End::TimeCap) => Some(Cut::Time(options.max_duration).to_string()),
                Some(End::Interrupted(by)) => Some(Cut::Interrupted(by).to_string()),
                // A sample of nothing is not a pass.
                Some(End::Budget) if record.started == 0 => {
                    Some(format!("{}: nothing was explored", Cut::Executions(0)))
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
    pub fn replay(&self, schedule: Schedule, options: &RunOptions) -> Outcome {
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

    /// Runs one execution under `scheduler`, a scheduler of the caller's
    /// (the concurrent fuzz target's, whose input's bytes choose every
    /// thread: [`crate::fuzzing::schedule::ByteScheduler`]), steered and
    /// judged as every shuttle execution is: ended at the first decision
    /// after a thread panicked, its panic taken from the sync layer, and an
    /// execution past [`MAX_STEPS`] decisions (a thread waiting forever)
    /// `incomplete`, never a pass.
    pub fn once(&self, scheduler: Box<dyn Scheduler + Send>) -> Outcome {
        let plan = Plan {
            budget: 1,
            probe_at_budget: false,
            // Checked before an execution starts: the one execution does.
            max_duration: Duration::MAX,
            max_steps: MAX_STEPS,
            skip_yielding: false,
            preemption_bound: None,
        };
        let (mut outcome, record) = self.execute(scheduler, plan);
        let cut = match record.end {
            Some(End::StepBound(steps)) => Some(format!(
                "the execution did not finish within {steps} scheduling steps (a thread waiting \
                 forever?)"
            )),
            Some(End::Interrupted(by)) => Some(Cut::Interrupted(by).to_string()),
            // Nothing ran (the scheduler ended the execution at once).
            _ if record.started == 0 => Some("no execution ran".to_string()),
            _ => None,
        };
        if let Some(note) = cut
            && matches!(outcome.verdict, Verdict::Pass | Verdict::ExpectedViolation)
        {
            outcome.verdict = Verdict::Incomplete;
            outcome.note = Some(note);
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
                let monitor = Monitor::new(monitor_config).stop_every_thread();
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
        let ran = crate::engines::exploring(|| {
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
        // The other threads of a failed execution stop after the main
        // thread took the first panic (`Monitor::stop_every_thread`): what
        // they leave is this run's, never the next one's.
        drop(Shuttle::take_thread_panic());
        let monitor = lock(&shared.monitor).take();
        let expected = std::mem::take(&mut *lock(&shared.expected));
        let outcome = match (ran, failure) {
            // A failure the execution recorded is its verdict, whatever
            // shuttle made of the rest of the execution (the other threads
            // stopping after it; see `Monitor::stop_every_thread`).
            (_, Some(payload)) => stop_reason(payload, monitor.as_ref(), executions, seconds),
            // Every thread's panic is caught inside the execution: one out
            // of shuttle's runner is shuttle's own (a scheduler's
            // assertion), which says nothing about the scheme.
            (Err(payload), None) => {
                let message = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                let mut outcome = Outcome::new(Verdict::Incomplete, executions, seconds);
                outcome.note = Some(format!("shuttle stopped the run: {message}"));
                outcome
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
