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
//! # Other orderings
//!
//! Each helper is a thin wrapper over an `_ordered` form that takes its
//! ordering as an argument ([`RmwOrder`] for a read-modify-write,
//! [`LoadOrder`] for a read, [`StoreOrder`] for a write): the kernel's
//! `_relaxed`, `_acquire` and `_release` variants of `atomic_t`, and the
//! fully ordered form. The wrappers pass the kernel's ordering; a scheme that
//! means to check a weaker one (a relaxed final put, say) calls the
//! `_ordered` form, and the event it reports names the ordering it used
//! (`page_ref_sub_and_test_relaxed`), so that a counterexample shows it.
//!
//! ```
//! use pinref_model::page_ref::{page_ref_sub_and_test_ordered, RmwOrder};
//! use pinref_model::{sync::Std, Layout, Memory};
//!
//! let memory = Memory::<Std>::new(&Layout::single_page());
//! let page = memory.page(0).expect("page 0");
//! pinref_model::page_ref::set_page_count(page, 2);
//! // The final put's decrement, relaxed: sequentially the same answer; only
//! // a weak-memory engine (loom) sees that it orders nothing.
//! assert!(!page_ref_sub_and_test_ordered(page, 1, RmwOrder::Relaxed));
//! assert!(page_ref_sub_and_test_ordered(page, 1, RmwOrder::Relaxed));
//! ```
//!
//! Every helper reports its effect (old → new) to the memory's observer.

use crate::event::EventKind;
use crate::page::PageRef;
use crate::sync::{AtomicI32, Ordering, Platform};

/// How a read-modify-write of a page's counter is ordered, as the kernel's
/// `atomic_t` operations spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RmwOrder {
    /// `atomic_*_relaxed` (and every RMW that returns nothing): orders no
    /// other access. Enough for a caller that holds a reference: the page
    /// cannot be freed under it, so there is nothing to order.
    Relaxed,
    /// `atomic_*_acquire`: later accesses of this thread stay after it.
    Acquire,
    /// `atomic_*_release`: earlier accesses of this thread stay before it.
    Release,
    /// Fully ordered (a value-returning RMW without a suffix): a `SeqCst`
    /// fence, the relaxed RMW, a `SeqCst` fence. See the module docs for why
    /// not `AcqRel`.
    Full,
}

impl RmwOrder {
    /// Every ordering, weakest first.
    pub const ALL: [RmwOrder; 4] = [
        RmwOrder::Relaxed,
        RmwOrder::Acquire,
        RmwOrder::Release,
        RmwOrder::Full,
    ];

    /// Runs the read-modify-write `rmw` (given the ordering of the
    /// instruction itself) with this ordering. Returns the old value.
    fn run<P: Platform>(self, rmw: impl FnOnce(Ordering) -> i32) -> i32 {
        match self {
            RmwOrder::Relaxed => rmw(Ordering::Relaxed),
            RmwOrder::Acquire => rmw(Ordering::Acquire),
            RmwOrder::Release => rmw(Ordering::Release),
            RmwOrder::Full => fully_ordered::<P>(|| rmw(Ordering::Relaxed)),
        }
    }

    /// The success ordering of a compare-and-exchange with this ordering
    /// (`Full` adds the fences around it: see [`page_ref_add_unless`]).
    fn exchange(self) -> Ordering {
        match self {
            RmwOrder::Relaxed => Ordering::Relaxed,
            RmwOrder::Acquire => Ordering::Acquire,
            RmwOrder::Release => Ordering::Release,
            RmwOrder::Full => Ordering::SeqCst,
        }
    }
}

/// How a read of a page's counter is ordered: `atomic_read` or
/// `atomic_read_acquire`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoadOrder {
    /// `atomic_read`: a snapshot that orders nothing.
    Relaxed,
    /// `atomic_read_acquire`: later accesses stay after the read.
    Acquire,
}

impl LoadOrder {
    fn ordering(self) -> Ordering {
        match self {
            LoadOrder::Relaxed => Ordering::Relaxed,
            LoadOrder::Acquire => Ordering::Acquire,
        }
    }
}

/// How a write of a page's counter is ordered: `atomic_set` or
/// `atomic_set_release`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoreOrder {
    /// `atomic_set`: orders nothing.
    Relaxed,
    /// `atomic_set_release`: earlier accesses stay before the write.
    Release,
}

impl StoreOrder {
    fn ordering(self) -> Ordering {
        match self {
            StoreOrder::Relaxed => Ordering::Relaxed,
            StoreOrder::Release => Ordering::Release,
        }
    }
}

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

/// Which of a page's two counters a helper acts on.
#[derive(Clone, Copy)]
enum Counter {
    /// `_refcount`.
    Ref,
    /// The exact pin count.
    Pin,
}

impl Counter {
    fn of<'m, P: Platform>(self, page: PageRef<'m, P>) -> &'m P::AtomicI32 {
        match self {
            Counter::Ref => &page.page().refcount,
            Counter::Pin => &page.page().pincount,
        }
    }

    fn report<P: Platform>(self, page: PageRef<'_, P>, helper: &'static str, old: i32, new: i32) {
        page.mem.report(page.pfn, || match self {
            Counter::Ref => EventKind::Refcount { helper, old, new },
            Counter::Pin => EventKind::Pincount { helper, old, new },
        });
    }
}

/// The name a helper reports, one per [`RmwOrder`] (weakest first): its
/// kernel name at its kernel ordering, the ordering's suffix at the others.
type RmwNames = [&'static str; 4];

/// Adds `nr` (wrapping) to `counter` with `order`; reports it under its
/// name for `order`. Returns what `keep` makes of the new value: what the
/// helper returns (nothing, a test, the value).
///
/// The update is one [`Platform::operation`] whose result is that: the
/// old value it read goes to the report and nowhere else, so the explorer
/// keeps in the thread's key only what the caller can act on, and states
/// where the count passed through different values coincide.
fn add<P: Platform, T: std::fmt::Debug>(
    page: PageRef<'_, P>,
    counter: Counter,
    nr: i32,
    order: RmwOrder,
    names: &RmwNames,
    keep: impl FnOnce(i32) -> T,
) -> T {
    let helper = names[order as usize];
    P::operation(helper, || {
        let old = order.run::<P>(|ordering| counter.of(page).fetch_add(nr, ordering));
        let new = old.wrapping_add(nr);
        counter.report(page, helper, old, new);
        keep(new)
    })
}

/// Subtracts `nr`: [`add`] of its (wrapping) negation, which is the same
/// update in 32-bit arithmetic.
fn sub<P: Platform, T: std::fmt::Debug>(
    page: PageRef<'_, P>,
    counter: Counter,
    nr: i32,
    order: RmwOrder,
    names: &RmwNames,
    keep: impl FnOnce(i32) -> T,
) -> T {
    add(page, counter, nr.wrapping_neg(), order, names, keep)
}

/// Reads `counter` with `order`, reported as `names[order]`.
fn load<P: Platform>(
    page: PageRef<'_, P>,
    counter: Counter,
    order: LoadOrder,
    names: [&'static str; 2],
) -> i32 {
    let value = counter.of(page).load(order.ordering());
    let helper = names[order as usize];
    page.mem
        .report(page.pfn, || EventKind::Read { helper, value });
    value
}

/// Sets `counter` to `value` with `order`, reported as `names[order]`. An
/// exchange, so that the report can say what it overwrote; one
/// [`Platform::operation`] returning nothing, as [`add`]'s.
fn store<P: Platform>(
    page: PageRef<'_, P>,
    counter: Counter,
    value: i32,
    order: StoreOrder,
    names: [&'static str; 2],
) {
    let helper = names[order as usize];
    P::operation(helper, || {
        let old = counter.of(page).swap(value, order.ordering());
        counter.report(page, helper, old, value);
    })
}

/// `page_ref_count()`: a snapshot of the refcount (relaxed, like
/// `atomic_read`). Any decision taken on it may be stale by the time it is
/// acted on: guards built on it are racy by design.
pub fn page_ref_count<P: Platform>(page: PageRef<'_, P>) -> i32 {
    page_ref_count_ordered(page, LoadOrder::Relaxed)
}

/// [`page_ref_count`] with the given ordering (`page_ref_count_acquire`).
pub fn page_ref_count_ordered<P: Platform>(page: PageRef<'_, P>, order: LoadOrder) -> i32 {
    let names = ["page_ref_count", "page_ref_count_acquire"];
    load(page, Counter::Ref, order, names)
}

/// `set_page_count()`: sets the refcount outright (relaxed). Only for a page
/// no other thread can see yet (allocation, or a check's starting state).
pub fn set_page_count<P: Platform>(page: PageRef<'_, P>, value: i32) {
    set_page_count_ordered(page, value, StoreOrder::Relaxed);
}

/// [`set_page_count`] with the given ordering (`set_page_count_release`).
pub fn set_page_count_ordered<P: Platform>(page: PageRef<'_, P>, value: i32, order: StoreOrder) {
    let names = ["set_page_count", "set_page_count_release"];
    store(page, Counter::Ref, value, order, names);
}

/// `page_ref_add()`: adds `nr`, unordered.
///
/// Relaxed is enough because the caller already holds a reference (or a
/// lock that keeps the page from being freed): the page cannot be freed
/// under it, so the increment has nothing to order, as `Arc::clone`.
pub fn page_ref_add<P: Platform>(page: PageRef<'_, P>, nr: i32) {
    page_ref_add_ordered(page, nr, RmwOrder::Relaxed);
}

/// [`page_ref_add`] with the given ordering.
pub fn page_ref_add_ordered<P: Platform>(page: PageRef<'_, P>, nr: i32, order: RmwOrder) {
    const NAMES: RmwNames = [
        "page_ref_add",
        "page_ref_add_acquire",
        "page_ref_add_release",
        "page_ref_add_full",
    ];
    add(page, Counter::Ref, nr, order, &NAMES, drop);
}

/// `page_ref_inc()`: adds 1, unordered (see [`page_ref_add`]).
pub fn page_ref_inc<P: Platform>(page: PageRef<'_, P>) {
    page_ref_inc_ordered(page, RmwOrder::Relaxed);
}

/// [`page_ref_inc`] with the given ordering.
pub fn page_ref_inc_ordered<P: Platform>(page: PageRef<'_, P>, order: RmwOrder) {
    const NAMES: RmwNames = [
        "page_ref_inc",
        "page_ref_inc_acquire",
        "page_ref_inc_release",
        "page_ref_inc_full",
    ];
    add(page, Counter::Ref, 1, order, &NAMES, drop);
}

/// `page_ref_sub()`: subtracts `nr`, unordered. Only for a caller that knows
/// it does not drop the last reference (it never frees).
pub fn page_ref_sub<P: Platform>(page: PageRef<'_, P>, nr: i32) {
    page_ref_sub_ordered(page, nr, RmwOrder::Relaxed);
}

/// [`page_ref_sub`] with the given ordering.
pub fn page_ref_sub_ordered<P: Platform>(page: PageRef<'_, P>, nr: i32, order: RmwOrder) {
    const NAMES: RmwNames = [
        "page_ref_sub",
        "page_ref_sub_acquire",
        "page_ref_sub_release",
        "page_ref_sub_full",
    ];
    sub(page, Counter::Ref, nr, order, &NAMES, drop);
}

/// `page_ref_sub_and_test()`: subtracts `nr`, fully ordered; true when the
/// count reached zero, and the caller must free the page.
///
/// Why fully ordered: every holder uses the page, then drops its reference
/// with this. The leading fence orders each holder's use before its
/// decrement; the decrements form one release sequence on `_refcount`; the
/// thread whose decrement reaches zero runs the trailing fence before it
/// frees, so every use happens-before the free. A relaxed decrement here
/// ([`RmwOrder::Relaxed`]) is the bug loom reports as a free racing a use.
pub fn page_ref_sub_and_test<P: Platform>(page: PageRef<'_, P>, nr: i32) -> bool {
    page_ref_sub_and_test_ordered(page, nr, RmwOrder::Full)
}

/// [`page_ref_sub_and_test`] with the given ordering.
pub fn page_ref_sub_and_test_ordered<P: Platform>(
    page: PageRef<'_, P>,
    nr: i32,
    order: RmwOrder,
) -> bool {
    const NAMES: RmwNames = [
        "page_ref_sub_and_test_relaxed",
        "page_ref_sub_and_test_acquire",
        "page_ref_sub_and_test_release",
        "page_ref_sub_and_test",
    ];
    sub(page, Counter::Ref, nr, order, &NAMES, |new| new == 0)
}

/// `page_ref_dec_and_test()`: [`page_ref_sub_and_test`] by 1.
pub fn page_ref_dec_and_test<P: Platform>(page: PageRef<'_, P>) -> bool {
    page_ref_dec_and_test_ordered(page, RmwOrder::Full)
}

/// [`page_ref_dec_and_test`] with the given ordering.
pub fn page_ref_dec_and_test_ordered<P: Platform>(page: PageRef<'_, P>, order: RmwOrder) -> bool {
    const NAMES: RmwNames = [
        "page_ref_dec_and_test_relaxed",
        "page_ref_dec_and_test_acquire",
        "page_ref_dec_and_test_release",
        "page_ref_dec_and_test",
    ];
    sub(page, Counter::Ref, 1, order, &NAMES, |new| new == 0)
}

/// `page_ref_sub_return()`: subtracts `nr`, fully ordered; returns the new
/// count (devmap pages free at 1, so they need the value, not a test). The
/// ordering argument is [`page_ref_sub_and_test`]'s.
pub fn page_ref_sub_return<P: Platform>(page: PageRef<'_, P>, nr: i32) -> i32 {
    page_ref_sub_return_ordered(page, nr, RmwOrder::Full)
}

/// [`page_ref_sub_return`] with the given ordering (the kernel's
/// `atomic_sub_return_relaxed` / `_acquire` / `_release`).
pub fn page_ref_sub_return_ordered<P: Platform>(
    page: PageRef<'_, P>,
    nr: i32,
    order: RmwOrder,
) -> i32 {
    const NAMES: RmwNames = [
        "page_ref_sub_return_relaxed",
        "page_ref_sub_return_acquire",
        "page_ref_sub_return_release",
        "page_ref_sub_return",
    ];
    sub(page, Counter::Ref, nr, order, &NAMES, |new| new)
}

/// `page_ref_dec_return()`: [`page_ref_sub_return`] by 1.
pub fn page_ref_dec_return<P: Platform>(page: PageRef<'_, P>) -> i32 {
    page_ref_dec_return_ordered(page, RmwOrder::Full)
}

/// [`page_ref_dec_return`] with the given ordering.
pub fn page_ref_dec_return_ordered<P: Platform>(page: PageRef<'_, P>, order: RmwOrder) -> i32 {
    const NAMES: RmwNames = [
        "page_ref_dec_return_relaxed",
        "page_ref_dec_return_acquire",
        "page_ref_dec_return_release",
        "page_ref_dec_return",
    ];
    sub(page, Counter::Ref, 1, order, &NAMES, |new| new)
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
    page_ref_add_unless_ordered(page, nr, unless, RmwOrder::Full)
}

/// [`page_ref_add_unless`] with the given ordering of a success (a failure
/// orders nothing, whatever `order`): `Full` fences both sides of a `SeqCst`
/// exchange, the others are one exchange of that ordering.
pub fn page_ref_add_unless_ordered<P: Platform>(
    page: PageRef<'_, P>,
    nr: i32,
    unless: i32,
    order: RmwOrder,
) -> bool {
    const NAMES: RmwNames = [
        "page_ref_add_unless_relaxed",
        "page_ref_add_unless_acquire",
        "page_ref_add_unless_release",
        "page_ref_add_unless",
    ];
    let helper = NAMES[order as usize];
    // One operation: its result is all the caller keeps (see [`add`]).
    P::operation(helper, || {
        let fenced = order == RmwOrder::Full;
        let refcount = &page.page().refcount;
        let mut old = refcount.load(Ordering::Relaxed);
        loop {
            if old == unless {
                page.mem
                    .report(page.pfn, || EventKind::Read { helper, value: old });
                return false;
            }
            if fenced {
                P::fence(Ordering::SeqCst);
            }
            let new = old.wrapping_add(nr);
            match refcount.compare_exchange(old, new, order.exchange(), Ordering::Relaxed) {
                Ok(_) => {
                    if fenced {
                        P::fence(Ordering::SeqCst);
                    }
                    Counter::Ref.report(page, helper, old, new);
                    return true;
                }
                Err(seen) => old = seen,
            }
        }
    })
}

/// The exact pin count of a compound page: `compound_pincount()` (v5.7,
/// `hpage_pinned_refcount`) / `folio_pincount()` (`_pincount`). A relaxed
/// snapshot, like [`page_ref_count`].
pub fn pincount_read<P: Platform>(page: PageRef<'_, P>) -> i32 {
    pincount_read_ordered(page, LoadOrder::Relaxed)
}

/// [`pincount_read`] with the given ordering.
pub fn pincount_read_ordered<P: Platform>(page: PageRef<'_, P>, order: LoadOrder) -> i32 {
    let names = ["pincount_read", "pincount_read_acquire"];
    load(page, Counter::Pin, order, names)
}

/// `hpage_pincount_add()` (v5.7) / `atomic_add(refs, &folio->_pincount)`:
/// unordered, like every `atomic_add`; the refcount update that goes with
/// it carries the ordering.
pub fn pincount_add<P: Platform>(page: PageRef<'_, P>, refs: i32) {
    pincount_add_ordered(page, refs, RmwOrder::Relaxed);
}

/// [`pincount_add`] with the given ordering.
pub fn pincount_add_ordered<P: Platform>(page: PageRef<'_, P>, refs: i32, order: RmwOrder) {
    const NAMES: RmwNames = [
        "pincount_add",
        "pincount_add_acquire",
        "pincount_add_release",
        "pincount_add_full",
    ];
    add(page, Counter::Pin, refs, order, &NAMES, drop);
}

/// `hpage_pincount_sub()` (v5.7) / `atomic_sub(refs, &folio->_pincount)`:
/// unordered. It comes before the fully ordered refcount release, whose
/// leading fence orders it before a free.
pub fn pincount_sub<P: Platform>(page: PageRef<'_, P>, refs: i32) {
    pincount_sub_ordered(page, refs, RmwOrder::Relaxed);
}

/// [`pincount_sub`] with the given ordering.
pub fn pincount_sub_ordered<P: Platform>(page: PageRef<'_, P>, refs: i32, order: RmwOrder) {
    const NAMES: RmwNames = [
        "pincount_sub",
        "pincount_sub_acquire",
        "pincount_sub_release",
        "pincount_sub_full",
    ];
    sub(page, Counter::Pin, refs, order, &NAMES, drop);
}

/// Sets the exact pin count outright (relaxed), before the page is shared:
/// a check's starting state.
pub fn set_pincount<P: Platform>(page: PageRef<'_, P>, value: i32) {
    set_pincount_ordered(page, value, StoreOrder::Relaxed);
}

/// [`set_pincount`] with the given ordering.
pub fn set_pincount_ordered<P: Platform>(page: PageRef<'_, P>, value: i32, order: StoreOrder) {
    let names = ["set_pincount", "set_pincount_release"];
    store(page, Counter::Pin, value, order, names);
}

/// `page_ref_freeze()`: sets the count to 0 if it is exactly `count`, so
/// that no speculative grab (add unless zero) can take a reference while the
/// caller rewrites the page (a split). True if it froze. Fully ordered on
/// success, like the `atomic_cmpxchg` it stands for: the leading fence
/// orders the caller's earlier accesses before the freeze, the trailing one
/// orders the rewrite after it.
pub fn page_ref_freeze<P: Platform>(page: PageRef<'_, P>, count: i32) -> bool {
    page_ref_freeze_ordered(page, count, RmwOrder::Full)
}

/// [`page_ref_freeze`] with the given ordering of a success (the kernel's
/// `atomic_cmpxchg_relaxed` / `_acquire` / `_release`); a failure orders
/// nothing.
pub fn page_ref_freeze_ordered<P: Platform>(
    page: PageRef<'_, P>,
    count: i32,
    order: RmwOrder,
) -> bool {
    const NAMES: RmwNames = [
        "page_ref_freeze_relaxed",
        "page_ref_freeze_acquire",
        "page_ref_freeze_release",
        "page_ref_freeze",
    ];
    let helper = NAMES[order as usize];
    // One operation: its result is all the caller keeps (see [`add`]).
    P::operation(helper, || {
        let fenced = order == RmwOrder::Full;
        if fenced {
            P::fence(Ordering::SeqCst);
        }
        let refcount = &page.page().refcount;
        match refcount.compare_exchange(count, 0, order.exchange(), Ordering::Relaxed) {
            Ok(_) => {
                if fenced {
                    P::fence(Ordering::SeqCst);
                }
                Counter::Ref.report(page, helper, count, 0);
                true
            }
            Err(value) => {
                page.mem
                    .report(page.pfn, || EventKind::Read { helper, value });
                false
            }
        }
    })
}

/// `page_ref_unfreeze()`: gives a frozen page its count back
/// (`atomic_set_release`). Release: whoever grabs the page after seeing the
/// new count sees the rewrite done under the freeze.
pub fn page_ref_unfreeze<P: Platform>(page: PageRef<'_, P>, count: i32) {
    page_ref_unfreeze_ordered(page, count, StoreOrder::Release);
}

/// [`page_ref_unfreeze`] with the given ordering (a relaxed unfreeze
/// publishes nothing).
pub fn page_ref_unfreeze_ordered<P: Platform>(page: PageRef<'_, P>, count: i32, order: StoreOrder) {
    let names = ["page_ref_unfreeze_relaxed", "page_ref_unfreeze"];
    store(page, Counter::Ref, count, order, names);
}
