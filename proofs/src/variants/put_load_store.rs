//! `put-load-store`: the releases (`put_page`, unpin) update the refcount
//! with a separate load and store.

use pinref_model::free::free_page;
use pinref_model::page_ref::{page_ref_count, set_page_count};
use pinref_model::scheme::bias::{BiasRules, BiasScheme, Refs};
use pinref_model::{V6_5, sync::Platform};

/// v6.5 whose release reads the count and then writes the new value: two
/// steps where one atomic read-modify-write is needed.
///
/// - **Wrong**: the refcount drop of every release (`put_page`, every
///   unpin) reads the count (`page_ref_count`), stores `count - delta`
///   (`set_page_count`), and frees when the value it stored is 0. A grab or
///   release by another thread between the load and the store is lost.
///   Everything else is v6.5's.
/// - **History**: the lost update that `atomic_t` and the `page_ref_*`
///   helpers exist to prevent; the spec lists it among the real bugs of
///   this family ("operations implemented as a separate load and store").
/// - **Caught by**: P5 (exact recovery): after a racing get/put and
///   pin/unpin the count is off by what was lost; depending on the
///   interleaving, P3 (an underflow) or P4 (a free while referenced) fires
///   first.
pub struct PutLoadStore;

impl BiasScheme for PutLoadStore {
    const RULES: BiasRules = V6_5::RULES;
    fn release_refcount<P: Platform>(&self, release: &Refs<'_, P>) {
        // The flaw: any update made between the load and the store is
        // overwritten.
        let new = page_ref_count(release.head).wrapping_sub(release.delta);
        set_page_count(release.head, new);
        if new == 0 {
            free_page(release.head);
        }
    }
    const NAME: &'static str = "put-load-store";
    const DESCRIPTION: &'static str =
        "v6_5, but releases update the refcount with a load and a store";
}
