//! The vmstat pin counters: `nr_foll_pin_acquired` and
//! `nr_foll_pin_released` (`NR_FOLL_PIN_ACQUIRED` / `NR_FOLL_PIN_RELEASED`
//! in v5.7, renamed later).

use crate::event::EventKind;
use crate::page::PageRef;
use crate::sync::{AtomicI32, ContentsCell, Ordering, Platform};

/// A node's pin counters. `acquired - released` is the number of live pins
/// whenever no pin operation is in flight (property P9).
pub struct VmStat<P: Platform> {
    acquired: P::AtomicI32,
    released: P::AtomicI32,
}

/// Which vmstat pin counter to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinStat {
    /// `NR_FOLL_PIN_ACQUIRED`: `+refs` on every pin.
    Acquired,
    /// `NR_FOLL_PIN_RELEASED`: `+1` per unpinned page (`+refs` for a batch).
    Released,
}

impl PinStat {
    /// The counter's name as `/proc/vmstat` shows it.
    pub fn name(self) -> &'static str {
        match self {
            PinStat::Acquired => "nr_foll_pin_acquired",
            PinStat::Released => "nr_foll_pin_released",
        }
    }
}

impl<P: Platform> VmStat<P> {
    pub(crate) fn new() -> Self {
        VmStat {
            acquired: P::AtomicI32::new(0),
            released: P::AtomicI32::new(0),
        }
    }

    /// `nr_foll_pin_acquired` (a relaxed read: exact at quiescent points).
    pub fn acquired(&self) -> i32 {
        self.acquired.load(Ordering::Relaxed)
    }

    /// `nr_foll_pin_released` (a relaxed read: exact at quiescent points).
    pub fn released(&self) -> i32 {
        self.released.load(Ordering::Relaxed)
    }

    /// Sets both counters, before the threads start and before an observer
    /// is attached (a check that starts from pins already held starts from
    /// their statistics too): set-up, not an access, so no event.
    pub fn set(&self, acquired: i32, released: i32) {
        self.acquired.store(acquired, Ordering::Relaxed);
        self.released.store(released, Ordering::Relaxed);
    }
}

/// `mod_node_page_state(page_pgdat(page), item, delta)` /
/// `node_stat_mod_folio()`: adds `delta` to a pin counter of the page's
/// node.
///
/// Ordering: relaxed. The kernel's per-cpu vmstat updates order nothing;
/// the counters are exact only once every pin operation has finished, which
/// is when P9 reads them. Reading the page's node touches the page, so this
/// must come before a release that may free it (later kernels count the
/// release before dropping the reference).
pub fn mod_node_page_state<P: Platform>(page: PageRef<'_, P>, item: PinStat, delta: i32) {
    // One operation returning nothing (see `page_ref`'s `add`): the
    // counter's old value and the node read are dead once it returns.
    P::operation("mod_node_page_state", || {
        let stat = &page.mem.vmstat;
        let counter = match item {
            PinStat::Acquired => &stat.acquired,
            PinStat::Released => &stat.released,
        };
        // `page_pgdat(page)` reads the page (its flags name the node): a use of
        // the page, which loom checks for causality against the free's write,
        // as it checks any holder's read of the contents.
        let _node = page.page().contents.read();
        counter.fetch_add(delta, Ordering::Relaxed);
        page.mem.report(page.pfn, || EventKind::Stat {
            counter: item.name(),
            delta,
        });
    })
}
