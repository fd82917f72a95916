//! `predicate-off-by-one`: `page_maybe_dma_pinned` compares with `>`
//! where `>=` is needed.

use pinref_model::page_ref::page_ref_count;
use pinref_model::scheme::bias::{BiasRules, BiasScheme};
use pinref_model::{GUP_PIN_COUNTING_BIAS, PageRef, V6_5, sync::Platform};

/// v6.5 whose predicate misses a page held by exactly one pin and nothing
/// else.
///
/// - **Wrong**: on a biased page, `page_maybe_dma_pinned` answers
///   `count > GUP_PIN_COUNTING_BIAS` (unsigned) instead of `>=`. A count
///   of exactly 1024 is one pin and no plain reference: the page reads
///   unpinned while it is pinned, e.g. once it has been unmapped (the page
///   table's reference dropped) under a gup_fast pin.
/// - **History**: `page_dma_pinned` / `page_maybe_dma_pinned` (v5.7):
///   pinned iff the count is at least the bias; an off-by-one there is a
///   false negative, the one answer the predicate must never give.
/// - **Caught by**: P1 (no false negatives): `gup_fast_vs_unmap`, when the
///   unmapper drops the page table's reference between the pin and the
///   pinner's check.
pub struct PredicateOffByOne;

impl BiasScheme for PredicateOffByOne {
    const RULES: BiasRules = V6_5::RULES;
    fn pinned_by_bias<P: Platform>(&self, head: PageRef<'_, P>) -> bool {
        // The flaw: `>`, so a count of exactly one pin reads unpinned.
        page_ref_count(head) as u32 > GUP_PIN_COUNTING_BIAS as u32
    }
    const NAME: &'static str = "predicate-off-by-one";
    const DESCRIPTION: &'static str = "v6_5, but pinned iff count > 1024 (not >=)";
}
