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
use crate::sync::Platform;
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

    /// `get_page()`'s guard: refuses a count that is zero or within 127 of
    /// wrapping (`page_ref_zero_or_close_to_overflow`, a `VM_BUG_ON` since
    /// v5.1). A relaxed read: the caller holds a reference, so the count
    /// cannot reach zero under it; the window covers racing increments.
    fn get_page_guard<P: Platform>(&self, head: PageRef<'_, P>) -> Result<(), GupError> {
        let count = page_ref_count(head);
        if (count as u32).wrapping_add(127) <= 127 {
            return Err(GupError::GetPageOnFreeOrOverflowed {
                pfn: head.pfn(),
                count,
            });
        }
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
    fn grab_guard<P: Platform>(&self, grab: &Refs<'_, P>) -> Result<(), GupError> {
        let count = page_ref_count(grab.head);
        if count <= Self::RULES.freed_at() {
            return Err(GupError::RefcountNotPositive {
                pfn: grab.head.pfn(),
                count,
            });
        }
        Ok(())
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

    /// The speculative grab's sign guard (`try_get_compound_head`, v5.7:
    /// `WARN_ON_ONCE(page_ref_count(head) < 0)`): a count already wrapped
    /// is refused. A relaxed snapshot; the add-unless-free that follows is
    /// the guard that matters.
    fn speculative_guard<P: Platform>(&self, grab: &Refs<'_, P>) -> Result<(), GupError> {
        let count = page_ref_count(grab.head);
        if count < 0 {
            return Err(GupError::RefcountNotPositive {
                pfn: grab.head.pfn(),
                count,
            });
        }
        Ok(())
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

    /// With [`BiasRules::recheck_head`], the re-check after the speculative
    /// add that the page still belongs to the head it grabbed (the 2021 fix
    /// in `try_get_compound_head`, v5.13; `try_get_folio` later). If a split
    /// got in between, the reference is on a page that is no longer this
    /// page's head: drop it (`put_page_refs`, which may free it) and fail.
    ///
    /// The re-read is ordered after the add by the add's trailing fence; a
    /// split freezes the count first (`page_ref_freeze`, fully ordered), so
    /// either the freeze saw our reference and failed, or our add came after
    /// the freeze was undone and this re-read sees the new head.
    fn recheck_head<P: Platform>(&self, grab: &Refs<'_, P>) -> Result<(), GupError> {
        if !Self::RULES.recheck_head || grab.page.compound_head() == grab.head {
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

    /// The release's checks, before it touches anything
    /// (`put_compound_head`'s `VM_BUG_ON_PAGE(page_ref_count(page) < refs)`,
    /// v5.7, made a refusal): a pin counted exactly must be in the pin
    /// count, and the refcount must hold the delta above its free value,
    /// compared unsigned (pins carried past `i32::MAX` are still references).
    ///
    /// Relaxed reads, exact for sequential callers; under concurrency a
    /// double release is the caller's bug, which the checker's ghost spec
    /// reports (P3, P7).
    fn release_checks<P: Platform>(&self, release: &Refs<'_, P>) -> Result<(), GupError> {
        let head = release.head;
        if release.exact_pins {
            let pins = pincount_read(head);
            if pins < release.refs {
                return Err(GupError::UnpinWithoutPin {
                    pfn: head.pfn(),
                    count: pins,
                });
            }
        }
        let count = page_ref_count(head);
        if (count.wrapping_sub(Self::RULES.freed_at()) as u32) < release.delta as u32 {
            return Err(match release.kind {
                RefKind::Pin => GupError::UnpinWithoutPin {
                    pfn: head.pfn(),
                    count,
                },
                RefKind::Get => GupError::PutAtZero { pfn: head.pfn() },
            });
        }
        Ok(())
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
    /// ([`page_ref_sub_return`], `free_devmap_managed_page`, v5.7).
    fn release_refcount<P: Platform>(&self, release: &Refs<'_, P>) {
        let (head, delta) = (release.head, release.delta);
        if Self::RULES.devmap {
            if page_ref_sub_return(head, delta) == Self::RULES.freed_at() {
                free_devmap_managed_page(head);
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
    /// carried past the sign bit still reads as pinned), or signed with
    /// [`BiasRules::signed_predicate`] (the seed). A relaxed snapshot.
    fn pinned_by_bias<P: Platform>(&self, head: PageRef<'_, P>) -> bool {
        let count = page_ref_count(head);
        if Self::RULES.signed_predicate {
            count >= GUP_PIN_COUNTING_BIAS
        } else {
            count as u32 >= GUP_PIN_COUNTING_BIAS as u32
        }
    }
}
