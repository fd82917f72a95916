//! The one place an [`Op`] runs: [`apply`] calls the scheme through the
//! public [`Scheme`] trait only, on any [`Platform`], and returns what the
//! call did as data ([`OpResult`]).

use super::{Frames, Op};
use crate::error::GupError;
use crate::flags::{GupFlags, RefKind};
use crate::memory::Memory;
use crate::page::PageRef;
use crate::scheme::Scheme;
use crate::sync::Platform;
use std::fmt;

/// What an operation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpResult {
    /// It succeeded and returns nothing (a grab, a release).
    Done,
    /// `pin_user_pages*` pinned these frames, one per address.
    Pinned(Vec<usize>),
    /// gup_fast grabbed the page mapped at the address: this frame.
    Grabbed(usize),
    /// `page_dma_pinned` answered.
    Answered(bool),
    /// It was refused (for a batch: at least one page was).
    Refused(GupError),
}

impl OpResult {
    /// The refusal, if it was refused.
    pub fn error(&self) -> Option<GupError> {
        match self {
            OpResult::Refused(error) => Some(*error),
            _ => None,
        }
    }

    /// What `op`, having done this, took (`refs > 0`) or gave back
    /// (`refs < 0`), by the frame it named (a tail stands for its head). A
    /// refusal took nothing. A grab with `FOLL_PIN` in its flags is a pin,
    /// as `pin_user_pages*` force it; any other is a plain reference.
    pub fn ref_changes(&self, op: &Op) -> Vec<RefChange> {
        let change = |pfn: usize, kind: RefKind, refs: i64| RefChange { pfn, kind, refs };
        let kind_of = |bits: u32| {
            if GupFlags::from_bits(bits).contains(GupFlags::FOLL_PIN) {
                RefKind::Pin
            } else {
                RefKind::Get
            }
        };
        if let OpResult::Refused(_) = self {
            return Vec::new();
        }
        match (op, self) {
            (Op::GetPage { page } | Op::TryGetPage { page }, _) => {
                vec![change(*page, RefKind::Get, 1)]
            }
            (Op::PutPage { page }, _) => vec![change(*page, RefKind::Get, -1)],
            (Op::TryGrabPage { page, flags }, _) => vec![change(*page, kind_of(*flags), 1)],
            (Op::TryGrabFolio { page, refs, flags }, _) => {
                vec![change(*page, kind_of(*flags), i64::from(*refs))]
            }
            (Op::GupFastPte { flags, .. }, OpResult::Grabbed(pfn)) => {
                vec![change(*pfn, kind_of(*flags), 1)]
            }
            (Op::PinUserPages { .. } | Op::PinUserPagesFast { .. }, OpResult::Pinned(pfns)) => pfns
                .iter()
                .map(|&pfn| change(pfn, RefKind::Pin, 1))
                .collect(),
            (Op::UnpinUserPage { page }, _) => vec![change(*page, RefKind::Pin, -1)],
            (Op::UnpinUserPages { pages } | Op::UnpinUserPagesDirtyLock { pages, .. }, _) => pages
                .iter()
                .map(|&pfn| change(pfn, RefKind::Pin, -1))
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl fmt::Display for OpResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpResult::Done => f.write_str("ok"),
            OpResult::Pinned(pfns) => write!(f, "pinned {}", Frames(pfns)),
            OpResult::Grabbed(pfn) => write!(f, "grabbed pfn {pfn}"),
            OpResult::Answered(answer) => write!(f, "{answer}"),
            OpResult::Refused(error) => write!(f, "refused: {error}"),
        }
    }
}

/// One reference a completed operation took or gave back
/// ([`OpResult::ref_changes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefChange {
    /// The frame the operation named (its head holds the reference).
    pub pfn: usize,
    /// Plain reference or pin.
    pub kind: RefKind,
    /// References taken (> 0) or given back (< 0).
    pub refs: i64,
}

/// How many addresses of `start..start + nr` a batch walk over a memory of
/// `frames` frames can reach: the walk stops at the first unmapped address,
/// so asking for more changes nothing but the size of the caller's buffer.
/// [`apply`] passes this many to the scheme, which keeps a garbage `nr` from
/// sizing a huge allocation (a walk may reserve `nr` entries up front); the
/// ghost walks the same range.
pub fn walk_len(start: usize, nr: usize, frames: usize) -> usize {
    if nr == 0 {
        return 0;
    }
    nr.min(frames.saturating_sub(start).saturating_add(1))
}

/// Runs `op` on `mem` through `scheme`'s [`Scheme`] methods, and returns
/// what it did. A frame that does not exist cannot be named by the caller
/// (`pfn_to_page` fails): the scheme is not called and the result is
/// [`GupError::NoSuchPage`]. A batch's `nr` is cut to [`walk_len`].
pub fn apply<S: Scheme + ?Sized, P: Platform>(scheme: &S, mem: &Memory<P>, op: &Op) -> OpResult {
    let flags = GupFlags::from_bits;
    let walk = |start: usize, nr: usize| walk_len(start, nr, mem.frames());
    let pinned = |pages: Vec<PageRef<'_, P>>| {
        OpResult::Pinned(pages.into_iter().map(|page| page.pfn()).collect())
    };
    let result = match op {
        Op::GetPage { page } => mem.page(*page).and_then(|page| scheme.get_page(page)),
        Op::TryGetPage { page } => mem.page(*page).and_then(|page| scheme.try_get_page(page)),
        Op::PutPage { page } => mem.page(*page).and_then(|page| scheme.put_page(page)),
        Op::TryGrabPage { page, flags: bits } => mem
            .page(*page)
            .and_then(|page| scheme.try_grab_page(page, flags(*bits))),
        Op::TryGrabFolio {
            page,
            refs,
            flags: bits,
        } => mem
            .page(*page)
            .and_then(|page| scheme.try_grab_folio(page, *refs, flags(*bits))),
        Op::GupFastPte { addr, flags: bits } => {
            return match scheme.gup_fast_pte(mem, *addr, flags(*bits)) {
                Ok(page) => OpResult::Grabbed(page.pfn()),
                Err(error) => OpResult::Refused(error),
            };
        }
        Op::PinUserPages {
            start,
            nr,
            flags: bits,
        } => {
            return match scheme.pin_user_pages(mem, *start, walk(*start, *nr), flags(*bits)) {
                Ok(pages) => pinned(pages),
                Err(error) => OpResult::Refused(error),
            };
        }
        Op::PinUserPagesFast {
            start,
            nr,
            flags: bits,
        } => {
            return match scheme.pin_user_pages_fast(mem, *start, walk(*start, *nr), flags(*bits)) {
                Ok(pages) => pinned(pages),
                Err(error) => OpResult::Refused(error),
            };
        }
        Op::UnpinUserPage { page } => mem
            .page(*page)
            .and_then(|page| scheme.unpin_user_page(page)),
        Op::UnpinUserPages { pages } => {
            frames(mem, pages).and_then(|pages| scheme.unpin_user_pages(&pages))
        }
        Op::UnpinUserPagesDirtyLock { pages, make_dirty } => frames(mem, pages)
            .and_then(|pages| scheme.unpin_user_pages_dirty_lock(&pages, *make_dirty)),
        Op::PageDmaPinned { page } => {
            return match mem.page(*page) {
                Ok(page) => OpResult::Answered(scheme.page_dma_pinned(page)),
                Err(error) => OpResult::Refused(error),
            };
        }
    };
    match result {
        Ok(()) => OpResult::Done,
        Err(error) => OpResult::Refused(error),
    }
}

/// `pfn_to_page` of each frame, or the first that names no page.
fn frames<'m, P: Platform>(
    mem: &'m Memory<P>,
    pfns: &[usize],
) -> Result<Vec<PageRef<'m, P>>, GupError> {
    pfns.iter().map(|&pfn| mem.page(pfn)).collect()
}
