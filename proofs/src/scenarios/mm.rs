//! The mm code around the refcount that the predicate's consumers run
//! (`mm/memory.c`'s fork copy, `page_try_share_anon_rmap`, migration's
//! freeze, writeback's `clear_page_dirty_for_io`) and the gup_fast entry
//! points a scenario calls directly (gup_fast alone, the huge-entry grab),
//! each as the kernel version of the scheme has it ([`Scheme::mm`]) and
//! each logged in its thread's timeline.
//!
//! The consumer scenarios (`fork_vs_gup_fast`, `anon_exclusive_vs_gup_fast`,
//! `migrate_vs_gup_fast`, `writeback_vs_dirty_unpin`) are written with
//! these, one call per kernel step.

use super::actor::Actor;
use pinref_model::free::free_page;
use pinref_model::page_flags::{
    clear_page_anon_exclusive, lock_page, test_clear_page_dirty, unlock_page,
};
use pinref_model::page_ref::page_ref_freeze;
use pinref_model::sync::Platform;
use pinref_model::{GupError, GupFlags, PageRef, Scheme, gup};

/// Logs `op`'s result in `t`'s timeline and, for the pfns it pinned, the
/// ghost's view after it.
fn pinned<P: Platform, S: Scheme>(
    t: &Actor<'_, P, S>,
    op: String,
    result: Result<Vec<PageRef<'_, P>>, GupError>,
) -> Result<Vec<usize>, GupError> {
    match result {
        Ok(pages) => {
            let pfns: Vec<usize> = pages.iter().map(|page| page.pfn()).collect();
            let views: Vec<String> = pfns
                .iter()
                .map(|&pfn| t.world().ghost_after(pfn, 0, 1))
                .collect();
            t.note(format!("{op} -> {pfns:?}   [{}]", views.join("; ")));
            Ok(pfns)
        }
        Err(error) => {
            t.note(format!("{op} -> refused: {error}"));
            Err(error)
        }
    }
}

/// gup_fast alone (`lockless_pages_from_mm`, as `FOLL_FAST_ONLY` callers
/// get it): pins `start..start + nr` with `flags | FOLL_PIN`, stopping at
/// the first page it cannot pin, and from v5.11 giving everything back if
/// fork ran under it. Returns the pfns pinned.
pub fn gup_fast_only<P: Platform, S: Scheme>(
    t: &Actor<'_, P, S>,
    start: usize,
    nr: usize,
    flags: GupFlags,
) -> Result<Vec<usize>, GupError> {
    let flags = flags | GupFlags::FOLL_PIN;
    let world = t.world();
    let result = gup::lockless_pages_from_mm(&world.scheme, &world.mem, start, nr, flags);
    pinned(t, format!("gup_fast({start}, {nr}, {flags:?})"), result)
}

/// gup_fast of the compound page mapped by one huge entry at `addr`
/// (`gup_huge_pmd`): one speculative grab of all `nr` subpages, `refs =
/// nr`. Returns one pfn per subpage.
pub fn gup_fast_huge<P: Platform, S: Scheme>(
    t: &Actor<'_, P, S>,
    addr: usize,
    nr: usize,
) -> Result<Vec<usize>, GupError> {
    let flags = GupFlags::FOLL_PIN;
    let world = t.world();
    let result = gup::gup_fast_huge(&world.scheme, &world.mem, addr, nr, flags);
    pinned(t, format!("gup_huge_pmd({addr}, refs {nr})"), result)
}

/// The page mapped at `addr` when a scenario's `step` starts; an address
/// that maps nothing there is a bug of the scenario, reported as such.
fn mapped_at<'w, P: Platform, S: Scheme>(
    t: &Actor<'w, P, S>,
    addr: usize,
    step: &str,
) -> PageRef<'w, P> {
    match t.world().mem.pte_read(addr) {
        Ok(Some(page)) => page,
        _ => t.fail(
            crate::properties::Property::P5,
            format!("scenario bug: address {addr} is not mapped at {step}"),
        ),
    }
}

/// What fork did with the parent's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fork {
    /// Shared with the child: the child's mapping took a reference and the
    /// parent's entry was write-protected.
    Shared,
    /// Copied for the child (`page_needs_cow_for_dma`): the parent's page
    /// is left as it was.
    Copied,
}

/// fork's copy of the parent's private mapping at `addr`
/// (`copy_page_range` → `copy_present_pte`), as the scheme's version has
/// it: from v5.11 inside `mm->write_protect_seq`; from v5.9 a page that
/// `page_maybe_dma_pinned` is copied for the child (`page_needs_cow_for_dma`,
/// v5.12's name); any other page is shared (`get_page` for the child's
/// mapping, then `ptep_set_wrprotect` on the parent's entry).
pub fn fork_copy_pte<P: Platform, S: Scheme>(t: &Actor<'_, P, S>, addr: usize) -> Fork {
    let world = t.world();
    let mm = world.scheme.mm();
    let mem = &world.mem;
    if mm.gup_fast_checks_fork {
        mem.write_protect_seq_begin();
        t.note("raw_write_seqcount_begin(write_protect_seq)");
    }
    let page = mapped_at(t, addr, "fork");
    let copy = mm.fork_copies_pinned && world.scheme.page_maybe_dma_pinned(page);
    let fork = if copy {
        t.note(format!(
            "page_needs_cow_for_dma({}) -> true: copied for the child",
            page.pfn()
        ));
        Fork::Copied
    } else {
        t.must(crate::properties::Property::P4, t.get_page(page.pfn()));
        let _ = mem.pte_wrprotect(addr);
        t.note(format!(
            "shared page {} with the child, ptep_set_wrprotect({addr})",
            page.pfn()
        ));
        Fork::Shared
    };
    if mm.gup_fast_checks_fork {
        mem.write_protect_seq_end();
        t.note("raw_write_seqcount_end(write_protect_seq)");
    }
    fork
}

/// The unmap of an anonymous page that wants to share it (swap-out, KSM,
/// migration's `try_to_migrate_one`): clear the entry at `addr`
/// (`ptep_clear_flush`), then `page_try_share_anon_rmap` (v5.19): if the
/// page may be pinned, put the entry back and give up (`-EBUSY`); else
/// clear `PageAnonExclusive`. Returns whether it shared the page.
///
/// Before v6.1 ([`pinref_model::MmCode::share_anon_barrier`] false) the
/// clear is a relaxed exchange (arm64's `ptep_get_and_clear`) and nothing
/// orders it before the pin check: the caller's TLB flush does not
/// synchronise with RCU GUP-fast. From v6.1 an `smp_mb()` sits between
/// them (here: the fully ordered clear).
pub fn share_anon<P: Platform, S: Scheme>(t: &Actor<'_, P, S>, addr: usize) -> bool {
    let world = t.world();
    let mem = &world.mem;
    let cleared = if world.scheme.mm().share_anon_barrier {
        mem.zap_pte(addr)
    } else {
        mem.zap_pte_relaxed(addr)
    };
    let Ok(Some(page)) = cleared else {
        t.note(format!("ptep_clear_flush({addr}) -> nothing mapped"));
        return false;
    };
    if world.scheme.page_maybe_dma_pinned(page) {
        let _ = mem.set_pte(addr, page);
        t.note(format!(
            "page_try_share_anon_rmap({}) -> -EBUSY (maybe pinned): entry restored",
            page.pfn()
        ));
        return false;
    }
    clear_page_anon_exclusive(page.compound_head());
    t.note(format!(
        "page_try_share_anon_rmap({}) -> shared (PageAnonExclusive cleared, entry stays clear)",
        page.pfn()
    ));
    true
}

/// Migration of the page mapped at `addr` to `new` (`migrate_pages` →
/// `migrate_folio`): unmap it (the entry becomes a migration entry and the
/// mapping's reference is dropped), then freeze its count at `expected`
/// (`folio_ref_freeze`: the references migration knows of, its page
/// cache's, nothing else). A pin, or any reference beyond those, makes the
/// freeze fail: the old page is mapped again (`remove_migration_ptes`,
/// which takes the mapping's reference back) and the migration fails
/// (`-EAGAIN`). On success the references move with the contents to `new`,
/// `new` is mapped, and the frozen old page is freed. Returns whether it
/// migrated.
///
/// The model leaves out migration's own isolation reference
/// (`folio_isolate_lru`), which the kernel counts in `expected` and drops
/// last: it changes no outcome of the freeze.
pub fn migrate<P: Platform, S: Scheme>(
    t: &Actor<'_, P, S>,
    addr: usize,
    new: usize,
    expected: i32,
) -> bool {
    use crate::properties::Property;
    let mem = &t.world().mem;
    let page = mapped_at(t, addr, "migration");
    let pfn = page.pfn();
    let _ = t.zap_pte(addr);
    t.must(Property::P4, t.put_page(pfn));
    if !page_ref_freeze(page, expected) {
        t.note(format!(
            "folio_ref_freeze({pfn}, {expected}) failed: pinned or referenced, -EAGAIN"
        ));
        let _ = mem.set_pte(addr, page);
        t.must(Property::P4, t.get_page(pfn));
        t.note(format!(
            "remove_migration_ptes: page {pfn} mapped at {addr} again"
        ));
        return false;
    }
    t.note(format!(
        "folio_ref_freeze({pfn}, {expected}): frozen; contents and references move to page {new}"
    ));
    free_page(page);
    if let Ok(new_page) = mem.page(new) {
        let _ = mem.set_pte(addr, new_page);
        t.note(format!(
            "remove_migration_ptes: page {new} mapped at {addr}"
        ));
    }
    true
}

/// Writeback's `clear_page_dirty_for_io()` on the page `pfn` belongs to,
/// under the page lock as `write_cache_pages` takes it: if the page was
/// dirty, it is cleaned and written out (`true`). It writes whatever the
/// page holds when it writes, and may come at any time: `mm/gup.c`'s
/// `unpin_user_pages_dirty_lock` accepts a writeback between its dirty
/// test and the unpin.
pub fn writeback<P: Platform, S: Scheme>(t: &Actor<'_, P, S>, pfn: usize) -> bool {
    let head = t.world().page(pfn).compound_head();
    lock_page(head);
    let written = test_clear_page_dirty(head);
    unlock_page(head);
    t.note(format!(
        "clear_page_dirty_for_io({}) -> {}",
        head.pfn(),
        if written {
            "was dirty: written back"
        } else {
            "clean: nothing to write"
        }
    ));
    written
}
