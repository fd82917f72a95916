//! Freeing a page once its last reference is gone.

use crate::event::EventKind;
use crate::page::{PAGE_CONTENTS_POISON, PageRef};
use crate::sync::{AtomicI32, ContentsCell, Ordering, Platform};

/// `__put_page()`: the page's last reference is gone; hand it back to the
/// allocator. The model records the free and poisons the contents, so that
/// a later use is seen (and, on loom, a use not ordered before this write).
///
/// Must be called only by the thread whose fully ordered decrement took the
/// count to zero: that decrement's trailing fence orders every earlier use
/// before these writes. The record is relaxed: it is read only at quiescent
/// points, or by the observer, which sees events in execution order.
pub fn free_page<P: Platform>(page: PageRef<'_, P>) {
    mark_freed(page, "__put_page");
}

/// `free_devmap_managed_page()` (v5.7): a device page whose count dropped to
/// 1 goes back to its driver. For the model it is freed the same way.
pub fn free_devmap_managed_page<P: Platform>(page: PageRef<'_, P>) {
    mark_freed(page, "free_devmap_managed_page");
}

fn mark_freed<P: Platform>(page: PageRef<'_, P>, by: &'static str) {
    page.page().freed.fetch_add(1, Ordering::Relaxed);
    page.page().contents.write(PAGE_CONTENTS_POISON);
    page.mem.report(page.pfn, || EventKind::Freed { by });
}
