//! `zero-page-unpin-counted`: v6.5, except that the unpin forgets that the
//! zero page was never pinned.

use pinref_model::scheme::bias::{BiasRules, BiasScheme};
use pinref_model::{PageRef, RefKind, V6_5, sync::Platform};

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

impl BiasScheme for ZeroPageUnpinCounted {
    const RULES: BiasRules = V6_5::RULES;
    fn release_skips_zero_page<P: Platform>(&self, _: RefKind, _: PageRef<'_, P>) -> bool {
        // The flaw: v6.5's release without its `is_zero_folio` return.
        false
    }
    const NAME: &'static str = "zero-page-unpin-counted";
    const DESCRIPTION: &'static str =
        "v6_5, but gup_put_folio releases a pin of the zero page, which was never taken";
}
