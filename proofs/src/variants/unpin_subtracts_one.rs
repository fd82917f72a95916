//! `unpin-subtracts-one`: v5.7, except that unpinning a page that counts
//! pins with the bias subtracts `refs` instead of
//! `refs * GUP_PIN_COUNTING_BIAS`.

use super::{V5_7_RULES, delegate};
use pinref_model::free::free_page;
use pinref_model::page_ref::{page_ref_count, page_ref_sub_and_test};
use pinref_model::scheme::check_refs;
use pinref_model::sync::Platform;
use pinref_model::vmstat::{PinStat, mod_node_page_state};
use pinref_model::{Claims, GupError, GupFlags, PageRef, PageShape, RefKind, Scheme, V5_7};

/// v5.7 whose unpin drops 1 per pin where the pin added 1024: a release
/// that does not match its acquire (the put/unpin mismatch).
///
/// - **Wrong**: `put_compound_head(.., FOLL_PIN)` on a biased page (order 0
///   or 1) subtracts `refs`, as `put_page` would, instead of
///   `refs * GUP_PIN_COUNTING_BIAS`; it still refuses an unpin the count
///   cannot hold. Every unpin leaves 1023 behind.
/// - **History**: the FOLL_PIN series (2019-2020) split `put_page` and
///   `put_user_page`/`unpin_user_page` precisely because a pinned page
///   released with the plain release leaks the bias; this is that mismatch
///   inside the unpin itself.
/// - **Caught by**: P2 first (the leftover 1023 per pin, on top of the
///   plain reference, reads as a pin once the pin is gone), then P5 (exact
///   recovery: the count does not return to where it started) and P4 (a
///   page whose last reference was a pin is never freed).
#[derive(Debug, Clone, Copy, Default)]
pub struct UnpinSubtractsOne;

impl Scheme for UnpinSubtractsOne {
    fn name(&self) -> &'static str {
        "unpin-subtracts-one"
    }
    fn description(&self) -> &'static str {
        "v5_7, but unpin drops 1 per pin instead of the bias"
    }
    fn claims(&self) -> Claims {
        V5_7.claims()
    }
    delegate!(V5_7; counts_for, get_page, try_get_page, put_page, try_grab_folio,
        try_grab_compound_head, page_maybe_dma_pinned);

    fn put_compound_head<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        let kind = flags.ref_kind()?;
        let head = page.compound_head();
        if kind != RefKind::Pin || V5_7_RULES.uses_pincount(PageShape::of(head)) {
            return V5_7.put_compound_head(page, refs, flags);
        }
        check_refs(refs)?;
        let count = page_ref_count(head);
        if (count as u32) < V5_7_RULES.refcount_delta(head, kind, refs) as u32 {
            return Err(GupError::UnpinWithoutPin {
                pfn: head.pfn(),
                count,
            });
        }
        mod_node_page_state(head, PinStat::Released, refs);
        // The flaw: `refs`, where the pin added `refs * GUP_PIN_COUNTING_BIAS`.
        if page_ref_sub_and_test(head, refs) {
            free_page(head);
        }
        Ok(())
    }
}
