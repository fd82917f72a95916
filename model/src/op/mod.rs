//! The one vocabulary of GUP operations: [`Op`], a kernel call as plain
//! data, and [`apply`], the one place that runs an `Op` on a scheme.
//!
//! Every sequential check speaks it: the sequential checker judges each
//! `Op` against the ghost spec ([`crate::ghost::Ghost::expect`]), a
//! scenario's actors run their calls through [`apply`], proptest draws
//! programs from `strategy` (the `proptest` feature) and cargo-fuzz from
//! [`Program`]'s [`arbitrary::Arbitrary`] impl. Both generators read the
//! same weights and ranges, listed once in [`space`].
//!
//! - [`Op`]: pages by frame number, user addresses by virtual page index,
//!   flags as raw `FOLL_*` bits, so that garbage is representable; its
//!   `Display` is the kernel call.
//! - [`Start`], [`Program`]: a starting state (a layout and what each page
//!   holds) and the operations run from it.
//! - [`apply`], [`OpResult`]: an operation run, and what it did, as data.
//! - [`space`]: the program space both generators draw from: the
//!   starting-count [`Edge`]s, the layouts, the weight of each operation.

mod apply;
mod bytes;
mod program;
pub mod space;
#[cfg(feature = "proptest")]
pub mod strategy;

pub use apply::{OpResult, RefChange, apply, walk_len};
pub use program::{MAX_START_HELD, Program, Start, StartError};
pub use space::{DEFAULT_MAX_OPS, Edge};

use crate::flags::GupFlags;
use std::fmt;

/// One GUP operation, as plain data: pages by frame number (`pfn`, a tail
/// page acts on its head), user addresses by virtual page index (address
/// `i` maps frame `i`), flags as raw `FOLL_*` bits so that garbage is
/// representable.
///
/// Any value is allowed: an index that names no page gives
/// [`crate::GupError::NoSuchPage`] or [`crate::GupError::NotMapped`],
/// garbage flags and refs give their typed errors, never a panic. Each
/// variant stands for the kernel function it is named after (v5.7's
/// `mm/gup.c` and `include/linux/mm.h`).
///
/// The derived [`arbitrary::Arbitrary`] impl draws any value, garbage
/// included; [`Program`]'s draws operations fitted to its memory.
#[derive(Debug, Clone, PartialEq, Eq, Hash, ::arbitrary::Arbitrary)]
pub enum Op {
    /// `get_page(pfn_to_page(page))`.
    GetPage {
        /// The frame.
        page: usize,
    },
    /// `try_get_page(pfn_to_page(page))`.
    TryGetPage {
        /// The frame.
        page: usize,
    },
    /// `put_page(pfn_to_page(page))`.
    PutPage {
        /// The frame.
        page: usize,
    },
    /// `try_grab_page(pfn_to_page(page), flags)`.
    TryGrabPage {
        /// The frame.
        page: usize,
        /// Raw `FOLL_*` bits.
        flags: u32,
    },
    /// `try_grab_folio(pfn_to_page(page), refs, flags)`.
    TryGrabFolio {
        /// The frame.
        page: usize,
        /// References to take; only `1..=MAX_REFS` is valid.
        refs: i32,
        /// Raw `FOLL_*` bits.
        flags: u32,
    },
    /// One gup_fast step (`gup_pte_range`) at a user address.
    GupFastPte {
        /// The virtual page index.
        addr: usize,
        /// Raw `FOLL_*` bits.
        flags: u32,
    },
    /// `pin_user_pages(start, nr, flags)`: the slow path.
    PinUserPages {
        /// The first virtual page index.
        start: usize,
        /// How many pages.
        nr: usize,
        /// Raw `FOLL_*` bits (`FOLL_GET` is refused, `FOLL_PIN` implied).
        flags: u32,
    },
    /// `pin_user_pages_fast(start, nr, flags)`.
    PinUserPagesFast {
        /// The first virtual page index.
        start: usize,
        /// How many pages.
        nr: usize,
        /// Raw `FOLL_*` bits (`FOLL_GET` is refused, `FOLL_PIN` implied).
        flags: u32,
    },
    /// `unpin_user_page(pfn_to_page(page))`.
    UnpinUserPage {
        /// The frame.
        page: usize,
    },
    /// `unpin_user_pages(pages)`.
    UnpinUserPages {
        /// The frames, one entry per pinned (sub)page.
        pages: Vec<usize>,
    },
    /// `unpin_user_pages_dirty_lock(pages, make_dirty)`.
    UnpinUserPagesDirtyLock {
        /// The frames, one entry per pinned (sub)page.
        pages: Vec<usize>,
        /// Mark each page dirty before unpinning it.
        make_dirty: bool,
    },
    /// `page_dma_pinned(pfn_to_page(page))` (the seed's name for
    /// `page_maybe_dma_pinned`).
    PageDmaPinned {
        /// The frame.
        page: usize,
    },
}

/// A frame list as the kernel would print it.
pub(crate) struct Frames<'a>(pub(crate) &'a [usize]);

impl fmt::Display for Frames<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, pfn) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{pfn}")?;
        }
        f.write_str("]")
    }
}

impl fmt::Display for Op {
    /// The kernel call the operation stands for, e.g.
    /// `pin_user_pages(start 0, nr 2, FOLL_WRITE)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flags = |bits: u32| GupFlags::from_bits(bits);
        match self {
            Op::GetPage { page } => write!(f, "get_page(pfn {page})"),
            Op::TryGetPage { page } => write!(f, "try_get_page(pfn {page})"),
            Op::PutPage { page } => write!(f, "put_page(pfn {page})"),
            Op::TryGrabPage { page, flags: bits } => {
                write!(f, "try_grab_page(pfn {page}, {:?})", flags(*bits))
            }
            Op::TryGrabFolio {
                page,
                refs,
                flags: bits,
            } => write!(
                f,
                "try_grab_folio(pfn {page}, refs {refs}, {:?})",
                flags(*bits)
            ),
            Op::GupFastPte { addr, flags: bits } => {
                write!(f, "gup_fast_pte(addr {addr}, {:?})", flags(*bits))
            }
            Op::PinUserPages {
                start,
                nr,
                flags: bits,
            } => write!(
                f,
                "pin_user_pages(start {start}, nr {nr}, {:?})",
                flags(*bits)
            ),
            Op::PinUserPagesFast {
                start,
                nr,
                flags: bits,
            } => write!(
                f,
                "pin_user_pages_fast(start {start}, nr {nr}, {:?})",
                flags(*bits)
            ),
            Op::UnpinUserPage { page } => write!(f, "unpin_user_page(pfn {page})"),
            Op::UnpinUserPages { pages } => write!(f, "unpin_user_pages({})", Frames(pages)),
            Op::UnpinUserPagesDirtyLock { pages, make_dirty } => write!(
                f,
                "unpin_user_pages_dirty_lock({}, make_dirty {make_dirty})",
                Frames(pages)
            ),
            Op::PageDmaPinned { page } => write!(f, "page_dma_pinned(pfn {page})"),
        }
    }
}
