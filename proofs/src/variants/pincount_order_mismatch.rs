//! `pincount-order-mismatch`: folios, except that the slow-path grab keeps
//! v5.7's rule for which compound pages have an exact pin count.

use super::{V5_7_RULES, delegate};
use pinref_model::{Claims, Folio, Scheme};

/// Folios whose `try_grab_folio` still follows v5.7's order > 1 rule.
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
#[derive(Debug, Clone, Copy, Default)]
pub struct PincountOrderMismatch;

impl Scheme for PincountOrderMismatch {
    fn name(&self) -> &'static str {
        "pincount-order-mismatch"
    }
    fn description(&self) -> &'static str {
        "folio, but try_grab_folio keeps v5.7's order > 1 rule for the pin count"
    }
    fn claims(&self) -> Claims {
        Folio.claims()
    }
    delegate!(Folio; counts_for, get_page, try_get_page, put_page, try_grab_compound_head,
        put_compound_head, page_maybe_dma_pinned);
    // The flaw: v5.7's threshold for the exact pin count.
    delegate!(V5_7_RULES; try_grab_folio);
}
