//! `signed-predicate`: v6.5 with a signed predicate, still claiming that
//! pins past the sign bit read as pinned.

use pinref_model::page_ref::page_ref_count;
use pinref_model::scheme::bias::{BiasRules, BiasScheme};
use pinref_model::{GUP_PIN_COUNTING_BIAS, PageRef, V6_5, sync::Platform};

#[cfg(doc)]
use pinref_model::Claims;

/// v6.5 whose predicate compares the count as a signed int.
///
/// - **Wrong**: `page_maybe_dma_pinned` on a biased page is `count >=
///   GUP_PIN_COUNTING_BIAS` in `i32`: once about 2^21 pins have carried the
///   count past the sign bit it is negative, and the page reads unpinned.
///   The scheme keeps v6.5's rules and so its claims ([`Claims::KERNEL`]),
///   which include `pinned_after_overflow`: so this is a violation.
/// - **History**: no kernel version compared signed: the seed series'
///   bias is `1UL << 10`, so C compares the `int` count unsigned, and later
///   revisions cast to `unsigned int` explicitly so that an overflowed
///   count still reads as pinned. It is the natural mistake of a port to a
///   language that compares `i32 >= 1024` as written.
/// - **Caught by**: P1 (no false negatives, overflow included where the
///   scheme claims it): the loom `overflow` scenario, when a pinner whose
///   grab carried the count past the sign bit checks its pin; and the
///   proptest engine, from its pin-headroom and sign-bit starts.
pub struct SignedPredicate;

impl BiasScheme for SignedPredicate {
    const RULES: BiasRules = V6_5::RULES;
    fn pinned_by_bias<P: Platform>(&self, head: PageRef<'_, P>) -> bool {
        // The flaw: `i32 >= 1024`, where the kernel compares unsigned.
        page_ref_count(head) >= GUP_PIN_COUNTING_BIAS
    }
    const NAME: &'static str = "signed-predicate";
    const DESCRIPTION: &'static str =
        "v6_5, but page_maybe_dma_pinned compares signed (claims it does not)";
}
