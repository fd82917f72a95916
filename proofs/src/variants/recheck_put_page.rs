//! `recheck-put-page`: gup_fast's failed page-table re-check releases what
//! it took with `put_page`, whatever it took.

use pinref_model::gup::gup_fast_pte_with;
use pinref_model::sync::Platform;
use pinref_model::{GupError, GupFlags, Memory, PageRef, Scheme, V6_5};

/// v6.5 whose gup_fast step, when the page-table entry changed under its
/// speculative grab, drops the grab with `put_page`.
///
/// - **Wrong**: [`Scheme::gup_fast_pte`] is v6.5's (read the entry, grab
///   speculatively, re-read the entry), except that the failure path
///   releases the head with `put_page` instead of `put_compound_head` with
///   the grab's own `refs` and flags. For a pin that drops 1 of the 1024
///   taken and leaks 1023: the page is never freed.
/// - **History**: the FOLL_PIN series had to get this path right: by the
///   Jan 2020 relaunch (v2 of "mm/gup: track FOLL_PIN pages"), gup_fast's
///   failure path calls `put_compound_head(head, refs, flags)`, which
///   scales a pin's release by the bias; whether an earlier revision
///   shipped a plain `put_page` there is not confirmed by any mail found
///   (`docs/semantics.md` §4).
/// - **Caught by**: P10 (a failed re-check releases exactly what was
///   taken): `gup_fast_vs_unmap` finds the page never freed once every
///   reference was dropped.
pub struct RecheckPutPage;

impl pinref_model::Patch for RecheckPutPage {
    pinref_model::patch_of!(
        V6_5,
        "recheck-put-page",
        "v6_5, but gup_fast's failed re-check releases a pin with put_page"
    );

    fn gup_fast_pte<'m, P: Platform>(
        &self,
        mem: &'m Memory<P>,
        addr: usize,
        flags: GupFlags,
    ) -> Result<PageRef<'m, P>, GupError> {
        // The flaw: a plain put, where the grab may have taken a pin.
        gup_fast_pte_with(self, mem, addr, flags, |head| Scheme::put_page(self, head))
    }
}
