//! A thread of a scenario: an [`Actor`]'s methods are the kernel
//! operations, each logged with its result and its effect on the ghost's
//! view, and the property checks a scenario makes at the step where they
//! must hold. A failed check records the finding and stops the execution.

use super::world::World;
use crate::properties::Property;
use crate::properties::checks;
use pinref_model::ghost::GhostPage;
use pinref_model::page_flags::page_dirty;
use pinref_model::sync::{Ordering, Platform};
use pinref_model::{GupError, GupFlags, Held, PageRef, PageShape, Scheme};

/// A thread of a scenario: the kernel operations it performs, each logged
/// with its result, and the checks it makes.
pub struct Actor<'w, P: Platform, S: Scheme> {
    world: &'w World<P, S>,
    thread: usize,
}

impl<'w, P: Platform, S: Scheme> Actor<'w, P, S> {
    pub(crate) fn new(world: &'w World<P, S>, name: &str) -> Self {
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
