//! `zero-page-unpin-counted`: v6.5, except that the unpin forgets that the
//! zero page was never pinned.

use pinref_model::scheme::bias::release;
use pinref_model::scheme::check_refs;
use pinref_model::sync::Platform;
use pinref_model::{GupError, GupFlags, PageRef, V6_5};

/// v6.5 whose `gup_put_folio` has no zero-page test.
///
/// - **Wrong**: the grabs skip the shared zero page, as v6.5's do, but the
///   release (`gup_put_folio`, and so `unpin_user_page`) takes a pin off it
///   all the same: every unpin of the zero page drops the bias from a count
///   that never had it, and counts a released pin that was never acquired.
/// - **History**: "mm: Don't pin ZERO_PAGE in pin_user_pages()" (v6.5) put
///   the test in both grabs *and* in `gup_put_folio` (and
///   `folio_add_pin`); the two sides must agree, as the 6.1.y backport of
///   the change showed in its own way (it returned the wrong value from
///   `try_grab_page`, 2025).
/// - **Caught by**: P3 (no underflow): `zero_page`, where the first unpin
///   takes the bias off the zero page's one reference (and would fail the
///   scenario's check that the count never moves, P5, if the count were
///   higher).
pub struct ZeroPageUnpinCounted;

impl pinref_model::Patch for ZeroPageUnpinCounted {
    type Base = V6_5;
    fn base(&self) -> &V6_5 {
        &V6_5
    }
    fn put_compound_head<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        // The flaw: v6.5's release without its `is_zero_folio` return.
        let kind = flags.ref_kind()?;
        check_refs(refs)?;
        release(&V6_5, page.compound_head(), kind, refs)
    }
    fn name(&self) -> &'static str {
        "zero-page-unpin-counted"
    }
    fn description(&self) -> &'static str {
        "v6_5, but gup_put_folio releases a pin of the zero page, which was never taken"
    }
}
