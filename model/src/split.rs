//! Splitting a compound page into order-0 pages (`split_huge_page`), the
//! operation a speculative grab on a compound head can race with.

use crate::error::GupError;
use crate::event::EventKind;
use crate::page::{Compound, PageRef};
use crate::page_ref::{page_ref_freeze, page_ref_unfreeze};
use crate::sync::{AtomicI32, Ordering, Platform};

/// `split_huge_page()`: splits the compound page `page` belongs to into
/// order-0 pages, each keeping the one reference its mapping holds.
///
/// The head must hold exactly one reference per subpage (its mappings'),
/// nothing more: the split freezes the count at that value
/// ([`page_ref_freeze`]), so that no grab can slip in, and is refused
/// ([`GupError::SplitRefused`], `-EBUSY`) when the freeze fails because
/// someone else holds a reference or a pin. Under the freeze each tail, in
/// the order of `__split_huge_page_tail` (mm/huge_memory.c, since its
/// reorder in v4.17, commit 605ca5ede764, and through v5.7–v6.x), first
/// becomes its own head (`clear_compound_head`: order 0, then the head
/// link, a release store) and then gets its count by
/// [`page_ref_unfreeze`]: a tail's count is 0,
/// frozen for as long as it is a tail, and the split is what unfreezes it.
/// The head becomes an order-0 page and is unfrozen at 1. Each rewrite of
/// a page's head and order is reported ([`EventKind::CompoundHead`]), so
/// that an observer knows which pages are heads from then on.
///
/// The order matters to a speculative grab racing the split: one that
/// finds the tail already its own head finds it frozen at 0 and is
/// refused, and one whose add-unless-zero sees the unfrozen count sees
/// (through the unfreeze's release) that the page is a head.
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
        clear_compound_head(tail);
        page_ref_unfreeze(tail, 1);
    }
    if let Compound::Splittable { order, .. } = &head.page().compound {
        order.store(0, Ordering::Release);
    }
    head.mem.report(head.pfn, || EventKind::CompoundHead {
        head: head.pfn,
        order: 0,
    });
    page_ref_unfreeze(head, 1);
    Ok(())
}

/// `clear_compound_head()`: a tail of a splittable page becomes an order-0
/// page of its own. The order is stored first and the head link last, both
/// release, so that whoever reads the new head (an acquire load) also reads
/// the new order.
fn clear_compound_head<P: Platform>(tail: PageRef<'_, P>) {
    if let Compound::Splittable { head: link, order } = &tail.page().compound {
        order.store(0, Ordering::Release);
        link.store(tail.pfn as i32, Ordering::Release);
    }
    tail.mem.report(tail.pfn, || EventKind::CompoundHead {
        head: tail.pfn,
        order: 0,
    });
}
