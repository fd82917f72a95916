//! The kernel's generic GUP code (`mm/gup.c`) on top of a [`Scheme`]'s
//! primitives: the batch entry points, the gup_fast walk and the dirtying
//! unpin. [`Scheme`]'s provided methods call these; a scheme that overrides
//! one can still call the others.

use crate::error::GupError;
use crate::flags::GupFlags;
use crate::memory::Memory;
use crate::page::PageRef;
use crate::page_flags::{lock_page, page_dirty, set_page_dirty, unlock_page};
use crate::scheme::Scheme;
use crate::sync::Platform;

/// Runs `op` on each page in turn, as the batch unpins do: a page it
/// refuses does not stop the others, and the first refusal is returned.
pub fn for_each_page<'m, P: Platform>(
    pages: &[PageRef<'m, P>],
    mut op: impl FnMut(PageRef<'m, P>) -> Result<(), GupError>,
) -> Result<(), GupError> {
    let mut first_error = None;
    for &page in pages {
        if let Err(error) = op(page) {
            first_error.get_or_insert(error);
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// `unpin_user_pages()`: unpins each page in turn (v5.7: one
/// `unpin_user_page` per entry; a compound page appears once per subpage).
///
/// A page that holds no pin is refused with [`GupError::UnpinWithoutPin`];
/// the others are still unpinned, and the first error is returned.
pub fn unpin_user_pages<S: Scheme + ?Sized, P: Platform>(
    scheme: &S,
    pages: &[PageRef<'_, P>],
) -> Result<(), GupError> {
    for_each_page(pages, |page| scheme.unpin_user_page(page))
}

/// The dirtying step of `unpin_user_pages_dirty_lock()` for one entry: if
/// `make_dirty` and the head is clean, `set_page_dirty_lock()` (the page
/// lock taken around `set_page_dirty`).
pub fn dirty_user_page<P: Platform>(page: PageRef<'_, P>, make_dirty: bool) {
    let head = page.compound_head();
    if make_dirty && !page_dirty(head) {
        lock_page(head);
        set_page_dirty(head);
        unlock_page(head);
    }
}

/// `unpin_user_pages_dirty_lock()`: for each page, [`dirty_user_page`],
/// **then** unpin it.
///
/// The dirty bit is set before the unpin's fully ordered release, whose
/// leading fence publishes it: an observer that reads the count after the
/// unpin and then fences (`smp_rmb`) sees the page dirty (P8).
pub fn unpin_user_pages_dirty_lock<S: Scheme + ?Sized, P: Platform>(
    scheme: &S,
    pages: &[PageRef<'_, P>],
    make_dirty: bool,
) -> Result<(), GupError> {
    for_each_page(pages, |page| {
        dirty_user_page(page, make_dirty);
        scheme.unpin_user_page(page)
    })
}

/// `pin_user_pages()`: the slow path. Pins the pages mapped at
/// `start..start + nr_pages`, taking the subpages of one compound page that
/// lie in the range in a single grab of `refs` (as the hugetlb and folio
/// slow paths do), and returns one entry per address.
///
/// `FOLL_GET` in `flags` is refused ([`GupError::FollGetAndPin`]); `FOLL_PIN`
/// is added. If a grab fails midway, everything already pinned is released
/// (`unpin_user_pages`) before the error is returned, so a failed call holds
/// nothing. The model takes no page-table lock: a check must not unmap a
/// range while the slow path walks it.
pub fn pin_user_pages<'m, S: Scheme + ?Sized, P: Platform>(
    scheme: &S,
    mem: &'m Memory<P>,
    start: usize,
    nr_pages: usize,
    flags: GupFlags,
) -> Result<Vec<PageRef<'m, P>>, GupError> {
    let flags = pin_flags(flags)?;
    let end = range_end(start, nr_pages)?;
    let mut pinned = Vec::with_capacity(nr_pages.min(mem.frames()));
    let mut addr = start;
    while addr < end {
        let result = mapped(mem, addr).and_then(|page| {
            let head = page.compound_head();
            let mut subpages = vec![page];
            while addr + subpages.len() < end {
                match mapped(mem, addr + subpages.len()) {
                    Ok(next) if next.compound_head() == head => subpages.push(next),
                    _ => break,
                }
            }
            let refs = i32::try_from(subpages.len()).unwrap_or(i32::MAX);
            scheme.try_grab_folio(page, refs, flags).map(|()| subpages)
        });
        match result {
            Ok(subpages) => {
                addr += subpages.len();
                pinned.extend(subpages);
            }
            Err(error) => {
                // Nothing may stay pinned on failure; the pages taken so far
                // were pinned by us, so releasing them cannot be refused.
                scheme.unpin_on_failure(&pinned);
                return Err(error);
            }
        }
    }
    Ok(pinned)
}

/// One step of gup_fast (`gup_pte_range`): reads the page-table entry at
/// `addr` without a lock, grabs the page speculatively
/// ([`Scheme::try_grab_compound_head`]: add unless zero, fully ordered),
/// then re-reads the entry. If it changed, the page may have been unmapped
/// and freed under us: release exactly what was taken, with the matching
/// release ([`Scheme::put_compound_head`] with the same `refs` and flags),
/// and fail with [`GupError::PteChanged`].
///
/// Why the re-read is ordered after the grab: the grab ends with a `SeqCst`
/// fence (see [`crate::page_ref::page_ref_add_unless`]) and the unmapper's
/// clear is a `SeqCst` exchange between fences; either the re-read sees the
/// clear, or the clear comes after our grab and the unmapper's release
/// cannot free the page we hold.
pub fn gup_fast_pte<'m, S: Scheme + ?Sized, P: Platform>(
    scheme: &S,
    mem: &'m Memory<P>,
    addr: usize,
    flags: GupFlags,
) -> Result<PageRef<'m, P>, GupError> {
    gup_fast_pte_with(scheme, mem, addr, flags, |head| {
        scheme.put_compound_head(head, 1, flags)
    })
}

/// [`gup_fast_pte`] with `release` as what gives back the grab when the
/// re-read finds the entry changed (the kernel's is the matching release,
/// `put_compound_head(head, 1, flags)`; a scheme that gets the failure path
/// wrong passes another).
pub fn gup_fast_pte_with<'m, S: Scheme + ?Sized, P: Platform>(
    scheme: &S,
    mem: &'m Memory<P>,
    addr: usize,
    flags: GupFlags,
    release: impl FnOnce(PageRef<'m, P>) -> Result<(), GupError>,
) -> Result<PageRef<'m, P>, GupError> {
    let page = mapped(mem, addr)?;
    let head = scheme.try_grab_compound_head(page, 1, flags)?;
    if mem.pte_read(addr)? != Some(page) {
        release(head)?;
        return Err(GupError::PteChanged { addr });
    }
    Ok(page)
}

/// `pin_user_pages_fast()`: [`gup_fast_pte`] with `FOLL_PIN` over
/// `start..start + nr_pages`. `FOLL_GET` in `flags` is refused. If a page
/// fails, what was pinned is released and the error returned (the kernel
/// would fall back to the slow path; a check does that itself if it wants).
pub fn pin_user_pages_fast<'m, S: Scheme + ?Sized, P: Platform>(
    scheme: &S,
    mem: &'m Memory<P>,
    start: usize,
    nr_pages: usize,
    flags: GupFlags,
) -> Result<Vec<PageRef<'m, P>>, GupError> {
    let flags = pin_flags(flags)?;
    let end = range_end(start, nr_pages)?;
    let mut pinned = Vec::with_capacity(nr_pages.min(mem.frames()));
    for addr in start..end {
        match scheme.gup_fast_pte(mem, addr, flags) {
            Ok(page) => pinned.push(page),
            Err(error) => {
                scheme.unpin_on_failure(&pinned);
                return Err(error);
            }
        }
    }
    Ok(pinned)
}

/// The flags of a `pin_user_pages*` call: `FOLL_GET` is the caller's
/// mistake (`-EINVAL`); `FOLL_PIN` is implied.
fn pin_flags(flags: GupFlags) -> Result<GupFlags, GupError> {
    if flags.contains(GupFlags::FOLL_GET) {
        return Err(GupError::FollGetAndPin);
    }
    Ok(flags | GupFlags::FOLL_PIN)
}

/// The end of `start..start + nr_pages`; a range that wraps the address
/// space is not mapped (`-EFAULT`).
fn range_end(start: usize, nr_pages: usize) -> Result<usize, GupError> {
    start
        .checked_add(nr_pages)
        .ok_or(GupError::NotMapped { addr: start })
}

/// The page mapped at `addr`, or [`GupError::NotMapped`].
fn mapped<P: Platform>(mem: &Memory<P>, addr: usize) -> Result<PageRef<'_, P>, GupError> {
    mem.pte_read(addr)?.ok_or(GupError::NotMapped { addr })
}
