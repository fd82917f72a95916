//! `unpin-tail-not-head`: `unpin_user_pages` releases the page it is given
//! instead of its compound head.

use pinref_model::gup::for_each_page;
use pinref_model::scheme::bias::release;
use pinref_model::sync::Platform;
use pinref_model::{GupError, PageRef, RefKind, V5_7};

/// v5.7 whose `unpin_user_pages` forgets `compound_head`.
///
/// - **Wrong**: for each entry, `unpin_user_pages` runs v5.7's release of
///   one pin (the refusal checks, the statistic, the exact pin count or the
///   bias, the fully ordered drop) on the page it was handed. An order-0
///   page or a head is right; a tail page holds no count of its own, so
///   its unpin is refused and the pin on the head is never released.
///   `unpin_user_page` (one page) is still v5.7's.
/// - **History**: every `page_ref` operation acts on the head
///   (`compound_head(page)`); `pin_user_pages` returns one entry per
///   subpage, tails included, so the batch unpin must take the head of
///   each (v5.7's `unpin_user_pages` does it in `unpin_user_page`).
/// - **Caught by**: P7 (matched release: a pin is released with the same
///   refs *on the head*): the `compound` and `batches` scenarios unpin
///   through a tail, and the refusal is reported where the release must
///   succeed.
pub struct UnpinTailNotHead;

impl pinref_model::Patch for UnpinTailNotHead {
    type Base = V5_7;
    fn base(&self) -> &V5_7 {
        &V5_7
    }
    fn unpin_user_pages<P: Platform>(&self, pages: &[PageRef<'_, P>]) -> Result<(), GupError> {
        // The flaw: the page itself, where the pin was taken on its head.
        for_each_page(pages, |page| release(&V5_7, page, RefKind::Pin, 1))
    }
    fn name(&self) -> &'static str {
        "unpin-tail-not-head"
    }
    fn description(&self) -> &'static str {
        "v5_7, but unpin_user_pages releases each page, not its head"
    }
}
