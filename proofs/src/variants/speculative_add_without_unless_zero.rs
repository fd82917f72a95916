//! `speculative-add-without-unless-zero`: gup_fast's speculative grab
//! checks the count, then adds, in two steps.

use super::{V5_7_RULES, delegate};
use pinref_model::page_ref::{page_ref_add, page_ref_count, pincount_add};
use pinref_model::scheme::check_refs;
use pinref_model::sync::Platform;
use pinref_model::vmstat::{PinStat, mod_node_page_state};
use pinref_model::{Claims, GupError, GupFlags, PageRef, PageShape, RefKind, Scheme, V5_7};

/// v5.7 whose speculative grab is written like the slow-path grab: read
/// the count, refuse a count `<= 0`, then `page_ref_add`.
///
/// - **Wrong**: `try_grab_compound_head` adds with `page_ref_add` after a
///   separate check, instead of `page_ref_add_unless(.., 0)`, which checks
///   and adds in one atomic step. gup_fast holds no lock and no reference:
///   between the check and the add the last reference can be dropped and
///   the page freed, and the add then revives it. Sequentially the check
///   is right, so only an interleaving shows the bug.
/// - **History**: the lockless grab of gup_fast (and of the page cache,
///   `page_cache_get_speculative`) has always been "add unless zero";
///   `try_get_compound_head` in v5.7, `try_grab_folio_fast` later.
/// - **Caught by**: P10 (a speculative grab revived a page whose count
///   reached 0): `gup_fast_vs_unmap` under loom, when the unmapper's put
///   frees the page between the check and the add.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpeculativeAddWithoutUnlessZero;

impl Scheme for SpeculativeAddWithoutUnlessZero {
    fn name(&self) -> &'static str {
        "speculative-add-without-unless-zero"
    }
    fn description(&self) -> &'static str {
        "v5_7, but gup_fast checks the count and then adds (page_ref_add)"
    }
    fn claims(&self) -> Claims {
        V5_7.claims()
    }
    delegate!(V5_7; counts_for, get_page, try_get_page, put_page, try_grab_folio,
        put_compound_head, page_maybe_dma_pinned);

    fn try_grab_compound_head<'m, P: Platform>(
        &self,
        page: PageRef<'m, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<PageRef<'m, P>, GupError> {
        let kind = flags.ref_kind()?;
        check_refs(refs)?;
        let head = page.compound_head();
        let count = page_ref_count(head);
        if count <= 0 {
            return Err(GupError::SpeculativeGrabOnFreedPage { pfn: head.pfn() });
        }
        // The flaw: the count may have dropped to 0 since it was read.
        page_ref_add(head, V5_7_RULES.refcount_delta(head, kind, refs));
        if kind == RefKind::Pin {
            if V5_7_RULES.uses_pincount(PageShape::of(head)) {
                pincount_add(head, refs);
            }
            mod_node_page_state(head, PinStat::Acquired, refs);
        }
        Ok(head)
    }
}
