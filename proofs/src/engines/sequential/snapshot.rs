//! Every concrete count of a memory, read at a quiescent point with
//! [`pinref_model::Memory::peek_all`] (the checker writes nothing, and its
//! reads are not events the monitor judges).

use pinref_model::page::PageState;
use pinref_model::sync::Std;
use pinref_model::{Counts, Memory};

/// The counters of one frame.
pub(crate) type FrameState = PageState;

/// The refcount and the pin count of `frame`.
pub(crate) fn counts(frame: &FrameState) -> Counts {
    Counts {
        refcount: frame.refcount,
        pincount: frame.pincount,
    }
}

/// Every concrete count of the memory.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Snapshot {
    pub(crate) frames: Vec<FrameState>,
    pub(crate) acquired: i32,
    pub(crate) released: i32,
}

impl Snapshot {
    /// Reads every count of `memory` into this snapshot (its buffer is
    /// reused from one operation to the next).
    pub(crate) fn read(&mut self, memory: &Memory<Std>) {
        self.frames.clear();
        self.frames.extend(memory.peek_all());
        self.acquired = memory.vmstat().acquired();
        self.released = memory.vmstat().released();
    }
}
