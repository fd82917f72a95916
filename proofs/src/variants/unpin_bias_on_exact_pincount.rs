//! `unpin-bias-on-exact-pincount`: unpin subtracts the bias from a compound
//! page that counts its pins exactly.

use super::{V5_7_RULES, delegate};
use pinref_model::free::free_page;
use pinref_model::page_ref::{page_ref_count, page_ref_sub_and_test, pincount_read, pincount_sub};
use pinref_model::scheme::{bias_delta, check_refs};
use pinref_model::sync::Platform;
use pinref_model::vmstat::{PinStat, mod_node_page_state};
use pinref_model::{Claims, GupError, GupFlags, PageRef, PageShape, RefKind, Scheme, V5_7};

/// v5.7 whose unpin scales `refs` by the bias on every page.
///
/// - **Wrong**: on a compound page of order > 1, a v5.7 pin adds `refs` to
///   the refcount and `refs` to `hpage_pinned_refcount`; this unpin takes
///   `refs` from the pin count, as it should, but `refs *
///   GUP_PIN_COUNTING_BIAS` from the refcount, as for an order-0 page. The
///   refcount drops 1023 below what the pin added: below zero on a page
///   with few references, or a free while others still hold it. The
///   refusal check reads the exact pin count, which is right.
/// - **History**: v5.7's `put_compound_head` scales `refs *=
///   GUP_PIN_COUNTING_BIAS` only in the `else` of
///   `hpage_pincount_available(page)`; the kernel's `VM_BUG_ON_PAGE(
///   page_ref_count(page) < refs)` that would notice is compiled out
///   without `CONFIG_DEBUG_VM`. Scaling unconditionally is this variant.
/// - **Caught by**: P3 (no underflow): the `compound` scenario's unpin of
///   an order-2 page takes its count from 2 to -1022.
#[derive(Debug, Clone, Copy, Default)]
pub struct UnpinBiasOnExactPincount;

impl Scheme for UnpinBiasOnExactPincount {
    fn name(&self) -> &'static str {
        "unpin-bias-on-exact-pincount"
    }
    fn description(&self) -> &'static str {
        "v5_7, but unpin subtracts the bias even where pins are counted exactly"
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
        let exact_pins = V5_7_RULES.uses_pincount(PageShape::of(head));
        // The flaw: the bias, whether or not the pin added it.
        let delta = bias_delta(kind, refs);
        if exact_pins {
            let pins = pincount_read(head);
            if pins < refs {
                return Err(GupError::UnpinWithoutPin {
                    pfn: head.pfn(),
                    count: pins,
                });
            }
        } else {
            let count = page_ref_count(head);
            if (count as u32) < delta as u32 {
                return Err(GupError::UnpinWithoutPin {
                    pfn: head.pfn(),
                    count,
                });
            }
        }
        mod_node_page_state(head, PinStat::Released, refs);
        if exact_pins {
            pincount_sub(head, refs);
        }
        if page_ref_sub_and_test(head, delta) {
            free_page(head);
        }
        Ok(())
    }
}
