//! One execution of a scenario on the explorer, in one of two modes.
//!
//! **Step mode** ([`step`]) computes one transition of a state without
//! threads of its own: the scenario runs on the calling OS thread; every
//! logical thread it needs is re-executed from its start, reading the
//! values its log recorded (its accesses touch nothing), until the thread
//! to step (the *target*) reaches the end of its log. The target then
//! performs its next action for real on the state's memory, runs on to its
//! next scheduling point, and the execution is abandoned there (an unwind
//! with a private payload). A replay that does not do what the log says is
//! a [`StepOutcome::Rejected`] execution: thread code must be deterministic
//! given the values it reads.
//!
//! **Schedule mode** ([`super::follow`], in `schedule.rs`) runs a whole path, one step per entry,
//! with a real OS thread per logical thread and a baton, so that
//! everything the scenario keeps outside the sync layer (the monitor's log,
//! the ghost's view) sees one execution in its real order: this is how a
//! counterexample's timeline is rebuilt.

use super::key::{Fingerprinter, fingerprint};
use super::merge::{MergeLog, MergeRule};
use super::schedule::{Schedule, spawn_os, wait_for_permit};
use super::snapshot::{Access, Action, Item, Pending, Snapshot, StepOutcome, ThreadRecord};
use crate::event::Event;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// A thread's items beyond this many: a loop that never reaches a
/// boundary (a spin loop not written with `spin_until`).
const ITEMS_LIMIT: usize = 100_000;

/// Why an execution unwinds (the explorer's own payloads).
pub(super) enum Stop {
    /// The target reached its next scheduling point.
    StepDone,
    /// The replay did not do what the log says.
    Diverged(String),
    /// A schedule-mode execution is torn down.
    Abort,
}

impl Stop {
    pub(super) fn raise(self) -> ! {
        match self {
            Stop::StepDone => panic::resume_unwind(Box::new(StepDone)),
            Stop::Diverged(message) => panic::resume_unwind(Box::new(Diverged(message))),
            Stop::Abort => panic::resume_unwind(Box::new(Aborted)),
        }
    }
}

struct StepDone;
struct Diverged(String);
pub(super) struct Aborted;

/// A thread's transient state within one execution.
#[derive(Default)]
pub(super) struct Runtime {
    pub(super) cursor: usize,
    pub(super) creations: u32,
    pub(super) spawns: u32,
    pub(super) live: bool,
    pub(super) items: Vec<Item>,
}

pub(super) enum Mode {
    Step { target: usize },
    Schedule(Schedule),
}

pub(super) struct State {
    pub(super) mode: Mode,
    pub(super) memory: Vec<u64>,
    pub(super) created_by: Vec<(usize, u32)>,
    pub(super) threads: Vec<ThreadRecord>,
    pub(super) runtime: Vec<Runtime>,
    pub(super) events: Vec<Event>,
    pub(super) merge: MergeRule,
    pub(super) merge_log: MergeLog,
}

pub(super) struct Shared {
    pub(super) state: Mutex<State>,
    pub(super) turn: Condvar,
}

impl Shared {
    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

std::thread_local! {
    pub(super) static CONTEXT: RefCell<Option<Arc<Shared>>> = const { RefCell::new(None) };
    pub(super) static THREAD: Cell<usize> = const { Cell::new(0) };
}

fn shared() -> Arc<Shared> {
    CONTEXT
        .with(|context| context.borrow().clone())
        .unwrap_or_else(|| {
            panic!(
                "explorer primitives exist only inside an explorer execution (Explorer platform)"
            )
        })
}

fn with<R>(f: impl FnOnce(&mut State, usize) -> Result<R, Stop>) -> R {
    let shared = shared();
    let me = THREAD.with(Cell::get);
    let result = f(&mut shared.lock(), me);
    result.unwrap_or_else(|stop| stop.raise())
}

/// The calling logical thread.
pub(super) fn thread_index() -> usize {
    THREAD.with(Cell::get)
}

impl State {
    fn target(&self) -> Option<usize> {
        match self.mode {
            Mode::Step { target } => Some(target),
            Mode::Schedule(_) => None,
        }
    }

    /// Whether `me` is past its replay (its events are new).
    fn live(&self, me: usize) -> bool {
        match self.mode {
            Mode::Step { target } => me == target && self.runtime[me].live,
            Mode::Schedule(_) => true,
        }
    }

    /// Whether `me` is in code it has not run before in an earlier step.
    fn fresh(&self, me: usize) -> bool {
        self.target() == Some(me) && self.runtime[me].cursor == self.threads[me].log.len()
    }

    fn note(&mut self, me: usize, item: Item) -> Result<(), Stop> {
        if self.target() == Some(me) {
            let items = &mut self.runtime[me].items;
            items.push(item);
            if items.len() > ITEMS_LIMIT {
                return Err(Stop::Diverged(format!(
                    "thread {me}'s history grows without bound (over {ITEMS_LIMIT} steps without \
                     an operation boundary): write spin loops with Platform::spin_until"
                )));
            }
        }
        Ok(())
    }

    /// Step mode: replays `action` from the log, or performs it for real.
    /// `perform` applies it and returns what to log.
    fn act(
        &mut self,
        me: usize,
        merged: bool,
        expected: impl Fn(&Action) -> bool,
        describe: impl Fn() -> String,
        perform: impl FnOnce(&mut State) -> Result<Action, Stop>,
    ) -> Result<Action, Stop> {
        let Mode::Step { target } = self.mode else {
            return perform(self);
        };
        let cursor = self.runtime[me].cursor;
        if let Some(logged) = self.threads[me].log.get(cursor).copied() {
            if !expected(&logged) {
                return Err(Stop::Diverged(format!(
                    "thread {me} is not deterministic given what it reads: at step {cursor} its \
                     log has {logged:?}, but the replay did {}",
                    describe()
                )));
            }
            self.runtime[me].cursor += 1;
            return Ok(logged);
        }
        if me != target {
            return Err(Stop::Diverged(format!(
                "thread {me} is not deterministic given what it reads: its replay went past its \
                 recorded history ({})",
                describe()
            )));
        }
        if self.runtime[me].live && !merged {
            return Err(Stop::StepDone);
        }
        let action = perform(self)?;
        Arc::make_mut(&mut self.threads[me].log).push(action);
        let runtime = &mut self.runtime[me];
        runtime.cursor += 1;
        runtime.live = true;
        Ok(action)
    }

    fn finish_step(&mut self) {
        if let Some(target) = self.target() {
            self.threads[target].key = fingerprint(&self.runtime[target].items);
        }
    }

    /// Whether `me`'s `access` to `var` is a read this step takes with it
    /// ([`MergeRule`]): a thread in the middle of its step (it has performed
    /// its step's action) reading a variable the rule allows.
    fn merges(&self, me: usize, var: u32, access: Access) -> bool {
        if access.writes() || !self.merge.allows(var) {
            return false;
        }
        match &self.mode {
            Mode::Step { target } => {
                me == *target
                    && self.runtime[me].live
                    && self.runtime[me].cursor == self.threads[me].log.len()
            }
            Mode::Schedule(schedule) => schedule.holder == me && !schedule.permit,
        }
    }

    /// Whether a thread other than `me` has been spawned and not returned.
    fn others_running(&self, me: usize) -> bool {
        self.threads
            .iter()
            .enumerate()
            .any(|(thread, record)| thread != me && !record.finished)
    }

    /// Whether running `child` inline leads to the target.
    fn leads_to_target(&self, child: usize) -> bool {
        let Some(mut thread) = self.target() else {
            return false;
        };
        loop {
            if thread == child {
                return true;
            }
            match self.threads[thread].spawned_by {
                Some((parent, _)) => thread = parent,
                None => return false,
            }
        }
    }
}

/// A new variable holding `value`, created by the calling thread.
pub(super) fn create(value: u64) -> u32 {
    with(|s, me| {
        let ordinal = s.runtime[me].creations;
        s.runtime[me].creations += 1;
        if let Some(var) = s.created_by.iter().position(|&c| c == (me, ordinal)) {
            return Ok(var as u32);
        }
        if matches!(s.mode, Mode::Schedule(_)) || s.fresh(me) {
            s.created_by.push((me, ordinal));
            s.memory.push(value);
            return Ok((s.memory.len() - 1) as u32);
        }
        Err(Stop::Diverged(format!(
            "thread {me} is not deterministic given what it reads: its replay created a \
             variable it did not create before"
        )))
    })
}

/// An access by the calling thread; returns the value read. A scheduling
/// point first, unless it is a read the step takes with it.
pub(super) fn access(var: u32, access: Access) -> u64 {
    let merged = with(|s, me| Ok(s.merges(me, var, access)));
    if !merged {
        scheduling_point();
    }
    with(|s, me| {
        let action = s.act(
            me,
            merged,
            |logged| matches!(logged, Action::Access { var: v, access: a, .. } if *v == var && *a == access),
            || format!("{access:?} on variable {var}"),
            |s| {
                if merged {
                    // A merged read while no other thread runs reorders
                    // nothing: only one while another runs rests on the rule.
                    if s.others_running(me) {
                        MergeLog::note(&mut s.merge_log.merged, var);
                    }
                    if let Mode::Schedule(schedule) = &mut s.mode {
                        schedule.actions.push(me);
                    }
                } else if access.writes() && s.others_running(me) {
                    MergeLog::note(&mut s.merge_log.written_concurrently, var);
                }
                let slot = &mut s.memory[var as usize];
                let (read, new) = access.apply(*slot);
                *slot = new;
                Ok(Action::Access { var, access, read })
            },
        )?;
        let Action::Access { read, .. } = action else {
            unreachable!("an access is logged as an access")
        };
        s.note(me, Item::Saw(access.returns_value().then_some(read)))?;
        Ok(read)
    })
}

/// `yield_now` by the calling thread.
pub(super) fn yield_now() {
    scheduling_point();
    with(|s, me| {
        s.act(
            me,
            false,
            |logged| *logged == Action::Yield,
            || "a yield".to_string(),
            |_| Ok(Action::Yield),
        )?;
        s.note(me, Item::Saw(None))
    })
}

/// Runs `op` as one operation: its internal history is replaced, in the
/// thread's key, by its name and its result.
pub(super) fn operation<T: std::fmt::Debug>(name: &'static str, op: impl FnOnce() -> T) -> T {
    let begin = with(|s, me| Ok((s.target() == Some(me)).then(|| s.runtime[me].items.len())));
    let result = op();
    if let Some(begin) = begin {
        let done = operation_key(name, &result);
        with(|s, me| {
            s.runtime[me].items.truncate(begin);
            s.note(me, Item::Done(done))
        });
    }
    result
}

/// The fingerprint of an operation's name and the `Debug` text of its
/// result, hashed as it is written (no string is built).
fn operation_key<T: std::fmt::Debug>(name: &'static str, result: &T) -> u128 {
    struct Feed(Fingerprinter);
    impl std::fmt::Write for Feed {
        fn write_str(&mut self, text: &str) -> std::fmt::Result {
            self.0.add(text);
            Ok(())
        }
    }
    let mut feed = Feed(Fingerprinter::new());
    feed.0.add(name);
    let _ = std::fmt::Write::write_fmt(&mut feed, format_args!("{result:?}"));
    feed.0.finish()
}

/// Spins until `attempt` succeeds; a failed attempt leaves the thread's
/// key where it was before the loop.
pub(super) fn spin_until<T>(mut attempt: impl FnMut() -> Option<T>) -> T {
    let entry = with(|s, me| Ok((s.target() == Some(me)).then(|| s.runtime[me].items.len())));
    let rewind = || {
        if let Some(entry) = entry {
            with(|s, me| {
                s.runtime[me].items.truncate(entry);
                Ok(())
            });
        }
    };
    loop {
        if let Some(value) = attempt() {
            return value;
        }
        rewind();
        yield_now();
        rewind();
    }
}

/// Whether the event just reported is new (delivered to the observer).
pub(super) fn observe(event: &Event) -> bool {
    with(|s, me| {
        let live = s.live(me);
        if live && matches!(s.mode, Mode::Step { .. }) {
            s.events.push(event.clone());
        }
        Ok(live)
    })
}

/// The closure of a spawned thread, kept for a replay that needs it.
pub(super) type Body<T> = Box<dyn FnOnce() -> T + Send>;

/// What a spawn returns.
pub(super) enum Spawned<T> {
    /// Step mode: the thread's closure, run again when it is joined.
    Replay(usize, Option<Body<T>>),
    /// Schedule mode: a real thread.
    Os(usize, std::thread::JoinHandle<Option<T>>),
}

/// Spawns `body` as a new logical thread of the calling thread.
pub(super) fn spawn<T: Send + 'static>(body: Body<T>) -> Spawned<T> {
    let shared = shared();
    let me = THREAD.with(Cell::get);
    let mut s = shared.lock();
    let ordinal = s.runtime[me].spawns;
    s.runtime[me].spawns += 1;
    let existing = s
        .threads
        .iter()
        .position(|t| t.spawned_by == Some((me, ordinal)));
    if let Mode::Schedule(_) = s.mode {
        let child = s.threads.len();
        s.threads.push(ThreadRecord::new(Some((me, ordinal))));
        s.runtime.push(Runtime::default());
        drop(s);
        return Spawned::Os(child, spawn_os(Arc::clone(&shared), child, body));
    }
    let child = match existing {
        Some(child) => child,
        None if s.fresh(me) => {
            s.threads.push(ThreadRecord::new(Some((me, ordinal))));
            s.runtime.push(Runtime::default());
            s.threads.len() - 1
        }
        None => {
            drop(s);
            Stop::Diverged(format!(
                "thread {me} is not deterministic given what it reads: its replay spawned a \
                 thread it did not spawn before"
            ))
            .raise()
        }
    };
    if !s.leads_to_target(child) {
        return Spawned::Replay(child, Some(body));
    }
    drop(s);
    let saved = THREAD.with(|t| t.replace(child));
    let _ = body();
    THREAD.with(|t| t.set(saved));
    with(|s, _| {
        if s.target() != Some(child) {
            return Err(Stop::Diverged(format!(
                "thread {child} returned before it spawned the thread to step"
            )));
        }
        s.threads[child].finished = true;
        s.finish_step();
        Err(Stop::StepDone)
    })
}

/// Joins `child` (step mode: re-runs its closure, which must replay its
/// whole log; schedule mode: waits for the real thread).
pub(super) fn join<T>(handle: Spawned<T>) -> T {
    match handle {
        Spawned::Os(child, os) => {
            scheduling_point();
            with(|s, _| {
                // A path that joins a thread before it returned (a corrupt
                // replay file) would wait for ever holding the turn.
                if !s.threads[child].finished {
                    if let Mode::Schedule(schedule) = &mut s.mode {
                        schedule.aborted = true;
                    }
                    return Err(Stop::Abort);
                }
                s.threads[child].joined = true;
                Ok(())
            });
            match os.join() {
                Ok(Some(value)) => value,
                Ok(None) | Err(_) => Stop::Abort.raise(),
            }
        }
        Spawned::Replay(child, body) => {
            with(|s, me| {
                s.act(
                    me,
                    false,
                    |logged| {
                        *logged
                            == Action::Join {
                                child: child as u32,
                            }
                    },
                    || format!("a join of thread {child}"),
                    |s| {
                        if !s.threads[child].finished {
                            s.threads[me].pending = Pending::Join(child);
                            return Err(Stop::StepDone);
                        }
                        s.threads[child].joined = true;
                        Ok(Action::Join {
                            child: child as u32,
                        })
                    },
                )
                .map_err(|stop| {
                    if matches!(stop, Stop::StepDone) {
                        s.threads[me].pending = Pending::Join(child);
                        s.finish_step();
                    }
                    stop
                })?;
                s.note(me, Item::Saw(None))?;
                s.runtime[child] = Runtime::default();
                Ok(())
            });
            let body = body.unwrap_or_else(|| unreachable!("a handle is joined once"));
            let saved = THREAD.with(|t| t.replace(child));
            let value = body();
            THREAD.with(|t| t.set(saved));
            with(|s, _| {
                if s.runtime[child].cursor != s.threads[child].log.len() {
                    return Err(Stop::Diverged(format!(
                        "thread {child} is not deterministic given what it reads: its replay \
                         returned before the end of its log"
                    )));
                }
                Ok(())
            });
            value
        }
    }
}

/// Before every scheduling action: in step mode, the target stops here
/// once its one new action is done (its pending action is recorded).
fn scheduling_point() {
    let shared = shared();
    let me = THREAD.with(Cell::get);
    let mut s = shared.lock();
    match &mut s.mode {
        Mode::Step { target } => {
            let target = *target;
            if me == target && s.runtime[me].live && s.runtime[me].cursor == s.threads[me].log.len()
            {
                s.threads[me].pending = Pending::Ready;
                s.finish_step();
                drop(s);
                Stop::StepDone.raise();
            }
        }
        Mode::Schedule(_) => {
            let mut s = wait_for_permit(&shared, s, me, true);
            if let Mode::Schedule(schedule) = &mut s.mode {
                schedule.actions.push(me);
            }
        }
    }
}

pub(super) fn install(state: State) -> Arc<Shared> {
    let shared = Arc::new(Shared {
        state: Mutex::new(state),
        turn: Condvar::new(),
    });
    CONTEXT.with(|context| *context.borrow_mut() = Some(Arc::clone(&shared)));
    THREAD.with(|t| t.set(0));
    shared
}

pub(super) fn uninstall() {
    CONTEXT.with(|context| *context.borrow_mut() = None);
}

/// Step mode: steps thread `target` of `snapshot`, running the scenario
/// with `run` (which must call the scenario's `run` on [`super::Explorer`]).
pub fn step(
    snapshot: &Snapshot,
    target: usize,
    merge: &MergeRule,
    run: &mut dyn FnMut(),
) -> StepOutcome {
    let state = State {
        mode: Mode::Step { target },
        merge: merge.clone(),
        merge_log: MergeLog::default(),
        memory: snapshot.memory.clone(),
        created_by: snapshot.created_by.clone(),
        threads: snapshot.threads.clone(),
        runtime: (0..snapshot.threads.len())
            .map(|_| Runtime::default())
            .collect(),
        events: Vec::new(),
    };
    let shared = install(state);
    let result = panic::catch_unwind(AssertUnwindSafe(run));
    uninstall();
    let mut state = shared.lock();
    let events = std::mem::take(&mut state.events);
    match result {
        Ok(()) if target == 0 => {
            state.threads[0].finished = true;
            state.finish_step();
        }
        Ok(()) => {
            return StepOutcome::Rejected(format!(
                "the scenario returned before thread {target} could be stepped"
            ));
        }
        Err(payload) if payload.is::<StepDone>() => {}
        Err(payload) => {
            return match payload.downcast::<Diverged>() {
                Ok(diverged) => StepOutcome::Rejected(diverged.0),
                Err(payload) => StepOutcome::Stopped { payload, events },
            };
        }
    }
    StepOutcome::Advanced {
        snapshot: Snapshot {
            memory: std::mem::take(&mut state.memory),
            created_by: std::mem::take(&mut state.created_by),
            threads: std::mem::take(&mut state.threads),
        },
        events,
        merge: std::mem::take(&mut state.merge_log),
    }
}
