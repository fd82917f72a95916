//! Folios (v5.18 to v6.0): `folio->_pincount` for every large folio, the
//! bias for order-0 pages, a split under gup_fast retried.

use super::bias::{BiasRules, BiasScheme, SlowGrab, SpeculativeGrab};
use super::history::ANON_EXCLUSIVE_BARRIER;
use super::{KnownBug, MmCode, V5_14};

/// The folio scheme (`try_grab_folio`, `gup_put_folio`,
/// `folio_maybe_dma_pinned`): v5.14, plus the GUP folio conversion of the
/// "Folio patches for 5.18 (MM part)" pull:
///
/// - "mm: Make compound_pincount always available": a pin on any large
///   folio (order ≥ 1) adds `refs` to the refcount and to `_pincount`; an
///   order-0 folio takes the bias;
/// - "mm/gup: Handle page split race more efficiently": `try_get_folio`
///   adds `refs` unless zero, re-checks `page_folio(page)` and *retries* on
///   a change; then the pin is decided on the stable folio;
/// - "mm/gup: Increment the page refcount before the pincount" (the slow
///   path);
/// - and, from v5.19, `PG_anon_exclusive` ("mm: remember exclusively mapped
///   anonymous pages with PG_anon_exclusive", `6c287605fd56`), whose
///   sharing races gup_fast until v6.1 adds the barriers.
///
/// Versions: v5.18 to v6.0; closed by v6.1's barrier ([`crate::V6_1`]).
/// (The issue placed the folio fast path at v5.19; the pull is v5.18's.)
#[derive(Debug, Clone, Copy, Default)]
pub struct Folio;

impl BiasScheme for Folio {
    /// The bias rules this scheme follows, for schemes built on it.
    const RULES: BiasRules = BiasRules {
        exact_pincount_from_order: Some(1),
        slow_grab: SlowGrab::RefcountFirst,
        speculative_grab: SpeculativeGrab::RetryThenDecide,
        mm: MmCode {
            anon_exclusive: true,
            ..V5_14::RULES.mm
        },
        ..V5_14::RULES
    };
    const NAME: &'static str = "folio";
    const DESCRIPTION: &'static str =
        "folios (v5.18-v6.0): _pincount for large folios, bias for order-0, split retried";

    fn known_bugs(&self) -> Vec<KnownBug> {
        let mut bugs = V5_14.known_bugs();
        bugs.push(ANON_EXCLUSIVE_BARRIER);
        bugs
    }
}
