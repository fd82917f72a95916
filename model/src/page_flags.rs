//! Page flags (`include/linux/page-flags.h`, `mm/filemap.c`): the dirty bit,
//! the page lock, and whether an anonymous page is mapped exclusively.
//! Every access, a test as much as a set, reports an event: each is a use
//! of the page, which must not come after its free.

use crate::event::EventKind;
use crate::page::{PG_ANON, PG_ANON_EXCLUSIVE, PG_DIRTY, PG_LOCKED, PageRef};
use crate::sync::{AtomicI32, Ordering, Platform};

/// `PageDirty()`: tests `PG_dirty` (relaxed, like `test_bit`). An observer
/// that needs the dirty bit ordered after a count it read must fence first.
pub fn page_dirty<P: Platform>(page: PageRef<'_, P>) -> bool {
    test_flag(page, PG_DIRTY, "PG_dirty")
}

/// `set_page_dirty()` / `SetPageDirty()`: sets `PG_dirty` (relaxed, like
/// `set_bit`: an atomic bit operation that orders nothing). Whoever must
/// publish the bit (the unpin after it) brings the ordering.
pub fn set_page_dirty<P: Platform>(page: PageRef<'_, P>) {
    set_flags(page, PG_DIRTY, "PG_dirty");
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
    page.mem.report(page.pfn, || {
        if was_dirty {
            EventKind::FlagSet {
                flag: "PG_dirty cleared (TestClearPageDirty)",
            }
        } else {
            EventKind::FlagRead {
                flag: "PG_dirty (TestClearPageDirty)",
                value: false,
            }
        }
    });
    was_dirty
}

/// Marks a page anonymous and exclusively mapped (`__page_set_anon_rmap`
/// with `exclusive`, then `SetPageAnonExclusive`, at the fault that maps
/// it), before any other thread can see it: a check's starting state,
/// written before the observer is attached (as a count's set-up is).
pub fn set_page_anon_exclusive<P: Platform>(page: PageRef<'_, P>) {
    set_flags(
        page,
        PG_ANON | PG_ANON_EXCLUSIVE,
        "PG_anon | PG_anon_exclusive",
    );
}

/// `PageAnon()`: whether the page is anonymous memory.
pub fn page_anon<P: Platform>(page: PageRef<'_, P>) -> bool {
    test_flag(page, PG_ANON, "PG_anon")
}

/// `PageAnonExclusive()` (v5.19): a relaxed test of the bit, like
/// `test_bit`.
pub fn page_anon_exclusive<P: Platform>(page: PageRef<'_, P>) -> bool {
    test_flag(page, PG_ANON_EXCLUSIVE, "PG_anon_exclusive")
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

/// `test_bit()`: whether `bit` is set in the page's flags, a relaxed load
/// reported as a read of `flag`. The `Page*()` tests of page-flags.h are
/// this on their bit.
fn test_flag<P: Platform>(page: PageRef<'_, P>, bit: i32, flag: &'static str) -> bool {
    let value = page.page().flags.load(Ordering::Relaxed) & bit != 0;
    page.mem
        .report(page.pfn, || EventKind::FlagRead { flag, value });
    value
}

/// `set_bit()` of `bits` (a relaxed atomic or, ordering nothing), reported
/// as a set of `flag`. The `SetPage*()` of page-flags.h are this on their
/// bit.
fn set_flags<P: Platform>(page: PageRef<'_, P>, bits: i32, flag: &'static str) {
    page.page().flags.fetch_or(bits, Ordering::Relaxed);
    page.mem.report(page.pfn, || EventKind::FlagSet { flag });
}
