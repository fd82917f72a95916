//! [`Std`]: real threads and the standard library's atomics.

use super::{ContentsCell, JoinHandle, Ordering, Platform};
use crate::scheme::object::{AnyScheme, DynScheme};
use std::sync::atomic as std_atomic;

/// Real threads (`std::thread`) and `std::sync::atomic`: the platform for
/// sequential checks (proptest, fuzzing) and stress runs on the hardware.
#[derive(Debug, Clone, Copy, Default)]
pub struct Std;

forward_atomic_i32!(std_atomic::AtomicI32);

/// The stand-in contents cell for engines without a causality-checked cell:
/// a relaxed atomic, so that a racing free is never a real data race.
#[derive(Debug)]
pub struct RelaxedCell(std_atomic::AtomicU64);

impl ContentsCell for RelaxedCell {
    fn new(value: u64) -> Self {
        RelaxedCell(std_atomic::AtomicU64::new(value))
    }
    fn read(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
    fn write(&self, value: u64) {
        self.0.store(value, Ordering::Relaxed)
    }
}

impl<T: Send + 'static> JoinHandle<T> for std::thread::JoinHandle<T> {
    fn join(self) -> T {
        std::thread::JoinHandle::join(self).unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

std::thread_local! {
    static THREAD_INDEX: usize = NEXT_THREAD_INDEX.fetch_add(1, Ordering::Relaxed);
}
static NEXT_THREAD_INDEX: std_atomic::AtomicUsize = std_atomic::AtomicUsize::new(0);

impl Platform for Std {
    const NAME: &'static str = "std";
    const CHECKS_CELL_CAUSALITY: bool = false;
    type AtomicI32 = std_atomic::AtomicI32;
    type Cell = RelaxedCell;
    type JoinHandle<T: Send + 'static> = std::thread::JoinHandle<T>;

    fn fence(order: Ordering) {
        std_atomic::fence(order)
    }
    fn spawn<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        std::thread::spawn(f)
    }
    fn scheme_view(scheme: &dyn AnyScheme) -> &dyn DynScheme<Self> {
        scheme
    }
    fn yield_now() {
        std::thread::yield_now()
    }
    fn thread_index() -> usize {
        THREAD_INDEX.with(|index| *index)
    }
}
