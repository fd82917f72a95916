//! `dirty-after-unpin`: `unpin_user_pages_dirty_lock` marks the page dirty
//! after the unpin instead of before it.

use super::delegate;
use pinref_model::page_flags::{lock_page, page_dirty, set_page_dirty, unlock_page};
use pinref_model::sync::Platform;
use pinref_model::{Claims, GupError, PageRef, Scheme, V5_7};

/// v5.7 whose dirtying unpin runs its two steps in the wrong order.
///
/// - **Wrong**: for each page, [`Scheme::unpin_user_pages_dirty_lock`]
///   unpins first and then, if asked and the page is clean, marks it dirty
///   under the page lock. Between the two, an observer (writeback, the
///   page-cache code deciding whether the page may be cleaned or reclaimed)
///   sees the page unpinned and clean, and may write back or drop the data
///   that the DMA just wrote. If the pin was the last reference, the dirty
///   mark also lands on a freed page.
/// - **History**: `unpin_user_pages_dirty_lock` (v5.7; `put_user_pages_
///   dirty_lock` in the seed series) calls `set_page_dirty_lock` and only
///   then unpins: the dirty mark must be visible before the pin is dropped.
/// - **Caught by**: P8 (dirty before unpin): the `dirty_unpin` scenario's
///   observer reads the page unpinned, fences, and finds it clean.
#[derive(Debug, Clone, Copy, Default)]
pub struct DirtyAfterUnpin;

impl Scheme for DirtyAfterUnpin {
    fn name(&self) -> &'static str {
        "dirty-after-unpin"
    }
    fn description(&self) -> &'static str {
        "v5_7, but unpin_user_pages_dirty_lock unpins before marking dirty"
    }
    fn claims(&self) -> Claims {
        V5_7.claims()
    }
    delegate!(V5_7; counts_for, get_page, try_get_page, put_page, try_grab_folio,
        try_grab_compound_head, put_compound_head, page_maybe_dma_pinned);

    fn unpin_user_pages_dirty_lock<P: Platform>(
        &self,
        pages: &[PageRef<'_, P>],
        make_dirty: bool,
    ) -> Result<(), GupError> {
        let mut first_error = None;
        for &page in pages {
            // The flaw: the unpin comes first; the dirty mark follows it.
            if let Err(error) = self.unpin_user_page(page) {
                first_error.get_or_insert(error);
                continue;
            }
            let head = page.compound_head();
            if make_dirty && !page_dirty(head) {
                lock_page(head);
                set_page_dirty(head);
                unlock_page(head);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}
