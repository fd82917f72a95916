//! Splitting a compound page into order-0 pages (`split_huge_page`), the
//! operation a speculative grab on a compound head can race with.

use crate::error::GupError;
use crate::page::{Compound, PageRef};
use crate::page_ref::{page_ref_freeze, page_ref_unfreeze, set_page_count};
use crate::sync::{AtomicI32, Ordering, Platform};

/// `split_huge_page()`: splits the compound page `page` belongs to into
/// order-0 pages, each keeping the one reference its mapping holds.
///
/// The head must hold exactly one reference per subpage (its mappings'),
/// nothing more: the split freezes the count at that value
/// ([`page_ref_freeze`]), so that no grab can slip in, and is refused
/// ([`GupError::SplitRefused`], `-EBUSY`) when the freeze fails because
/// someone else holds a reference or a pin. Under the freeze each tail gets
/// its count (1) and then becomes its own head (order 0; a release store,
/// so that whoever sees the new head sees the count); the head becomes an
/// order-0 page and is unfrozen at 1.
///
/// A speculative grab that looked the head up before the split and grabs
/// it after the unfreeze holds a reference on a page that is no longer its
/// page's head: the grab must re-check the head after grabbing (the 2021
/// fix), or it pins the wrong page.
pub fn split_huge_page<P: Platform>(page: PageRef<'_, P>) -> Result<(), GupError> {
    let head = page.compound_head();
    let order = head.compound_order();
    let splittable = matches!(head.page().compound, Compound::Splittable { .. });
    if order == 0 || !splittable {
        return Err(GupError::SplitRefused { pfn: head.pfn() });
    }
    let subpages = 1usize << order;
    if !page_ref_freeze(head, subpages as i32) {
        return Err(GupError::SplitRefused { pfn: head.pfn() });
    }
    for pfn in head.pfn() + 1..head.pfn() + subpages {
        let tail = PageRef { mem: head.mem, pfn };
        set_page_count(tail, 1);
        if let Compound::Splittable { head: link, order } = &tail.page().compound {
            order.store(0, Ordering::Release);
            link.store(pfn as i32, Ordering::Release);
        }
    }
    if let Compound::Splittable { order, .. } = &head.page().compound {
        order.store(0, Ordering::Release);
    }
    page_ref_unfreeze(head, 1);
    Ok(())
}
