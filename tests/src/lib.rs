//! A refcount scheme written outside pinref, as a user would write one: it
//! depends on `pinref-model` only through the public [`Scheme`] trait and
//! helpers, and the tests in `tests/tests/` put it through every check pinref
//! has.
//!
//! [`HeadroomGuard`] is the folio scheme with the overflow guard `Arc` uses
//! for its own count: grabs are refused once the count passes
//! [`PIN_HEADROOM_LIMIT`], half of `i32::MAX`, so that any number of racing
//! grabbers that each passed the guard cannot carry the count past the sign
//! bit. It therefore claims P6 in full, which the kernel's schemes do not.

use pinref_model::page_ref::page_ref_count;
use pinref_model::sync::Platform;
use pinref_model::{
    Claims, Counts, Folio, GupError, GupFlags, Held, MAX_REFS, PageRef, PageShape, Scheme,
};

/// Above this count every grab is refused: `i32::MAX / 2`. The other half
/// of the range is headroom for grabbers racing past the check: each adds
/// at most `MAX_REFS * GUP_PIN_COUNTING_BIAS` (2^19), so it would take more
/// than 2^11 simultaneous grabbers to reach the sign bit.
pub const PIN_HEADROOM_LIMIT: i32 = i32::MAX / 2;

/// The folio scheme with an `Arc`-style headroom guard on every grab.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeadroomGuard;

impl HeadroomGuard {
    /// Refuses a grab on a page whose count is past the limit.
    fn guard<P: Platform>(page: PageRef<'_, P>, refs: i32) -> Result<(), GupError> {
        let head = page.compound_head();
        let count = page_ref_count(head);
        if count > PIN_HEADROOM_LIMIT {
            return Err(GupError::WouldOverflow {
                pfn: head.pfn(),
                count,
                delta: refs.min(MAX_REFS),
            });
        }
        Ok(())
    }
}

impl Scheme for HeadroomGuard {
    fn name(&self) -> &'static str {
        "headroom-guard"
    }
    fn description(&self) -> &'static str {
        "folio rules, grabs refused past i32::MAX / 2 (Arc-style headroom)"
    }
    fn claims(&self) -> Claims {
        Claims {
            pinned_after_overflow: true,
            refuses_before_overflow: true,
            grab_limit: PIN_HEADROOM_LIMIT,
            survives_split: true,
        }
    }
    fn counts_for(&self, shape: PageShape, held: Held) -> Counts {
        Folio.counts_for(shape, held)
    }
    fn get_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        Folio.get_page(page)
    }
    fn try_get_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        self.try_grab_folio(page, 1, GupFlags::FOLL_GET)
    }
    fn put_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        Folio.put_page(page)
    }
    fn try_grab_folio<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        flags.ref_kind()?;
        Self::guard(page, refs)?;
        Folio.try_grab_folio(page, refs, flags)
    }
    fn try_grab_compound_head<'m, P: Platform>(
        &self,
        page: PageRef<'m, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<PageRef<'m, P>, GupError> {
        flags.ref_kind()?;
        Self::guard(page, refs)?;
        Folio.try_grab_compound_head(page, refs, flags)
    }
    fn put_compound_head<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        Folio.put_compound_head(page, refs, flags)
    }
    fn page_maybe_dma_pinned<P: Platform>(&self, page: PageRef<'_, P>) -> bool {
        Folio.page_maybe_dma_pinned(page)
    }
}
