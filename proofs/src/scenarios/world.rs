//! The harness a scenario is written against: a [`World`] (the memory, the
//! scheme, the monitor) and the [`Actor`]s that run its threads. An actor's
//! methods are the kernel operations, logged with their results, and the
//! property checks a scenario makes at the step where they must hold.
//!
//! A failed check records the finding and stops the execution (the engine
//! catches the stop and reports it).

use crate::properties::Property;
use crate::properties::checks;
use crate::properties::monitor::{Monitor, StopExecution};
use pinref_model::ghost::GhostPage;
use pinref_model::page_flags::page_dirty;
use pinref_model::page_ref::{page_ref_count, pincount_read};
use pinref_model::sync::{Ordering, Platform};
use pinref_model::{Counts, GupError, GupFlags, Held, Layout, Memory, PageRef, PageShape, Scheme};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// One execution's world: shared by its threads.
pub struct World<P: Platform, S: Scheme> {
    /// The pages.
    pub mem: Memory<P>,
    /// The scheme under check.
    pub scheme: S,
    /// The monitor attached to `mem`.
    pub monitor: Monitor,
    /// The ghost's view for the log: what each head holds, as the actors'
    /// completed operations say (a std lock, invisible to the engines).
    ghost: Mutex<BTreeMap<usize, Held>>,
}

impl<P: Platform, S: Scheme> World<P, S> {
    /// A world of `layout` pages, every head starting at `held` (the page
    /// table's reference included), with the pin statistics to match.
    pub fn new(scheme: S, layout: &Layout, held: &[Held], monitor: Monitor) -> Arc<Self> {
        let mem = Memory::new(layout).with_observer(Arc::new(monitor.clone()));
        let world = World {
            mem,
            scheme,
            monitor,
            ghost: Mutex::new(
                layout
                    .heads()
                    .into_iter()
                    .zip(held.iter().copied())
                    .collect(),
            ),
        };
        let mut pins = 0;
        for (&head, &held) in layout.heads().iter().zip(held) {
            world.scheme.init_page(world.page(head), held);
            pins += held.pins;
        }
        world.mem.vmstat().set(pins as i32, 0);
        world
            .monitor
            .note(0, format!("start: {}", describe_start(layout, held)));
        Arc::new(world)
    }

    /// The page `pfn` (scenarios use fixed, valid pfns).
    pub fn page(&self, pfn: usize) -> PageRef<'_, P> {
        match self.mem.page(pfn) {
            Ok(page) => page,
            Err(error) => panic!("scenario bug: {error}"),
        }
    }

    /// Spawns a named thread that runs `body` as an [`Actor`].
    pub fn spawn<T, F>(self: &Arc<Self>, name: &'static str, body: F) -> P::JoinHandle<T>
    where
        F: FnOnce(&Actor<'_, P, S>) -> T + Send + 'static,
        T: Send + 'static,
    {
        let world = Arc::clone(self);
        P::spawn(move || {
            let actor = Actor::new(&world, name);
            body(&actor)
        })
    }

    /// Applies a completed operation to the ghost's view and describes the
    /// head's state after it: what it holds, and the counters that encode.
    fn ghost_after(&self, pfn: usize, plain: i64, pins: i64) -> String {
        // Every engine access (a splittable page's head and order are
        // atomics) comes before the lock: an engine may switch threads at
        // any access, and a thread must not be switched out holding a real
        // lock.
        let head = self.page(pfn).compound_head();
        let shape = PageShape::of(head);
        let mut ghost = self.ghost.lock().unwrap_or_else(|p| p.into_inner());
        let held = ghost.entry(head.pfn()).or_default();
        held.plain += plain;
        held.pins += pins;
        let counts = self.scheme.counts_for(shape, *held);
        format!(
            "ghost: page {} plain {} pins {} (refcount {}{})",
            head.pfn(),
            held.plain,
            held.pins,
            counts.refcount,
            if counts.pincount != 0 {
                format!(", pincount {}", counts.pincount)
            } else {
                String::new()
            }
        )
    }

    /// The main thread as an actor (for setup and quiescent checks).
    pub fn main_actor(&self) -> Actor<'_, P, S> {
        Actor::new(self, "main")
    }

    /// The head's counters, read at a quiescent point (no event: reads).
    fn counts(&self, head: usize) -> Counts {
        let page = self.page(head);
        Counts {
            refcount: page_ref_count(page),
            pincount: pincount_read(page),
        }
    }

    /// The quiescent-point checks, after every thread has been joined: each
    /// head's counters encode exactly `held` (P5), it was freed exactly when
    /// `held` is empty (P4), and acquired - released equals the live pins
    /// (P9).
    pub fn check_quiescent(&self, heads: &[(usize, Held)]) {
        let mut live_pins = 0;
        for &(head, held) in heads {
            let page = self.page(head);
            let ghost = GhostPage::new(PageShape::of(page), held);
            let expected = ghost.counts(&self.scheme);
            let freed = u32::from(held == Held::default());
            if let Some(message) = checks::p4_freed_exactly_once(head, page.times_freed(), freed) {
                self.fail(Property::P4, message);
            }
            if freed == 0 {
                let actual = self.counts(head);
                if let Some(message) = checks::p5_exact_recovery(head, actual, expected) {
                    self.fail(Property::P5, message);
                }
            }
            live_pins += held.pins;
        }
        let stat = self.mem.vmstat();
        if let Some(message) = checks::p9_stats_balance(stat.acquired(), stat.released(), live_pins)
        {
            self.fail(Property::P9, message);
        }
    }

    /// Records a finding and stops the execution.
    pub fn fail(&self, property: Property, message: String) -> ! {
        let finding = self.monitor.report(property, message, false);
        std::panic::panic_any(StopExecution(finding))
    }

    /// Records a violation the scheme's claims expect; the execution goes
    /// on (the engine reports it as `expected_violation`).
    pub fn expect_violation(&self, property: Property, message: String) {
        let already = self
            .monitor
            .findings()
            .iter()
            .any(|f| f.expected && f.violation.property == property);
        if !already {
            self.monitor.report(property, message, true);
        }
    }
}

fn describe_start(layout: &Layout, held: &[Held]) -> String {
    layout
        .heads()
        .iter()
        .zip(layout.orders())
        .zip(held)
        .map(|((head, order), held)| {
            format!(
                "page {head} (order {order}) plain {} pins {}",
                held.plain, held.pins
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A thread of a scenario: the kernel operations it performs, each logged
/// with its result, and the checks it makes.
pub struct Actor<'w, P: Platform, S: Scheme> {
    world: &'w World<P, S>,
    thread: usize,
}

impl<'w, P: Platform, S: Scheme> Actor<'w, P, S> {
    fn new(world: &'w World<P, S>, name: &str) -> Self {
        let thread = P::thread_index();
        world.monitor.name_thread(thread, name);
        Actor { world, thread }
    }

    fn logged<T: std::fmt::Debug>(
        &self,
        op: String,
        result: Result<T, GupError>,
    ) -> Result<T, GupError> {
        self.logged_with(op, result, |_| Vec::new())
    }

    /// Logs an operation's result and, when it succeeded, its effect on the
    /// ghost's view: `(pfn, plain delta, pins delta)` per page it changed.
    fn logged_with<T: std::fmt::Debug>(
        &self,
        op: String,
        result: Result<T, GupError>,
        changes: impl FnOnce(&T) -> Vec<(usize, i64, i64)>,
    ) -> Result<T, GupError> {
        match &result {
            Ok(value) => {
                let views: Vec<String> = changes(value)
                    .into_iter()
                    .map(|(pfn, plain, pins)| self.world.ghost_after(pfn, plain, pins))
                    .collect();
                let view = if views.is_empty() {
                    String::new()
                } else {
                    format!("   [{}]", views.join("; "))
                };
                self.world
                    .monitor
                    .note(self.thread, format!("{op} -> {value:?}{view}"))
            }
            Err(error) => self
                .world
                .monitor
                .note(self.thread, format!("{op} -> refused: {error}")),
        }
        result
    }

    fn page(&self, pfn: usize) -> PageRef<'w, P> {
        self.world.page(pfn)
    }

    /// `get_page(page)`.
    pub fn get_page(&self, pfn: usize) -> Result<(), GupError> {
        let result = self.world.scheme.get_page(self.page(pfn));
        self.logged_with(format!("get_page({pfn})"), result, |_| vec![(pfn, 1, 0)])
    }

    /// `try_get_page(page)`.
    pub fn try_get_page(&self, pfn: usize) -> Result<(), GupError> {
        let result = self.world.scheme.try_get_page(self.page(pfn));
        self.logged_with(format!("try_get_page({pfn})"), result, |_| {
            vec![(pfn, 1, 0)]
        })
    }

    /// `put_page(page)`.
    pub fn put_page(&self, pfn: usize) -> Result<(), GupError> {
        let result = self.world.scheme.put_page(self.page(pfn));
        self.logged_with(format!("put_page({pfn})"), result, |_| vec![(pfn, -1, 0)])
    }

    /// `try_grab_page(page, flags)`.
    pub fn try_grab_page(&self, pfn: usize, flags: GupFlags) -> Result<(), GupError> {
        let result = self.world.scheme.try_grab_page(self.page(pfn), flags);
        let pin = flags.contains(GupFlags::FOLL_PIN);
        self.logged_with(format!("try_grab_page({pfn}, {flags:?})"), result, |_| {
            vec![if pin { (pfn, 0, 1) } else { (pfn, 1, 0) }]
        })
    }

    /// `pin_user_pages(start, nr_pages, 0)`: the pfns pinned, one per
    /// address.
    pub fn pin_user_pages(&self, start: usize, nr_pages: usize) -> Result<Vec<usize>, GupError> {
        let result = self
            .world
            .scheme
            .pin_user_pages(&self.world.mem, start, nr_pages, GupFlags::NONE)
            .map(|pages| pages.iter().map(|page| page.pfn()).collect());
        self.logged_with(
            format!("pin_user_pages({start}, {nr_pages})"),
            result,
            |pfns| pfns.iter().map(|&pfn| (pfn, 0, 1)).collect(),
        )
    }

    /// `pin_user_pages_fast(start, nr_pages, 0)`.
    pub fn pin_user_pages_fast(
        &self,
        start: usize,
        nr_pages: usize,
    ) -> Result<Vec<usize>, GupError> {
        let result = self
            .world
            .scheme
            .pin_user_pages_fast(&self.world.mem, start, nr_pages, GupFlags::NONE)
            .map(|pages| pages.iter().map(|page| page.pfn()).collect());
        self.logged_with(
            format!("pin_user_pages_fast({start}, {nr_pages})"),
            result,
            |pfns| pfns.iter().map(|&pfn| (pfn, 0, 1)).collect(),
        )
    }

    /// One gup_fast step at `addr` with `flags`: the pfn grabbed.
    pub fn gup_fast_pte(&self, addr: usize, flags: GupFlags) -> Result<usize, GupError> {
        let result = self
            .world
            .scheme
            .gup_fast_pte(&self.world.mem, addr, flags)
            .map(|page| page.pfn());
        let pin = flags.contains(GupFlags::FOLL_PIN);
        self.logged_with(format!("gup_fast_pte({addr}, {flags:?})"), result, |&pfn| {
            vec![if pin { (pfn, 0, 1) } else { (pfn, 1, 0) }]
        })
    }

    /// `unpin_user_page(page)`.
    pub fn unpin_user_page(&self, pfn: usize) -> Result<(), GupError> {
        let result = self.world.scheme.unpin_user_page(self.page(pfn));
        self.logged_with(format!("unpin_user_page({pfn})"), result, |_| {
            vec![(pfn, 0, -1)]
        })
    }

    /// `unpin_user_pages(pages)`.
    pub fn unpin_user_pages(&self, pfns: &[usize]) -> Result<(), GupError> {
        let pages: Vec<_> = pfns.iter().map(|&pfn| self.page(pfn)).collect();
        let result = self.world.scheme.unpin_user_pages(&pages);
        self.logged_with(format!("unpin_user_pages({pfns:?})"), result, |_| {
            pfns.iter().map(|&pfn| (pfn, 0, -1)).collect()
        })
    }

    /// `unpin_user_pages_dirty_lock(pages, make_dirty)`.
    pub fn unpin_user_pages_dirty_lock(
        &self,
        pfns: &[usize],
        make_dirty: bool,
    ) -> Result<(), GupError> {
        let pages: Vec<_> = pfns.iter().map(|&pfn| self.page(pfn)).collect();
        let result = self
            .world
            .scheme
            .unpin_user_pages_dirty_lock(&pages, make_dirty);
        self.logged_with(
            format!("unpin_user_pages_dirty_lock({pfns:?}, {make_dirty})"),
            result,
            |_| pfns.iter().map(|&pfn| (pfn, 0, -1)).collect(),
        )
    }

    /// `page_dma_pinned(page)`.
    pub fn page_dma_pinned(&self, pfn: usize) -> bool {
        let answer = self.world.scheme.page_dma_pinned(self.page(pfn));
        self.world
            .monitor
            .note(self.thread, format!("page_dma_pinned({pfn}) -> {answer}"));
        answer
    }

    /// Uses the page: reads its contents (a holder's access; a use after
    /// free, or one not ordered before the free, is caught here).
    pub fn use_page(&self, pfn: usize) {
        self.page(pfn).read_contents();
    }

    /// Unmaps `addr` (`zap_pte_range`'s clear): the pfn it mapped. The
    /// caller then drops the mapping's reference with `put_page`.
    pub fn zap_pte(&self, addr: usize) -> Option<usize> {
        let result = self
            .world
            .mem
            .zap_pte(addr)
            .map(|page| page.map(|page| page.pfn()));
        self.logged(format!("zap_pte({addr})"), result)
            .ok()
            .flatten()
    }

    /// `split_huge_page(page)`: splits the compound page `pfn` belongs to;
    /// on success each subpage keeps its mapping's one reference.
    pub fn split_huge_page(&self, pfn: usize) -> Result<(), GupError> {
        let head = self.page(pfn).compound_head();
        let subpages = 1usize << head.compound_order();
        let result = pinref_model::split::split_huge_page(self.page(pfn));
        if result.is_ok() {
            let mut ghost = self.world.ghost.lock().unwrap_or_else(|p| p.into_inner());
            for page in head.pfn()..head.pfn() + subpages {
                ghost.insert(page, Held { plain: 1, pins: 0 });
            }
        }
        self.logged(format!("split_huge_page({pfn})"), result)
    }

    /// `page_ref_count(page)` on the head: a snapshot, for a scenario that
    /// must know whether the count has wrapped.
    pub fn page_ref_count(&self, pfn: usize) -> i32 {
        pinref_model::page_ref::page_ref_count(self.page(pfn).compound_head())
    }

    /// Records a violation found by this thread's own check and stops the
    /// execution.
    pub fn fail(&self, property: Property, message: String) -> ! {
        self.world.fail(property, message)
    }

    /// Notes the ghost's view, or anything else worth a line in the log.
    pub fn note(&self, line: impl AsRef<str>) {
        self.world.monitor.note(self.thread, line);
    }

    /// An operation that must succeed in this scenario: a refusal is a
    /// finding against `property`.
    pub fn must<T>(&self, property: Property, result: Result<T, GupError>) -> T {
        match result {
            Ok(value) => value,
            Err(error) => self
                .world
                .fail(property, format!("refused where it must succeed: {error}")),
        }
    }

    /// P1, checked by a thread that happens-after a pin still held: reads
    /// `page_dma_pinned` and requires `true`. When the count has been
    /// carried past the sign bit and the scheme does not claim P1 there,
    /// a `false` is an expected violation.
    pub fn check_pinned(&self, pfn: usize, past_sign_bit: bool) {
        let answer = self.page_dma_pinned(pfn);
        if let Some(message) = checks::p1_no_false_negative(pfn, answer) {
            if past_sign_bit && !self.world.scheme.claims().pinned_after_overflow {
                self.world.expect_violation(Property::P1, message);
            } else {
                self.world.fail(Property::P1, message);
            }
        }
    }

    /// P2, checked by a thread that happens-after every unpin, the page
    /// holding `held` (no pins): `true` is allowed only if the plain part
    /// reaches the bias.
    pub fn check_not_pinned(&self, pfn: usize, held: Held) {
        let answer = self.page_dma_pinned(pfn);
        let page = self.page(pfn);
        let ghost = GhostPage::new(PageShape::of(page), held);
        let allowed = ghost.false_positive_allowed(&self.world.scheme);
        if let Some(message) = checks::p2_bounded_false_positive(pfn, answer, allowed) {
            self.world.fail(Property::P2, message);
        }
    }

    /// P8: an observer that read the page unpinned fences (`smp_rmb`) and
    /// requires it dirty.
    pub fn check_dirty_after_unpinned(&self, pfn: usize) {
        P::fence(Ordering::Acquire);
        let dirty = page_dirty(self.page(pfn).compound_head());
        self.note(format!("PageDirty({pfn}) -> {dirty}"));
        if let Some(message) = checks::p8_dirty_before_unpin(pfn, dirty) {
            self.world.fail(Property::P8, message);
        }
    }
}
