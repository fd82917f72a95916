//! The one error type of the model: every refused operation says which
//! kernel condition refused it, and leaves every count as it was.

use std::fmt;

/// Why an operation was refused.
///
/// A refused operation changes no count and no statistic. (One flag may
/// change: `unpin_user_pages_dirty_lock` marks a page dirty before its unpin,
/// as the kernel does, so a refused unpin there leaves the page dirty.) The
/// messages name the kernel condition the refusal stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GupError {
    /// `FOLL_GET` and `FOLL_PIN` together (`-EINVAL` in `try_grab_page`'s
    /// callers; a `WARN_ON_ONCE` in the kernel).
    FollGetAndPin,
    /// A grab with neither `FOLL_GET` nor `FOLL_PIN`: nothing to take.
    NoReferenceRequested,
    /// `refs` outside `1..=MAX_REFS`: a grab of nothing, or one whose pin
    /// delta (`refs * GUP_PIN_COUNTING_BIAS`) would wrap by itself. No
    /// kernel caller passes either (see [`crate::MAX_REFS`]).
    InvalidRefs {
        /// The refs asked for.
        refs: i32,
    },
    /// A page frame number that names no page of the memory.
    NoSuchPage {
        /// The pfn asked for.
        pfn: usize,
    },
    /// A user address that is not mapped (`-EFAULT`).
    NotMapped {
        /// The virtual page index.
        addr: usize,
    },
    /// `get_page` on a page whose count is zero or within 127 of wrapping
    /// (`page_ref_zero_or_close_to_overflow`, a `VM_BUG_ON` in the kernel).
    GetPageOnFreeOrOverflowed {
        /// The head page.
        pfn: usize,
        /// The count seen.
        count: i32,
    },
    /// A grab refused because the count is not positive: the page is free,
    /// or the count has wrapped past the sign bit (`try_get_page`,
    /// `try_grab_page`: the `<= 0` guard of CVE-2019-11487; `-ENOMEM`).
    RefcountNotPositive {
        /// The head page.
        pfn: usize,
        /// The count seen.
        count: i32,
    },
    /// A grab refused because it would carry the count past the sign bit
    /// (a scheme with an exact overflow guard).
    WouldOverflow {
        /// The head page.
        pfn: usize,
        /// The count seen.
        count: i32,
        /// What the grab would have added.
        delta: i32,
    },
    /// The gup_fast speculative grab found the count at zero: the page is
    /// being freed, and must not be revived (`page_ref_add_unless(.., 0)`).
    SpeculativeGrabOnFreedPage {
        /// The head page.
        pfn: usize,
    },
    /// The gup_fast page-table re-check found the entry changed after the
    /// grab: what was taken has been released and the caller must fall back
    /// to the slow path (`-EAGAIN`).
    PteChanged {
        /// The virtual page index.
        addr: usize,
    },
    /// The compound page a speculative grab took its reference on was split
    /// under it: the page is no longer a subpage of that head. What was
    /// taken has been released; the caller retries or falls back.
    CompoundHeadChanged {
        /// The page asked for.
        pfn: usize,
        /// The head the grab took its reference on.
        head: usize,
    },
    /// gup_fast asked for a writable pin (`FOLL_WRITE`) of a read-only
    /// mapping (`pte_access_permitted` fails): it takes nothing, and the
    /// caller falls back to the slow path, which faults (and breaks COW).
    NotWritable {
        /// The virtual page index.
        addr: usize,
    },
    /// gup_fast's pin of a read-only mapping of an anonymous page that is
    /// not `PageAnonExclusive` (`gup_must_unshare`, v5.19): released; the
    /// slow path unshares the page first.
    MustUnshare {
        /// The page.
        pfn: usize,
    },
    /// gup_fast with `FOLL_PIN` saw `mm->write_protect_seq` odd or moved:
    /// fork ran under the walk, so every pin it took has been given back
    /// (v5.11); the caller falls back to the slow path.
    ForkRaced,
    /// A split was refused: the page is not a splittable compound page, or
    /// it holds references beyond its mappings' (`-EBUSY`).
    SplitRefused {
        /// The head page.
        pfn: usize,
    },
    /// `put_page` on a page whose count is zero, or would go below the value
    /// at which it is freed (`VM_BUG_ON_PAGE` in `put_page_testzero`).
    PutAtZero {
        /// The head page.
        pfn: usize,
    },
    /// `unpin_user_page*` on a page that holds no pin (the count is below
    /// `GUP_PIN_COUNTING_BIAS`, or the exact pin count is zero).
    UnpinWithoutPin {
        /// The head page.
        pfn: usize,
        /// The count seen (refcount, or the exact pin count).
        count: i32,
    },
}

impl fmt::Display for GupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            GupError::FollGetAndPin => {
                f.write_str("FOLL_GET and FOLL_PIN together are refused (-EINVAL)")
            }
            GupError::NoReferenceRequested => {
                f.write_str("a grab needs FOLL_GET or FOLL_PIN; neither was given")
            }
            GupError::InvalidRefs { refs } => write!(f, "refs = {refs} is out of range"),
            GupError::NoSuchPage { pfn } => write!(f, "pfn {pfn} names no page"),
            GupError::NotMapped { addr } => write!(f, "address {addr} is not mapped (-EFAULT)"),
            GupError::GetPageOnFreeOrOverflowed { pfn, count } => write!(
                f,
                "get_page on page {pfn} with count {count}: zero or close to overflow \
                 (page_ref_zero_or_close_to_overflow)"
            ),
            GupError::RefcountNotPositive { pfn, count } => write!(
                f,
                "grab refused on page {pfn}: count {count} <= 0, free or overflowed (-ENOMEM)"
            ),
            GupError::WouldOverflow { pfn, count, delta } => write!(
                f,
                "grab refused on page {pfn}: count {count} + {delta} would wrap past the sign bit"
            ),
            GupError::SpeculativeGrabOnFreedPage { pfn } => write!(
                f,
                "speculative grab refused on page {pfn}: count is zero, the page is being freed"
            ),
            GupError::PteChanged { addr } => write!(
                f,
                "page table entry for address {addr} changed under gup_fast; \
                 released what was taken (-EAGAIN)"
            ),
            GupError::CompoundHeadChanged { pfn, head } => write!(
                f,
                "page {pfn} is no longer part of compound page {head}: split under a \
                 speculative grab, which released what it took"
            ),
            GupError::NotWritable { addr } => write!(
                f,
                "address {addr} is mapped read-only; gup_fast takes nothing for FOLL_WRITE"
            ),
            GupError::MustUnshare { pfn } => write!(
                f,
                "page {pfn} is a shared anonymous page (not PageAnonExclusive): gup_fast \
                 released its pin; the slow path must unshare it first"
            ),
            GupError::ForkRaced => f.write_str(
                "fork ran under gup_fast (mm->write_protect_seq moved): every pin it took was \
                 given back",
            ),
            GupError::SplitRefused { pfn } => write!(
                f,
                "split of page {pfn} refused: not a splittable compound page, or it holds \
                 references beyond its mappings (-EBUSY)"
            ),
            GupError::PutAtZero { pfn } => {
                write!(
                    f,
                    "put_page on page {pfn} with no reference left to drop (count at its free value)"
                )
            }
            GupError::UnpinWithoutPin { pfn, count } => {
                write!(f, "unpin of page {pfn} which holds no pin (count {count})")
            }
        }
    }
}

impl std::error::Error for GupError {}
