//! Page flags (`include/linux/page-flags.h`, `mm/filemap.c`): the dirty bit
//! and the page lock. Every access, a test as much as a set, reports an
//! event: each is a use of the page, which must not come after its free.

use crate::event::EventKind;
use crate::page::{PG_DIRTY, PG_LOCKED, PageRef};
use crate::sync::{AtomicI32, Ordering, Platform};

/// `PageDirty()`: tests `PG_dirty` (relaxed, like `test_bit`). An observer
/// that needs the dirty bit ordered after a count it read must fence first.
pub fn page_dirty<P: Platform>(page: PageRef<'_, P>) -> bool {
    let value = page.page().flags.load(Ordering::Relaxed) & PG_DIRTY != 0;
    page.mem.report(page.pfn, || EventKind::FlagRead {
        flag: "PG_dirty",
        value,
    });
    value
}

/// `set_page_dirty()` / `SetPageDirty()`: sets `PG_dirty` (relaxed, like
/// `set_bit`: an atomic bit operation that orders nothing). Whoever must
/// publish the bit (the unpin after it) brings the ordering.
pub fn set_page_dirty<P: Platform>(page: PageRef<'_, P>) {
    page.page().flags.fetch_or(PG_DIRTY, Ordering::Relaxed);
    page.mem
        .report(page.pfn, || EventKind::FlagSet { flag: "PG_dirty" });
}

/// `lock_page()`: takes `PG_locked`, spinning until it is free. Each
/// attempt is an access to the page (`test_and_set_bit_lock`) and reports
/// whether it found the lock held.
///
/// Acquire: the critical section must see everything the previous holder
/// did before [`unlock_page`].
pub fn lock_page<P: Platform>(page: PageRef<'_, P>) {
    let flags = &page.page().flags;
    // Each attempt is one access, reported; a failed attempt leaves no
    // state behind, so a state-caching engine sees one waiting state.
    P::spin_until(|| {
        let was_locked = flags.fetch_or(PG_LOCKED, Ordering::Acquire) & PG_LOCKED != 0;
        page.mem.report(page.pfn, || EventKind::Lock {
            helper: "lock_page",
            was_locked,
        });
        (!was_locked).then_some(())
    });
}

/// `unlock_page()`: releases `PG_locked`.
///
/// Release: publishes the critical section to the next [`lock_page`].
pub fn unlock_page<P: Platform>(page: PageRef<'_, P>) {
    let was_locked = page.page().flags.fetch_and(!PG_LOCKED, Ordering::Release) & PG_LOCKED != 0;
    page.mem.report(page.pfn, || EventKind::Lock {
        helper: "unlock_page",
        was_locked,
    });
}
