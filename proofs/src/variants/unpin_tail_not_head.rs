//! `unpin-tail-not-head`: `unpin_user_pages` releases the page it is given
//! instead of its compound head.

use super::{V5_7_RULES, delegate};
use pinref_model::free::free_page;
use pinref_model::page_ref::{page_ref_count, page_ref_sub_and_test, pincount_read, pincount_sub};
use pinref_model::sync::Platform;
use pinref_model::vmstat::{PinStat, mod_node_page_state};
use pinref_model::{Claims, GupError, PageRef, PageShape, RefKind, Scheme, V5_7};

/// v5.7 whose `unpin_user_pages` forgets `compound_head`.
///
/// - **Wrong**: for each entry, `unpin_user_pages` runs v5.7's unpin (the
///   refusal checks, the statistic, the exact pin count or the bias, the
///   fully ordered release) on the page it was handed. An order-0 page or a
///   head is right; a tail page holds no count of its own, so its unpin is
///   refused and the pin on the head is never released.
///   `unpin_user_page` (one page) is still v5.7's.
/// - **History**: every `page_ref` operation acts on the head
///   (`compound_head(page)`); `pin_user_pages` returns one entry per
///   subpage, tails included, so the batch unpin must take the head of
///   each (v5.7's `unpin_user_pages` does it in `unpin_user_page`).
/// - **Caught by**: P7 (matched release: a pin is released with the same
///   refs *on the head*): the `compound` and `batches` scenarios unpin
///   through a tail, and the refusal is reported where the release must
///   succeed.
#[derive(Debug, Clone, Copy, Default)]
pub struct UnpinTailNotHead;

impl Scheme for UnpinTailNotHead {
    fn name(&self) -> &'static str {
        "unpin-tail-not-head"
    }
    fn description(&self) -> &'static str {
        "v5_7, but unpin_user_pages releases each page, not its head"
    }
    fn claims(&self) -> Claims {
        V5_7.claims()
    }
    delegate!(V5_7; counts_for, get_page, try_get_page, put_page, try_grab_folio,
        try_grab_compound_head, put_compound_head, page_maybe_dma_pinned);

    fn unpin_user_pages<P: Platform>(&self, pages: &[PageRef<'_, P>]) -> Result<(), GupError> {
        let mut first_error = None;
        for &page in pages {
            // The flaw: `page`, where the pin was taken on
            // `page.compound_head()`.
            let exact_pins = V5_7_RULES.uses_pincount(PageShape::of(page));
            let delta = V5_7_RULES.refcount_delta(page, RefKind::Pin, 1);
            let count = page_ref_count(page);
            let pins = if exact_pins { pincount_read(page) } else { 1 };
            if pins < 1 || (count as u32) < delta as u32 {
                first_error.get_or_insert(GupError::UnpinWithoutPin {
                    pfn: page.pfn(),
                    count: if exact_pins { pins } else { count },
                });
                continue;
            }
            mod_node_page_state(page, PinStat::Released, 1);
            if exact_pins {
                pincount_sub(page, 1);
            }
            if page_ref_sub_and_test(page, delta) {
                free_page(page);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}
