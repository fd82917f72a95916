//! [`Shuttle`]: shuttle's atomics and threads, for randomised (random, PCT)
//! schedule exploration with replayable schedules.

use super::std_threads::RelaxedCell;
use super::{JoinHandle, Ordering, Platform};
use crate::scheme::object::{AnyScheme, DynScheme};

/// shuttle's primitives. Only usable inside a shuttle test (`shuttle::check_*`
/// or a `shuttle::Runner`). Shuttle treats every ordering as `SeqCst`, so it
/// finds interleaving bugs (lost updates, races on the last reference) but
/// not weak-memory ordering bugs: those are loom's.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shuttle;

impl super::AtomicI32 for shuttle::sync::atomic::AtomicI32 {
    fn new(value: i32) -> Self {
        shuttle::sync::atomic::AtomicI32::new(value)
    }
    fn load(&self, order: Ordering) -> i32 {
        shuttle::sync::atomic::AtomicI32::load(self, order)
    }
    fn store(&self, value: i32, order: Ordering) {
        shuttle::sync::atomic::AtomicI32::store(self, value, order)
    }
    fn fetch_add(&self, value: i32, order: Ordering) -> i32 {
        shuttle::sync::atomic::AtomicI32::fetch_add(self, value, order)
    }
    fn fetch_sub(&self, value: i32, order: Ordering) -> i32 {
        shuttle::sync::atomic::AtomicI32::fetch_sub(self, value, order)
    }
    fn fetch_or(&self, value: i32, order: Ordering) -> i32 {
        shuttle::sync::atomic::AtomicI32::fetch_or(self, value, order)
    }
    fn fetch_and(&self, value: i32, order: Ordering) -> i32 {
        shuttle::sync::atomic::AtomicI32::fetch_and(self, value, order)
    }
    fn swap(&self, value: i32, order: Ordering) -> i32 {
        shuttle::sync::atomic::AtomicI32::swap(self, value, order)
    }
    fn compare_exchange(
        &self,
        current: i32,
        new: i32,
        success: Ordering,
        failure: Ordering,
    ) -> Result<i32, i32> {
        shuttle::sync::atomic::AtomicI32::compare_exchange(self, current, new, success, failure)
    }
}

impl<T: Send + 'static> JoinHandle<T> for shuttle::thread::JoinHandle<T> {
    fn join(self) -> T {
        shuttle::thread::JoinHandle::join(self)
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

impl Platform for Shuttle {
    const NAME: &'static str = "shuttle";
    const CHECKS_CELL_CAUSALITY: bool = false;
    type AtomicI32 = shuttle::sync::atomic::AtomicI32;
    type Cell = RelaxedCell;
    type JoinHandle<T: Send + 'static> = shuttle::thread::JoinHandle<T>;

    fn fence(order: Ordering) {
        shuttle::sync::atomic::fence(order)
    }
    fn spawn<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        shuttle::thread::spawn(f)
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
