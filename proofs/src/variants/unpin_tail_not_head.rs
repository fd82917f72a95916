//! `unpin-tail-not-head`: `unpin_user_pages` releases the page it is given
//! instead of its compound head.

use pinref_model::gup::for_each_page;
use pinref_model::scheme::bias::release;
use pinref_model::sync::Platform;
use pinref_model::{GupError, PageRef, RefKind, V6_5};

/// v6.5 whose `unpin_user_pages` forgets `compound_head`.
///
/// - **Wrong**: for each entry, `unpin_user_pages` runs v6.5's release of
///   one pin (the statistic, the exact pin count or the bias, the fully
///   ordered drop) on the page it was handed. An order-0 page or a head is
///   right; a tail page holds no count of its own, so its counts go below
///   zero (nothing refuses a release, as in the kernel) and the pin on the
///   head is never released. `unpin_user_page` (one page) is still v6.5's.
/// - **History**: every `page_ref` operation acts on the head
///   (`compound_head(page)`); `pin_user_pages` returns one entry per
///   subpage, tails included, so the batch unpin must take the head of
///   each (v5.7's `unpin_user_pages` does it in `unpin_user_page`).
/// - **Caught by**: P3 (no underflow): the `compound` and `batches`
///   scenarios unpin through a tail, whose count (or pin count) goes below
///   zero at the release. (Before releases stopped refusing, as no kernel
///   does, the refusal was reported as P7.)
pub struct UnpinTailNotHead;

impl pinref_model::Patch for UnpinTailNotHead {
    pinref_model::patch_of!(
        V6_5,
        "unpin-tail-not-head",
        "v6_5, but unpin_user_pages releases each page, not its head"
    );

    fn unpin_user_pages<P: Platform>(&self, pages: &[PageRef<'_, P>]) -> Result<(), GupError> {
        // The flaw: the page itself, where the pin was taken on its head.
        for_each_page(pages, |page| release(&V6_5, page, RefKind::Pin, 1))
    }
}
