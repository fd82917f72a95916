//! `signed-predicate`: v5.7 with the seed series' signed predicate, still
//! claiming that pins past the sign bit read as pinned.

use super::delegate;
use pinref_model::scheme::bias::BiasRules;
use pinref_model::{Claims, Scheme, V5_7};

/// v5.7's rules with a signed `page_maybe_dma_pinned`.
const SIGNED: BiasRules = BiasRules {
    signed_predicate: true,
    ..V5_7::RULES
};

/// v5.7 whose predicate compares the count as a signed int.
///
/// - **Wrong**: `page_maybe_dma_pinned` on a biased page is `count >=
///   GUP_PIN_COUNTING_BIAS` in `i32`: once about 2^21 pins have carried the
///   count past the sign bit it is negative, and the page reads unpinned.
///   The scheme keeps v5.7's claims ([`Claims::KERNEL`]), which include
///   `pinned_after_overflow`: so this is a violation, not the expected one
///   the seed scheme reports.
/// - **History**: the seed series (2019) compared signed; the merged v5.7
///   `page_maybe_dma_pinned` casts to `unsigned int` so that an overflowed
///   count still reads as pinned.
/// - **Caught by**: P1 (no false negatives, overflow included where the
///   scheme claims it): the loom `overflow` scenario, when a pinner whose
///   grab carried the count past the sign bit checks its pin; and the
///   proptest engine, from its pin-headroom and sign-bit starts.
#[derive(Debug, Clone, Copy, Default)]
pub struct SignedPredicate;

impl Scheme for SignedPredicate {
    fn name(&self) -> &'static str {
        "signed-predicate"
    }
    fn description(&self) -> &'static str {
        "v5_7, but page_maybe_dma_pinned compares signed (claims it does not)"
    }
    fn claims(&self) -> Claims {
        V5_7.claims()
    }
    delegate!(V5_7; counts_for, get_page, try_get_page, put_page, try_grab_folio,
        try_grab_compound_head, put_compound_head);
    // The flaw: the signed comparison.
    delegate!(SIGNED; page_maybe_dma_pinned);
}
