//! What the `operations_*` test files share: a macro that runs one
//! behaviour on each built-in scheme, the memories a test starts from, a
//! snapshot of everything an operation must leave alone, the checks of what
//! a grab adds, what a release takes and what a refusal keeps, and an
//! observer that records events (and short spellings of the events a test
//! expects).
//!
//! Each test crate uses only part of it.
#![allow(dead_code, unused_macros, unused_imports)]

use pinref_model::page::{PAGE_CONTENTS_LIVE, PAGE_CONTENTS_POISON};
use pinref_model::page_ref::{page_ref_count, pincount_read, set_page_count};
use pinref_model::sync::Std;
use pinref_model::{
    Event, EventKind, GupError, Held, Layout, LayoutError, Memory, Observer, PageRef, Scheme,
};
use std::fmt::Display;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

/// What a test returns: `?` on a [`pinref_model::GupError`] or a
/// [`pinref_model::LayoutError`] fails the test with the error's message.
pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Runs one behaviour on the listed schemes: one `#[test]` per scheme, in a
/// module named after the behaviour (`get_page_adds_one::seed`).
///
/// ```ignore
/// on_schemes! {
///     [seed: Seed, v5_7: V5_7]
///     fn behaviour(scheme) { /* S: Scheme */ Ok(()) }
/// }
/// ```
macro_rules! on_schemes {
    (
        [$($test:ident: $scheme_value:expr),+ $(,)?]
        $(#[$attr:meta])*
        fn $name:ident($scheme:ident) $body:block
    ) => {
        $(#[$attr])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn scenario<S: Scheme>($scheme: S) -> TestResult $body

            $(
                #[test]
                fn $test() -> TestResult {
                    scenario($scheme_value)
                }
            )+
        }
    };
}
pub(crate) use on_schemes;

/// [`on_schemes!`] on the schemes that free a page at 0, in version order
/// (seed, v5_7, v5_11, v5_14, folio, v6_1, v6_5), then on the schemes in
/// the brackets: the one list of built-ins the other macros extend.
macro_rules! on_zero_based_schemes_and {
    ([$($more:tt)*] $($behaviour:tt)*) => {
        on_schemes! {
            [
                seed: pinref_model::Seed,
                v5_7: pinref_model::V5_7,
                v5_11: pinref_model::V5_11,
                v5_14: pinref_model::V5_14,
                folio: pinref_model::Folio,
                v6_1: pinref_model::V6_1,
                v6_5: pinref_model::V6_5,
                $($more)*
            ]
            $($behaviour)*
        }
    };
}
pub(crate) use on_zero_based_schemes_and;

/// [`on_schemes!`] on every built-in scheme, in version order: the
/// zero-based ones, then devmap (1-based: it hands a page back at 1).
macro_rules! on_every_scheme {
    ($($behaviour:tt)*) => {
        on_zero_based_schemes_and! { [devmap: pinref_model::Devmap] $($behaviour)* }
    };
}
pub(crate) use on_every_scheme;

/// [`on_schemes!`] on the schemes that free a page at 0 (all but devmap).
macro_rules! on_zero_based_schemes {
    ($($behaviour:tt)*) => {
        on_zero_based_schemes_and! { [] $($behaviour)* }
    };
}
pub(crate) use on_zero_based_schemes;

/// What one pin adds to a head page's `(refcount, pincount)`, by scheme
/// name and compound order, written out by hand from the kernel history
/// (docs/semantics.md; never from the model's own abstraction function):
///
/// - seed: the bias on every page;
/// - v5_7 to v5_14, and devmap (v5.7 rules): the bias up to order 1, an
///   exact pin count (`hpage_pinned_refcount`) from order 2;
/// - folio, v6_1, v6_5: the bias on order-0 pages, `_pincount` from
///   order 1.
pub fn one_pin_moves(scheme: &str, order: u32) -> (i32, i32) {
    const BIAS: (i32, i32) = (1024, 0);
    const EXACT: (i32, i32) = (1, 1);
    match (scheme, order) {
        ("seed", _) => BIAS,
        ("v5_7" | "v5_11" | "v5_14" | "devmap", 0 | 1) => BIAS,
        ("v5_7" | "v5_11" | "v5_14" | "devmap", _) => EXACT,
        ("folio" | "v6_1" | "v6_5", 0) => BIAS,
        ("folio" | "v6_1" | "v6_5", _) => EXACT,
        (other, _) => panic!("no hand-computed encoding for scheme {other}"),
    }
}

/// Runs every named case of a table-driven test, then fails once, naming
/// each case that failed (by an `Err` or a failed assertion) rather than
/// stopping at the first.
pub fn each_case<N: Display, C>(
    cases: impl IntoIterator<Item = (N, C)>,
    check: impl Fn(C) -> TestResult,
) -> TestResult {
    let failed: Vec<String> = cases
        .into_iter()
        .filter_map(
            |(name, case)| match catch_unwind(AssertUnwindSafe(|| check(case))) {
                Ok(Ok(())) => None,
                Ok(Err(error)) => Some(format!("{name}: {error}")),
                Err(panic) => {
                    let message = (panic.downcast_ref::<String>().map(String::as_str))
                        .or_else(|| panic.downcast_ref::<&str>().copied())
                        .unwrap_or("panicked");
                    Some(format!("{name}: {message}"))
                }
            },
        )
        .collect();
    if failed.is_empty() {
        return Ok(());
    }
    Err(Box::new(FailedCases(failed)))
}

/// The failing cases of a table-driven test, one a line (also as `Debug`,
/// which is what the test harness prints of a test's `Err`).
pub struct FailedCases(Vec<String>);

impl std::fmt::Display for FailedCases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} case(s) failed:", self.0.len())?;
        self.0.iter().try_for_each(|case| writeln!(f, "- {case}"))
    }
}

impl std::fmt::Debug for FailedCases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for FailedCases {}

/// A memory of one order-0 page (pfn 0) that holds `held` under `scheme`.
pub fn one_page<S: Scheme>(scheme: &S, held: Held) -> Memory<Std> {
    let memory = Memory::new(&Layout::single_page());
    scheme.init_page(memory.page(0).expect("pfn 0"), held);
    memory
}

/// A memory of one order-0 page (pfn 0) whose `_refcount` is set outright
/// to `count`, under no scheme's encoding: a count a test names directly.
pub fn one_page_at(count: i32) -> Memory<Std> {
    let memory = Memory::new(&Layout::single_page());
    set_page_count(memory.page(0).expect("pfn 0"), count);
    memory
}

/// A memory of one order-0 page (pfn 0) that was in use under `scheme`
/// and had its last reference put: freed at 0, or (devmap) handed back to
/// its driver at 1.
pub fn one_freed_page<S: Scheme>(scheme: &S) -> Result<Memory<Std>, GupError> {
    let memory = one_page(scheme, ONE_PLAIN);
    scheme.put_page(memory.page(0)?)?;
    Ok(memory)
}

/// One plain reference: a page in use, and not pinned.
pub const ONE_PLAIN: Held = Held { plain: 1, pins: 0 };

/// A memory of compound pages of `orders` (as [`Layout::new`]), each head
/// holding `held` under `scheme`.
pub fn holding<S: Scheme>(
    scheme: &S,
    orders: &[u32],
    held: Held,
) -> Result<Memory<Std>, LayoutError> {
    let layout = Layout::new(orders)?;
    let memory = Memory::new(&layout);
    for head in layout.heads() {
        scheme.init_page(memory.page(head).expect("a head of the layout"), held);
    }
    Ok(memory)
}

/// [`holding`] with [`ONE_PLAIN`]: pages in use, none pinned.
pub fn in_use<S: Scheme>(scheme: &S, orders: &[u32]) -> Result<Memory<Std>, LayoutError> {
    holding(scheme, orders, ONE_PLAIN)
}

/// [`holding`], watched by an [`EventLog`] that has not seen the set-up.
pub fn observed_holding<S: Scheme>(
    scheme: &S,
    orders: &[u32],
    held: Held,
) -> Result<(Memory<Std>, Arc<EventLog>), LayoutError> {
    let log = Arc::new(EventLog::default());
    let memory = holding(scheme, orders, held)?.with_observer(log.clone());
    Ok((memory, log))
}

/// The frames of `pages`, in order.
pub fn pfns(pages: &[PageRef<'_, Std>]) -> Vec<usize> {
    pages.iter().map(|page| page.pfn()).collect()
}

/// On an order-0 page holding one plain reference: runs `grab`, then
/// checks it added `refcount` to the count and `pins` to the pins
/// acquired, and changed nothing else (an order-0 page keeps no exact pin
/// count), and that the page reads pinned exactly when a pin was added.
pub fn assert_grab_adds<S: Scheme>(
    scheme: &S,
    grab: impl Fn(PageRef<'_, Std>) -> Result<(), GupError>,
    refcount: i32,
    pins: i32,
) -> TestResult {
    let memory = one_page(scheme, ONE_PLAIN);
    check_grab(scheme, memory.page(0)?, grab, refcount, pins)
}

/// [`assert_grab_adds`], then runs the matching `release` and checks it
/// took back exactly what the grab added: the page is as it was but for
/// `pins` counted acquired and released, and reads unpinned.
pub fn assert_round_trip<S: Scheme>(
    scheme: &S,
    grab: impl Fn(PageRef<'_, Std>) -> Result<(), GupError>,
    release: impl Fn(PageRef<'_, Std>) -> Result<(), GupError>,
    refcount: i32,
    pins: i32,
) -> TestResult {
    let memory = one_page(scheme, ONE_PLAIN);
    let page = memory.page(0)?;
    let before = Snapshot::of(page);
    check_grab(scheme, page, grab, refcount, pins)?;

    release(page)?;

    assert_eq!(
        Snapshot::of(page),
        before.moved(0, pins, pins),
        "after the release"
    );
    assert!(!scheme.page_dma_pinned(page), "still reads pinned");
    Ok(())
}

/// The act and the checks of [`assert_grab_adds`], on `page`.
fn check_grab<S: Scheme>(
    scheme: &S,
    page: PageRef<'_, Std>,
    grab: impl Fn(PageRef<'_, Std>) -> Result<(), GupError>,
    refcount: i32,
    pins: i32,
) -> TestResult {
    let before = Snapshot::of(page);

    grab(page)?;

    assert_eq!(
        Snapshot::of(page),
        before.moved(refcount, pins, 0),
        "after the grab"
    );
    assert_eq!(
        scheme.page_dma_pinned(page),
        pins > 0,
        "page_dma_pinned after the grab"
    );
    Ok(())
}

/// What a release on an order-0 page takes, written out by hand.
#[derive(Debug, Clone, Copy)]
pub struct Takes {
    /// Taken off `_refcount` (1 a plain reference, 1024 a pin).
    pub refcount: i32,
    /// Pins counted released.
    pub pins: i32,
    /// Times the page is freed (or, devmap, handed back).
    pub frees: i32,
    /// What `page_dma_pinned` reads afterwards.
    pub pinned_after: bool,
}

/// On an order-0 page holding `held`: runs `release`, then checks it took
/// what `takes` says and changed nothing else, and that the page's
/// contents read back as poison exactly when it was freed.
pub fn assert_release_takes<S: Scheme>(
    scheme: &S,
    held: Held,
    release: impl Fn(PageRef<'_, Std>) -> Result<(), GupError>,
    takes: Takes,
) -> TestResult {
    let memory = one_page(scheme, held);
    let page = memory.page(0)?;
    let before = Snapshot::of(page);
    assert_eq!(page.read_contents(), PAGE_CONTENTS_LIVE, "set up in use");

    release(page)?;

    let expected = Snapshot {
        times_freed: before.times_freed + takes.frees,
        ..before.moved(-takes.refcount, 0, takes.pins)
    };
    assert_eq!(Snapshot::of(page), expected);
    assert_eq!(
        scheme.page_dma_pinned(page),
        takes.pinned_after,
        "page_dma_pinned"
    );
    let contents = if takes.frees > 0 {
        PAGE_CONTENTS_POISON
    } else {
        PAGE_CONTENTS_LIVE
    };
    assert_eq!(page.read_contents(), contents, "contents");
    Ok(())
}

/// On pages of `orders`, each holding one plain reference but the last,
/// which is freed: checks that `batch` (a pin of the pages from address 0
/// through the freed one) returns the frames before the freed page,
/// `pinned` (one acquired each, none released), leaves the freed page
/// alone, and that unpinning what it returned leaves every page as it was.
pub fn assert_batch_stops_at_a_freed_page<S: Scheme>(
    scheme: &S,
    orders: &[u32],
    batch: impl for<'m> Fn(&'m Memory<Std>) -> Result<Vec<PageRef<'m, Std>>, GupError>,
    pinned: &[usize],
) -> TestResult {
    let memory = in_use(scheme, orders)?;
    let heads = Layout::new(orders)?.heads();
    let each_head = || -> Result<Vec<PageCounts>, GupError> {
        heads
            .iter()
            .map(|&pfn| memory.page(pfn).map(PageCounts::of))
            .collect()
    };
    let freed = memory.page(heads[heads.len() - 1])?;
    scheme.init_page(freed, Held::default());
    let before = each_head()?;

    let got = batch(&memory)?;

    assert_eq!(pfns(&got), pinned, "everything before the freed page");
    assert_eq!(
        PageCounts::of(freed),
        before[heads.len() - 1],
        "the freed page is left alone"
    );
    assert_eq!(memory.vmstat().acquired(), pinned.len() as i32);
    assert_eq!(memory.vmstat().released(), 0);
    scheme.unpin_user_pages(&got)?;
    assert_eq!(each_head()?, before, "unpinned, each page is as it was");
    Ok(())
}

/// On an order-0 page (pfn 0, mapped at address 0) holding `held`: checks
/// that `operation` is refused with `expected` and leaves the page and its
/// memory as they were. The operation returns its error, if any
/// (`Result::err`).
pub fn assert_refused<S: Scheme>(
    scheme: &S,
    held: Held,
    operation: impl Fn(&Memory<Std>, PageRef<'_, Std>) -> Option<GupError>,
    expected: GupError,
) -> TestResult {
    assert_refused_on(&one_page(scheme, held), operation, expected)
}

/// [`assert_refused`] on page 0 of `memory`, set up as the test needs
/// ([`one_page_at`], [`one_freed_page`]).
pub fn assert_refused_on(
    memory: &Memory<Std>,
    operation: impl Fn(&Memory<Std>, PageRef<'_, Std>) -> Option<GupError>,
    expected: GupError,
) -> TestResult {
    let page = memory.page(0)?;
    let before = Snapshot::of(page);

    let error = operation(memory, page);

    assert_eq!(error, Some(expected));
    assert_eq!(Snapshot::of(page), before, "a refusal changes nothing");
    Ok(())
}

/// Everything about a page and its memory that a refused operation must
/// leave as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    pub refcount: i32,
    pub pincount: i32,
    pub dirty: bool,
    pub times_freed: i32,
    pub pins_acquired: i32,
    pub pins_released: i32,
}

impl Snapshot {
    /// The page's own counters (not its head's) and its memory's statistics.
    pub fn of(page: PageRef<'_, Std>) -> Snapshot {
        let vmstat = page.memory().vmstat();
        Snapshot {
            refcount: page_ref_count(page),
            pincount: pincount_read(page),
            dirty: page.peek().dirty(),
            times_freed: page.times_freed(),
            pins_acquired: vmstat.acquired(),
            pins_released: vmstat.released(),
        }
    }

    /// This snapshot with `refcount` added to the count and `acquired` and
    /// `released` pins counted: what an operation that moves only those
    /// leaves.
    pub fn moved(self, refcount: i32, acquired: i32, released: i32) -> Snapshot {
        Snapshot {
            refcount: self.refcount + refcount,
            pins_acquired: self.pins_acquired + acquired,
            pins_released: self.pins_released + released,
            ..self
        }
    }
}

/// A page's own counters, dirty bit and frees: what its memory's
/// statistics aside, a page left alone keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageCounts {
    pub refcount: i32,
    pub pincount: i32,
    pub dirty: bool,
    pub times_freed: i32,
}

impl PageCounts {
    /// The page's own (not its head's).
    pub fn of(page: PageRef<'_, Std>) -> PageCounts {
        PageCounts {
            refcount: page_ref_count(page),
            pincount: pincount_read(page),
            dirty: page.peek().dirty(),
            times_freed: page.times_freed(),
        }
    }
}

/// An observer that keeps every event, in the order it saw them.
#[derive(Default)]
pub struct EventLog(Mutex<Vec<Event>>);

impl EventLog {
    /// The events seen so far.
    pub fn events(&self) -> Vec<Event> {
        self.0.lock().unwrap().clone()
    }

    /// What the events seen so far were, without their pages and threads.
    pub fn kinds(&self) -> Vec<EventKind> {
        self.events().into_iter().map(|event| event.kind).collect()
    }

    /// Forgets the events seen so far (the set-up's).
    pub fn clear(&self) {
        self.0.lock().unwrap().clear();
    }
}

impl Observer for EventLog {
    fn event(&self, event: &Event) {
        self.0.lock().unwrap().push(event.clone());
    }
}

/// A memory of `layout` with an [`EventLog`] attached from the start (a
/// test that sets pages up first clears the log before it acts).
pub fn observed(layout: &Layout) -> (Memory<Std>, Arc<EventLog>) {
    let log = Arc::new(EventLog::default());
    let memory = Memory::new(layout).with_observer(log.clone());
    (memory, log)
}

/// [`EventKind::Read`]: `helper` read `value`.
pub fn read(helper: &'static str, value: i32) -> EventKind {
    EventKind::Read { helper, value }
}

/// [`EventKind::Refcount`]: `helper` moved `_refcount` from `old` to `new`.
pub fn refcount(helper: &'static str, old: i32, new: i32) -> EventKind {
    EventKind::Refcount { helper, old, new }
}

/// [`EventKind::Pincount`]: `helper` moved the exact pin count.
pub fn pincount(helper: &'static str, old: i32, new: i32) -> EventKind {
    EventKind::Pincount { helper, old, new }
}

/// [`EventKind::Stat`]: the vmstat `counter` moved by `delta`.
pub fn stat(counter: &'static str, delta: i32) -> EventKind {
    EventKind::Stat { counter, delta }
}

/// [`EventKind::Freed`]: the page was freed by `by`.
pub fn freed(by: &'static str) -> EventKind {
    EventKind::Freed { by }
}
