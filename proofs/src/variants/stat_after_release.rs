//! `stat-after-release`: unpin counts the released pin after dropping the
//! references.

use pinref_model::scheme::bias::{BiasRules, BiasScheme, Refs};
use pinref_model::{V6_5, sync::Platform};

/// v6.5 whose release updates the statistic last.
///
/// - **Wrong**: an unpin drops the references (and frees the page if they
///   were the last) and only then calls `mod_node_page_state(head,
///   NR_FOLL_PIN_RELEASED, refs)`, which finds the page's node through the
///   page: a page already freed, possibly reused. Everything else is
///   v6.5's, the steps included; only their order differs.
/// - **History**: `mod_node_page_state(page_pgdat(page), ..)` reads
///   `struct page`; v5.7–v5.10's `unpin_user_page` counted after the
///   release, until the release was counted before dropping the reference
///   (the model's [`pinref_model::vmstat::mod_node_page_state`] says why).
/// - **Caught by**: P4 (nothing touches the page after it is freed): the
///   `last_reference` scenario, when the unpin drops the last reference.
pub struct StatAfterRelease;

impl BiasScheme for StatAfterRelease {
    const RULES: BiasRules = V6_5::RULES;
    fn release_stat<P: Platform>(&self, _: &Refs<'_, P>) {}
    fn release_refcount<P: Platform>(&self, release: &Refs<'_, P>) {
        V6_5.release_refcount(release);
        // The flaw: the statistic, where the page may be gone by now.
        V6_5.release_stat(release);
    }
    const NAME: &'static str = "stat-after-release";
    const DESCRIPTION: &'static str = "v6_5, but unpin counts the released pin after dropping it";
}
