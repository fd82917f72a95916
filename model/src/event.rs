//! What the model reports as it runs: every access to a page's counts,
//! flags, lock, contents and statistics and to the page table, as an
//! [`Event`] handed to an [`Observer`].
//!
//! An observer watches from the moment it is attached
//! ([`crate::Memory::with_observer`]): the set-up before that (a check's
//! starting counts, written with `set_page_count`) is not an access, and is
//! shown to it once as each page's starting state ([`Observer::attached`]).
//! From then on every access is an event, a write as much as a read.
//!
//! The model only reports facts; the properties that judge them live in
//! `pinref-proofs`. Under loom and shuttle one thread runs at a time, so the
//! events arrive in the real order of the execution; on real threads they
//! arrive in the order the observer's lock is taken, which is exact only for
//! sequential runs.

use crate::page::PageState;

/// Receives every event of a [`crate::Memory`] it is attached to.
pub trait Observer: Send + Sync {
    /// Called once, when the observer is attached, with every frame's state
    /// at that moment (by pfn): where it starts watching from. The default
    /// ignores it.
    fn attached(&self, pages: &[PageState]) {
        let _ = pages;
    }

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
    /// A page flag tested (`PageDirty`).
    FlagRead {
        /// The flag's name.
        flag: &'static str,
        /// Whether it was set.
        value: bool,
    },
    /// An access to the page lock (`PG_locked`) by the named helper: a
    /// `lock_page` that took it (`was_locked: false`) or found it held and
    /// waits (`true`), or an `unlock_page` (`true` when it was held).
    Lock {
        /// `lock_page` or `unlock_page`.
        helper: &'static str,
        /// Whether the lock was held before the access.
        was_locked: bool,
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
    /// A page-table entry read without a lock (`ptep_get_lockless`; `pfn`
    /// is the virtual page index).
    PteRead {
        /// The pfn it maps, if any.
        maps: Option<usize>,
    },
    /// A split rewrote the page's compound head and order
    /// (`clear_compound_head` on a tail, the new order on the head): from
    /// here on the page is a head of that order.
    CompoundHead {
        /// The new head's pfn (the page's own).
        head: usize,
        /// The new compound order.
        order: u32,
    },
}
