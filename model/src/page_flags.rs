//! Page flags (`include/linux/page-flags.h`, `mm/filemap.c`): the dirty bit,
//! the page lock, and whether an anonymous page is mapped exclusively.

use crate::event::EventKind;
use crate::page::{PG_ANON, PG_ANON_EXCLUSIVE, PG_DIRTY, PG_LOCKED, PageRef};
use crate::sync::{AtomicI32, Ordering, Platform};

/// `PageDirty()`: tests `PG_dirty` (relaxed, like `test_bit`). An observer
/// that needs the dirty bit ordered after a count it read must fence first.
pub fn page_dirty<P: Platform>(page: PageRef<'_, P>) -> bool {
    page.page().flags.load(Ordering::Relaxed) & PG_DIRTY != 0
}

/// `set_page_dirty()` / `SetPageDirty()`: sets `PG_dirty` (relaxed, like
/// `set_bit`: an atomic bit operation that orders nothing). Whoever must
/// publish the bit (the unpin after it) brings the ordering.
pub fn set_page_dirty<P: Platform>(page: PageRef<'_, P>) {
    page.page().flags.fetch_or(PG_DIRTY, Ordering::Relaxed);
    page.mem
        .report(page.pfn, || EventKind::FlagSet { flag: "PG_dirty" });
}

/// `lock_page()`: takes `PG_locked`, spinning until it is free.
///
/// Acquire: the critical section must see everything the previous holder
/// did before [`unlock_page`].
pub fn lock_page<P: Platform>(page: PageRef<'_, P>) {
    let flags = &page.page().flags;
    while flags.fetch_or(PG_LOCKED, Ordering::Acquire) & PG_LOCKED != 0 {
        P::yield_now();
    }
}

/// `unlock_page()`: releases `PG_locked`.
///
/// Release: publishes the critical section to the next [`lock_page`].
pub fn unlock_page<P: Platform>(page: PageRef<'_, P>) {
    page.page().flags.fetch_and(!PG_LOCKED, Ordering::Release);
}

/// `TestClearPageDirty()`, the heart of `clear_page_dirty_for_io()`:
/// clears `PG_dirty` and says whether it was set. A value-returning atomic
/// bit operation, so fully ordered (a `SeqCst` read-modify-write between
/// `SeqCst` fences): the writeback that cleans the page then writes out
/// what every earlier dirtier wrote.
pub fn test_clear_page_dirty<P: Platform>(page: PageRef<'_, P>) -> bool {
    P::fence(Ordering::SeqCst);
    let old = page.page().flags.fetch_and(!PG_DIRTY, Ordering::SeqCst);
    P::fence(Ordering::SeqCst);
    let was_dirty = old & PG_DIRTY != 0;
    if was_dirty {
        page.mem.report(page.pfn, || EventKind::FlagSet {
            flag: "PG_dirty cleared (TestClearPageDirty)",
        });
    }
    was_dirty
}

/// Marks a page anonymous and exclusively mapped (`__page_set_anon_rmap`
/// with `exclusive`, then `SetPageAnonExclusive`, at the fault that maps
/// it), before any other thread can see it: a check's starting state.
pub fn set_page_anon_exclusive<P: Platform>(page: PageRef<'_, P>) {
    page.page()
        .flags
        .fetch_or(PG_ANON | PG_ANON_EXCLUSIVE, Ordering::Relaxed);
}

/// `PageAnon()`: whether the page is anonymous memory.
pub fn page_anon<P: Platform>(page: PageRef<'_, P>) -> bool {
    page.page().flags.load(Ordering::Relaxed) & PG_ANON != 0
}

/// `PageAnonExclusive()` (v5.19): a relaxed test of the bit, like
/// `test_bit`.
pub fn page_anon_exclusive<P: Platform>(page: PageRef<'_, P>) -> bool {
    page.page().flags.load(Ordering::Relaxed) & PG_ANON_EXCLUSIVE != 0
}

/// `ClearPageAnonExclusive()`: the page may now be shared (fork, KSM,
/// swap-out). A relaxed atomic bit operation; the callers order it.
pub fn clear_page_anon_exclusive<P: Platform>(page: PageRef<'_, P>) {
    page.page()
        .flags
        .fetch_and(!PG_ANON_EXCLUSIVE, Ordering::Relaxed);
    page.mem.report(page.pfn, || EventKind::FlagSet {
        flag: "PG_anon_exclusive cleared",
    });
}
