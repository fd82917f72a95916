//! The memory a check runs on: a few page frames (order-0 and compound),
//! a page table that maps one user address to each frame, the vmstat pin
//! counters, and an optional [`Observer`] that sees every access.

use crate::error::GupError;
use crate::event::{Event, EventKind, Observer};
use crate::page::{Page, PageRef, PageState};
use crate::sync::{AtomicI32, Ordering, Platform};
use crate::vmstat::VmStat;
use std::sync::Arc;

/// The shape of a memory: its pages, as a list of compound orders.
///
/// Each entry is one (compound) page of `1 << order` frames, laid out one
/// after the other: `Layout::new(&[0, 2])` is an order-0 page (pfn 0) and an
/// order-2 compound page (head pfn 1, tails 2..=4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    orders: Vec<u32>,
    splittable: bool,
}

/// The largest compound order a layout may use (keeps a model small).
pub const MAX_ORDER: u32 = 4;

impl Layout {
    /// A layout of compound pages of the given orders (each at most
    /// [`MAX_ORDER`]).
    pub fn new(orders: &[u32]) -> Result<Layout, LayoutError> {
        if orders.is_empty() {
            return Err(LayoutError::Empty);
        }
        if let Some(&order) = orders.iter().find(|&&order| order > MAX_ORDER) {
            return Err(LayoutError::OrderTooLarge { order });
        }
        Ok(Layout {
            orders: orders.to_vec(),
            splittable: false,
        })
    }

    /// One order-0 page.
    pub fn single_page() -> Layout {
        Layout {
            orders: vec![0],
            splittable: false,
        }
    }

    /// The same layout, with compound pages that can be split
    /// ([`crate::split::split_huge_page`]): their head and order are kept in
    /// atomics that every lookup reads.
    pub fn splittable(mut self) -> Layout {
        self.splittable = true;
        self
    }

    /// Whether the compound pages can be split.
    pub fn is_splittable(&self) -> bool {
        self.splittable
    }

    /// The compound orders, one per (compound) page.
    pub fn orders(&self) -> &[u32] {
        &self.orders
    }

    /// The pfn of each (compound) page's head.
    pub fn heads(&self) -> Vec<usize> {
        let mut next = 0;
        self.orders
            .iter()
            .map(|order| {
                let head = next;
                next += 1 << order;
                head
            })
            .collect()
    }

    /// How many frames the layout has.
    pub fn frames(&self) -> usize {
        self.orders.iter().map(|order| 1usize << order).sum()
    }
}

/// Why a [`Layout`] was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayoutError {
    /// A layout needs at least one page.
    Empty,
    /// A compound order above [`MAX_ORDER`].
    OrderTooLarge {
        /// The order asked for.
        order: u32,
    },
}

impl std::fmt::Display for LayoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LayoutError::Empty => f.write_str("a layout needs at least one page"),
            LayoutError::OrderTooLarge { order } => {
                write!(f, "compound order {order} is above the maximum {MAX_ORDER}")
            }
        }
    }
}

impl std::error::Error for LayoutError {}

/// The page table's value for an address that maps nothing.
const PTE_NONE: i32 = -1;

/// Page frames, a page table and the vmstat counters.
///
/// Every frame starts free (refcount 0) with live contents, and user address
/// `i` maps frame `i`. Set the starting counts with
/// [`crate::page_ref::set_page_count`] (or a scheme's
/// [`crate::Scheme::init_page`]) before the threads start, and before
/// attaching an observer ([`Memory::with_observer`]): the set-up is not an
/// access.
pub struct Memory<P: Platform> {
    pub(crate) pages: Box<[Page<P>]>,
    ptes: Box<[P::AtomicI32]>,
    pub(crate) vmstat: VmStat<P>,
    observer: Option<Arc<dyn Observer>>,
}

impl<P: Platform> Memory<P> {
    /// A memory of the given layout, with no observer.
    pub fn new(layout: &Layout) -> Self {
        let mut pages = Vec::with_capacity(layout.frames());
        for (head, &order) in layout.heads().iter().zip(layout.orders()) {
            for _ in 0..(1usize << order) {
                pages.push(Page::new(*head, order, layout.splittable && order > 0));
            }
        }
        let ptes = (0..pages.len())
            .map(|pfn| P::AtomicI32::new(pfn as i32))
            .collect();
        Memory {
            pages: pages.into_boxed_slice(),
            ptes,
            vmstat: VmStat::new(),
            observer: None,
        }
    }

    /// Attaches an observer that sees every access from now on, and first
    /// shows it each frame's state ([`Observer::attached`]).
    ///
    /// This is where the set-up ends: a check writes its starting counts
    /// (a scheme's [`crate::Scheme::init_page`], the vmstat counters)
    /// *before* attaching the observer, so that none of those writes is
    /// mistaken for an access, and every write after it is one.
    pub fn with_observer(mut self, observer: Arc<dyn Observer>) -> Self {
        let pages: Vec<PageState> = (0..self.pages.len())
            .map(|pfn| PageRef { mem: &self, pfn }.peek())
            .collect();
        observer.attached(&pages);
        self.observer = Some(observer);
        self
    }

    /// How many frames there are.
    pub fn frames(&self) -> usize {
        self.pages.len()
    }

    /// `pfn_to_page()`: the page with this frame number.
    pub fn page(&self, pfn: usize) -> Result<PageRef<'_, P>, GupError> {
        PageRef::checked(self, pfn)
    }

    /// The vmstat pin counters.
    pub fn vmstat(&self) -> &VmStat<P> {
        &self.vmstat
    }

    /// Hands an event to the observer, if there is one. The event is built
    /// only when someone listens.
    pub(crate) fn report(&self, pfn: usize, kind: impl FnOnce() -> EventKind) {
        if let Some(observer) = &self.observer {
            let event = Event {
                thread: P::thread_index(),
                pfn,
                kind: kind(),
            };
            if P::observe(&event) {
                observer.event(&event);
            }
        }
    }

    /// `ptep_get_lockless()`: the page a user address maps, read without a
    /// lock (relaxed: gup_fast orders its re-read by the grab's full barrier,
    /// not by this load).
    pub fn pte_read(&self, addr: usize) -> Result<Option<PageRef<'_, P>>, GupError> {
        let pte = self.ptes.get(addr).ok_or(GupError::NotMapped { addr })?;
        let maps = usize::try_from(pte.load(Ordering::Relaxed)).ok();
        self.report(addr, || EventKind::PteRead { maps });
        Ok(maps.map(|pfn| PageRef { mem: self, pfn }))
    }

    /// `ptep_get_and_clear()` (then the TLB flush): unmaps a user address
    /// and returns the page it mapped. The caller owns the mapping's
    /// reference and must drop it (`put_page`) afterwards.
    ///
    /// Ordering: the kernel's `xchg` is fully ordered; the `SeqCst` exchange
    /// with fences on both sides orders the clear before the caller's later
    /// release, so that a gup_fast whose grab comes after that release
    /// re-reads the cleared entry (see [`crate::gup::gup_fast_pte`]).
    pub fn zap_pte(&self, addr: usize) -> Result<Option<PageRef<'_, P>>, GupError> {
        let pte = self.ptes.get(addr).ok_or(GupError::NotMapped { addr })?;
        P::fence(Ordering::SeqCst);
        let old = pte.swap(PTE_NONE, Ordering::SeqCst);
        P::fence(Ordering::SeqCst);
        let old = usize::try_from(old).ok();
        self.report(addr, || EventKind::PteCleared { old });
        Ok(old.map(|pfn| PageRef { mem: self, pfn }))
    }
}
