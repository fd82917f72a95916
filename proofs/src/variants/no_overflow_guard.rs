//! `no-overflow-guard`: every grab refuses a free page (count 0) but none
//! refuses a count that has wrapped past the sign bit.

use super::{V5_7_RULES, delegate};
use pinref_model::page_ref::{page_ref_add_unless, page_ref_count, page_ref_inc, pincount_add};
use pinref_model::scheme::check_refs;
use pinref_model::sync::Platform;
use pinref_model::vmstat::{PinStat, mod_node_page_state};
use pinref_model::{Claims, GupError, GupFlags, PageRef, PageShape, RefKind, Scheme, V5_7};

/// v5.7 without any guard against wrapped counts: a grab is refused only
/// when the count is exactly 0.
///
/// - **Wrong**: `get_page` checks only for 0 (not the `[-127, 0]` window
///   of `page_ref_zero_or_close_to_overflow`), `try_grab_folio` and
///   `try_get_page` refuse `count == 0` instead of `count <= 0`, and the
///   speculative grab adds unless 0 without refusing a negative count. A
///   count that references or pins have carried past the sign bit keeps
///   accepting grabs, so it can wrap on through zero, where a put frees a
///   page that is still referenced.
/// - **History**: CVE-2019-11487: with about 4 billion references
///   outstanding (FUSE pipes), a page's refcount wrapped and the page was
///   freed while in use; fixed by `try_get_page` and the `<= 0` guards.
/// - **Caught by**: P6 (overflow safety: a grab on a wrapped count must be
///   refused). In the loom `overflow` scenario each of the two pinners
///   grabs once: the second grab crosses the sign bit (which the kernel's
///   racy guard allows too: an expected violation), and no grab ever meets
///   a count already past it. The proptest engine catches it, from its
///   sign-bit and pin-headroom starts.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoOverflowGuard;

impl Scheme for NoOverflowGuard {
    fn name(&self) -> &'static str {
        "no-overflow-guard"
    }
    fn description(&self) -> &'static str {
        "v5_7, but grabs refuse only a count of exactly 0, not a wrapped one"
    }
    fn claims(&self) -> Claims {
        V5_7.claims()
    }
    delegate!(V5_7; counts_for, put_page, put_compound_head, page_maybe_dma_pinned);

    fn get_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        let head = page.compound_head();
        let count = page_ref_count(head);
        // The flaw: only 0, not the window just below it.
        if count == 0 {
            return Err(GupError::GetPageOnFreeOrOverflowed {
                pfn: head.pfn(),
                count,
            });
        }
        page_ref_inc(head);
        Ok(())
    }

    fn try_get_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        self.try_grab_folio(page, 1, GupFlags::FOLL_GET)
    }

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
        // The flaw: `== 0`, where `<= 0` also refuses a wrapped count.
        if count == 0 {
            return Err(GupError::RefcountNotPositive {
                pfn: head.pfn(),
                count,
            });
        }
        V5_7_RULES.add_grabbed(head, kind, refs);
        Ok(())
    }

    fn try_grab_compound_head<'m, P: Platform>(
        &self,
        page: PageRef<'m, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<PageRef<'m, P>, GupError> {
        let kind = flags.ref_kind()?;
        check_refs(refs)?;
        let head = page.compound_head();
        // The flaw: no refusal of a negative count before the add.
        if !page_ref_add_unless(head, V5_7_RULES.refcount_delta(head, kind, refs), 0) {
            return Err(GupError::SpeculativeGrabOnFreedPage { pfn: head.pfn() });
        }
        if kind == RefKind::Pin {
            if V5_7_RULES.uses_pincount(PageShape::of(head)) {
                pincount_add(head, refs);
            }
            mod_node_page_state(head, PinStat::Acquired, refs);
        }
        Ok(head)
    }
}
