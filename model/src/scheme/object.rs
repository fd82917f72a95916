//! [`SchemeObject`]: any [`Scheme`], type-erased, so that engines and
//! scenarios can be chosen at run time and listed as values.
//!
//! A [`Scheme`]'s methods are generic over the [`Platform`], so a scheme is
//! not a trait object by itself. For one platform it is: [`DynScheme<P>`]
//! has the same methods for a fixed `P`, and every scheme implements it for
//! every platform. [`AnyScheme`] gathers those views, one per platform of
//! the sync layer, and [`Platform::scheme_view`] picks the right one, so
//! that [`SchemeObject`] is itself a [`Scheme`] that dispatches each call to
//! the scheme it wraps: every override the scheme has (a primitive or the
//! generic code) is kept.
//!
//! The cost is one indirect call per operation, nothing beside an engine.

use crate::error::GupError;
use crate::flags::GupFlags;
use crate::memory::Memory;
use crate::page::PageRef;
use crate::scheme::{Claims, Counts, Held, KnownBug, MmCode, PageShape, Scheme};
use crate::sync::{Explorer, Loom, Platform, Shuttle, Std};
use std::fmt;
use std::sync::Arc;

/// A scheme's operations on one platform, as a trait object. Implemented
/// for every [`Scheme`] on every [`Platform`]; see the module docs.
#[allow(missing_docs)] // each method is the `Scheme` method of the same name
pub trait DynScheme<P: Platform>: Send + Sync {
    fn get_page(&self, page: PageRef<'_, P>) -> Result<(), GupError>;
    fn try_get_page(&self, page: PageRef<'_, P>) -> Result<(), GupError>;
    fn put_page(&self, page: PageRef<'_, P>) -> Result<(), GupError>;
    fn try_grab_folio(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError>;
    fn try_grab_compound_head<'m>(
        &self,
        page: PageRef<'m, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<PageRef<'m, P>, GupError>;
    fn put_compound_head(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError>;
    fn page_maybe_dma_pinned(&self, page: PageRef<'_, P>) -> bool;
    fn page_dma_pinned(&self, page: PageRef<'_, P>) -> bool;
    fn try_grab_page(&self, page: PageRef<'_, P>, flags: GupFlags) -> Result<(), GupError>;
    fn unpin_user_page(&self, page: PageRef<'_, P>) -> Result<(), GupError>;
    fn unpin_user_pages(&self, pages: &[PageRef<'_, P>]) -> Result<(), GupError>;
    fn unpin_on_failure(&self, pages: &[PageRef<'_, P>]);
    fn unpin_user_pages_dirty_lock(
        &self,
        pages: &[PageRef<'_, P>],
        make_dirty: bool,
    ) -> Result<(), GupError>;
    fn pin_user_pages<'m>(
        &self,
        mem: &'m Memory<P>,
        start: usize,
        nr_pages: usize,
        flags: GupFlags,
    ) -> Result<Vec<PageRef<'m, P>>, GupError>;
    fn gup_fast_pte<'m>(
        &self,
        mem: &'m Memory<P>,
        addr: usize,
        flags: GupFlags,
    ) -> Result<PageRef<'m, P>, GupError>;
    fn pin_user_pages_fast<'m>(
        &self,
        mem: &'m Memory<P>,
        start: usize,
        nr_pages: usize,
        flags: GupFlags,
    ) -> Result<Vec<PageRef<'m, P>>, GupError>;
    fn init_page(&self, page: PageRef<'_, P>, held: Held);
}

impl<S: Scheme, P: Platform> DynScheme<P> for S {
    fn get_page(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        Scheme::get_page(self, page)
    }
    fn try_get_page(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        Scheme::try_get_page(self, page)
    }
    fn put_page(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        Scheme::put_page(self, page)
    }
    fn try_grab_folio(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        Scheme::try_grab_folio(self, page, refs, flags)
    }
    fn try_grab_compound_head<'m>(
        &self,
        page: PageRef<'m, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<PageRef<'m, P>, GupError> {
        Scheme::try_grab_compound_head(self, page, refs, flags)
    }
    fn put_compound_head(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        Scheme::put_compound_head(self, page, refs, flags)
    }
    fn page_maybe_dma_pinned(&self, page: PageRef<'_, P>) -> bool {
        Scheme::page_maybe_dma_pinned(self, page)
    }
    fn page_dma_pinned(&self, page: PageRef<'_, P>) -> bool {
        Scheme::page_dma_pinned(self, page)
    }
    fn try_grab_page(&self, page: PageRef<'_, P>, flags: GupFlags) -> Result<(), GupError> {
        Scheme::try_grab_page(self, page, flags)
    }
    fn unpin_user_page(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        Scheme::unpin_user_page(self, page)
    }
    fn unpin_user_pages(&self, pages: &[PageRef<'_, P>]) -> Result<(), GupError> {
        Scheme::unpin_user_pages(self, pages)
    }
    fn unpin_on_failure(&self, pages: &[PageRef<'_, P>]) {
        Scheme::unpin_on_failure(self, pages)
    }
    fn unpin_user_pages_dirty_lock(
        &self,
        pages: &[PageRef<'_, P>],
        make_dirty: bool,
    ) -> Result<(), GupError> {
        Scheme::unpin_user_pages_dirty_lock(self, pages, make_dirty)
    }
    fn pin_user_pages<'m>(
        &self,
        mem: &'m Memory<P>,
        start: usize,
        nr_pages: usize,
        flags: GupFlags,
    ) -> Result<Vec<PageRef<'m, P>>, GupError> {
        Scheme::pin_user_pages(self, mem, start, nr_pages, flags)
    }
    fn gup_fast_pte<'m>(
        &self,
        mem: &'m Memory<P>,
        addr: usize,
        flags: GupFlags,
    ) -> Result<PageRef<'m, P>, GupError> {
        Scheme::gup_fast_pte(self, mem, addr, flags)
    }
    fn pin_user_pages_fast<'m>(
        &self,
        mem: &'m Memory<P>,
        start: usize,
        nr_pages: usize,
        flags: GupFlags,
    ) -> Result<Vec<PageRef<'m, P>>, GupError> {
        Scheme::pin_user_pages_fast(self, mem, start, nr_pages, flags)
    }
    fn init_page(&self, page: PageRef<'_, P>, held: Held) {
        Scheme::init_page(self, page, held)
    }
}

/// A scheme on every platform of the sync layer: its platform-free facts,
/// and one [`DynScheme`] view per platform. Implemented for every
/// [`Scheme`]; a new platform adds itself to the supertraits (one line).
pub trait AnyScheme:
    DynScheme<Std> + DynScheme<Loom> + DynScheme<Shuttle> + DynScheme<Explorer>
{
    /// [`Scheme::name`].
    fn name(&self) -> &'static str;
    /// [`Scheme::description`].
    fn description(&self) -> &'static str;
    /// [`Scheme::claims`].
    fn claims(&self) -> Claims;
    /// [`Scheme::known_bugs`].
    fn known_bugs(&self) -> Vec<KnownBug>;
    /// [`Scheme::mm`].
    fn mm(&self) -> MmCode;
    /// [`Scheme::counts_for`].
    fn counts_for(&self, shape: PageShape, held: Held) -> Counts;
    /// [`Scheme::freed_at`].
    fn freed_at(&self) -> i32;
}

impl<S: Scheme> AnyScheme for S {
    fn name(&self) -> &'static str {
        Scheme::name(self)
    }
    fn description(&self) -> &'static str {
        Scheme::description(self)
    }
    fn claims(&self) -> Claims {
        Scheme::claims(self)
    }
    fn known_bugs(&self) -> Vec<KnownBug> {
        Scheme::known_bugs(self)
    }
    fn mm(&self) -> MmCode {
        Scheme::mm(self)
    }
    fn counts_for(&self, shape: PageShape, held: Held) -> Counts {
        Scheme::counts_for(self, shape, held)
    }
    fn freed_at(&self) -> i32 {
        Scheme::freed_at(self)
    }
}

/// Any scheme, type-erased and cheap to clone (shared): itself a
/// [`Scheme`] that forwards every call to the scheme it wraps. Engines,
/// scenarios and reports take schemes in this form, so that a scheme needs
/// neither `Clone` nor `Default`, and may carry parameters.
#[derive(Clone)]
pub struct SchemeObject(Arc<dyn AnyScheme>);

impl SchemeObject {
    /// Wraps `scheme`.
    pub fn new<S: Scheme>(scheme: S) -> SchemeObject {
        SchemeObject(Arc::new(scheme))
    }

    /// The scheme's view on platform `P`.
    pub fn on<P: Platform>(&self) -> &dyn DynScheme<P> {
        P::scheme_view(&*self.0)
    }
}

impl fmt::Debug for SchemeObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SchemeObject({})", self.0.name())
    }
}

impl Scheme for SchemeObject {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn description(&self) -> &'static str {
        self.0.description()
    }
    fn claims(&self) -> Claims {
        self.0.claims()
    }
    fn known_bugs(&self) -> Vec<KnownBug> {
        self.0.known_bugs()
    }
    fn mm(&self) -> MmCode {
        self.0.mm()
    }
    fn counts_for(&self, shape: PageShape, held: Held) -> Counts {
        self.0.counts_for(shape, held)
    }
    fn freed_at(&self) -> i32 {
        self.0.freed_at()
    }
    fn get_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        P::operation("get_page", || self.on::<P>().get_page(page))
    }
    fn try_get_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        P::operation("try_get_page", || self.on::<P>().try_get_page(page))
    }
    fn put_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        P::operation("put_page", || self.on::<P>().put_page(page))
    }
    fn try_grab_folio<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        P::operation("try_grab_folio", || {
            self.on::<P>().try_grab_folio(page, refs, flags)
        })
    }
    fn try_grab_compound_head<'m, P: Platform>(
        &self,
        page: PageRef<'m, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<PageRef<'m, P>, GupError> {
        P::operation("try_grab_compound_head", || {
            self.on::<P>().try_grab_compound_head(page, refs, flags)
        })
    }
    fn put_compound_head<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        P::operation("put_compound_head", || {
            self.on::<P>().put_compound_head(page, refs, flags)
        })
    }
    fn page_maybe_dma_pinned<P: Platform>(&self, page: PageRef<'_, P>) -> bool {
        P::operation("page_maybe_dma_pinned", || {
            self.on::<P>().page_maybe_dma_pinned(page)
        })
    }
    fn page_dma_pinned<P: Platform>(&self, page: PageRef<'_, P>) -> bool {
        P::operation("page_dma_pinned", || self.on::<P>().page_dma_pinned(page))
    }
    fn try_grab_page<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        P::operation("try_grab_page", || {
            self.on::<P>().try_grab_page(page, flags)
        })
    }
    fn unpin_user_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        P::operation("unpin_user_page", || self.on::<P>().unpin_user_page(page))
    }
    fn unpin_user_pages<P: Platform>(&self, pages: &[PageRef<'_, P>]) -> Result<(), GupError> {
        P::operation("unpin_user_pages", || {
            self.on::<P>().unpin_user_pages(pages)
        })
    }
    fn unpin_on_failure<P: Platform>(&self, pages: &[PageRef<'_, P>]) {
        P::operation("unpin_on_failure", || {
            self.on::<P>().unpin_on_failure(pages)
        })
    }
    fn unpin_user_pages_dirty_lock<P: Platform>(
        &self,
        pages: &[PageRef<'_, P>],
        make_dirty: bool,
    ) -> Result<(), GupError> {
        P::operation("unpin_user_pages_dirty_lock", || {
            self.on::<P>()
                .unpin_user_pages_dirty_lock(pages, make_dirty)
        })
    }
    fn pin_user_pages<'m, P: Platform>(
        &self,
        mem: &'m Memory<P>,
        start: usize,
        nr_pages: usize,
        flags: GupFlags,
    ) -> Result<Vec<PageRef<'m, P>>, GupError> {
        P::operation("pin_user_pages", || {
            self.on::<P>().pin_user_pages(mem, start, nr_pages, flags)
        })
    }
    fn gup_fast_pte<'m, P: Platform>(
        &self,
        mem: &'m Memory<P>,
        addr: usize,
        flags: GupFlags,
    ) -> Result<PageRef<'m, P>, GupError> {
        P::operation("gup_fast_pte", || {
            self.on::<P>().gup_fast_pte(mem, addr, flags)
        })
    }
    fn pin_user_pages_fast<'m, P: Platform>(
        &self,
        mem: &'m Memory<P>,
        start: usize,
        nr_pages: usize,
        flags: GupFlags,
    ) -> Result<Vec<PageRef<'m, P>>, GupError> {
        P::operation("pin_user_pages_fast", || {
            self.on::<P>()
                .pin_user_pages_fast(mem, start, nr_pages, flags)
        })
    }
    fn init_page<P: Platform>(&self, page: PageRef<'_, P>, held: Held) {
        P::operation("init_page", || self.on::<P>().init_page(page, held))
    }
}
