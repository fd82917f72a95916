//! `stats-refs-vs-pages`: pins acquired are counted per grab call, pins
//! released per page.

use super::{V5_7_RULES, delegate};
use pinref_model::page_ref::{page_ref_add, page_ref_count, pincount_add};
use pinref_model::scheme::check_refs;
use pinref_model::sync::Platform;
use pinref_model::vmstat::{PinStat, mod_node_page_state};
use pinref_model::{Claims, GupError, GupFlags, PageRef, PageShape, RefKind, Scheme, V5_7};

/// v5.7 whose slow-path grab adds 1 to `nr_foll_pin_acquired` per call,
/// whatever its `refs`.
///
/// - **Wrong**: `try_grab_folio` takes `refs` pins but counts one; the
///   unpins count one per page (`refs` in all). On order-0 pages, one pin
///   per call, the two agree; a batch grab of `refs > 1` (the subpages of a
///   compound page) leaves `acquired - released` short of the live pins.
/// - **History**: `NR_FOLL_PIN_ACQUIRED` / `NR_FOLL_PIN_RELEASED` (v5.7,
///   later `nr_foll_pin_acquired` / `nr_foll_pin_released`): when grabs
///   became batched (`refs` per compound page or folio), both sides had to
///   count `refs`.
/// - **Caught by**: P9 (stats balance): the `batches` scenario pins both
///   subpages of an order-1 page in one grab and unpins them one by one.
#[derive(Debug, Clone, Copy, Default)]
pub struct StatsRefsVsPages;

impl Scheme for StatsRefsVsPages {
    fn name(&self) -> &'static str {
        "stats-refs-vs-pages"
    }
    fn description(&self) -> &'static str {
        "v5_7, but a batch grab counts one acquired pin per call, not per page"
    }
    fn claims(&self) -> Claims {
        V5_7.claims()
    }
    delegate!(V5_7; counts_for, get_page, try_get_page, put_page, try_grab_compound_head,
        put_compound_head, page_maybe_dma_pinned);

    fn try_grab_folio<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        let kind = flags.ref_kind()?;
        check_refs(refs)?;
        let head = page.compound_head();
        let count = page_ref_count(head);
        if count <= 0 {
            return Err(GupError::RefcountNotPositive {
                pfn: head.pfn(),
                count,
            });
        }
        if kind == RefKind::Pin && V5_7_RULES.uses_pincount(PageShape::of(head)) {
            pincount_add(head, refs);
        }
        page_ref_add(head, V5_7_RULES.refcount_delta(head, kind, refs));
        if kind == RefKind::Pin {
            // The flaw: one per call, where `refs` pins were taken.
            mod_node_page_state(head, PinStat::Acquired, 1);
        }
        Ok(())
    }
}
