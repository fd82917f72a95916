//! `dirty-tail-not-head`: `unpin_user_pages_dirty_lock` marks the page it
//! is given dirty, not its compound head.

use pinref_model::gup::for_each_page;
use pinref_model::page_flags::{lock_page, page_dirty, set_page_dirty, unlock_page};
use pinref_model::sync::Platform;
use pinref_model::{GupError, PageRef, Scheme, V6_5};

/// v6.5 whose dirtying unpin dirties each entry itself.
///
/// - **Wrong**: for each entry, `unpin_user_pages_dirty_lock` tests and
///   sets `PG_dirty` on the page it was handed, a tail included, then
///   unpins it (on its head, rightly). The page flags that writeback reads
///   are the head's: a DMA into a tail of a large folio is never written
///   back.
/// - **History**: from v5.13/v5.14 the batch unpins walk compound heads
///   (`ntails`), and from v5.18 `folio_mark_dirty` takes the folio: the
///   dirty state is the folio's, as the refcount is.
/// - **Caught by**: P8 (the dirtying is never lost): `writeback_vs_dirty_unpin`
///   on a compound page, whose DMA pinned a tail; `dirty_unpin` too.
pub struct DirtyTailNotHead;

impl pinref_model::Patch for DirtyTailNotHead {
    pinref_model::patch_of!(
        V6_5,
        "dirty-tail-not-head",
        "v6_5, but unpin_user_pages_dirty_lock dirties the tail it is given, not the head"
    );

    fn unpin_user_pages_dirty_lock<P: Platform>(
        &self,
        pages: &[PageRef<'_, P>],
        make_dirty: bool,
    ) -> Result<(), GupError> {
        for_each_page(pages, |page| {
            // The flaw: `page`, where the head carries the flags.
            if make_dirty && !page_dirty(page) {
                lock_page(page);
                set_page_dirty(page);
                unlock_page(page);
            }
            Scheme::unpin_user_page(self, page)
        })
    }
}
