//! The scheduler the shuttle engine hands to shuttle's `Runner`: one of
//! shuttle's own (random, PCT, DFS, replay) inside, and around it what the
//! engine needs and shuttle's schedulers do not give:
//!
//! - it ends an execution at the first scheduling decision after a thread
//!   panicked (the sync layer catches the panic, see
//!   `pinref_model::sync::Shuttle`), as loom ends one at the panic, and
//!   starts no other;
//! - it records every decision of the running execution as a shuttle
//!   [`Schedule`], so that the failing one can be written out and replayed;
//! - it owns the run's budget (iterations, seconds, scheduling steps per
//!   execution, a stop asked for: [`crate::engines::stop`]), checked
//!   before every execution, and says which one ended the run ([`End`]);
//! - for DFS, it does not reschedule a thread that just yielded while
//!   another can run (see [`Plan::skip_yielding`]).

use pinref_model::sync::Shuttle;
use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How far a run goes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Plan {
    /// Executions to start at most.
    pub budget: u64,
    /// At the budget, ask the inner scheduler for one more execution to
    /// learn whether it had any left (DFS: exhausted, or cut short).
    pub probe_at_budget: bool,
    /// Start no execution after this long.
    pub max_duration: Duration,
    /// Scheduling decisions one execution may take before it is ended as
    /// one that does not finish (a thread waiting forever).
    pub max_steps: usize,
    /// Do not hand the inner scheduler a thread that just yielded while
    /// another is runnable. A yield in the model comes only from a spin
    /// (`Signal::wait`, `lock_page`) whose next step repeats a read that
    /// nothing has changed (every access is sequentially consistent under
    /// shuttle), so the schedules left out only stutter. DFS needs it to
    /// terminate; random and PCT run as shuttle has them (PCT already lowers
    /// a yielding thread's priority).
    pub skip_yielding: bool,
    /// At most this many preemptions an execution (a switch away from a
    /// thread that could go on and did not yield), as loom counts them:
    /// past the bound the running thread is the only choice offered.
    /// `None`: unbounded.
    pub preemption_bound: Option<usize>,
}

/// Why a run stopped starting executions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum End {
    /// It started its budget of executions.
    Budget,
    /// The inner scheduler had no schedule left (DFS: every schedule was
    /// explored).
    Exhausted,
    /// The time cap.
    TimeCap,
    /// An execution was ended after this many scheduling decisions.
    StepBound(usize),
    /// An execution failed (a thread panicked).
    Failure,
    /// A stop was asked for (SIGINT, SIGTERM, `request_stop`): its name.
    Interrupted(&'static str),
}

/// What the engine reads after the run: filled in as the run goes.
#[derive(Debug, Default)]
pub(super) struct Record {
    /// Executions started (the failing one included).
    pub started: u64,
    /// Why the run ended (`None` until it has).
    pub end: Option<End>,
    /// The decisions of the last execution started: the failing one, when
    /// the run ended on a failure.
    pub schedule: Schedule,
}

/// What the run body and the scheduler share.
#[derive(Debug, Default)]
pub(super) struct Flags {
    /// The body caught a panic of its own (the scenario's main thread).
    pub failed: AtomicBool,
}

/// See the module docs.
pub(super) struct Steering {
    inner: Box<dyn Scheduler + Send>,
    plan: Plan,
    flags: Arc<Flags>,
    record: Arc<Mutex<Record>>,
    started_at: Instant,
    started: u64,
    steps: usize,
    preemptions: usize,
    schedule: Schedule,
    end: Option<End>,
}

impl Steering {
    /// Steers `inner` by `plan`; the run's record goes to `record`.
    pub fn new(
        inner: Box<dyn Scheduler + Send>,
        plan: Plan,
        flags: Arc<Flags>,
        record: Arc<Mutex<Record>>,
    ) -> Steering {
        Steering {
            inner,
            plan,
            flags,
            record,
            started_at: Instant::now(),
            started: 0,
            steps: 0,
            preemptions: 0,
            schedule: Schedule::new(0),
            end: None,
        }
    }

    fn failed(&self) -> bool {
        self.flags.failed.load(Ordering::Relaxed) || Shuttle::thread_panicked()
    }

    fn publish(&self) {
        let mut record = self.record.lock().unwrap_or_else(|p| p.into_inner());
        record.started = self.started;
        record.end = self.end;
        record.schedule = self.schedule.clone();
    }
}

impl Scheduler for Steering {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.end.is_some() {
            return None;
        }
        let end = if self.failed() {
            Some(End::Failure)
        } else if let Some(by) = crate::engines::stop::stop_requested() {
            Some(End::Interrupted(by))
        } else if self.started >= self.plan.budget {
            // DFS: a schedule left past the cap means the run was cut short.
            let more = self.plan.probe_at_budget && self.inner.new_execution().is_some();
            Some(if self.plan.probe_at_budget && !more {
                End::Exhausted
            } else {
                End::Budget
            })
        } else if self.started_at.elapsed() >= self.plan.max_duration {
            // `>=`: a time cap of 0 starts nothing.
            Some(End::TimeCap)
        } else {
            None
        };
        if let Some(end) = end {
            self.end = Some(end);
            self.publish();
            return None;
        }
        let Some(schedule) = self.inner.new_execution() else {
            self.end = Some(End::Exhausted);
            self.publish();
            return None;
        };
        self.started += 1;
        self.steps = 0;
        self.preemptions = 0;
        // Room for as many decisions as the last execution took.
        let capacity = self.schedule.steps.len();
        self.schedule = Schedule::new(schedule.seed);
        self.schedule.steps.reserve(capacity);
        Some(schedule)
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        // A failed execution is not stopped here but runs to its end: the
        // monitor stops every other thread at its next access
        // (`Monitor::stop_every_thread`), so the threads unwind and shuttle
        // frees them, where an execution its scheduler stops is abandoned
        // with its threads' stacks leaked. The run ends before the next
        // execution (`new_execution`). The failing schedule is the one up to
        // the failure (it replays to the failure), published at once and
        // kept whatever the rest of the execution does.
        if self.end.is_none() && self.failed() {
            self.end = Some(End::Failure);
            self.publish();
        }
        self.steps += 1;
        if self.steps > self.plan.max_steps {
            // After a failure, a thread can wait for ever for one that
            // stopped (a signal never raised): stopped, and leaked, then.
            if self.end.is_none() {
                self.end = Some(End::StepBound(self.plan.max_steps));
                self.publish();
            }
            return None;
        }
        // The running thread could go on: switching away is a preemption.
        let can_go_on = !is_yielding && runnable.iter().any(|task| Some(task.id()) == current);
        let bound_reached = self
            .plan
            .preemption_bound
            .is_some_and(|bound| self.preemptions >= bound);
        let chosen = if can_go_on && bound_reached {
            let only: Vec<&Task> = runnable
                .iter()
                .copied()
                .filter(|task| Some(task.id()) == current)
                .collect();
            self.inner.next_task(&only, current, is_yielding)
        } else if self.plan.skip_yielding && is_yielding && runnable.len() > 1 {
            let others: Vec<&Task> = runnable
                .iter()
                .copied()
                .filter(|task| Some(task.id()) != current)
                .collect();
            self.inner.next_task(&others, current, is_yielding)
        } else {
            self.inner.next_task(runnable, current, is_yielding)
        };
        if can_go_on && chosen.is_some() && chosen != current {
            self.preemptions += 1;
        }
        match chosen {
            Some(task) => self.schedule.push_task(task),
            // The inner scheduler ended the execution (a replay whose
            // schedule does not fit).
            None if self.end.is_none() => {
                self.end = Some(End::Exhausted);
                self.publish();
            }
            None => {}
        }
        chosen
    }

    fn next_u64(&mut self) -> u64 {
        self.schedule.push_random();
        self.inner.next_u64()
    }
}

impl Drop for Steering {
    fn drop(&mut self) {
        self.publish();
    }
}
