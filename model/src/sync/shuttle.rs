//! [`Shuttle`]: shuttle's atomics and threads, for randomised (random, PCT)
//! and depth-first schedule exploration with replayable schedules.
//!
//! # A thread's panic
//!
//! Shuttle fails a whole test the moment any of its threads panics, and
//! says so on stderr (the failing task, the schedule) from inside the
//! executor, where no caller can keep it quiet. The model's threads panic
//! on purpose: a check that fails stops the execution with the finding as
//! the payload. So a thread spawned here runs under `catch_unwind`, as a
//! `std::thread` does: the first panic of an execution is kept
//! ([`Shuttle::take_thread_panic`]), whoever joins the thread resumes
//! unwinding with [`ThreadPanicked`], and the engine, which reads
//! [`Shuttle::thread_panicked`] at every scheduling decision, ends the
//! execution there, as loom ends one at a panic. No other thread of a
//! stopped execution runs again (a thread waiting for a signal the dead
//! thread would have raised cannot spin forever).
//!
//! Shuttle runs every thread of an execution as a continuation on the one
//! OS thread that runs the test, so the kept panic is a thread-local of
//! that OS thread: runs on other OS threads (parallel tests) never see it.

use super::std_threads::RelaxedCell;
use super::{JoinHandle, Ordering, Platform};
use crate::scheme::object::{AnyScheme, DynScheme};
use std::any::Any;
use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

/// shuttle's primitives. Only usable inside a shuttle test (`shuttle::check_*`
/// or a `shuttle::Runner`). Shuttle treats every ordering as `SeqCst`, so it
/// finds interleaving bugs (lost updates, races on the last reference) but
/// not weak-memory ordering bugs: those are loom's.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shuttle;

forward_atomic_i32!(shuttle::sync::atomic::AtomicI32);

std::thread_local! {
    /// The first panic of a thread spawned in the shuttle execution that
    /// runs on this OS thread (see the module docs).
    static THREAD_PANIC: RefCell<Option<Box<dyn Any + Send>>> = const { RefCell::new(None) };
}

/// The payload a join resumes with when the joined thread panicked: the
/// panic itself is kept for the engine ([`Shuttle::take_thread_panic`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadPanicked;

/// A shuttle thread's handle: the thread ran under `catch_unwind`, and
/// `None` says it panicked (see the module docs).
#[derive(Debug)]
pub struct ShuttleJoinHandle<T>(shuttle::thread::JoinHandle<Option<T>>);

impl<T: Send + 'static> JoinHandle<T> for ShuttleJoinHandle<T> {
    fn join(self) -> T {
        match shuttle::thread::JoinHandle::join(self.0) {
            Ok(Some(value)) => value,
            // `resume_unwind`, not `panic!`: the panic was reported (kept)
            // once, where it happened.
            Ok(None) => resume_unwind(Box::new(ThreadPanicked)),
            Err(panic) => resume_unwind(panic),
        }
    }
}

impl Shuttle {
    /// Whether a thread spawned in the shuttle execution on this OS thread
    /// has panicked, its panic not yet taken: the engine's run ends before
    /// its next execution.
    pub fn thread_panicked() -> bool {
        THREAD_PANIC.with(|slot| slot.borrow().is_some())
    }

    /// Takes the first panic of a thread spawned in the shuttle execution on
    /// this OS thread (`None`: none panicked). The engine takes it at the
    /// start of every execution (clearing what a previous one left) and at
    /// its end.
    pub fn take_thread_panic() -> Option<Box<dyn Any + Send>> {
        THREAD_PANIC.with(|slot| slot.borrow_mut().take())
    }
}

impl Platform for Shuttle {
    const NAME: &'static str = "shuttle";
    const CHECKS_CELL_CAUSALITY: bool = false;
    type AtomicI32 = shuttle::sync::atomic::AtomicI32;
    type Cell = RelaxedCell;
    type JoinHandle<T: Send + 'static> = ShuttleJoinHandle<T>;

    fn fence(order: Ordering) {
        shuttle::sync::atomic::fence(order)
    }
    fn spawn<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        ShuttleJoinHandle(shuttle::thread::spawn(move || {
            match catch_unwind(AssertUnwindSafe(f)) {
                Ok(value) => Some(value),
                Err(panic) => {
                    // Keep the first; a later one is a consequence.
                    THREAD_PANIC.with(|slot| {
                        slot.borrow_mut().get_or_insert(panic);
                    });
                    None
                }
            }
        }))
    }
    fn scheme_view(scheme: &dyn AnyScheme) -> &dyn DynScheme<Self> {
        scheme
    }
    fn yield_now() {
        shuttle::thread::yield_now()
    }
    fn thread_index() -> usize {
        usize::from(shuttle::thread::current().id())
    }
}
