//! `stat-after-release`: the unpin counts `nr_foll_pin_released` after the
//! release that may free the page.

use super::{V5_7_RULES, delegate};
use pinref_model::free::free_page;
use pinref_model::page_ref::{page_ref_count, page_ref_sub_and_test, pincount_read, pincount_sub};
use pinref_model::scheme::check_refs;
use pinref_model::sync::Platform;
use pinref_model::vmstat::{PinStat, mod_node_page_state};
use pinref_model::{Claims, GupError, GupFlags, PageRef, PageShape, RefKind, Scheme, V5_7};

/// v5.7 whose unpin updates the statistic last.
///
/// - **Wrong**: `put_compound_head(.., FOLL_PIN)` drops the references
///   (and frees the page if they were the last) and only then calls
///   `mod_node_page_state(head, NR_FOLL_PIN_RELEASED, refs)`, which finds
///   the page's node through the page: a page already freed, possibly
///   reused. Everything else is v5.7's.
/// - **History**: `mod_node_page_state(page_pgdat(page), ..)` reads
///   `struct page`; the kernel counts the release before dropping the
///   reference (the model's [`pinref_model::vmstat::mod_node_page_state`]
///   says why).
/// - **Caught by**: P4 (nothing touches the page after it is freed): the
///   `last_reference` scenario, when the unpin drops the last reference.
#[derive(Debug, Clone, Copy, Default)]
pub struct StatAfterRelease;

impl Scheme for StatAfterRelease {
    fn name(&self) -> &'static str {
        "stat-after-release"
    }
    fn description(&self) -> &'static str {
        "v5_7, but unpin counts the released pin after dropping it"
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
        if kind != RefKind::Pin {
            return V5_7.put_compound_head(page, refs, flags);
        }
        check_refs(refs)?;
        let head = page.compound_head();
        let delta = V5_7_RULES.refcount_delta(head, kind, refs);
        let exact_pins = V5_7_RULES.uses_pincount(PageShape::of(head));
        if exact_pins {
            let pins = pincount_read(head);
            if pins < refs {
                return Err(GupError::UnpinWithoutPin {
                    pfn: head.pfn(),
                    count: pins,
                });
            }
            pincount_sub(head, refs);
        } else {
            let count = page_ref_count(head);
            if (count as u32) < delta as u32 {
                return Err(GupError::UnpinWithoutPin {
                    pfn: head.pfn(),
                    count,
                });
            }
        }
        if page_ref_sub_and_test(head, delta) {
            free_page(head);
        }
        // The flaw: the page may be gone by now.
        mod_node_page_state(head, PinStat::Released, refs);
        Ok(())
    }
}
