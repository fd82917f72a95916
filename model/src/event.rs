//! What the model reports as it runs: every change to a page's counts,
//! flags, contents and statistics, as an [`Event`] handed to an
//! [`Observer`].
//!
//! The model only reports facts; the properties that judge them live in
//! `pinref-proofs`. Under loom and shuttle one thread runs at a time, so the
//! events arrive in the real order of the execution; on real threads they
//! arrive in the order the observer's lock is taken, which is exact only for
//! sequential runs.

/// Receives every event of a [`crate::Memory`] it is attached to.
pub trait Observer: Send + Sync {
    /// Called once per event, from the thread that caused it, right after
    /// the access it describes.
    fn event(&self, event: &Event);
}

/// One access to a page, as the model saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The thread ([`crate::sync::Platform::thread_index`]).
    pub thread: usize,
    /// The page touched (for a page-table event: the virtual page index).
    pub pfn: usize,
    /// What happened.
    pub kind: EventKind,
}

/// Which field of a page an event touched, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// An update of `_refcount` by the named helper (`old` → `new`).
    Refcount {
        /// The `page_ref_*` helper.
        helper: &'static str,
        /// The value before.
        old: i32,
        /// The value after.
        new: i32,
    },
    /// An update of the exact pin count (`hpage_pinned_refcount`,
    /// `_pincount`) by the named helper.
    Pincount {
        /// The helper.
        helper: &'static str,
        /// The value before.
        old: i32,
        /// The value after.
        new: i32,
    },
    /// A read of a count by the named helper.
    Read {
        /// The helper.
        helper: &'static str,
        /// The value read.
        value: i32,
    },
    /// A page flag set (`SetPageDirty`).
    FlagSet {
        /// The flag's name.
        flag: &'static str,
    },
    /// The page was freed (`__put_page`; devmap: handed back to its driver).
    Freed {
        /// The kernel function that frees it.
        by: &'static str,
    },
    /// A holder read the page contents.
    ContentsRead {
        /// The value read.
        value: u64,
    },
    /// A vmstat counter changed, attributed to this page's node.
    Stat {
        /// The counter (`nr_foll_pin_acquired`, `nr_foll_pin_released`).
        counter: &'static str,
        /// The amount added.
        delta: i32,
    },
    /// A page-table entry changed (`pfn` is the virtual page index).
    PteCleared {
        /// The pfn it mapped.
        old: Option<usize>,
    },
}
