//! `devmap-frees-at-zero`: device pages are released with the order-0
//! release, which frees at 0.

use pinref_model::free::free_devmap_managed_page;
use pinref_model::page_ref::page_ref_sub_and_test;
use pinref_model::scheme::bias::{BiasRules, BiasScheme, Refs};
use pinref_model::{Devmap, sync::Platform};

/// v5.7's device pages, released as if they were 0-based.
///
/// - **Wrong**: the refcount drop of every release (`put_page`, every
///   unpin) on a 1-based device page is `page_ref_sub_and_test`, which
///   reports only the transition to 0, instead of `page_ref_sub_return(..)
///   == 1`. The pgmap's own reference keeps the count at 1 when the last
///   user lets go, so the page is never handed back to its driver; a last
///   put then takes it to 0 and hands it back there.
/// - **History**: v5.7 has `put_devmap_managed_page` and
///   `__unpin_devmap_managed_user_page` for exactly this: the generic
///   release tests for 0, device pages go back to their driver at 1.
/// - **Caught by**: P4 (freed exactly once, at the transition to 1 for
///   devmap): the `devmap` scenario drops every user reference and finds
///   the page never handed back, or handed back at 0.
pub struct DevmapFreesAtZero;

impl BiasScheme for DevmapFreesAtZero {
    const RULES: BiasRules = Devmap::RULES;
    fn release_refcount<P: Platform>(&self, release: &Refs<'_, P>) {
        // The flaw: the order-0 test for 0, where a device page is handed
        // back when its count drops to 1.
        if page_ref_sub_and_test(release.head, release.delta) {
            free_devmap_managed_page(release.head);
        }
    }
    const NAME: &'static str = "devmap-frees-at-zero";
    const DESCRIPTION: &'static str =
        "v5.7 device pages, but released with sub-and-test (frees at 0, never 1)";
}
