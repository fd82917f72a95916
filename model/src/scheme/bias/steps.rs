//! [`BiasScheme`]: a bias scheme as the kernel's steps, each a method a
//! version or a mistake can change.

use super::{BiasRules, Refs};
use crate::error::GupError;
use crate::flags::{GupFlags, RefKind};
use crate::free::{free_devmap_managed_page, free_page};
use crate::page::{GUP_PIN_COUNTING_BIAS, PageRef};
use crate::page_ref::{
    page_ref_add, page_ref_add_unless, page_ref_count, page_ref_sub_and_test, page_ref_sub_return,
    pincount_add, pincount_read, pincount_sub,
};
use crate::scheme::{Claims, KnownBug};
use crate::sync::{Ordering, Platform};
use crate::vmstat::{PinStat, mod_node_page_state};

/// A scheme made of the kernel's bias steps: see the [module
/// docs](super). Give its rules, a name and a description, and override
/// the steps that differ. Every `BiasScheme` is a [`crate::Scheme`]
/// (through a blanket [`crate::Patch`] that is its own base) whose
/// primitives are [`super::try_grab_folio`] and the other kernel functions
/// run over *this* scheme's steps, so that a changed step changes every
/// kernel function built on it.
///
/// A step receives the head the grab or release acts on (in a [`Refs`]).
/// The kernel's body of a step you override is still at hand as the step
/// of the built-in whose rules you follow, which changes no step
/// (`V5_7.grab_stat(grab)`).
///
/// To change a primitive as a whole or the generic GUP code (an error
/// path, the dirtying unpin), write a [`crate::Patch`] on the scheme
/// instead.
pub trait BiasScheme: Send + Sync + 'static {
    /// The rules this scheme's steps follow by default.
    const RULES: BiasRules;

    /// [`crate::Scheme::name`].
    const NAME: &'static str;

    /// [`crate::Scheme::description`].
    const DESCRIPTION: &'static str;

    /// [`crate::Scheme::claims`]: what a version with these rules can
    /// claim ([`BiasRules::claims`]) by default. A flawed scheme keeps the
    /// claims of the version it imitates.
    fn claims(&self) -> Claims {
        Self::RULES.claims()
    }

    /// [`crate::Scheme::known_bugs`]: none by default.
    fn known_bugs(&self) -> Vec<KnownBug> {
        Vec::new()
    }

    /// Which kind of reference `flags` asks for: `FOLL_GET` or `FOLL_PIN`,
    /// and never both (`try_grab_page`'s `WARN_ON_ONCE` in v5.7, `-EINVAL`):
    /// [`GupFlags::ref_kind`]. Every grab and release starts with it.
    fn ref_kind(&self, flags: GupFlags) -> Result<RefKind, GupError> {
        flags.ref_kind()
    }

    /// `get_page()`'s guard: none in a production kernel. The kernel's
    /// `VM_BUG_ON_PAGE(page_ref_zero_or_close_to_overflow(page))` (a count
    /// in `[-127, 0]`, since v5.1) is compiled only with `CONFIG_DEBUG_VM`,
    /// and a BUG is a crash, not a refusal; without it the increment happens
    /// whatever the count. The caller must already hold a reference: a
    /// `get_page` on a free page revives it, which the checker reports (P4,
    /// P10) at the step where it happens. A scheme that wants the debug
    /// build's check overrides this step.
    fn get_page_guard<P: Platform>(&self, head: PageRef<'_, P>) -> Result<(), GupError> {
        let _ = head;
        Ok(())
    }

    /// The slow-path grab's guard (`try_grab_page`, v5.7;
    /// `try_grab_folio`, v6): refuses a count `<= 0` (the CVE-2019-11487 fix;
    /// `-ENOMEM`), `<= 1` for devmap pages.
    ///
    /// The guard is a separate relaxed read, racy by design: racing grabbers
    /// can all pass it and together carry the count past the sign bit; the
    /// 21 bits of pin headroom are what makes that unlikely, not the guard.
    /// (The kernel keeps a freed device page out of reach by unmapping it;
    /// the model refuses it at 1, which a check need not arrange.)
    ///
    /// One [`Platform::operation`]: the count it read is dead once the
    /// guard has passed (the explorer keeps only the verdict).
    fn grab_guard<P: Platform>(&self, grab: &Refs<'_, P>) -> Result<(), GupError> {
        P::operation("BiasScheme::grab_guard", || {
            let count = page_ref_count(grab.head);
            if count <= Self::RULES.freed_at() {
                return Err(GupError::RefcountNotPositive {
                    pfn: grab.head.pfn(),
                    count,
                });
            }
            Ok(())
        })
    }

    /// For a pin counted exactly: `refs` more in the exact pin count
    /// (`hpage_pincount_add`, v5.7; `atomic_add(refs, &folio->_pincount)`),
    /// unordered: the refcount update that goes with it carries the
    /// ordering. Both grabs, slow and speculative, take this step.
    fn grab_pincount<P: Platform>(&self, grab: &Refs<'_, P>) {
        if grab.exact_pins {
            pincount_add(grab.head, grab.refs);
        }
    }

    /// The slow-path grab's refcount update (`try_grab_page`, v5.7:
    /// `page_ref_add(page, refs)`): `page_ref_add` of the grab's delta.
    /// Relaxed: the caller found the page under the page-table lock,
    /// which keeps it from being freed while it grabs.
    fn grab_refcount<P: Platform>(&self, grab: &Refs<'_, P>) {
        page_ref_add(grab.head, grab.delta);
    }

    /// For a pin: `nr_foll_pin_acquired += refs` (`mod_node_page_state(..,
    /// NR_FOLL_PIN_ACQUIRED, refs)`, v5.7), after the references are taken.
    /// Both grabs take this step.
    fn grab_stat<P: Platform>(&self, grab: &Refs<'_, P>) {
        if grab.kind == RefKind::Pin {
            mod_node_page_state(grab.head, PinStat::Acquired, grab.refs);
        }
    }

    /// v6.5's `is_zero_page()` test at the top of both `FOLL_PIN` grabs
    /// (`try_grab_folio`, `try_grab_page`): with
    /// [`BiasRules::pins_zero_page`] false, a pin of the shared zero page is
    /// taken without touching a count or a statistic (`FOLL_GET` still
    /// counts). True: skip the grab's every step.
    fn grab_skips_zero_page<P: Platform>(&self, kind: RefKind, page: PageRef<'_, P>) -> bool {
        kind == RefKind::Pin && !Self::RULES.pins_zero_page && page.is_zero_page()
    }

    /// v6.5's `is_zero_folio()` test at the top of `gup_put_folio`, before
    /// its statistic: the release of a zero-page pin that was never counted
    /// touches nothing either. True: skip the release's every step.
    fn release_skips_zero_page<P: Platform>(&self, kind: RefKind, head: PageRef<'_, P>) -> bool {
        kind == RefKind::Pin && !Self::RULES.pins_zero_page && head.is_zero_page()
    }

    /// The speculative grab's sign guard (`try_get_compound_head`, v5.7:
    /// `WARN_ON_ONCE(page_ref_count(head) < 0)`): a count already wrapped
    /// is refused. A relaxed snapshot; the add-unless-free that follows is
    /// the guard that matters.
    ///
    /// One [`Platform::operation`], as [`BiasScheme::grab_guard`].
    fn speculative_guard<P: Platform>(&self, grab: &Refs<'_, P>) -> Result<(), GupError> {
        P::operation("BiasScheme::speculative_guard", || {
            let count = page_ref_count(grab.head);
            if count < 0 {
                return Err(GupError::RefcountNotPositive {
                    pfn: grab.head.pfn(),
                    count,
                });
            }
            Ok(())
        })
    }

    /// The speculative add (`page_cache_add_speculative`, v5.7;
    /// `folio_ref_try_add_rcu`, v6): adds the grab's delta unless the count
    /// is at its free value, in one atomic step ([`page_ref_add_unless`]):
    /// gup_fast holds no lock and no reference, so the page may be on its
    /// way to being freed and must never be revived. Fully ordered on
    /// success, so that gup_fast's later re-reads (the head, the page-table
    /// entry) are ordered after the grab.
    fn speculative_add<P: Platform>(&self, grab: &Refs<'_, P>) -> Result<(), GupError> {
        if !page_ref_add_unless(grab.head, grab.delta, Self::RULES.freed_at()) {
            return Err(GupError::SpeculativeGrabOnFreedPage {
                pfn: grab.head.pfn(),
            });
        }
        Ok(())
    }

    /// The re-check after the speculative add that the page still belongs
    /// to the head it grabbed (the 2021 fix in `try_get_compound_head`,
    /// v5.14; `try_get_folio` from v5.18), run by the versions whose
    /// [`BiasRules::speculative_grab`] re-checks. If a split got in between,
    /// the reference is on a page that is no longer this page's head: drop
    /// it (`put_page_refs`, which may free it) and report the change (the
    /// caller fails, or retries).
    ///
    /// The re-read is ordered after the add by the add's trailing fence; a
    /// split freezes the count first (`page_ref_freeze`, fully ordered), so
    /// either the freeze saw our reference and failed, or our add came after
    /// the freeze was undone and this re-read sees the new head.
    fn recheck_head<P: Platform>(&self, grab: &Refs<'_, P>) -> Result<(), GupError> {
        if grab.page.compound_head() == grab.head {
            return Ok(());
        }
        if page_ref_sub_and_test(grab.head, grab.delta) {
            free_page(grab.head);
        }
        Err(GupError::CompoundHeadChanged {
            pfn: grab.page.pfn(),
            head: grab.head.pfn(),
        })
    }

    /// The pin's own accounting once the head is stable, in the versions
    /// that grab `refs` first and decide after (v5.14's
    /// `try_grab_compound_head`, `try_grab_folio` since): `refs` more in
    /// the exact pin count (`hpage_pincount_add`, `atomic_add(refs,
    /// &folio->_pincount)`), or `refs * (GUP_PIN_COUNTING_BIAS - 1)` more
    /// in the refcount (`page_ref_add`, `folio_ref_add`). Both relaxed:
    /// the grab already holds the page, so nothing is there to order but
    /// the pin's visibility, which [`BiasScheme::pin_barrier`] is for.
    fn speculative_pin<P: Platform>(&self, grab: &Refs<'_, P>) {
        if grab.kind != RefKind::Pin {
            return;
        }
        if grab.exact_pins {
            pincount_add(grab.head, grab.refs);
        } else {
            page_ref_add(grab.head, grab.refs.wrapping_mul(GUP_PIN_COUNTING_BIAS - 1));
        }
    }

    /// With [`BiasRules::barrier_after_pin`] (v6.1), `smp_mb__after_atomic()`
    /// after the pin's accounting: the pin is visible to everyone before the
    /// caller re-reads the page table (and `PageAnonExclusive`), pairing
    /// with the `smp_mb()` that `page_try_share_anon_rmap` puts between
    /// clearing the entry and reading `page_maybe_dma_pinned`. Either
    /// gup_fast sees the entry cleared, or the sharer sees the pin. Before
    /// v6.1 only the grab itself was fully ordered, and the relaxed add that
    /// makes a page read as pinned could come after the re-read. A `SeqCst`
    /// fence (the kernel's `smp_mb()` on every architecture where
    /// `smp_mb__after_atomic` is not a no-op).
    fn pin_barrier<P: Platform>(&self, grab: &Refs<'_, P>) {
        if Self::RULES.barrier_after_pin && grab.kind == RefKind::Pin {
            P::fence(Ordering::SeqCst);
        }
    }

    /// For a pin: `nr_foll_pin_released += refs` (`NR_FOLL_PIN_RELEASED`).
    /// Before the refcount drop: the statistic finds its node through the
    /// page (`page_pgdat(page)`), and nothing may touch the page after the
    /// drop that may free it (v5.7's `unpin_user_page` did, until v5.11).
    fn release_stat<P: Platform>(&self, release: &Refs<'_, P>) {
        if release.kind == RefKind::Pin {
            mod_node_page_state(release.head, PinStat::Released, release.refs);
        }
    }

    /// For a pin counted exactly: `refs` fewer in the exact pin count
    /// (`hpage_pincount_sub`, v5.7; `atomic_sub(refs, &folio->_pincount)`).
    /// Unordered: it comes before the fully ordered refcount drop, whose
    /// leading fence orders it before a free.
    fn release_pincount<P: Platform>(&self, release: &Refs<'_, P>) {
        if release.exact_pins {
            pincount_sub(release.head, release.refs);
        }
    }

    /// The refcount drop, and the free if it was the last reference
    /// (`put_compound_head` → `put_page`, v5.7):
    /// [`page_ref_sub_and_test`] (fully ordered: every holder's use of the
    /// page happens-before the free, see there), then `__put_page`; a devmap
    /// page is handed back to its driver when it drops to 1
    /// ([`page_ref_sub_return`], `free_devmap_managed_page`, v5.7), and
    /// freed (`__put_page`) if a refcount bug takes it to 0.
    ///
    /// Nothing checks that the references are held: no production kernel
    /// refuses a release. v5.7–v5.13's `VM_BUG_ON_PAGE(page_ref_count(page)
    /// < refs)` in `put_compound_head` and v5.14–v5.17's WARN-and-skip in
    /// `put_page_refs` exist only with `CONFIG_DEBUG_VM`; v5.7's
    /// `unpin_user_page` and the folio era's `gup_put_folio` check nothing.
    /// A release of what is not held corrupts the count, as in the kernel,
    /// and the checker reports the underflow (P3) or the mismatch (P7) at
    /// the step where it happens.
    fn release_refcount<P: Platform>(&self, release: &Refs<'_, P>) {
        let (head, delta) = (release.head, release.delta);
        if Self::RULES.devmap {
            // v5.7's `put_devmap_managed_page` and the unpin's devmap
            // branch: 1 hands the page back to its driver; 0 is a refcount
            // bug, which the kernel frees (`__put_page`) all the same.
            match page_ref_sub_return(head, delta) {
                1 => free_devmap_managed_page(head),
                0 => free_page(head),
                _ => {}
            }
        } else if page_ref_sub_and_test(head, delta) {
            free_page(head);
        }
    }

    /// The predicate on a head that counts pins exactly
    /// (`compound_pincount(page) > 0`, v5.7; `folio_maybe_dma_pinned`): a
    /// relaxed snapshot, which an observer that happens-after the pin sees.
    fn pinned_by_pincount<P: Platform>(&self, head: PageRef<'_, P>) -> bool {
        pincount_read(head) > 0
    }

    /// The predicate on a biased head: the refcount is at least
    /// `GUP_PIN_COUNTING_BIAS`, compared unsigned (v5.7 on, so that a count
    /// carried past the sign bit still reads as pinned; the seed's
    /// `1UL << 10` bias made C compare unsigned too), or signed with
    /// [`BiasRules::signed_predicate`] (no kernel version: the
    /// `signed-predicate` variant). A relaxed snapshot.
    fn pinned_by_bias<P: Platform>(&self, head: PageRef<'_, P>) -> bool {
        let count = page_ref_count(head);
        if Self::RULES.signed_predicate {
            count >= GUP_PIN_COUNTING_BIAS
        } else {
            count as u32 >= GUP_PIN_COUNTING_BIAS as u32
        }
    }
}
