//! Schedule mode: a whole path followed on real OS threads, one logical
//! thread at a time (a baton), so that what the scenario keeps outside the
//! sync layer (the monitor's log, the ghost's view) sees one execution in
//! its real order.

use super::execution::{
    Aborted, Body, CONTEXT, Mode, Runtime, Shared, State, Stop, THREAD, install, uninstall,
};
use super::merge::{MergeLog, MergeRule};
use super::snapshot::ThreadRecord;
use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, MutexGuard, PoisonError};

pub(super) struct Schedule {
    pub(super) path: Vec<usize>,
    pub(super) next: usize,
    pub(super) holder: usize,
    pub(super) permit: bool,
    pub(super) aborted: bool,
    pub(super) payload: Option<Box<dyn Any + Send>>,
    /// The thread of every action performed, in order (a step's merged
    /// reads included): the path as [`MergeRule::none`] would follow it.
    pub(super) actions: Vec<usize>,
}

/// Schedule mode: waits until `me` holds the turn with a permit, passing
/// the turn on first if `me` has used its permit. `consume`: take the
/// permit (an action) or leave it (a thread's start).
pub(super) fn wait_for_permit<'a>(
    shared: &'a Shared,
    mut s: MutexGuard<'a, State>,
    me: usize,
    consume: bool,
) -> MutexGuard<'a, State> {
    loop {
        let Mode::Schedule(schedule) = &mut s.mode else {
            return s;
        };
        if schedule.aborted {
            drop(s);
            Stop::Abort.raise();
        }
        if schedule.holder == me && schedule.permit {
            if consume {
                schedule.permit = false;
            }
            return s;
        }
        if schedule.holder == me {
            pass_turn(schedule);
            shared.turn.notify_all();
            continue;
        }
        // A path that hands the turn to a thread that does not exist or
        // has returned (a corrupt replay file) would leave every thread
        // waiting: it ends the run instead.
        let holder = schedule.holder;
        if s.threads.get(holder).is_none_or(|thread| thread.finished) {
            if let Mode::Schedule(schedule) = &mut s.mode {
                schedule.aborted = true;
            }
            shared.turn.notify_all();
            drop(s);
            Stop::Abort.raise();
        }
        s = shared.turn.wait(s).unwrap_or_else(PoisonError::into_inner);
    }
}

pub(super) fn pass_turn(schedule: &mut Schedule) {
    match schedule.path.get(schedule.next) {
        Some(&next) => {
            schedule.holder = next;
            schedule.permit = true;
            schedule.next += 1;
        }
        None => schedule.aborted = true,
    }
}

pub(super) fn spawn_os<T: Send + 'static>(
    shared: Arc<Shared>,
    child: usize,
    body: Body<T>,
) -> std::thread::JoinHandle<Option<T>> {
    std::thread::spawn(move || {
        CONTEXT.with(|context| *context.borrow_mut() = Some(Arc::clone(&shared)));
        THREAD.with(|t| t.set(child));
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            drop(wait_for_permit(&shared, shared.lock(), child, false));
            body()
        }));
        let mut s = shared.lock();
        let value = match result {
            Ok(value) => {
                s.threads[child].finished = true;
                if let Mode::Schedule(schedule) = &mut s.mode {
                    pass_turn(schedule);
                }
                Some(value)
            }
            Err(payload) => {
                if let Mode::Schedule(schedule) = &mut s.mode {
                    schedule.aborted = true;
                    if !payload.is::<Aborted>() && schedule.payload.is_none() {
                        schedule.payload = Some(payload);
                    }
                }
                None
            }
        };
        drop(s);
        shared.turn.notify_all();
        CONTEXT.with(|context| *context.borrow_mut() = None);
        value
    })
}

/// How a followed path ended.
pub enum Followed {
    /// A thread panicked (a failed check, or a crash): its payload.
    Stopped(Box<dyn Any + Send>),
    /// The path ended (or the scenario returned) without a panic.
    Completed,
}

/// Schedule mode: runs the scenario along `path` (the thread stepped at
/// each step, from the initial state, under `merge`: the rule of the search
/// that found the path), on real threads, one at a time. Returns how it
/// ended and the path one entry per action (the same run under
/// [`MergeRule::none`]).
pub fn follow(path: &[usize], merge: &MergeRule, run: &mut dyn FnMut()) -> (Followed, Vec<usize>) {
    if path.first().is_some_and(|&first| first != 0) {
        return (Followed::Completed, Vec::new());
    }
    let state = State {
        mode: Mode::Schedule(Schedule {
            path: path.to_vec(),
            next: 1,
            holder: 0,
            permit: !path.is_empty(),
            aborted: path.is_empty(),
            payload: None,
            actions: Vec::new(),
        }),
        merge: merge.clone(),
        merge_log: MergeLog::default(),
        memory: Vec::new(),
        created_by: Vec::new(),
        threads: vec![ThreadRecord::new(None)],
        runtime: vec![Runtime::default()],
        events: Vec::new(),
    };
    let shared = install(state);
    let result = panic::catch_unwind(AssertUnwindSafe(run));
    uninstall();
    let mut s = shared.lock();
    let Mode::Schedule(schedule) = &mut s.mode else {
        unreachable!("a followed path runs in schedule mode")
    };
    schedule.aborted = true;
    let stored = schedule.payload.take();
    let actions = std::mem::take(&mut schedule.actions);
    drop(s);
    shared.turn.notify_all();
    let followed = match result {
        Ok(()) => stored.map_or(Followed::Completed, Followed::Stopped),
        Err(payload) if payload.is::<Aborted>() => {
            stored.map_or(Followed::Completed, Followed::Stopped)
        }
        Err(payload) => Followed::Stopped(payload),
    };
    (followed, actions)
}
