//! `dirty-after-unpin`: `unpin_user_pages_dirty_lock` marks the page dirty
//! after the unpin instead of before it.

use pinref_model::gup::{dirty_user_page, for_each_page};
use pinref_model::sync::Platform;
use pinref_model::{GupError, PageRef, Scheme, V6_5};

/// v6.5 whose dirtying unpin runs its two steps in the wrong order.
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
pub struct DirtyAfterUnpin;

impl pinref_model::Patch for DirtyAfterUnpin {
    pinref_model::patch_of!(
        V6_5,
        "dirty-after-unpin",
        "v6_5, but unpin_user_pages_dirty_lock unpins before marking dirty"
    );

    fn unpin_user_pages_dirty_lock<P: Platform>(
        &self,
        pages: &[PageRef<'_, P>],
        make_dirty: bool,
    ) -> Result<(), GupError> {
        for_each_page(pages, |page| {
            // The flaw: the unpin comes first; the dirty mark follows it.
            Scheme::unpin_user_page(self, page)?;
            dirty_user_page(page, make_dirty);
            Ok(())
        })
    }
}
