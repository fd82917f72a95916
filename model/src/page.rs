//! `struct page`: the fields of a page the model needs, and the handle
//! through which schemes reach a page and its compound head.

use crate::error::GupError;
use crate::event::EventKind;
use crate::memory::Memory;
use crate::sync::{AtomicI32, ContentsCell, Ordering, Platform};
use std::fmt;

/// `GUP_PIN_COUNTING_BIAS` (include/linux/mm.h, v5.7 on): what one DMA pin
/// adds to a page's refcount. `1 << 10`, so the low 10 bits count plain
/// references and the 21 bits above them count pins, up to the sign bit.
pub const GUP_PIN_COUNTING_BIAS: i32 = 1 << 10;

/// What a live page's contents hold; any holder of a reference may read it.
pub const PAGE_CONTENTS_LIVE: u64 = 0x7069_6e72_6566_4f4b;
/// What the free writes into the contents: a holder that reads this has
/// used the page after it was freed.
pub const PAGE_CONTENTS_POISON: u64 = 0xdead_beef_dead_beef;

/// `PG_dirty`: the page's contents are newer than its backing store.
pub const PG_DIRTY: i32 = 1 << 0;
/// `PG_locked`: the page lock (`lock_page`).
pub const PG_LOCKED: i32 = 1 << 1;
/// `PG_anon_exclusive` (v5.19): an anonymous page mapped by exactly one
/// process, which may therefore be pinned without a copy-on-write.
pub const PG_ANON_EXCLUSIVE: i32 = 1 << 2;
/// The model's `PageAnon()`: the page is anonymous memory (the kernel keeps
/// this in the low bit of `page->mapping`).
pub const PG_ANON: i32 = 1 << 3;

/// One page frame (`struct page`). Only the head page's counts are used:
/// tail pages keep refcount 0, and every operation on a tail acts on its
/// head (`compound_head`).
pub struct Page<P: Platform> {
    /// `page->_refcount`.
    pub(crate) refcount: P::AtomicI32,
    /// The exact pin count of a compound page: `hpage_pinned_refcount`
    /// (v5.7, kept in the first tail page) or `folio->_pincount` (v5.19 on).
    /// Kept on the head here; schemes that use it say so.
    pub(crate) pincount: P::AtomicI32,
    /// `page->flags`: `PG_dirty`, `PG_locked`, `PG_anon_exclusive`, and the
    /// model's `PG_anon`.
    pub(crate) flags: P::AtomicI32,
    /// The page's contents: read by holders, poisoned by the free.
    pub(crate) contents: P::Cell,
    /// How many times the page was freed: 0 or 1 in a correct run.
    pub(crate) freed: P::AtomicI32,
    /// `compound_head(page)` and `compound_order()`: fixed, or changeable
    /// by a split.
    pub(crate) compound: Compound<P>,
}

/// Where a page's compound head and order live.
///
/// Most checks never split a page, and a fixed head costs the engines
/// nothing; a page laid out as splittable keeps both in atomics, so that a
/// split ([`crate::split::split_huge_page`]) can rewrite them while other
/// threads look them up, as `page->compound_head` is rewritten in the
/// kernel.
pub(crate) enum Compound<P: Platform> {
    /// Never split: the head's pfn and the compound order.
    Fixed {
        /// The head's pfn (the page's own for a head or an order-0 page).
        head: usize,
        /// The compound order (0 for order-0).
        order: u32,
    },
    /// Splittable: the same, as atomics.
    Splittable {
        /// The head's pfn.
        head: P::AtomicI32,
        /// The compound order.
        order: P::AtomicI32,
    },
}

impl<P: Platform> Page<P> {
    pub(crate) fn new(head: usize, order: u32, splittable: bool) -> Self {
        let compound = if splittable {
            Compound::Splittable {
                head: P::AtomicI32::new(head as i32),
                order: P::AtomicI32::new(order as i32),
            }
        } else {
            Compound::Fixed { head, order }
        };
        Page {
            refcount: P::AtomicI32::new(0),
            pincount: P::AtomicI32::new(0),
            flags: P::AtomicI32::new(0),
            contents: P::Cell::new(PAGE_CONTENTS_LIVE),
            freed: P::AtomicI32::new(0),
            compound,
        }
    }

    /// The head's pfn: `READ_ONCE(page->compound_head)`. Acquire on a
    /// splittable page, pairing with the split's release of the new head,
    /// so that whoever sees a tail turned into a head also sees its new
    /// order (the count comes after, by its own unfreeze; see
    /// [`crate::split::split_huge_page`]).
    pub(crate) fn head(&self) -> usize {
        match &self.compound {
            Compound::Fixed { head, .. } => *head,
            Compound::Splittable { head, .. } => head.load(Ordering::Acquire) as usize,
        }
    }

    /// The compound order as this page records it.
    pub(crate) fn order(&self) -> u32 {
        match &self.compound {
            Compound::Fixed { order, .. } => *order,
            Compound::Splittable { order, .. } => order.load(Ordering::Acquire) as u32,
        }
    }
}

/// A page's fields as [`PageRef::peek`] read them: what an observer is
/// shown of each page when it is attached, after the set-up and before any
/// thread runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageState {
    /// The page frame number.
    pub pfn: usize,
    /// `compound_head()`: the page's own pfn for a head or an order-0 page.
    pub head: usize,
    /// `compound_order()` as the page records it.
    pub order: u32,
    /// `page->_refcount`.
    pub refcount: i32,
    /// The exact pin count (`hpage_pinned_refcount`, `_pincount`).
    pub pincount: i32,
    /// `page->flags` ([`PG_DIRTY`], [`PG_LOCKED`]).
    pub flags: i32,
    /// How many times the page has been freed.
    pub times_freed: i32,
}

impl PageState {
    /// `PageTail()`: part of a compound page, and not its head.
    pub fn is_tail(&self) -> bool {
        self.head != self.pfn
    }

    /// `PG_dirty` is set.
    pub fn dirty(&self) -> bool {
        self.flags & PG_DIRTY != 0
    }

    /// `PG_locked` is set (someone holds the page lock).
    pub fn locked(&self) -> bool {
        self.flags & PG_LOCKED != 0
    }
}

/// A page of a [`Memory`]: the `struct page *` that schemes receive.
///
/// It may name a tail page; [`PageRef::compound_head`] finds the head.
pub struct PageRef<'m, P: Platform> {
    pub(crate) mem: &'m Memory<P>,
    pub(crate) pfn: usize,
}

impl<P: Platform> Clone for PageRef<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P: Platform> Copy for PageRef<'_, P> {}

impl<P: Platform> PartialEq for PageRef<'_, P> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.mem, other.mem) && self.pfn == other.pfn
    }
}
impl<P: Platform> Eq for PageRef<'_, P> {}

impl<P: Platform> fmt::Debug for PageRef<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "page {}", self.pfn)
    }
}

impl<'m, P: Platform> PageRef<'m, P> {
    /// The page frame number (`page_to_pfn`).
    pub fn pfn(self) -> usize {
        self.pfn
    }

    /// The memory this page belongs to.
    pub fn memory(self) -> &'m Memory<P> {
        self.mem
    }

    pub(crate) fn page(self) -> &'m Page<P> {
        &self.mem.pages[self.pfn]
    }

    /// `compound_head()`: the head page of this page's compound page (the
    /// page itself for a head or an order-0 page).
    pub fn compound_head(self) -> PageRef<'m, P> {
        PageRef {
            mem: self.mem,
            pfn: self.page().head(),
        }
    }

    /// `PageTail()`: whether this is a tail page of a compound page.
    pub fn is_tail(self) -> bool {
        self.page().head() != self.pfn
    }

    /// `compound_order()`: the order of this page's compound page (0 for an
    /// order-0 page).
    pub fn compound_order(self) -> u32 {
        self.page().order()
    }

    /// `PageCompound()` / `folio_test_large()`: part of a compound page.
    pub fn is_compound(self) -> bool {
        self.compound_order() > 0
    }

    /// `is_zero_page()`: whether this is the shared zero page of its
    /// memory ([`crate::Layout::with_zero_page`]).
    pub fn is_zero_page(self) -> bool {
        self.mem.zero_pfn == Some(self.pfn)
    }

    /// `hpage_pincount_available()` (v5.7): a compound page of order > 1,
    /// which has room in its first tail page for an exact pin count.
    pub fn hpage_pincount_available(self) -> bool {
        self.compound_order() > 1
    }

    /// A holder's use of the page: reads its contents. On loom the read is
    /// checked for causality against the free's write.
    pub fn read_contents(self) -> u64 {
        let value = self.page().contents.read();
        self.mem
            .report(self.pfn, || EventKind::ContentsRead { value });
        value
    }

    /// How many times this page has been freed (0 or 1 in a correct run).
    /// A relaxed read, for checks at quiescent points.
    pub fn times_freed(self) -> i32 {
        self.page().freed.load(crate::sync::Ordering::Relaxed)
    }

    /// Everything the page holds, read by the checker rather than by the
    /// kernel: relaxed loads that report no event (no kernel code touched
    /// the page). For the state an observer is shown when it is attached
    /// ([`crate::Observer::attached`]) and for checks at quiescent points;
    /// a scheme or scenario thread reads through the kernel's helpers
    /// instead ([`crate::page_ref`], [`crate::page_flags`]), which report.
    /// The contents are left out: reading them is a use of the page.
    pub fn peek(self) -> PageState {
        let page = self.page();
        PageState {
            pfn: self.pfn,
            head: page.head(),
            order: page.order(),
            refcount: page.refcount.load(Ordering::Relaxed),
            pincount: page.pincount.load(Ordering::Relaxed),
            flags: page.flags.load(Ordering::Relaxed),
            times_freed: page.freed.load(Ordering::Relaxed),
        }
    }

    /// `pfn_to_page()` with a bounds check.
    pub fn checked(mem: &'m Memory<P>, pfn: usize) -> Result<Self, GupError> {
        if pfn < mem.pages.len() {
            Ok(PageRef { mem, pfn })
        } else {
            Err(GupError::NoSuchPage { pfn })
        }
    }
}
