//! `recheck-put-page`: gup_fast's failed page-table re-check releases what
//! it took with `put_page`, whatever it took.

use super::delegate;
use pinref_model::sync::Platform;
use pinref_model::{Claims, GupError, GupFlags, Memory, PageRef, Scheme, V5_7};

/// v5.7 whose gup_fast step, when the page-table entry changed under its
/// speculative grab, drops the grab with `put_page`.
///
/// - **Wrong**: [`Scheme::gup_fast_pte`] is
///   [`pinref_model::gup::gup_fast_pte`]'s logic (read the entry, grab
///   speculatively, re-read the entry), except that the failure path
///   releases the head with `put_page` instead of `put_compound_head` with
///   the grab's own `refs` and flags. For a pin that drops 1 of the 1024
///   taken and leaks 1023: the page is never freed.
/// - **History**: exactly this shipped in the FOLL_PIN series' gup_fast
///   (`gup_pte_range`'s `put_page(head)` after the re-check) and was fixed
///   in March 2020, before the pin bias was merged.
/// - **Caught by**: P10 (a failed re-check releases exactly what was
///   taken): `gup_fast_vs_unmap` finds the page never freed once every
///   reference was dropped.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecheckPutPage;

impl Scheme for RecheckPutPage {
    fn name(&self) -> &'static str {
        "recheck-put-page"
    }
    fn description(&self) -> &'static str {
        "v5_7, but gup_fast's failed re-check releases a pin with put_page"
    }
    fn claims(&self) -> Claims {
        V5_7.claims()
    }
    delegate!(V5_7; counts_for, get_page, try_get_page, put_page, try_grab_folio,
        try_grab_compound_head, put_compound_head, page_maybe_dma_pinned);

    fn gup_fast_pte<'m, P: Platform>(
        &self,
        mem: &'m Memory<P>,
        addr: usize,
        flags: GupFlags,
    ) -> Result<PageRef<'m, P>, GupError> {
        let page = mem.pte_read(addr)?.ok_or(GupError::NotMapped { addr })?;
        let head = self.try_grab_compound_head(page, 1, flags)?;
        if mem.pte_read(addr)? != Some(page) {
            // The flaw: a plain put, where the grab may have taken a pin.
            self.put_page(head)?;
            return Err(GupError::PteChanged { addr });
        }
        Ok(page)
    }
}
