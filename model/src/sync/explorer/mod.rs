//! [`Explorer`]: the platform of the state-caching explorer (the `stateful`
//! engine in `pinref-proofs`): sequentially consistent atomics and cells
//! whose every access hands control to the explorer, so that it can step
//! one thread of a stored state at a time, without a preemption bound.
//!
//! # How a state is stepped
//!
//! A state ([`Snapshot`]) is the memory (every atomic and cell the
//! scenario created, by creation order) and, per thread, the log of its
//! scheduling actions with the values they read. Thread code is
//! deterministic given what it reads, so replaying a thread's log brings it
//! back to where it stopped: [`step`] re-runs the scenario on the calling
//! OS thread, the threads it passes through replaying their logs (their
//! accesses touch nothing and their events are not delivered), until the
//! thread to step performs one new action on the state's memory and
//! reaches its next scheduling point. No OS thread is spawned and no stack
//! is kept: a step costs a replay of one thread (and of the prefix of
//! its ancestors up to its spawn), not of the whole history.
//!
//! # What a thread's key holds
//!
//! The explorer merges two states whose memory, monitor verdict state and
//! thread keys agree. A thread's key is what can make its future differ:
//! the values its actions saw, except inside a completed
//! [`Platform::operation`] (a scheme call), whose internal history is
//! replaced by the operation's name and result, and inside
//! [`Platform::spin_until`], whose failed attempts leave the key as it was
//! when the loop began. Nothing that is history only (logs, timelines,
//! counts of what happened) is in a key.
//!
//! Scheduling points are the accesses, `yield_now` and joins, but for the
//! reads [`MergeRule`] lets a step take with it (see `merge.rs`). Fences do
//! nothing: every access is sequentially consistent, so the explorer sees
//! interleavings but not weak-memory behaviour (that is loom's).

mod execution;
pub mod key;
mod merge;
mod schedule;
mod snapshot;

pub use execution::step;
pub use merge::{MergeLog, MergeRule};
pub use schedule::{Followed, follow};
pub use snapshot::{Access, Action, Pending, Snapshot, StepOutcome, ThreadRecord};

use super::{ContentsCell, JoinHandle, Ordering, Platform};
use crate::event::Event;
use crate::scheme::object::{AnyScheme, DynScheme};
use execution::Spawned;

/// The explorer's primitives. Only usable inside [`step`] or [`follow`]
/// (the `stateful` engine runs scenarios there).
#[derive(Debug, Clone, Copy, Default)]
pub struct Explorer;

/// An atomic of the explorer: a variable of the state, by index.
#[derive(Debug)]
pub struct ExplorerAtomic {
    var: u32,
}

fn bits(value: i32) -> u64 {
    u64::from(value as u32)
}

fn int(value: u64) -> i32 {
    value as u32 as i32
}

impl super::AtomicI32 for ExplorerAtomic {
    fn new(value: i32) -> Self {
        ExplorerAtomic {
            var: execution::create(bits(value)),
        }
    }
    fn load(&self, _: Ordering) -> i32 {
        int(execution::access(self.var, Access::Load))
    }
    fn store(&self, value: i32, _: Ordering) {
        execution::access(self.var, Access::Store(bits(value)));
    }
    fn fetch_add(&self, value: i32, _: Ordering) -> i32 {
        int(execution::access(self.var, Access::FetchAdd(bits(value))))
    }
    fn fetch_sub(&self, value: i32, _: Ordering) -> i32 {
        int(execution::access(self.var, Access::FetchSub(bits(value))))
    }
    fn fetch_or(&self, value: i32, _: Ordering) -> i32 {
        int(execution::access(self.var, Access::FetchOr(bits(value))))
    }
    fn fetch_and(&self, value: i32, _: Ordering) -> i32 {
        int(execution::access(self.var, Access::FetchAnd(bits(value))))
    }
    fn swap(&self, value: i32, _: Ordering) -> i32 {
        int(execution::access(self.var, Access::Swap(bits(value))))
    }
    fn compare_exchange(
        &self,
        current: i32,
        new: i32,
        _: Ordering,
        _: Ordering,
    ) -> Result<i32, i32> {
        let access = Access::CompareExchange {
            current: bits(current),
            new: bits(new),
        };
        let old = int(execution::access(self.var, access));
        if old == current { Ok(old) } else { Err(old) }
    }
}

/// The page contents on the explorer: a variable like the atomics (under
/// sequential consistency a use after the free reads the poison value).
#[derive(Debug)]
pub struct ExplorerCell {
    var: u32,
}

impl ContentsCell for ExplorerCell {
    fn new(value: u64) -> Self {
        ExplorerCell {
            var: execution::create(value),
        }
    }
    fn read(&self) -> u64 {
        execution::access(self.var, Access::CellRead)
    }
    fn write(&self, value: u64) {
        execution::access(self.var, Access::CellWrite(value));
    }
}

/// A thread of the explorer.
pub struct ExplorerJoinHandle<T>(Spawned<T>);

impl<T: Send + 'static> JoinHandle<T> for ExplorerJoinHandle<T> {
    fn join(self) -> T {
        execution::join(self.0)
    }
}

impl Platform for Explorer {
    const NAME: &'static str = "explorer";
    const CHECKS_CELL_CAUSALITY: bool = false;
    type AtomicI32 = ExplorerAtomic;
    type Cell = ExplorerCell;
    type JoinHandle<T: Send + 'static> = ExplorerJoinHandle<T>;

    /// Nothing: every access is sequentially consistent.
    fn fence(_: Ordering) {}
    fn spawn<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        ExplorerJoinHandle(execution::spawn(Box::new(f)))
    }
    fn yield_now() {
        execution::yield_now()
    }
    fn scheme_view(scheme: &dyn AnyScheme) -> &dyn DynScheme<Self> {
        scheme
    }
    fn thread_index() -> usize {
        execution::thread_index()
    }
    fn observe(event: &Event) -> bool {
        execution::observe(event)
    }
    fn operation<T: std::fmt::Debug>(name: &'static str, op: impl FnOnce() -> T) -> T {
        execution::operation(name, op)
    }
    fn spin_until<T>(attempt: impl FnMut() -> Option<T>) -> T {
        execution::spin_until(attempt)
    }
}
