//! The synchronisation layer: the one place that decides which atomics,
//! fences, cells and threads the model runs on.
//!
//! # Design
//!
//! Everything above this module (the page, the schemes, every scenario in
//! `pinref-proofs`) is written once, generic over a [`Platform`]. A platform
//! is a zero-sized type that names a family of primitives:
//!
//! | platform | atomics, fences, threads | page contents cell |
//! |---|---|---|
//! | [`Std`] | `std::sync::atomic`, `std::thread` (real threads) | relaxed atomic stand-in |
//! | [`Loom`] | `loom::sync::atomic`, `loom::thread` (exhaustive) | `loom::cell::UnsafeCell`, causality-checked |
//! | [`Shuttle`] | `shuttle::sync::atomic`, `shuttle::thread` (randomised) | relaxed atomic stand-in |
//! | [`Explorer`] | sequentially consistent variables stepped by the state-caching explorer | a variable like the atomics |
//!
//! Why a type parameter and not the usual `#[cfg(loom)]` switch (as in
//! tokio's `src/loom/`): a cfg picks one engine per build, so a command-line
//! checker could not run the same scenario under loom and then under shuttle
//! in one process, and a report could not put the engines side by side. With
//! the platform as a type, one build holds every engine and the caller picks
//! at run time; the price is a generic parameter on the model's types, which
//! costs nothing at run time (everything is monomorphised).
//!
//! The loom convention still holds: `--cfg loom` (`cargo loom`) does not
//! change what this module does, it only switches on the heavier exhaustive
//! test suites that would be too slow for a plain `cargo test`.
//!
//! Nothing outside this module and the engines in `pinref-proofs` names
//! `std::sync::atomic`, `loom` or `shuttle`: the model sees only the traits
//! below.
//!
//! # Rules for code running on a platform
//!
//! - Loom and shuttle types may only be created and touched inside the
//!   engine's model closure (`loom::model`, `shuttle::check_*`); creating a
//!   `Memory<Loom>` outside one panics inside loom.
//! - Spin loops must call [`Platform::yield_now`], or loom reports a livelock;
//!   write them with [`Platform::spin_until`], so that the explorer sees a
//!   failed attempt as no progress.
//! - A scheme call is an [`Platform::operation`]: its result is all its
//!   caller keeps of it (the explorer keys a thread on its results).

/// Implements [`AtomicI32`] for an engine's own `AtomicI32` type, `$atomic`,
/// whose inherent methods have `core::sync::atomic::AtomicI32`'s names and
/// signatures (loom's, shuttle's and std's do): each operation forwards to
/// the engine's method of the same name, with the ordering its caller
/// passed, so that the engine sees every access exactly as the model makes
/// it. The forwarding chooses no ordering of its own; every ordering the
/// model uses is argued where it is passed (`crate::page_ref`). Each
/// forwarder is `#[inline]`: a caller in another crate then sees the
/// constant ordering it passes, and the engine's method is compiled for
/// that ordering alone instead of matching on it at every access (which
/// the fuzz targets' coverage instrumentation pays for at every load).
macro_rules! forward_atomic_i32 {
    ($atomic:ty) => {
        impl $crate::sync::AtomicI32 for $atomic {
            #[inline]
            fn new(value: i32) -> Self {
                <$atomic>::new(value)
            }
            #[inline]
            fn load(&self, order: Ordering) -> i32 {
                <$atomic>::load(self, order)
            }
            #[inline]
            fn store(&self, value: i32, order: Ordering) {
                <$atomic>::store(self, value, order)
            }
            #[inline]
            fn fetch_add(&self, value: i32, order: Ordering) -> i32 {
                <$atomic>::fetch_add(self, value, order)
            }
            #[inline]
            fn fetch_sub(&self, value: i32, order: Ordering) -> i32 {
                <$atomic>::fetch_sub(self, value, order)
            }
            #[inline]
            fn fetch_or(&self, value: i32, order: Ordering) -> i32 {
                <$atomic>::fetch_or(self, value, order)
            }
            #[inline]
            fn fetch_and(&self, value: i32, order: Ordering) -> i32 {
                <$atomic>::fetch_and(self, value, order)
            }
            #[inline]
            fn swap(&self, value: i32, order: Ordering) -> i32 {
                <$atomic>::swap(self, value, order)
            }
            #[inline]
            fn compare_exchange(
                &self,
                current: i32,
                new: i32,
                success: Ordering,
                failure: Ordering,
            ) -> Result<i32, i32> {
                <$atomic>::compare_exchange(self, current, new, success, failure)
            }
        }
    };
}

pub mod explorer;
mod loom;
mod shuttle;
mod std_threads;

pub use self::explorer::Explorer;
pub use self::loom::Loom;
pub use self::shuttle::{Shuttle, ShuttleJoinHandle, ThreadPanicked};
pub use self::std_threads::Std;
pub use std::sync::atomic::Ordering;

use crate::event::Event;
use crate::scheme::object::{AnyScheme, DynScheme};

/// A 32-bit atomic integer with wrapping arithmetic, as the kernel's
/// `atomic_t` (the kernel builds with `-fno-strict-overflow`).
///
/// The operations mirror `core::sync::atomic::AtomicI32`; every platform's
/// type forwards to its own engine so that the engine sees each access.
pub trait AtomicI32: Send + Sync + 'static {
    /// A new atomic holding `value`.
    fn new(value: i32) -> Self;
    /// Atomic load.
    fn load(&self, order: Ordering) -> i32;
    /// Atomic store.
    fn store(&self, value: i32, order: Ordering);
    /// Wrapping atomic add; returns the previous value.
    fn fetch_add(&self, value: i32, order: Ordering) -> i32;
    /// Wrapping atomic subtract; returns the previous value.
    fn fetch_sub(&self, value: i32, order: Ordering) -> i32;
    /// Atomic bitwise or; returns the previous value.
    fn fetch_or(&self, value: i32, order: Ordering) -> i32;
    /// Atomic bitwise and; returns the previous value.
    fn fetch_and(&self, value: i32, order: Ordering) -> i32;
    /// Atomic exchange; returns the previous value.
    fn swap(&self, value: i32, order: Ordering) -> i32;
    /// Strong compare-and-exchange.
    fn compare_exchange(
        &self,
        current: i32,
        new: i32,
        success: Ordering,
        failure: Ordering,
    ) -> Result<i32, i32>;
}

/// The contents of a page: read by every holder of a reference, written by
/// the free.
///
/// On loom this is a `loom::cell::UnsafeCell`, so a free that is not ordered
/// after every earlier use (for example a final decrement that is too weakly
/// ordered) is reported by loom as a causality violation. Engines without
/// such a cell use a relaxed atomic stand-in: no data race is possible, and a
/// use after free is still seen through the poison value the free writes.
pub trait ContentsCell: Send + Sync + 'static {
    /// A new cell holding `value`.
    fn new(value: u64) -> Self;
    /// A holder's read of the page contents.
    fn read(&self) -> u64;
    /// The free's write of the page contents.
    fn write(&self, value: u64);
}

/// A handle to a spawned thread.
pub trait JoinHandle<T>: Send {
    /// Waits for the thread; a panic in it is resumed in the caller, so that
    /// the engine sees it.
    fn join(self) -> T;
}

/// A family of synchronisation primitives the model can run on: see the
/// module docs.
pub trait Platform: Sized + Send + Sync + 'static {
    /// The engine's name, as the report prints it (`std`, `loom`, `shuttle`).
    const NAME: &'static str;
    /// Whether [`ContentsCell`] is checked for causality by the engine (loom).
    const CHECKS_CELL_CAUSALITY: bool;
    /// The platform's `AtomicI32`.
    type AtomicI32: AtomicI32;
    /// The platform's page-contents cell.
    type Cell: ContentsCell;
    /// The platform's thread handle.
    type JoinHandle<T: Send + 'static>: JoinHandle<T>;

    /// A memory fence (`atomic::fence`).
    fn fence(order: Ordering);
    /// Spawns a thread.
    fn spawn<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static;
    /// Gives other threads a chance to run; required in spin loops.
    fn yield_now();
    /// How a type-erased scheme is seen on this platform: the upcast of an
    /// [`AnyScheme`] to its view for this platform (see
    /// [`crate::scheme::object`]).
    fn scheme_view(scheme: &dyn AnyScheme) -> &dyn DynScheme<Self>;
    /// A small number naming the calling thread within one execution: 0 for
    /// the thread that runs the scenario, then 1, 2, ... in order of spawn
    /// (std: a process-wide counter).
    fn thread_index() -> usize;

    /// Whether the memory's observer is handed `event`, which the calling
    /// thread has just caused. Every platform but the explorer says yes;
    /// the explorer says no while a thread replays steps whose events were
    /// delivered before.
    fn observe(event: &Event) -> bool {
        let _ = event;
        true
    }

    /// Runs `op`, one operation whose result is all the caller keeps of it
    /// (a scheme call: its internal reads are dead once it returns). The
    /// explorer replaces the operation's internal history by `name` and the
    /// result's `Debug` text in the calling thread's key, so that states
    /// where the operation saw different intermediate values but returned
    /// the same coincide. Other platforms just run it.
    fn operation<T: std::fmt::Debug>(name: &'static str, op: impl FnOnce() -> T) -> T {
        let _ = name;
        op()
    }

    /// Spins until `attempt` returns a value, yielding between attempts.
    /// `attempt` must carry nothing from one attempt to the next (no state
    /// of its own): the explorer takes a failed attempt as no progress, the
    /// thread's key staying what it was when the loop began, so that
    /// spinning on an unchanged memory is one state, not an infinity.
    fn spin_until<T>(mut attempt: impl FnMut() -> Option<T>) -> T {
        loop {
            if let Some(value) = attempt() {
                return value;
            }
            Self::yield_now();
        }
    }
}
