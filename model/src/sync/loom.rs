//! [`Loom`]: loom's atomics, fences, cells and threads, for exhaustive
//! exploration of every interleaving (within a preemption bound).

use super::{ContentsCell, JoinHandle, Ordering, Platform};
use crate::scheme::object::{AnyScheme, DynScheme};

/// loom's primitives. Only usable inside `loom::model` (the loom engine in
/// `pinref-proofs` runs scenarios there).
#[derive(Debug, Clone, Copy, Default)]
pub struct Loom;

forward_atomic_i32!(loom::sync::atomic::AtomicI32);

/// The page contents as a loom `UnsafeCell`: loom checks that every read
/// happens-before or after the free's write, never concurrently with it.
#[derive(Debug)]
pub struct CausalCell(loom::cell::UnsafeCell<u64>);

// SAFETY: sharing the cell between loom threads is the point: loom runs the
// model's threads one at a time on a single OS thread, so no two accesses
// ever overlap in real time, and it checks every `with`/`with_mut` for a
// logical race (accesses not ordered by happens-before), failing the
// execution instead of letting one happen. The cell never leaves the model:
// loom panics if it is touched outside `loom::model`.
unsafe impl Sync for CausalCell {}

impl ContentsCell for CausalCell {
    fn new(value: u64) -> Self {
        CausalCell(loom::cell::UnsafeCell::new(value))
    }
    fn read(&self) -> u64 {
        // SAFETY: loom runs the model's threads one at a time on a single OS
        // thread, so this read never overlaps a write in real time; the
        // pointer comes from a live cell we borrow. A *logical* race (a write
        // not ordered with this read) makes loom panic before the closure
        // runs, which the engine reports as a violation.
        self.0.with(|contents| unsafe { *contents })
    }
    fn write(&self, value: u64) {
        // SAFETY: as for `read`: loom serialises the model's threads on one
        // OS thread and checks, before running the closure, that no access
        // races this write; the pointer is valid for the cell's lifetime.
        self.0.with_mut(|contents| unsafe { *contents = value })
    }
}

impl<T: Send + 'static> JoinHandle<T> for loom::thread::JoinHandle<T> {
    fn join(self) -> T {
        loom::thread::JoinHandle::join(self)
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

impl Platform for Loom {
    const NAME: &'static str = "loom";
    const CHECKS_CELL_CAUSALITY: bool = true;
    type AtomicI32 = loom::sync::atomic::AtomicI32;
    type Cell = CausalCell;
    type JoinHandle<T: Send + 'static> = loom::thread::JoinHandle<T>;

    fn fence(order: Ordering) {
        loom::sync::atomic::fence(order)
    }
    fn spawn<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        loom::thread::spawn(f)
    }
    fn scheme_view(scheme: &dyn AnyScheme) -> &dyn DynScheme<Self> {
        scheme
    }
    fn yield_now() {
        loom::thread::yield_now()
    }
    fn thread_index() -> usize {
        // loom numbers its threads 0 (the model's main thread), 1, 2, ... and
        // shows the number only through `Debug` ("ThreadId(1)").
        let id = format!("{:?}", loom::thread::current().id());
        id.trim_start_matches("ThreadId(")
            .trim_end_matches(')')
            .parse()
            .unwrap_or(usize::MAX)
    }
}
