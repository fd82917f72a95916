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
//! same), and so has every built-in scheme (each is a
//! [`crate::scheme::bias::BiasScheme`], and so a patch): implement a patch
//! by its path (`impl pinref_model::Patch for ..`) or keep the two traits
//! out of one scope, so that method calls resolve. Inside the `impl` block
//! both are in scope: call an operation there by its trait,
//! `Scheme::put_page(self, page)` or `Scheme::try_grab_folio(&V5_7, ..)`.
//!
//! A patch changes whole operations. To change one *step* of the kernel's
//! bias code (a guard, a statistic, the ordering of the final put), write a
//! [`crate::scheme::bias::BiasScheme`] instead: it is a patch too, whose
//! primitives run over its own steps.
//!
//! # Example: v5.11, except that the dirtying unpin forgets to dirty
//!
//! ```
//! use pinref_model::page_flags::page_dirty;
//! use pinref_model::sync::{Platform, Std};
//! use pinref_model::{GupError, GupFlags, Held, Layout, Memory, PageRef, Scheme, V5_11};
//!
//! #[derive(Debug, Default)]
//! struct ForgetfulDirty;
//!
//! // Named by its path, so that `Patch` is not imported (see above).
//! impl pinref_model::Patch for ForgetfulDirty {
//!     type Base = V5_11;
//!     fn base(&self) -> &V5_11 { &V5_11 }
//!     fn name(&self) -> &'static str { "forgetful-dirty" }
//!     fn description(&self) -> &'static str { "v5_11, but the dirtying unpin never dirties" }
//!
//!     // Generic GUP code, replaced; in here, an operation is called by
//!     // its trait.
//!     fn unpin_user_pages_dirty_lock<P: Platform>(
//!         &self,
//!         pages: &[PageRef<'_, P>],
//!         _make_dirty: bool,
//!     ) -> Result<(), GupError> {
//!         Scheme::unpin_user_pages(self, pages)
//!     }
//! }
//!
//! let memory = Memory::<Std>::new(&Layout::single_page());
//! let page = memory.page(0)?;
//! ForgetfulDirty.init_page(page, Held { plain: 1, pins: 0 });
//! let pinned = ForgetfulDirty.pin_user_pages(&memory, 0, 1, GupFlags::FOLL_WRITE)?;
//! assert!(ForgetfulDirty.page_dma_pinned(page)); // v5.11's grab
//! ForgetfulDirty.unpin_user_pages_dirty_lock(&pinned, true)?;
//! assert!(!ForgetfulDirty.page_dma_pinned(page));
//! assert!(!page_dirty(page)); // this patch's unpin
//! # Ok::<(), GupError>(())
//! ```

use crate::error::GupError;
use crate::flags::GupFlags;
use crate::gup;
use crate::memory::Memory;
use crate::page::PageRef;
use crate::scheme::{Claims, Counts, Held, KnownBug, MmCode, PageShape, Scheme, init_counts};
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

    /// [`Scheme::mm`]; the base's by default.
    fn mm(&self) -> MmCode {
        self.base().mm()
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
    fn mm(&self) -> MmCode {
        Patch::mm(self)
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
