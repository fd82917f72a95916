//! A thread of a scenario: an [`Actor`]'s methods are the kernel
//! operations, each run through the one [`op::apply`] and logged with its
//! result and its effect on the ghost's view, and the property checks a
//! scenario makes at the step where they must hold. A failed check records
//! the finding and stops the execution.

use super::world::{MAPPED, World};
use crate::properties::Property;
use crate::properties::checks;
use pinref_model::ghost::GhostPage;
use pinref_model::op::{self, Op, OpResult};
use pinref_model::page_flags::page_dirty;
use pinref_model::sync::{Ordering, Platform};
use pinref_model::{GupError, GupFlags, Held, PageRef, PageShape, RefKind, Scheme};

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

    /// The world this thread acts in: what the mm code of [`super::mm`]
    /// reaches besides the refcount (the page tables, the scheme's
    /// version of that code).
    pub fn world(&self) -> &'w World<P, S> {
        self.world
    }

    fn logged<T: std::fmt::Debug>(
        &self,
        op: String,
        result: Result<T, GupError>,
    ) -> Result<T, GupError> {
        match &result {
            Ok(value) => self
                .world
                .monitor
                .note(self.thread, format!("{op} -> {value:?}")),
            Err(error) => self
                .world
                .monitor
                .note(self.thread, format!("{op} -> refused: {error}")),
        }
        result
    }

    /// Runs `op` through [`op::apply`] and logs it with its result and,
    /// when it succeeded, its effect on the ghost's view (what it took or
    /// gave back, per page).
    fn run(&self, op: Op) -> (Op, OpResult) {
        let result = op::apply(&self.world.scheme, &self.world.mem, &op);
        let views: Vec<String> = result
            .ref_changes(&op)
            .into_iter()
            .map(|change| {
                let (plain, pins) = match change.kind {
                    RefKind::Get => (change.refs, 0),
                    RefKind::Pin => (0, change.refs),
                };
                self.world.ghost_after(change.pfn, plain, pins)
            })
            .collect();
        let view = if views.is_empty() {
            String::new()
        } else {
            format!("   [{}]", views.join("; "))
        };
        self.world
            .monitor
            .note(self.thread, format!("{op} -> {result}{view}"));
        (op, result)
    }

    /// Runs `op`, which returns nothing.
    fn run_done(&self, op: Op) -> Result<(), GupError> {
        match self.run(op) {
            (_, OpResult::Done) => Ok(()),
            (_, OpResult::Refused(error)) => Err(error),
            (op, other) => mismatch(&op, &other),
        }
    }

    /// Runs a `pin_user_pages*` `op`: the frames pinned.
    fn run_pin(&self, op: Op) -> Result<Vec<usize>, GupError> {
        match self.run(op) {
            (_, OpResult::Pinned(pfns)) => Ok(pfns),
            (_, OpResult::Refused(error)) => Err(error),
            (op, other) => mismatch(&op, &other),
        }
    }

    fn page(&self, pfn: usize) -> PageRef<'w, P> {
        self.world.page(pfn)
    }

    /// `get_page(page)`.
    pub fn get_page(&self, pfn: usize) -> Result<(), GupError> {
        self.run_done(Op::GetPage { page: pfn })
    }

    /// `try_get_page(page)`.
    pub fn try_get_page(&self, pfn: usize) -> Result<(), GupError> {
        self.run_done(Op::TryGetPage { page: pfn })
    }

    /// `put_page(page)`.
    pub fn put_page(&self, pfn: usize) -> Result<(), GupError> {
        self.run_done(Op::PutPage { page: pfn })
    }

    /// `try_grab_page(page, flags)`.
    pub fn try_grab_page(&self, pfn: usize, flags: GupFlags) -> Result<(), GupError> {
        self.run_done(Op::TryGrabPage {
            page: pfn,
            flags: flags.bits(),
        })
    }

    /// `pin_user_pages(start, nr_pages, 0)`: the pfns pinned, one per
    /// address.
    pub fn pin_user_pages(&self, start: usize, nr_pages: usize) -> Result<Vec<usize>, GupError> {
        self.run_pin(Op::PinUserPages {
            start,
            nr: nr_pages,
            flags: GupFlags::NONE.bits(),
        })
    }

    /// `pin_user_pages_fast(start, nr_pages, 0)`.
    pub fn pin_user_pages_fast(
        &self,
        start: usize,
        nr_pages: usize,
    ) -> Result<Vec<usize>, GupError> {
        self.run_pin(Op::PinUserPagesFast {
            start,
            nr: nr_pages,
            flags: GupFlags::NONE.bits(),
        })
    }

    /// One gup_fast step at `addr` with `flags`: the pfn grabbed.
    pub fn gup_fast_pte(&self, addr: usize, flags: GupFlags) -> Result<usize, GupError> {
        match self.run(Op::GupFastPte {
            addr,
            flags: flags.bits(),
        }) {
            (_, OpResult::Grabbed(pfn)) => Ok(pfn),
            (_, OpResult::Refused(error)) => Err(error),
            (op, other) => mismatch(&op, &other),
        }
    }

    /// `unpin_user_page(page)`.
    pub fn unpin_user_page(&self, pfn: usize) -> Result<(), GupError> {
        self.run_done(Op::UnpinUserPage { page: pfn })
    }

    /// `unpin_user_pages(pages)`.
    pub fn unpin_user_pages(&self, pfns: &[usize]) -> Result<(), GupError> {
        self.run_done(Op::UnpinUserPages {
            pages: pfns.to_vec(),
        })
    }

    /// `unpin_user_pages_dirty_lock(pages, make_dirty)`.
    pub fn unpin_user_pages_dirty_lock(
        &self,
        pfns: &[usize],
        make_dirty: bool,
    ) -> Result<(), GupError> {
        self.run_done(Op::UnpinUserPagesDirtyLock {
            pages: pfns.to_vec(),
            make_dirty,
        })
    }

    /// `page_dma_pinned(page)` (a scenario names real pages only).
    pub fn page_dma_pinned(&self, pfn: usize) -> bool {
        match self.run(Op::PageDmaPinned { page: pfn }) {
            (_, OpResult::Answered(answer)) => answer,
            (op, other) => mismatch(&op, &other),
        }
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
                ghost.insert(page, MAPPED);
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

/// [`op::apply`] answers each kind of operation with its own kind of
/// result; anything else is a bug in the model, not in the scheme under
/// check.
fn mismatch(op: &Op, result: &OpResult) -> ! {
    panic!("op::apply answered {op} with {result}: a bug in pinref-model")
}
