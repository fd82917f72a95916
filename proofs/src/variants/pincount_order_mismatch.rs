//! `pincount-order-mismatch`: v6.5 (folios), except that the slow-path
//! grab keeps v5.7–v5.17's rule for which compound pages have an exact pin
//! count.

use pinref_model::sync::Platform;
use pinref_model::{GupError, GupFlags, PageRef, Scheme, V5_14, V6_5};

/// v6.5 whose `try_grab_folio` is still v5.14's, with v5.7's order > 1 rule.
///
/// - **Wrong**: a pin through the slow path on an order-1 folio adds the
///   bias to the refcount (v5.7: order-1 pages have no room for
///   `hpage_pinned_refcount`) while everything else, the predicate, the
///   speculative grab, the release and the abstraction, follows folios:
///   every large folio, order 1 included, counts pins in `_pincount`. The
///   predicate reads `_pincount == 0` and answers "not pinned"; the unpin
///   finds no pin to release.
/// - **History**: `hpage_pinned_refcount` (v5.7, for compound pages of
///   order 2 and up) became `folio->_pincount`, kept for every large folio;
///   code written against one rule and run against the other is this
///   mismatch.
/// - **Caught by**: P1 (no false negatives): the `batches` scenario pins
///   both subpages of an order-1 page in one slow-path grab and checks
///   the pin.
pub struct PincountOrderMismatch;

impl pinref_model::Patch for PincountOrderMismatch {
    pinref_model::patch_of!(
        V6_5,
        "pincount-order-mismatch",
        "v6_5, but try_grab_folio keeps v5.14's order > 1 rule for the pin count"
    );

    fn try_grab_folio<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        // The flaw: the previous version's grab.
        Scheme::try_grab_folio(&V5_14, page, refs, flags)
    }
}
