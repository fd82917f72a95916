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
    zero_page: Option<usize>,
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
            zero_page: None,
        })
    }

    /// One order-0 page.
    pub fn single_page() -> Layout {
        Layout {
            orders: vec![0],
            splittable: false,
            zero_page: None,
        }
    }

    /// The same layout, with compound pages that can be split
    /// ([`crate::split::split_huge_page`]): their head and order are kept in
    /// atomics that every lookup reads.
    pub fn splittable(mut self) -> Layout {
        self.splittable = true;
        self
    }

    /// The same layout, with its `index`-th page (an order-0 page) as the
    /// shared zero page (`ZERO_PAGE(0)`, which `is_zero_page()` names): the
    /// page every process maps for memory it has only read.
    pub fn with_zero_page(mut self, index: usize) -> Result<Layout, LayoutError> {
        match self.orders.get(index) {
            Some(0) => {
                self.zero_page = Some(index);
                Ok(self)
            }
            _ => Err(LayoutError::NoSuchOrderZeroPage { index }),
        }
    }

    /// The pfn of the shared zero page, if the layout has one.
    pub fn zero_pfn(&self) -> Option<usize> {
        self.zero_page.map(|index| self.heads()[index])
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
    /// The zero page must be one of the layout's order-0 pages.
    NoSuchOrderZeroPage {
        /// The index asked for.
        index: usize,
    },
}

impl std::fmt::Display for LayoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LayoutError::Empty => f.write_str("a layout needs at least one page"),
            LayoutError::OrderTooLarge { order } => {
                write!(f, "compound order {order} is above the maximum {MAX_ORDER}")
            }
            LayoutError::NoSuchOrderZeroPage { index } => {
                write!(f, "page {index} of the layout is not an order-0 page")
            }
        }
    }
}

impl std::error::Error for LayoutError {}

/// The page table's value for an address that maps nothing.
const PTE_NONE: i32 = -1;

/// The bit of a page-table entry that says the mapping is read-only (the
/// model's `!pte_write()`); the other bits are the pfn.
const PTE_RDONLY: i32 = 1 << 30;

/// A page-table entry as gup_fast reads it (`pte_t`): compared whole
/// (`pte_val(pte) != pte_val(*ptep)`), so that a write-protect changes it
/// as an unmap does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pte(i32);

impl Pte {
    /// The frame it maps (`pte_pfn`), or `None` (`pte_none`).
    pub fn pfn(self) -> Option<usize> {
        if self.0 == PTE_NONE {
            None
        } else {
            usize::try_from(self.0 & !PTE_RDONLY).ok()
        }
    }

    /// `pte_write()`: whether the mapping is writable.
    pub fn write(self) -> bool {
        self.0 != PTE_NONE && self.0 & PTE_RDONLY == 0
    }
}

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
    /// `mm->write_protect_seq` (v5.11): odd while fork write-protects the
    /// parent's page tables.
    write_protect_seq: P::AtomicI32,
    pub(crate) zero_pfn: Option<usize>,
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
            write_protect_seq: P::AtomicI32::new(0),
            zero_pfn: layout.zero_pfn(),
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
        let pages: Vec<PageState> = self.peek_all().collect();
        observer.attached(&pages);
        self.observer = Some(observer);
        self
    }

    /// Every frame's state, by pfn, as [`PageRef::peek`] reads it: relaxed
    /// loads that report no event, for the state an observer is shown and
    /// for checks at quiescent points.
    pub fn peek_all(&self) -> impl ExactSizeIterator<Item = PageState> + '_ {
        (0..self.pages.len()).map(move |pfn| PageRef { mem: self, pfn }.peek())
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

    /// The entry for `addr`, or `NotMapped` past the end of the table.
    fn pte(&self, addr: usize) -> Result<&P::AtomicI32, GupError> {
        self.ptes.get(addr).ok_or(GupError::NotMapped { addr })
    }

    /// `ptep_get_lockless()`: the page a user address maps, read without a
    /// lock (relaxed: gup_fast orders its re-read by the grab's full barrier,
    /// not by this load).
    pub fn pte_read(&self, addr: usize) -> Result<Option<PageRef<'_, P>>, GupError> {
        Ok(self
            .pte_get(addr)?
            .pfn()
            .map(|pfn| PageRef { mem: self, pfn }))
    }

    /// `ptep_get_lockless()` as a whole entry, write permission included
    /// (relaxed, as [`Memory::pte_read`]).
    /// Reports the read ([`EventKind::PteRead`]).
    pub fn pte_get(&self, addr: usize) -> Result<Pte, GupError> {
        let pte = Pte(self.pte(addr)?.load(Ordering::Relaxed));
        self.report(addr, || EventKind::PteRead { maps: pte.pfn() });
        Ok(pte)
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
        let pte = self.pte(addr)?;
        P::fence(Ordering::SeqCst);
        let old = Pte(pte.swap(PTE_NONE, Ordering::SeqCst));
        P::fence(Ordering::SeqCst);
        Ok(self.cleared(addr, old))
    }

    /// `ptep_get_and_clear()` where it is a relaxed exchange (arm64's
    /// `xchg_relaxed`), with no barrier after: what
    /// `page_try_share_anon_rmap`'s caller did before v6.1, relying on a
    /// TLB flush that does not synchronise with RCU GUP-fast.
    pub fn zap_pte_relaxed(&self, addr: usize) -> Result<Option<PageRef<'_, P>>, GupError> {
        let old = Pte(self.pte(addr)?.swap(PTE_NONE, Ordering::Relaxed));
        Ok(self.cleared(addr, old))
    }

    fn cleared(&self, addr: usize, old: Pte) -> Option<PageRef<'_, P>> {
        let old = old.pfn();
        self.report(addr, || EventKind::PteCleared { old });
        old.map(|pfn| PageRef { mem: self, pfn })
    }

    /// `set_pte_at()`: maps `page` at `addr`, writable (a fault, a
    /// migration entry replaced by the new page, a restored mapping). The
    /// caller gives the mapping its reference. A release store: whoever
    /// reads the entry sees the page as it was set up. (No event: the
    /// observer's vocabulary has only the clear; the scenario notes it.)
    pub fn set_pte(&self, addr: usize, page: PageRef<'_, P>) -> Result<(), GupError> {
        let pfn = page.pfn() as i32;
        self.pte(addr)?.store(pfn, Ordering::Release);
        Ok(())
    }

    /// `ptep_set_wrprotect()`: makes the mapping at `addr` read-only, as
    /// fork does to the parent's private pages before sharing them with the
    /// child. An atomic RMW of the entry (x86's `clear_bit`), relaxed: the
    /// caller's `mm->write_protect_seq` brings the ordering. (No event, as
    /// [`Memory::set_pte`].)
    pub fn pte_wrprotect(&self, addr: usize) -> Result<(), GupError> {
        self.pte(addr)?.fetch_or(PTE_RDONLY, Ordering::Relaxed);
        Ok(())
    }

    /// `raw_write_seqcount_begin(&mm->write_protect_seq)` (fork, v5.11),
    /// and the page-table lock fork takes next (`spin_lock(src_ptl)` in
    /// `copy_pte_range`): makes the count odd, fully ordered (`SeqCst`
    /// fences around the increment) before fork reads any page's pin.
    ///
    /// The seqcount's own barrier is only `smp_wmb()`; the full ordering of
    /// fork's store of the count before its load of the refcount comes from
    /// the lock's atomic acquire on x86 (a locked instruction). With the
    /// documented barriers alone (`smp_wmb` / `smp_rmb`) the C11 model lets
    /// gup_fast's pin and fork's read of it cross (store buffering); pinref
    /// models the x86 behaviour and does not claim to decide whether weaker
    /// architectures are exposed.
    pub fn write_protect_seq_begin(&self) {
        P::fence(Ordering::SeqCst);
        self.write_protect_seq.fetch_add(1, Ordering::SeqCst);
        P::fence(Ordering::SeqCst);
    }

    /// `raw_write_seqcount_end(&mm->write_protect_seq)`: `smp_wmb()`, then
    /// the count even again.
    pub fn write_protect_seq_end(&self) {
        P::fence(Ordering::Release);
        self.write_protect_seq.fetch_add(1, Ordering::Relaxed);
    }

    /// `raw_read_seqcount(&mm->write_protect_seq)` (gup_fast, v5.11): the
    /// count, then `smp_rmb()` (an acquire fence) before the walk.
    pub fn write_protect_seq_read(&self) -> i32 {
        let seq = self.write_protect_seq.load(Ordering::Relaxed);
        P::fence(Ordering::Acquire);
        seq
    }

    /// `read_seqcount_retry(&mm->write_protect_seq, seq)`: `smp_rmb()`
    /// after the walk, then whether the count moved since `seq`.
    pub fn write_protect_seq_retry(&self, seq: i32) -> bool {
        P::fence(Ordering::Acquire);
        self.write_protect_seq.load(Ordering::Relaxed) != seq
    }
}
