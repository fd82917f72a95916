//! "Scheme X, except this step": a [`Patch`] states only how it differs
//! from the scheme it is based on, the way a kernel patch is a diff.
//!
//! # How a patch is dispatched
//!
//! A [`Scheme`]'s operations come in two kinds, and a patch inherits them
//! differently, as the kernel's code is layered:
//!
//! - **Primitives** stand for one kernel function each (`get_page`,
//!   `try_grab_folio`, `gup_put_folio`, `folio_maybe_dma_pinned`, ...). A
//!   patch inherits each one from its base, unchanged, unless it writes its
//!   own.
//! - **Generic GUP code** ([`crate::gup`]: `pin_user_pages`, the gup_fast
//!   walk, `unpin_user_pages*`, and the small wrappers such as
//!   `unpin_user_page`) is shared by every version: a patch runs it over
//!   *its own* primitives. A patch that changes `try_grab_folio` therefore
//!   changes what `pin_user_pages` does, error paths included, as a kernel
//!   patch to `try_grab_folio` would.
//!
//! A patch may be the base of another patch: kernel versions are written
//! this way, each the previous one plus its fixes.
//!
//! A patch has every method twice, as [`Patch`] and as [`Scheme`] (the
//! same): implement it by its path (`impl pinref_model::Patch for ..`) or
//! keep the two traits out of one scope, so that method calls resolve.
//!
//! # Example: v5.7, except that a batch grab counts one acquired pin
//!
//! ```
//! use pinref_model::scheme::bias::BiasRules;
//! use pinref_model::sync::Platform;
//! use pinref_model::vmstat::{mod_node_page_state, PinStat};
//! use pinref_model::{GupError, GupFlags, Held, PageRef, PageShape, RefKind, Scheme, V5_7};
//!
//! #[derive(Debug, Default)]
//! struct OneStatPerCall;
//!
//! // Named by its path: with both `Patch` and `Scheme` imported, a method
//! // call on a patch would be ambiguous (it has both, the same).
//! impl pinref_model::Patch for OneStatPerCall {
//!     type Base = V5_7;
//!     fn base(&self) -> &V5_7 { &V5_7 }
//!     fn name(&self) -> &'static str { "one-stat-per-call" }
//!     fn description(&self) -> &'static str { "v5_7, but a grab counts one pin, whatever its refs" }
//!
//!     fn try_grab_folio<P: Platform>(
//!         &self, page: PageRef<'_, P>, refs: i32, flags: GupFlags,
//!     ) -> Result<(), GupError> {
//!         let rules = V5_7::RULES;
//!         let kind = flags.ref_kind()?;
//!         let head = rules.grab_guard(page, refs)?;
//!         rules.grab_pincount(head, kind, refs);
//!         rules.grab_refcount(head, kind, refs);
//!         if kind == RefKind::Pin {
//!             mod_node_page_state(head, PinStat::Acquired, 1); // the flaw
//!         }
//!         Ok(())
//!     }
//! }
//!
//! // Everything else is v5.7's: a patch is a scheme.
//! let (shape, held) = (PageShape { order: 2 }, Held { plain: 1, pins: 3 });
//! assert_eq!(OneStatPerCall.counts_for(shape, held), V5_7.counts_for(shape, held));
//! ```

use crate::error::GupError;
use crate::flags::GupFlags;
use crate::gup;
use crate::memory::Memory;
use crate::page::PageRef;
use crate::scheme::{Claims, Counts, Held, KnownBug, PageShape, Scheme, init_counts};
use crate::sync::Platform;

/// A scheme written as its base plus the steps that differ: see the module
/// docs. Every method has a default: the base's for primitives, the
/// kernel's generic code (over this patch) for the rest. Implementing
/// `Patch` makes a type a [`Scheme`].
pub trait Patch: Send + Sync + 'static {
    /// The scheme this one is a patch to.
    type Base: Scheme;

    /// The base scheme's value.
    fn base(&self) -> &Self::Base;

    /// [`Scheme::name`]: a patch always has its own.
    fn name(&self) -> &'static str;

    /// [`Scheme::description`]: a patch always has its own.
    fn description(&self) -> &'static str;

    /// [`Scheme::claims`]; the base's by default.
    fn claims(&self) -> Claims {
        self.base().claims()
    }

    /// [`Scheme::known_bugs`]; the base's by default. A patch that fixes a
    /// bug of its base leaves it out.
    fn known_bugs(&self) -> Vec<KnownBug> {
        self.base().known_bugs()
    }

    /// [`Scheme::counts_for`]; the base's by default.
    fn counts_for(&self, shape: PageShape, held: Held) -> Counts {
        self.base().counts_for(shape, held)
    }

    /// [`Scheme::freed_at`]; the base's by default.
    fn freed_at(&self) -> i32 {
        self.base().freed_at()
    }

    /// [`Scheme::get_page`]; the base's by default.
    fn get_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        self.base().get_page(page)
    }

    /// [`Scheme::try_get_page`]; the base's by default.
    fn try_get_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        self.base().try_get_page(page)
    }

    /// [`Scheme::put_page`]; the base's by default.
    fn put_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        self.base().put_page(page)
    }

    /// [`Scheme::try_grab_folio`]; the base's by default.
    fn try_grab_folio<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        self.base().try_grab_folio(page, refs, flags)
    }

    /// [`Scheme::try_grab_compound_head`]; the base's by default.
    fn try_grab_compound_head<'m, P: Platform>(
        &self,
        page: PageRef<'m, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<PageRef<'m, P>, GupError> {
        self.base().try_grab_compound_head(page, refs, flags)
    }

    /// [`Scheme::put_compound_head`]; the base's by default.
    fn put_compound_head<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        self.base().put_compound_head(page, refs, flags)
    }

    /// [`Scheme::page_maybe_dma_pinned`]; the base's by default.
    fn page_maybe_dma_pinned<P: Platform>(&self, page: PageRef<'_, P>) -> bool {
        self.base().page_maybe_dma_pinned(page)
    }

    /// [`Scheme::page_dma_pinned`]: this patch's
    /// [`Patch::page_maybe_dma_pinned`] by default.
    fn page_dma_pinned<P: Platform>(&self, page: PageRef<'_, P>) -> bool {
        self.page_maybe_dma_pinned(page)
    }

    /// [`Scheme::try_grab_page`]: this patch's `try_grab_folio` of 1.
    fn try_grab_page<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        flags: GupFlags,
    ) -> Result<(), GupError>
    where
        Self: Sized,
    {
        Patch::try_grab_folio(self, page, 1, flags)
    }

    /// [`Scheme::unpin_user_page`]: this patch's `put_compound_head` of one
    /// pin.
    fn unpin_user_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError>
    where
        Self: Sized,
    {
        Patch::put_compound_head(self, page, 1, GupFlags::FOLL_PIN)
    }

    /// [`Scheme::unpin_user_pages`]: the generic code over this patch.
    fn unpin_user_pages<P: Platform>(&self, pages: &[PageRef<'_, P>]) -> Result<(), GupError>
    where
        Self: Scheme + Sized,
    {
        gup::unpin_user_pages(self, pages)
    }

    /// [`Scheme::unpin_on_failure`]: this patch's `unpin_user_pages`.
    fn unpin_on_failure<P: Platform>(&self, pages: &[PageRef<'_, P>])
    where
        Self: Scheme + Sized,
    {
        let _ = Scheme::unpin_user_pages(self, pages);
    }

    /// [`Scheme::unpin_user_pages_dirty_lock`]: the generic code over this
    /// patch.
    fn unpin_user_pages_dirty_lock<P: Platform>(
        &self,
        pages: &[PageRef<'_, P>],
        make_dirty: bool,
    ) -> Result<(), GupError>
    where
        Self: Scheme + Sized,
    {
        gup::unpin_user_pages_dirty_lock(self, pages, make_dirty)
    }

    /// [`Scheme::pin_user_pages`]: the generic code over this patch.
    fn pin_user_pages<'m, P: Platform>(
        &self,
        mem: &'m Memory<P>,
        start: usize,
        nr_pages: usize,
        flags: GupFlags,
    ) -> Result<Vec<PageRef<'m, P>>, GupError>
    where
        Self: Scheme + Sized,
    {
        gup::pin_user_pages(self, mem, start, nr_pages, flags)
    }

    /// [`Scheme::gup_fast_pte`]: the generic code over this patch.
    fn gup_fast_pte<'m, P: Platform>(
        &self,
        mem: &'m Memory<P>,
        addr: usize,
        flags: GupFlags,
    ) -> Result<PageRef<'m, P>, GupError>
    where
        Self: Scheme + Sized,
    {
        gup::gup_fast_pte(self, mem, addr, flags)
    }

    /// [`Scheme::pin_user_pages_fast`]: the generic code over this patch.
    fn pin_user_pages_fast<'m, P: Platform>(
        &self,
        mem: &'m Memory<P>,
        start: usize,
        nr_pages: usize,
        flags: GupFlags,
    ) -> Result<Vec<PageRef<'m, P>>, GupError>
    where
        Self: Scheme + Sized,
    {
        gup::pin_user_pages_fast(self, mem, start, nr_pages, flags)
    }

    /// [`Scheme::init_page`]: this patch's encoding
    /// ([`Patch::counts_for`]), written outright.
    fn init_page<P: Platform>(&self, page: PageRef<'_, P>, held: Held) {
        let head = page.compound_head();
        init_counts(head, Patch::counts_for(self, PageShape::of(head), held));
    }
}

impl<T: Patch> Scheme for T {
    fn name(&self) -> &'static str {
        Patch::name(self)
    }
    fn description(&self) -> &'static str {
        Patch::description(self)
    }
    fn claims(&self) -> Claims {
        Patch::claims(self)
    }
    fn known_bugs(&self) -> Vec<KnownBug> {
        Patch::known_bugs(self)
    }
    fn counts_for(&self, shape: PageShape, held: Held) -> Counts {
        Patch::counts_for(self, shape, held)
    }
    fn freed_at(&self) -> i32 {
        Patch::freed_at(self)
    }
    fn get_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        Patch::get_page(self, page)
    }
    fn try_get_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        Patch::try_get_page(self, page)
    }
    fn put_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        Patch::put_page(self, page)
    }
    fn try_grab_folio<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        Patch::try_grab_folio(self, page, refs, flags)
    }
    fn try_grab_compound_head<'m, P: Platform>(
        &self,
        page: PageRef<'m, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<PageRef<'m, P>, GupError> {
        Patch::try_grab_compound_head(self, page, refs, flags)
    }
    fn put_compound_head<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        Patch::put_compound_head(self, page, refs, flags)
    }
    fn page_maybe_dma_pinned<P: Platform>(&self, page: PageRef<'_, P>) -> bool {
        Patch::page_maybe_dma_pinned(self, page)
    }
    fn page_dma_pinned<P: Platform>(&self, page: PageRef<'_, P>) -> bool {
        Patch::page_dma_pinned(self, page)
    }
    fn try_grab_page<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        Patch::try_grab_page(self, page, flags)
    }
    fn unpin_user_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        Patch::unpin_user_page(self, page)
    }
    fn unpin_user_pages<P: Platform>(&self, pages: &[PageRef<'_, P>]) -> Result<(), GupError> {
        Patch::unpin_user_pages(self, pages)
    }
    fn unpin_on_failure<P: Platform>(&self, pages: &[PageRef<'_, P>]) {
        Patch::unpin_on_failure(self, pages)
    }
    fn unpin_user_pages_dirty_lock<P: Platform>(
        &self,
        pages: &[PageRef<'_, P>],
        make_dirty: bool,
    ) -> Result<(), GupError> {
        Patch::unpin_user_pages_dirty_lock(self, pages, make_dirty)
    }
    fn pin_user_pages<'m, P: Platform>(
        &self,
        mem: &'m Memory<P>,
        start: usize,
        nr_pages: usize,
        flags: GupFlags,
    ) -> Result<Vec<PageRef<'m, P>>, GupError> {
        Patch::pin_user_pages(self, mem, start, nr_pages, flags)
    }
    fn gup_fast_pte<'m, P: Platform>(
        &self,
        mem: &'m Memory<P>,
        addr: usize,
        flags: GupFlags,
    ) -> Result<PageRef<'m, P>, GupError> {
        Patch::gup_fast_pte(self, mem, addr, flags)
    }
    fn pin_user_pages_fast<'m, P: Platform>(
        &self,
        mem: &'m Memory<P>,
        start: usize,
        nr_pages: usize,
        flags: GupFlags,
    ) -> Result<Vec<PageRef<'m, P>>, GupError> {
        Patch::pin_user_pages_fast(self, mem, start, nr_pages, flags)
    }
    fn init_page<P: Platform>(&self, page: PageRef<'_, P>, held: Held) {
        Patch::init_page(self, page, held)
    }
}
