//! The page-count helpers (`include/linux/page_ref.h`): one tiny function
//! per operation on `_refcount` and on the exact pin count, whose name says
//! the operation and, by the kernel's convention, its ordering:
//!
//! - `page_ref_count`, `page_ref_add`, `page_ref_sub`, `page_ref_inc` return
//!   nothing (or a plain read) and are **unordered** (relaxed);
//! - `page_ref_sub_and_test`, `page_ref_dec_and_test`, `page_ref_sub_return`,
//!   `page_ref_dec_return` return a value and are **fully ordered**;
//! - `page_ref_add_unless` is fully ordered **when it succeeds**.
//!
//! "Fully ordered" is mapped to a `SeqCst` fence on both sides of a relaxed
//! read-modify-write, which is what the kernel's `smp_mb()` around a
//! value-returning atomic stands for: every access before the operation is
//! ordered before it, and every access after it is ordered after it,
//! including a later *load* (store→load ordering, which `AcqRel` does not
//! give). `AcqRel` would be enough for the free (see
//! [`page_ref_sub_and_test`]) but not for the gup_fast pin followed by a
//! page-table re-read, so the model uses the faithful, stronger mapping
//! everywhere.
//!
//! Every helper reports its effect (old → new) to the memory's observer.

use crate::event::EventKind;
use crate::page::PageRef;
use crate::sync::{AtomicI32, Ordering, Platform};

/// A fully ordered read-modify-write of one of a page's counters: a `SeqCst`
/// fence, the relaxed update, a `SeqCst` fence. Returns the old value.
fn fully_ordered<P: Platform>(update: impl FnOnce() -> i32) -> i32 {
    // The leading fence is the release half: a holder's every earlier access
    // to the page (reading its contents, setting PG_dirty) is ordered before
    // the update, so a thread that later sees this update, and fences,
    // sees those accesses too.
    P::fence(Ordering::SeqCst);
    let old = update();
    // The trailing fence is the acquire half: whoever sees the count reach
    // zero frees the page only after this fence, so after every earlier
    // holder's accesses (the updates in between form a release sequence).
    // Being SeqCst, it also orders this update before the thread's later
    // loads, e.g. gup_fast's re-read of the page table after its grab.
    P::fence(Ordering::SeqCst);
    old
}

fn report_refcount<P: Platform>(page: PageRef<'_, P>, helper: &'static str, old: i32, new: i32) {
    page.mem
        .report(page.pfn, || EventKind::Refcount { helper, old, new });
}

fn report_pincount<P: Platform>(page: PageRef<'_, P>, helper: &'static str, old: i32, new: i32) {
    page.mem
        .report(page.pfn, || EventKind::Pincount { helper, old, new });
}

/// `page_ref_count()`: a snapshot of the refcount (relaxed, like
/// `atomic_read`). Any decision taken on it may be stale by the time it is
/// acted on: guards built on it are racy by design.
pub fn page_ref_count<P: Platform>(page: PageRef<'_, P>) -> i32 {
    let value = page.page().refcount.load(Ordering::Relaxed);
    page.mem.report(page.pfn, || EventKind::Read {
        helper: "page_ref_count",
        value,
    });
    value
}

/// `set_page_count()`: sets the refcount outright (relaxed). Only for a page
/// no other thread can see yet (allocation, or a check's starting state).
pub fn set_page_count<P: Platform>(page: PageRef<'_, P>, value: i32) {
    let old = page.page().refcount.swap(value, Ordering::Relaxed);
    report_refcount(page, "set_page_count", old, value);
}

/// `page_ref_add()`: adds `nr`, unordered.
///
/// Relaxed is enough because the caller already holds a reference (or a
/// lock that keeps the page from being freed): the page cannot be freed
/// under it, so the increment has nothing to order, as `Arc::clone`.
pub fn page_ref_add<P: Platform>(page: PageRef<'_, P>, nr: i32) {
    let old = page.page().refcount.fetch_add(nr, Ordering::Relaxed);
    report_refcount(page, "page_ref_add", old, old.wrapping_add(nr));
}

/// `page_ref_inc()`: adds 1, unordered (see [`page_ref_add`]).
pub fn page_ref_inc<P: Platform>(page: PageRef<'_, P>) {
    let old = page.page().refcount.fetch_add(1, Ordering::Relaxed);
    report_refcount(page, "page_ref_inc", old, old.wrapping_add(1));
}

/// `page_ref_sub()`: subtracts `nr`, unordered. Only for a caller that knows
/// it does not drop the last reference (it never frees).
pub fn page_ref_sub<P: Platform>(page: PageRef<'_, P>, nr: i32) {
    let old = page.page().refcount.fetch_sub(nr, Ordering::Relaxed);
    report_refcount(page, "page_ref_sub", old, old.wrapping_sub(nr));
}

/// `page_ref_sub_and_test()`: subtracts `nr`, fully ordered; true when the
/// count reached zero, and the caller must free the page.
///
/// Why fully ordered: every holder uses the page, then drops its reference
/// with this. The leading fence orders each holder's use before its
/// decrement; the decrements form one release sequence on `_refcount`; the
/// thread whose decrement reaches zero runs the trailing fence before it
/// frees, so every use happens-before the free. A relaxed decrement here is
/// the bug loom reports as a free racing a use.
pub fn page_ref_sub_and_test<P: Platform>(page: PageRef<'_, P>, nr: i32) -> bool {
    let old = fully_ordered::<P>(|| page.page().refcount.fetch_sub(nr, Ordering::Relaxed));
    let new = old.wrapping_sub(nr);
    report_refcount(page, "page_ref_sub_and_test", old, new);
    new == 0
}

/// `page_ref_dec_and_test()`: [`page_ref_sub_and_test`] by 1.
pub fn page_ref_dec_and_test<P: Platform>(page: PageRef<'_, P>) -> bool {
    let old = fully_ordered::<P>(|| page.page().refcount.fetch_sub(1, Ordering::Relaxed));
    let new = old.wrapping_sub(1);
    report_refcount(page, "page_ref_dec_and_test", old, new);
    new == 0
}

/// `page_ref_sub_return()`: subtracts `nr`, fully ordered; returns the new
/// count (devmap pages free at 1, so they need the value, not a test). The
/// ordering argument is [`page_ref_sub_and_test`]'s.
pub fn page_ref_sub_return<P: Platform>(page: PageRef<'_, P>, nr: i32) -> i32 {
    let old = fully_ordered::<P>(|| page.page().refcount.fetch_sub(nr, Ordering::Relaxed));
    let new = old.wrapping_sub(nr);
    report_refcount(page, "page_ref_sub_return", old, new);
    new
}

/// `page_ref_dec_return()`: [`page_ref_sub_return`] by 1.
pub fn page_ref_dec_return<P: Platform>(page: PageRef<'_, P>) -> i32 {
    let old = fully_ordered::<P>(|| page.page().refcount.fetch_sub(1, Ordering::Relaxed));
    let new = old.wrapping_sub(1);
    report_refcount(page, "page_ref_dec_return", old, new);
    new
}

/// `page_ref_add_unless()`: adds `nr` unless the count is `unless`; true if
/// it added. Fully ordered when it succeeds, unordered when it fails.
///
/// This is how gup_fast grabs a page it found without holding any lock: the
/// page may be on its way to being freed, and a count of zero must never be
/// brought back to life, so the check and the add are one atomic step (a
/// compare-and-exchange loop). On success the exchange is `SeqCst` and a
/// `SeqCst` fence follows, so the caller's re-read of the page table is
/// ordered after the grab (the later kernel fix that made the pin fully
/// ordered); on failure nothing is ordered and the caller must not rely on
/// anything it read.
pub fn page_ref_add_unless<P: Platform>(page: PageRef<'_, P>, nr: i32, unless: i32) -> bool {
    let refcount = &page.page().refcount;
    let mut old = refcount.load(Ordering::Relaxed);
    loop {
        if old == unless {
            page.mem.report(page.pfn, || EventKind::Read {
                helper: "page_ref_add_unless",
                value: old,
            });
            return false;
        }
        P::fence(Ordering::SeqCst);
        match refcount.compare_exchange(
            old,
            old.wrapping_add(nr),
            Ordering::SeqCst,
            Ordering::Relaxed,
        ) {
            Ok(_) => {
                P::fence(Ordering::SeqCst);
                report_refcount(page, "page_ref_add_unless", old, old.wrapping_add(nr));
                return true;
            }
            Err(seen) => old = seen,
        }
    }
}

/// The exact pin count of a compound page: `compound_pincount()` (v5.7,
/// `hpage_pinned_refcount`) / `folio_pincount()` (`_pincount`). A relaxed
/// snapshot, like [`page_ref_count`].
pub fn pincount_read<P: Platform>(page: PageRef<'_, P>) -> i32 {
    let value = page.page().pincount.load(Ordering::Relaxed);
    page.mem.report(page.pfn, || EventKind::Read {
        helper: "pincount_read",
        value,
    });
    value
}

/// `hpage_pincount_add()` (v5.7) / `atomic_add(refs, &folio->_pincount)`:
/// unordered, like every `atomic_add`; the refcount update that goes with
/// it carries the ordering.
pub fn pincount_add<P: Platform>(page: PageRef<'_, P>, refs: i32) {
    let old = page.page().pincount.fetch_add(refs, Ordering::Relaxed);
    report_pincount(page, "pincount_add", old, old.wrapping_add(refs));
}

/// `hpage_pincount_sub()` (v5.7) / `atomic_sub(refs, &folio->_pincount)`:
/// unordered. It comes before the fully ordered refcount release, whose
/// leading fence orders it before a free.
pub fn pincount_sub<P: Platform>(page: PageRef<'_, P>, refs: i32) {
    let old = page.page().pincount.fetch_sub(refs, Ordering::Relaxed);
    report_pincount(page, "pincount_sub", old, old.wrapping_sub(refs));
}

/// Sets the exact pin count outright (relaxed), before the page is shared:
/// a check's starting state.
pub fn set_pincount<P: Platform>(page: PageRef<'_, P>, value: i32) {
    let old = page.page().pincount.swap(value, Ordering::Relaxed);
    report_pincount(page, "set_pincount", old, value);
}

/// `page_ref_freeze()`: sets the count to 0 if it is exactly `count`, so
/// that no speculative grab (add unless zero) can take a reference while the
/// caller rewrites the page (a split). True if it froze. Fully ordered on
/// success, like the `atomic_cmpxchg` it stands for: the leading fence
/// orders the caller's earlier accesses before the freeze, the trailing one
/// orders the rewrite after it.
pub fn page_ref_freeze<P: Platform>(page: PageRef<'_, P>, count: i32) -> bool {
    P::fence(Ordering::SeqCst);
    match page
        .page()
        .refcount
        .compare_exchange(count, 0, Ordering::SeqCst, Ordering::Relaxed)
    {
        Ok(_) => {
            P::fence(Ordering::SeqCst);
            report_refcount(page, "page_ref_freeze", count, 0);
            true
        }
        Err(seen) => {
            page.mem.report(page.pfn, || EventKind::Read {
                helper: "page_ref_freeze",
                value: seen,
            });
            false
        }
    }
}

/// `page_ref_unfreeze()`: gives a frozen page its count back
/// (`atomic_set_release`). Release: whoever grabs the page after seeing the
/// new count sees the rewrite done under the freeze.
pub fn page_ref_unfreeze<P: Platform>(page: PageRef<'_, P>, count: i32) {
    let old = page.page().refcount.swap(count, Ordering::Release);
    report_refcount(page, "page_ref_unfreeze", old, count);
}
