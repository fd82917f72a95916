//! The properties of the spec (P1–P10): their names and words. The ghost
//! spec says what the right answers are; these say what must hold, and the
//! checker in `pinref-proofs` judges them. They live beside the model so
//! that a scheme can name the property a known bug of its version breaks.

use std::fmt;

/// One property of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Property {
    /// P1, no false negatives.
    P1,
    /// P2, bounded false positives.
    P2,
    /// P3, no underflow.
    P3,
    /// P4, freed exactly once.
    P4,
    /// P5, exact recovery.
    P5,
    /// P6, overflow safety.
    P6,
    /// P7, matched release.
    P7,
    /// P8, dirty before unpin.
    P8,
    /// P9, stats balance.
    P9,
    /// P10, speculation is safe.
    P10,
}

impl Property {
    /// Every property, in order.
    pub const ALL: [Property; 10] = [
        Property::P1,
        Property::P2,
        Property::P3,
        Property::P4,
        Property::P5,
        Property::P6,
        Property::P7,
        Property::P8,
        Property::P9,
        Property::P10,
    ];

    /// The short id (`P1`).
    pub fn id(self) -> &'static str {
        match self {
            Property::P1 => "P1",
            Property::P2 => "P2",
            Property::P3 => "P3",
            Property::P4 => "P4",
            Property::P5 => "P5",
            Property::P6 => "P6",
            Property::P7 => "P7",
            Property::P8 => "P8",
            Property::P9 => "P9",
            Property::P10 => "P10",
        }
    }

    /// The property's title.
    pub fn title(self) -> &'static str {
        match self {
            Property::P1 => "no false negatives",
            Property::P2 => "bounded false positives",
            Property::P3 => "no underflow",
            Property::P4 => "freed exactly once",
            Property::P5 => "exact recovery",
            Property::P6 => "overflow safety",
            Property::P7 => "matched release",
            Property::P8 => "dirty before unpin",
            Property::P9 => "stats balance",
            Property::P10 => "speculation is safe",
        }
    }

    /// What must hold, in the spec's terms.
    pub fn statement(self) -> &'static str {
        match self {
            Property::P1 => {
                "while any pin is held, every observer that happens-after the pin sees \
                 page_dma_pinned() == true"
            }
            Property::P2 => {
                "with no pin held, page_dma_pinned() may be true only when plain references \
                 are >= 1024"
            }
            Property::P3 => {
                "no release takes the counter, or the count of its own kind, below zero"
            }
            Property::P4 => {
                "the page is freed exactly once, at the transition to 0 (devmap: 1), and \
                 nothing touches it after"
            }
            Property::P5 => {
                "balanced operations return the counter to where it started; \
                 refcount == plain + 1024 * pins at every quiescent point"
            }
            Property::P6 => {
                "a grab that would wrap the counter is refused and changes nothing; the \
                 counter never wraps into a state where a put frees a referenced page"
            }
            Property::P7 => {
                "a FOLL_GET reference is released by put_page, a pin by unpin_user_page*, \
                 with the same refs, on the head; a mismatch is reported"
            }
            Property::P8 => {
                "after unpin_user_pages_dirty_lock(.., true), an observer that sees the page \
                 unpinned also sees it dirty, unless writeback has cleaned it since \
                 (clear_page_dirty_for_io, the race mm/gup.c accepts): the dirtying is never lost"
            }
            Property::P9 => {
                "pins acquired - released equals live pins whenever no pin operation is in \
                 flight"
            }
            Property::P10 => {
                "a speculative grab never revives a page whose count reached 0, and a failed \
                 re-check releases exactly what was taken"
            }
        }
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.id(), self.title())
    }
}
