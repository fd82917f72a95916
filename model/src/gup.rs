//! The kernel's generic GUP code (`mm/gup.c`) on top of a [`Scheme`]'s
//! primitives: the batch entry points, the gup_fast walk and the dirtying
//! unpin. [`Scheme`]'s provided methods call these; a scheme that overrides
//! one can still call the others. Which version's generic code runs (the
//! fork check of gup_fast, `gup_must_unshare`) is [`Scheme::mm`]'s.
//!
//! Batches return what they pinned, as the kernel's do: `pin_user_pages`
//! returns the pages it pinned before the first page it could not (an
//! error only if that was the first), and `pin_user_pages_fast` hands what
//! gup_fast could not pin to the slow path. The caller must unpin whatever
//! it was given.

use crate::error::GupError;
use crate::flags::GupFlags;
use crate::memory::{Memory, Pte};
use crate::page::PageRef;
use crate::page_flags::{
    lock_page, page_anon, page_anon_exclusive, page_dirty, set_page_dirty, unlock_page,
};
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
/// The kernel's built-in schemes refuse nothing here: an entry that holds
/// no pin is released anyway and corrupts the count, as in a production
/// kernel, and the checker reports it (P3, P7). A scheme of the user's that
/// refuses an entry does not stop the others; the first error is returned.
pub fn unpin_user_pages<S: Scheme + ?Sized, P: Platform>(
    scheme: &S,
    pages: &[PageRef<'_, P>],
) -> Result<(), GupError> {
    for_each_page(pages, |page| scheme.unpin_user_page(page))
}

/// The dirtying step of `unpin_user_pages_dirty_lock()` for one entry: if
/// `make_dirty` and the head is clean, `set_page_dirty_lock()` (the page
/// lock taken around `set_page_dirty`).
///
/// The clean test is unlocked, as the kernel's: writeback's
/// `clear_page_dirty_for_io` may clean the page right after it saw it
/// dirty. `mm/gup.c` accepts that race: writeback then writes the page,
/// which is what the dirtying asked for.
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
/// unpin and then fences (`smp_rmb`) sees the page dirty, unless writeback
/// has cleaned it since (P8).
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

/// `pin_user_pages()`: the slow path (`__get_user_pages`). Pins the pages
/// mapped at `start..start + nr_pages`, taking the subpages of one compound
/// page that lie in the range in a single grab of `refs` (as the hugetlb
/// and folio slow paths do), and returns one entry per address.
///
/// `FOLL_GET` in `flags` is refused ([`GupError::FollGetAndPin`]); `FOLL_PIN`
/// is added. If a grab fails midway, the pages pinned before it are
/// returned and stay pinned ("return i ? i : ret"): the caller must unpin
/// them. Only a failure at the first page is an error. The model takes no
/// page-table lock: a check must not unmap a range while the slow path
/// walks it.
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
            Err(error) if pinned.is_empty() => return Err(error),
            Err(_) => break,
        }
    }
    Ok(pinned)
}

/// One step of gup_fast (`gup_pte_range`): reads the page-table entry at
/// `addr` without a lock, refuses a read-only one for `FOLL_WRITE`, grabs
/// the page speculatively ([`Scheme::try_grab_compound_head`]: add unless
/// zero, fully ordered), then re-reads the entry. If it changed (unmapped,
/// write-protected, replaced), the page may be on its way out: release
/// exactly what was taken, with the matching release
/// ([`Scheme::put_compound_head`] with the same `refs` and flags), and fail
/// with [`GupError::PteChanged`]. From v5.19 ([`crate::MmCode::anon_exclusive`])
/// a pin of a read-only mapping of an anonymous page that is not
/// exclusive is released too (`gup_must_unshare`).
///
/// Why the re-read is ordered after the grab: the grab ends with a `SeqCst`
/// fence (see [`crate::page_ref::page_ref_add_unless`]) and the unmapper's
/// clear is a `SeqCst` exchange between fences; either the re-read sees the
/// clear, or the clear comes after our grab and the unmapper's release
/// cannot free the page we hold. (What the grab adds *after* its fence, the
/// pin's accounting from v5.14 on, is ordered only by v6.1's barrier.)
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
    let (pte, page) = entry_to_grab(mem, addr, flags)?;
    let head = scheme.try_grab_compound_head(page, 1, flags)?;
    if mem.pte_get(addr)? != pte {
        release(head)?;
        return Err(GupError::PteChanged { addr });
    }
    if must_unshare(scheme, page, flags, pte.write()) {
        release(head)?;
        return Err(GupError::MustUnshare { pfn: page.pfn() });
    }
    Ok(page)
}

/// The entry gup_fast reads at `addr` and the page it maps, if gup_fast may
/// grab it: mapped (`pte_present`), and writable when `FOLL_WRITE` asks for
/// it (`pte_access_permitted`).
fn entry_to_grab<P: Platform>(
    mem: &Memory<P>,
    addr: usize,
    flags: GupFlags,
) -> Result<(Pte, PageRef<'_, P>), GupError> {
    let pte = mem.pte_get(addr)?;
    let page = pte
        .pfn()
        .map(|pfn| mem.page(pfn))
        .transpose()?
        .ok_or(GupError::NotMapped { addr })?;
    if flags.contains(GupFlags::FOLL_WRITE) && !pte.write() {
        return Err(GupError::NotWritable { addr });
    }
    Ok((pte, page))
}

/// `gup_must_unshare()` (v5.19): a pin of a read-only mapping of an
/// anonymous page that is not exclusively mapped must not be taken by
/// gup_fast (the page may be shared with a child, and a write fault would
/// copy it away from the DMA).
fn must_unshare<S: Scheme + ?Sized, P: Platform>(
    scheme: &S,
    page: PageRef<'_, P>,
    flags: GupFlags,
    writable: bool,
) -> bool {
    let head = page.compound_head();
    scheme.mm().anon_exclusive
        && flags.contains(GupFlags::FOLL_PIN)
        && !writable
        && page_anon(head)
        && !page_anon_exclusive(head)
}

/// gup_fast of a compound page mapped by one huge entry (`gup_huge_pmd`,
/// `gup_huge_pud`): reads the entry at the head's address `addr`, grabs the
/// `nr` subpages from the head in **one** speculative grab of `refs = nr`
/// (`record_subpages`), re-reads the entry and, if it changed, releases
/// exactly those `refs` and fails. Returns one entry per subpage.
///
/// The model's huge entry is the head's page-table entry; the compound
/// page's tail entries are not read.
pub fn gup_fast_huge<'m, S: Scheme + ?Sized, P: Platform>(
    scheme: &S,
    mem: &'m Memory<P>,
    addr: usize,
    nr: usize,
    flags: GupFlags,
) -> Result<Vec<PageRef<'m, P>>, GupError> {
    let (pte, head) = entry_to_grab(mem, addr, flags)?;
    let subpages = (1usize << head.compound_order()).min(nr.max(1));
    let refs = i32::try_from(subpages).map_err(|_| GupError::InvalidRefs { refs: i32::MAX })?;
    let grabbed = scheme.try_grab_compound_head(head, refs, flags)?;
    if mem.pte_get(addr)? != pte {
        scheme.put_compound_head(grabbed, refs, flags)?;
        return Err(GupError::PteChanged { addr });
    }
    (head.pfn()..head.pfn() + subpages)
        .map(|pfn| mem.page(pfn))
        .collect()
}

/// `lockless_pages_from_mm()`: gup_fast over `start..start + nr_pages`,
/// one [`Scheme::gup_fast_pte`] per address, stopping at the first page it
/// cannot pin; returns what it pinned.
///
/// With `FOLL_PIN` and [`crate::MmCode::gup_fast_checks_fork`] (v5.11) it
/// reads `mm->write_protect_seq` first, takes nothing if fork is running,
/// and if the count moved by the end gives every pin back
/// ([`Scheme::unpin_on_failure`]) and fails with
/// [`GupError::ForkRaced`]: fork may have shared one of the pages with its
/// child after reading it unpinned.
pub fn lockless_pages_from_mm<'m, S: Scheme + ?Sized, P: Platform>(
    scheme: &S,
    mem: &'m Memory<P>,
    start: usize,
    nr_pages: usize,
    flags: GupFlags,
) -> Result<Vec<PageRef<'m, P>>, GupError> {
    let end = range_end(start, nr_pages)?;
    let checks_fork = flags.contains(GupFlags::FOLL_PIN) && scheme.mm().gup_fast_checks_fork;
    let seq = if checks_fork {
        let seq = mem.write_protect_seq_read();
        if seq & 1 != 0 {
            return Err(GupError::ForkRaced);
        }
        Some(seq)
    } else {
        None
    };
    let mut pinned = Vec::with_capacity(nr_pages.min(mem.frames()));
    let mut first_error = None;
    for addr in start..end {
        match scheme.gup_fast_pte(mem, addr, flags) {
            Ok(page) => pinned.push(page),
            Err(error) => {
                first_error = Some(error);
                break;
            }
        }
    }
    if let Some(seq) = seq
        && mem.write_protect_seq_retry(seq)
    {
        scheme.unpin_on_failure(&pinned);
        return Err(GupError::ForkRaced);
    }
    match first_error {
        Some(error) if pinned.is_empty() => Err(error),
        _ => Ok(pinned),
    }
}

/// `pin_user_pages_fast()` (`internal_get_user_pages_fast`): gup_fast
/// ([`lockless_pages_from_mm`]) with `FOLL_PIN`, then the slow path
/// ([`Scheme::pin_user_pages`]) for the pages gup_fast did not pin,
/// starting right after the ones it did. Returns everything pinned, in
/// address order: if the slow path fails, what gup_fast pinned (the caller
/// must unpin it); an error only if nothing was pinned. `FOLL_GET` in
/// `flags` is refused.
pub fn pin_user_pages_fast<'m, S: Scheme + ?Sized, P: Platform>(
    scheme: &S,
    mem: &'m Memory<P>,
    start: usize,
    nr_pages: usize,
    flags: GupFlags,
) -> Result<Vec<PageRef<'m, P>>, GupError> {
    let flags = pin_flags(flags)?;
    range_end(start, nr_pages)?;
    let mut pinned =
        lockless_pages_from_mm(scheme, mem, start, nr_pages, flags).unwrap_or_default();
    if pinned.len() == nr_pages {
        return Ok(pinned);
    }
    let rest = scheme.pin_user_pages(mem, start + pinned.len(), nr_pages - pinned.len(), flags);
    match rest {
        Ok(more) => {
            pinned.extend(more);
            Ok(pinned)
        }
        Err(_) if !pinned.is_empty() => Ok(pinned),
        Err(error) => Err(error),
    }
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
