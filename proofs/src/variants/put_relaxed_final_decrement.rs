//! `put-relaxed-final-decrement`: the release's decrement is a relaxed
//! `sub_and_test`.

use pinref_model::free::free_page;
use pinref_model::page_ref::{RmwOrder, page_ref_sub_and_test_ordered};
use pinref_model::scheme::bias::{BiasRules, BiasScheme, Refs};
use pinref_model::{V6_5, sync::Platform};

/// v6.5 whose refcount drop is one atomic `sub_and_test`, as it should be,
/// but relaxed.
///
/// - **Wrong**: every release (`put_page`, every unpin) drops its delta
///   with `page_ref_sub_and_test_ordered(.., RmwOrder::Relaxed)`. The count
///   is always right and exactly one release sees it reach 0, so no
///   sequential check can tell; but nothing orders another holder's use of
///   the page before its decrement, nor the free after the decrement that
///   reaches 0: the free can race a use.
/// - **History**: value-returning `atomic_t` operations are fully ordered
///   (`Documentation/atomic_t.txt`), which `put_page_testzero` relies on;
///   `refcount_t`'s `dec_and_test`, which had only release ordering, gained
///   acquire ordering on success in v5.1 because the freeing side needs it
///   (`Arc::drop`'s Release decrement and Acquire fence in Rust).
/// - **Caught by**: P4, and only by loom: in the `last_reference` scenario
///   the free's write of the page contents (a loom `UnsafeCell`) is not
///   ordered after the other thread's read, a causality violation.
pub struct PutRelaxedFinalDecrement;

impl BiasScheme for PutRelaxedFinalDecrement {
    const RULES: BiasRules = V6_5::RULES;
    fn release_refcount<P: Platform>(&self, release: &Refs<'_, P>) {
        // The flaw: relaxed, where the kernel's is fully ordered.
        if page_ref_sub_and_test_ordered(release.head, release.delta, RmwOrder::Relaxed) {
            free_page(release.head);
        }
    }
    const NAME: &'static str = "put-relaxed-final-decrement";
    const DESCRIPTION: &'static str = "v6_5, but the release's sub_and_test is relaxed";
}
