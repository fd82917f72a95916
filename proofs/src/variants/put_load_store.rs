//! `put-load-store`: the releases (`put_page`, unpin) update the refcount
//! with a separate load and store.

use super::{V5_7_RULES, delegate};
use pinref_model::free::free_page;
use pinref_model::page_ref::set_page_count;
use pinref_model::sync::Platform;
use pinref_model::{Claims, GupError, GupFlags, PageRef, Scheme, V5_7};

/// v5.7 whose release reads the count and then writes the new value: two
/// steps where one atomic read-modify-write is needed.
///
/// - **Wrong**: `put_compound_head` (and so `put_page` and every unpin)
///   computes `count - delta` from a `page_ref_count` snapshot and stores
///   it with `set_page_count`, and frees when the value it stored is 0. A
///   grab or release by another thread between the load and the store is
///   lost. Everything else, the refusal checks included, is v5.7's.
/// - **History**: the lost update that `atomic_t` and the `page_ref_*`
///   helpers exist to prevent; the spec lists it among the real bugs of
///   this family ("operations implemented as a separate load and store").
/// - **Caught by**: P5 (exact recovery): after a racing get/put and
///   pin/unpin the count is off by what was lost; depending on the
///   interleaving, P3 (an underflow) or P4 (a free while referenced) fires
///   first.
#[derive(Debug, Clone, Copy, Default)]
pub struct PutLoadStore;

impl Scheme for PutLoadStore {
    fn name(&self) -> &'static str {
        "put-load-store"
    }
    fn description(&self) -> &'static str {
        "v5_7, but releases update the refcount with a load and a store"
    }
    fn claims(&self) -> Claims {
        V5_7.claims()
    }
    delegate!(V5_7; counts_for, get_page, try_get_page, try_grab_folio,
        try_grab_compound_head, page_maybe_dma_pinned);

    fn put_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        self.put_compound_head(page, 1, GupFlags::FOLL_GET)
    }

    fn put_compound_head<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        let release = V5_7_RULES.begin_release(page, refs, flags)?;
        // The flaw: the new value is computed from the snapshot taken when
        // the release was checked, and stored; any update made in between is
        // overwritten.
        let new = release.count.wrapping_sub(release.delta);
        set_page_count(release.head, new);
        if new == 0 {
            free_page(release.head);
        }
        Ok(())
    }
}
