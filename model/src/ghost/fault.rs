//! The words of the ghost's answers: which refusals an operation may give
//! ([`Refusal`]), which property a contradicting run breaks and why
//! ([`Fault`], kept as data and worded only when a violation is reported),
//! and the violations a scheme's claims expect ([`Expected`]).

use crate::error::GupError;
use crate::flags::{GupFlags, RefKind};
use crate::property::Property;
use crate::scheme::Held;
use std::fmt;

/// The errors a refusal may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Exactly this error.
    Exactly(GupError),
    /// Either of these (the order in which a scheme checks two bad inputs
    /// is its own).
    EitherOf(GupError, GupError),
    /// A grab refused on the counts of head `pfn`.
    GrabRefused {
        /// The head.
        pfn: usize,
    },
    /// A release of `kind` refused on the counts of head `pfn`.
    ReleaseRefused {
        /// Plain reference or pin.
        kind: RefKind,
        /// The head.
        pfn: usize,
    },
}

impl Refusal {
    /// Whether `error` is one this refusal allows.
    pub fn allows(&self, error: &GupError) -> bool {
        match self {
            Refusal::Exactly(expected) => expected == error,
            Refusal::EitherOf(first, second) => first == error || second == error,
            Refusal::GrabRefused { pfn } => matches!(
                *error,
                GupError::RefcountNotPositive { pfn: p, .. }
                    | GupError::WouldOverflow { pfn: p, .. }
                    | GupError::SpeculativeGrabOnFreedPage { pfn: p }
                    | GupError::GetPageOnFreeOrOverflowed { pfn: p, .. }
                    if p == *pfn
            ),
            Refusal::ReleaseRefused {
                kind: RefKind::Get,
                pfn,
            } => *error == GupError::PutAtZero { pfn: *pfn },
            Refusal::ReleaseRefused {
                kind: RefKind::Pin,
                pfn,
            } => matches!(*error, GupError::UnpinWithoutPin { pfn: p, .. } if p == *pfn),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Exactly(error) => write!(f, "{error:?}"),
            Refusal::EitherOf(first, second) => write!(f, "{first:?} or {second:?}"),
            Refusal::GrabRefused { pfn } => write!(
                f,
                "a grab refusal on head {pfn} (RefcountNotPositive, WouldOverflow, \
                 SpeculativeGrabOnFreedPage or GetPageOnFreeOrOverflowed)"
            ),
            Refusal::ReleaseRefused {
                kind: RefKind::Get,
                pfn,
            } => write!(f, "PutAtZero on head {pfn}"),
            Refusal::ReleaseRefused {
                kind: RefKind::Pin,
                pfn,
            } => write!(f, "UnpinWithoutPin on head {pfn}"),
        }
    }
}

/// The property a run breaks if it contradicts what the spec allows, and
/// why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    /// The property.
    pub property: Property,
    /// Why.
    pub reason: Reason,
}

impl Fault {
    /// `reason` breaks `property`.
    pub fn new(property: Property, reason: Reason) -> Fault {
        Fault { property, reason }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.reason.fmt(f)
    }
}

/// Why a run that contradicts the spec is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The frame names no page: the call must give `NoSuchPage`.
    NoSuchPage {
        /// The frame.
        pfn: usize,
    },
    /// The flags name no single kind of reference.
    NoSingleKind {
        /// The raw flags.
        flags: u32,
    },
    /// `refs` is outside `1..=MAX_REFS`.
    RefsOutOfRange {
        /// The refs.
        refs: i32,
    },
    /// Both the flags and `refs` are bad.
    BadFlagsAndRefs {
        /// The refs.
        refs: i32,
    },
    /// The address maps nothing: the call must give `NotMapped`.
    NotMapped {
        /// The address.
        addr: usize,
    },
    /// The address maps nothing and the flags are bad.
    NotMappedBadFlags {
        /// The address.
        addr: usize,
    },
    /// `FOLL_GET` in the flags of `pin_user_pages*`.
    FollGetInPin,
    /// `page_dma_pinned` on a real page failed.
    ReadFailed,
    /// `get_page` on a page that holds no reference: a caller's bug.
    GetPageOnNothing,
    /// [`Reason::GetPageOnNothing`], and the scheme accepted it.
    GetPageOnNothingAccepted,
    /// A grab was accepted on a page at its free value.
    Revived {
        /// By gup_fast's speculative grab.
        speculative: bool,
    },
    /// A grab was accepted on a count already past the sign bit.
    GrabOnWrapped {
        /// The refcount.
        count: i32,
    },
    /// A grab carried the count past the sign bit, though the scheme claims
    /// `refuses_before_overflow`.
    GrabPastSignBit {
        /// What was grabbed.
        refs: i64,
        /// Of which kind.
        kind: RefKind,
        /// The refcount before.
        count: i32,
    },
    /// A grab that must succeed was refused.
    GrabRefused,
    /// A release of what is held was refused.
    MatchedReleaseRefused {
        /// What the page holds.
        held: Held,
    },
    /// A release of what is not held: a caller's bug (no production kernel
    /// refuses it; the count is corrupted).
    MismatchedRelease {
        /// Plain reference or pin.
        kind: RefKind,
        /// What the page holds.
        held: Held,
    },
    /// [`Reason::MismatchedRelease`], and the scheme absorbed it.
    MismatchedReleaseAbsorbed {
        /// Plain reference or pin.
        kind: RefKind,
        /// What the page holds.
        held: Held,
    },
    /// Every page of a `pin_user_pages*` range could be pinned, yet the
    /// call failed.
    RangeFailed,
    /// A `pin_user_pages*` batch pinned `pinned` pages before a page it
    /// could not pin, yet failed: it must return those pages.
    PartialBatchRefused {
        /// The pages pinned before the stop.
        pinned: usize,
    },
    /// A dirtying unpin of a page that holds nothing: a caller's bug.
    DirtyUnpinOfFreePage,
    /// Every entry of an unpin batch holds its pin, yet the call failed.
    UnpinFailed,
}

/// A kind of reference, in words.
pub(crate) fn kind_name(kind: RefKind) -> &'static str {
    match kind {
        RefKind::Get => "plain reference",
        RefKind::Pin => "pin",
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Reason::NoSuchPage { pfn } => {
                write!(f, "pfn {pfn} names no page and must give NoSuchPage")
            }
            Reason::NoSingleKind { flags } => write!(
                f,
                "flags {:?} name no single kind of reference",
                GupFlags::from_bits(flags)
            ),
            Reason::RefsOutOfRange { refs } => write!(f, "refs {refs} is outside 1..=MAX_REFS"),
            Reason::BadFlagsAndRefs { refs } => write!(f, "bad flags and refs {refs}"),
            Reason::NotMapped { addr } => {
                write!(f, "address {addr} maps nothing and must give NotMapped")
            }
            Reason::NotMappedBadFlags { addr } => {
                write!(f, "address {addr} maps nothing and the flags are bad")
            }
            Reason::FollGetInPin => {
                f.write_str("FOLL_GET in the flags of pin_user_pages* must be refused (-EINVAL)")
            }
            Reason::ReadFailed => f.write_str("a read must not fail"),
            Reason::GetPageOnNothing => f.write_str(
                "get_page on a page that holds no reference (the caller must already hold one)",
            ),
            Reason::GetPageOnNothingAccepted => {
                write!(f, "{} was accepted", Reason::GetPageOnNothing)
            }
            Reason::Revived { speculative } => write!(
                f,
                "{} was accepted on a page whose count is at its free value: it revived a \
                 freed page",
                if speculative {
                    "a speculative grab"
                } else {
                    "a grab"
                }
            ),
            Reason::GrabOnWrapped { count } => write!(
                f,
                "a grab was accepted on a count that has wrapped past the sign bit (refcount \
                 {count})"
            ),
            Reason::GrabPastSignBit { refs, kind, count } => write!(
                f,
                "a grab of {refs} {} carried the count past the sign bit (refcount {count}), \
                 though the scheme claims refuses_before_overflow",
                kind_name(kind)
            ),
            Reason::GrabRefused => f.write_str(
                "a grab the spec says must succeed (a positive count it cannot wrap) was refused",
            ),
            Reason::MatchedReleaseRefused { held } => write!(
                f,
                "a matched release was refused (the page holds plain {}, pins {})",
                held.plain, held.pins
            ),
            Reason::MismatchedRelease { kind, held } => write!(
                f,
                "mismatched release: a {} that is not held (the page holds plain {}, pins {}); \
                 no kernel refuses it, the count is corrupted",
                kind_name(kind),
                held.plain,
                held.pins
            ),
            Reason::MismatchedReleaseAbsorbed { kind, held } => write!(
                f,
                "{}, was absorbed",
                Reason::MismatchedRelease { kind, held }
            ),
            Reason::RangeFailed => {
                f.write_str("every page of the range can be pinned, yet the call failed")
            }
            Reason::PartialBatchRefused { pinned } => write!(
                f,
                "the batch pinned {pinned} page(s) before the page it could not pin, yet \
                 failed: the kernel returns the pages it pinned (\"return i ? i : ret\") and \
                 its callers unpin what they are given, so an error here either leaks those \
                 pins or breaks the kernel's contract"
            ),
            Reason::DirtyUnpinOfFreePage => f.write_str(
                "unpin_user_pages_dirty_lock(.., make_dirty) of a page that holds no reference: \
                 the kernel's order dirties it before the unpin, so a freed page is touched",
            ),
            Reason::UnpinFailed => {
                f.write_str("every entry holds the pin it releases, yet the call failed")
            }
        }
    }
}

/// A violation of a property the scheme does not claim
/// ([`crate::Scheme::claims`]): reported and counted, not a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// The property.
    pub property: Property,
    /// What was seen.
    pub message: String,
}
