//! What the explorer stores of a state ([`Snapshot`]): the memory and, per
//! thread, its log, its key and where it is; and what a step returns.

use super::key::fingerprint;
use crate::event::Event;
use std::any::Any;
use std::sync::Arc;

/// One access to a variable (an atomic or a cell), with its operands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Atomic load.
    Load,
    /// Atomic store of the value.
    Store(u64),
    /// Atomic exchange.
    Swap(u64),
    /// Wrapping add (32-bit).
    FetchAdd(u64),
    /// Wrapping subtract (32-bit).
    FetchSub(u64),
    /// Bitwise or.
    FetchOr(u64),
    /// Bitwise and.
    FetchAnd(u64),
    /// Strong compare-and-exchange.
    CompareExchange {
        /// The expected value.
        current: u64,
        /// The value stored on success.
        new: u64,
    },
    /// A read of a page-contents cell.
    CellRead,
    /// A write of a page-contents cell.
    CellWrite(u64),
}

fn bits(value: i32) -> u64 {
    u64::from(value as u32)
}

fn int(value: u64) -> i32 {
    value as u32 as i32
}

impl Access {
    /// Performs the access on a variable holding `value`: the value read,
    /// and the value left.
    pub(super) fn apply(self, value: u64) -> (u64, u64) {
        let old = int(value);
        let new = match self {
            Access::Load | Access::CellRead => value,
            Access::Store(new) | Access::Swap(new) | Access::CellWrite(new) => new,
            Access::FetchAdd(v) => bits(old.wrapping_add(int(v))),
            Access::FetchSub(v) => bits(old.wrapping_sub(int(v))),
            Access::FetchOr(v) => bits(old | int(v)),
            Access::FetchAnd(v) => bits(old & int(v)),
            Access::CompareExchange { current, new } => {
                if value == current {
                    new
                } else {
                    value
                }
            }
        };
        (value, new)
    }

    /// Whether it may change the variable (a failed exchange counts: it is
    /// a read-modify-write).
    pub fn writes(self) -> bool {
        !matches!(self, Access::Load | Access::CellRead)
    }

    /// Whether the thread sees the value read (a store returns nothing).
    pub(super) fn returns_value(self) -> bool {
        !matches!(self, Access::Store(_) | Access::CellWrite(_))
    }
}

/// A scheduling action of one thread, as its log records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// An access to variable `var`, and the value it read.
    Access {
        /// The variable (its index in the state's memory).
        var: u32,
        /// What it did.
        access: Access,
        /// The value it found.
        read: u64,
    },
    /// A `yield_now`.
    Yield,
    /// A join of a finished thread.
    Join {
        /// The thread joined.
        child: u32,
    },
}

/// What a thread will do when it is stepped next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// Not known yet (a thread that has not run).
    Unknown,
    /// An access or a yield: always possible.
    Ready,
    /// A join of this thread: possible once it has finished.
    Join(usize),
}

/// One item of a thread's key: what can make its future differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Item {
    /// A scheduling action and the value the thread saw (none for a store).
    Saw(Option<u64>),
    /// A completed operation: the fingerprint of its name and result.
    Done(u128),
}

/// A logical thread of a state.
#[derive(Debug, Clone)]
pub struct ThreadRecord {
    /// The thread that spawned it and its spawn ordinal there (`None` for
    /// the main thread).
    pub spawned_by: Option<(usize, u32)>,
    /// Every scheduling action it performed, with what it read: replaying
    /// it brings the thread back to where it is.
    pub log: Arc<Vec<Action>>,
    /// The fingerprint of its key: its completed operations and what it
    /// saw since (see [`crate::sync::Platform::operation`]).
    pub key: u128,
    /// Whether it has returned.
    pub finished: bool,
    /// Whether another thread has joined it.
    pub joined: bool,
    /// What it will do next.
    pub pending: Pending,
}

impl ThreadRecord {
    pub(super) fn new(spawned_by: Option<(usize, u32)>) -> Self {
        ThreadRecord {
            spawned_by,
            log: Arc::new(Vec::new()),
            key: fingerprint(&Vec::<Item>::new()),
            finished: false,
            joined: false,
            pending: Pending::Unknown,
        }
    }

    /// Whether it can be stepped in a state whose threads are `threads`.
    pub fn enabled(&self, threads: &[ThreadRecord]) -> bool {
        !self.finished
            && match self.pending {
                Pending::Join(child) => threads[child].finished,
                Pending::Unknown | Pending::Ready => true,
            }
    }
}

/// A state as the explorer stores it: the memory and every thread.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Every variable's value, in creation order.
    pub memory: Vec<u64>,
    /// Which thread created each variable, and its creation ordinal there.
    pub created_by: Vec<(usize, u32)>,
    /// The threads, by index (0: the thread that runs the scenario).
    pub threads: Vec<ThreadRecord>,
}

impl Snapshot {
    /// The state before the scenario starts: a main thread that has not run.
    pub fn initial() -> Self {
        Snapshot {
            memory: Vec::new(),
            created_by: Vec::new(),
            threads: vec![ThreadRecord::new(None)],
        }
    }

    /// The threads that can be stepped.
    pub fn enabled(&self) -> Vec<usize> {
        (0..self.threads.len())
            .filter(|&t| self.threads[t].enabled(&self.threads))
            .collect()
    }

    /// Whether every thread has returned.
    pub fn terminated(&self) -> bool {
        self.threads.iter().all(|thread| thread.finished)
    }
}

/// What one step of a thread led to.
pub enum StepOutcome {
    /// The thread moved to its next scheduling point (or returned).
    Advanced {
        /// The state after the step.
        snapshot: Snapshot,
        /// The events the step reported, in order.
        events: Vec<Event>,
        /// The reads it merged and the writes that bar merging
        /// ([`super::MergeRule`]).
        merge: super::MergeLog,
    },
    /// The execution stopped with a panic that is not the explorer's: a
    /// check that failed, or a crash. The engine interprets the payload.
    Stopped {
        /// The panic payload.
        payload: Box<dyn Any + Send>,
        /// The events the step reported before it stopped.
        events: Vec<Event>,
    },
    /// The scenario cannot be explored this way: a replay diverged from
    /// its log (thread code not deterministic given its reads), or a
    /// thread's history grows without bound.
    Rejected(String),
}
