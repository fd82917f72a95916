//! `signed-predicate`: v5.7 with the seed series' signed predicate, still
//! claiming that pins past the sign bit read as pinned.

use pinref_model::scheme::bias::{BiasRules, BiasScheme};
use pinref_model::{PageRef, Seed, V5_7, sync::Platform};

#[cfg(doc)]
use pinref_model::Claims;

/// v5.7 whose predicate compares the count as a signed int.
///
/// - **Wrong**: `page_maybe_dma_pinned` on a biased page is `count >=
///   GUP_PIN_COUNTING_BIAS` in `i32`: once about 2^21 pins have carried the
///   count past the sign bit it is negative, and the page reads unpinned.
///   The scheme keeps v5.7's rules and so its claims ([`Claims::KERNEL`]),
///   which include `pinned_after_overflow`: so this is a violation, not the
///   expected one the seed scheme reports.
/// - **History**: the seed series (2019) compared signed; the merged v5.7
///   `page_maybe_dma_pinned` casts to `unsigned int` so that an overflowed
///   count still reads as pinned.
/// - **Caught by**: P1 (no false negatives, overflow included where the
///   scheme claims it): the loom `overflow` scenario, when a pinner whose
///   grab carried the count past the sign bit checks its pin; and the
///   proptest engine, from its pin-headroom and sign-bit starts.
pub struct SignedPredicate;

impl BiasScheme for SignedPredicate {
    const RULES: BiasRules = V5_7::RULES;
    fn pinned_by_bias<P: Platform>(&self, head: PageRef<'_, P>) -> bool {
        // The flaw: the seed's signed comparison.
        Seed.pinned_by_bias(head)
    }
    const NAME: &'static str = "signed-predicate";
    const DESCRIPTION: &'static str =
        "v5_7, but page_maybe_dma_pinned compares signed (claims it does not)";
}
