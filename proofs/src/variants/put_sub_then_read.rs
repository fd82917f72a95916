//! `put-sub-then-read`: the release subtracts, then reads the count back to
//! decide whether it was the last.

use pinref_model::free::free_page;
use pinref_model::page_ref::{page_ref_count, page_ref_sub};
use pinref_model::scheme::bias::{BiasRules, BiasScheme, Refs};
use pinref_model::{V6_5, sync::Platform};

/// v6.5 whose refcount drop is `page_ref_sub` followed by `page_ref_count()
/// == 0`, where one fully ordered `page_ref_sub_and_test` is needed.
///
/// - **Wrong**: every release (`put_page`, every unpin) subtracts with the
///   relaxed, value-less `page_ref_sub`, then reads the count and frees if
///   it reads 0. Two racing last releases can both read 0 and both free
///   the page; and nothing orders the other holders' uses of the page
///   before the free (no fence, no value-returning RMW), so a use can race
///   the free's poisoning write.
/// - **History**: the `atomic_dec(); if (!atomic_read())` anti-pattern that
///   `atomic_dec_and_test` / `page_ref_sub_and_test` (fully ordered, one
///   step) replace. `put-relaxed-final-decrement` is its one-step cousin.
/// - **Caught by**: P4 (freed exactly once, by a fully ordered decrement,
///   nothing touching the page after): the `last_reference` scenario,
///   either as a double free or as loom's causality check on the page
///   contents.
pub struct PutSubThenRead;

impl BiasScheme for PutSubThenRead {
    const RULES: BiasRules = V6_5::RULES;
    fn release_refcount<P: Platform>(&self, release: &Refs<'_, P>) {
        // The flaw: subtract, then look; another release may have come in
        // between, and nothing orders this free after the others' uses.
        page_ref_sub(release.head, release.delta);
        if page_ref_count(release.head) == 0 {
            free_page(release.head);
        }
    }
    const NAME: &'static str = "put-sub-then-read";
    const DESCRIPTION: &'static str =
        "v6_5, but a release subtracts (relaxed) and then reads the count for zero";
}
