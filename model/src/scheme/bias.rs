//! The bias rule that every built-in scheme shares, as building blocks: a
//! plain reference adds 1, a pin adds `GUP_PIN_COUNTING_BIAS`, unless the
//! compound page keeps an exact pin count. The schemes differ only in the
//! [`BiasRules`] they pass.

use crate::error::GupError;
use crate::flags::{GupFlags, RefKind};
use crate::free::{free_devmap_managed_page, free_page};
use crate::page::{GUP_PIN_COUNTING_BIAS, PageRef};
use crate::page_ref::{
    page_ref_add, page_ref_add_unless, page_ref_count, page_ref_inc, page_ref_sub_and_test,
    page_ref_sub_return, pincount_add, pincount_read, pincount_sub,
};
use crate::scheme::{Counts, Held, PageShape, bias_delta, bias_encoding, check_refs};
use crate::sync::Platform;
use crate::vmstat::{PinStat, mod_node_page_state};

/// A release validated by [`BiasRules::begin_release`]: what is left to
/// drop from which head's refcount.
#[derive(Debug)]
pub struct Release<'m, P: Platform> {
    /// The head page.
    pub head: PageRef<'m, P>,
    /// What to subtract from its refcount.
    pub delta: i32,
    /// The refcount seen when the release was checked (a snapshot).
    pub count: i32,
}

/// What distinguishes one bias scheme from another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BiasRules {
    /// `page_dma_pinned` compares the count as a signed int (the seed
    /// series) instead of unsigned (merged v5.7).
    pub signed_predicate: bool,
    /// Compound pages of at least this order keep an exact pin count and add
    /// only `refs` to the refcount per pin (v5.7: order > 1, so 2; folios:
    /// any large folio, so 1). `None`: every page uses the bias.
    pub exact_pincount_from_order: Option<u32>,
    /// Device pages: "1-based", freed (handed back to the driver) when the
    /// count drops to 1.
    pub devmap: bool,
    /// The speculative grab re-checks, after grabbing, that the page still
    /// belongs to the head it grabbed, and releases and fails if a split
    /// got in between (the 2021 fix; folios have it, v5.7 did not).
    pub recheck_head: bool,
}

impl BiasRules {
    /// The refcount at which a page is freed.
    pub fn freed_at(self) -> i32 {
        i32::from(self.devmap)
    }

    /// Whether a head of this shape keeps an exact pin count.
    pub fn uses_pincount(self, shape: PageShape) -> bool {
        self.exact_pincount_from_order
            .is_some_and(|order| shape.order >= order)
    }

    /// The abstraction function: `refcount = base + plain + 1024 * pins`
    /// (or `+ pins` with `pincount = pins` for pages with an exact count).
    pub fn counts_for(self, shape: PageShape, held: Held) -> Counts {
        let base = i64::from(self.freed_at());
        if self.uses_pincount(shape) {
            Counts {
                refcount: base.wrapping_add(held.plain).wrapping_add(held.pins) as i32,
                pincount: held.pins as i32,
            }
        } else {
            Counts {
                refcount: (bias_encoding(held) as i64).wrapping_add(base) as i32,
                pincount: 0,
            }
        }
    }

    /// What a grab or release of `refs` of `kind` does to `head`'s refcount:
    /// `refs` for a pin counted in the exact pin count, else the bias rule
    /// ([`bias_delta`]).
    pub fn refcount_delta<P: Platform>(
        self,
        head: PageRef<'_, P>,
        kind: RefKind,
        refs: i32,
    ) -> i32 {
        if kind == RefKind::Pin && self.uses_pincount(PageShape::of(head)) {
            refs
        } else {
            bias_delta(kind, refs)
        }
    }

    /// `get_page()`: refuses a count that is zero or within 127 of wrapping
    /// (`page_ref_zero_or_close_to_overflow`), else `page_ref_inc`.
    pub fn get_page<P: Platform>(self, page: PageRef<'_, P>) -> Result<(), GupError> {
        let head = page.compound_head();
        let count = page_ref_count(head);
        if (count as u32).wrapping_add(127) <= 127 {
            return Err(GupError::GetPageOnFreeOrOverflowed {
                pfn: head.pfn(),
                count,
            });
        }
        page_ref_inc(head);
        Ok(())
    }

    /// `try_grab_page()` / `try_grab_folio()`: [`BiasRules::grab_guard`],
    /// then [`BiasRules::add_grabbed`].
    pub fn try_grab_folio<P: Platform>(
        self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        let kind = flags.ref_kind()?;
        let head = self.grab_guard(page, refs)?;
        self.add_grabbed(head, kind, refs);
        Ok(())
    }

    /// The checks of a slow-path grab, before it touches anything: `refs`
    /// in range, then the `<= 0` guard (the CVE-2019-11487 fix; `<= 1` for
    /// devmap pages) on the head, whose handle it returns.
    ///
    /// The guard is a separate relaxed read, racy by design: racing grabbers
    /// can all pass it and together carry the count past the sign bit; the
    /// 21 bits of pin headroom are what makes that unlikely, not the guard.
    pub fn grab_guard<'m, P: Platform>(
        self,
        page: PageRef<'m, P>,
        refs: i32,
    ) -> Result<PageRef<'m, P>, GupError> {
        check_refs(refs)?;
        let head = page.compound_head();
        let count = page_ref_count(head);
        // `<= 0` in the kernel; a devmap page is free at 1, and the model
        // refuses it there too (the kernel keeps a freed device page out of
        // reach by unmapping it, which a check need not do).
        if count <= self.freed_at() {
            return Err(GupError::RefcountNotPositive {
                pfn: head.pfn(),
                count,
            });
        }
        Ok(head)
    }

    /// The add half of a slow-path grab, once its guard has passed:
    /// [`BiasRules::grab_pincount`], [`BiasRules::grab_refcount`], then
    /// [`BiasRules::grab_stat`].
    pub fn add_grabbed<P: Platform>(self, head: PageRef<'_, P>, kind: RefKind, refs: i32) {
        self.grab_pincount(head, kind, refs);
        self.grab_refcount(head, kind, refs);
        self.grab_stat(head, kind, refs);
    }

    /// For a pin on a page that keeps an exact pin count: `refs` more
    /// (`atomic_add(refs, &folio->_pincount)`, unordered).
    pub fn grab_pincount<P: Platform>(self, head: PageRef<'_, P>, kind: RefKind, refs: i32) {
        if kind == RefKind::Pin && self.uses_pincount(PageShape::of(head)) {
            pincount_add(head, refs);
        }
    }

    /// The refcount half of a grab: `page_ref_add` of
    /// [`BiasRules::refcount_delta`]. Relaxed: the caller found the page
    /// under the page-table lock, which keeps it from being freed while it
    /// grabs.
    pub fn grab_refcount<P: Platform>(self, head: PageRef<'_, P>, kind: RefKind, refs: i32) {
        page_ref_add(head, self.refcount_delta(head, kind, refs));
    }

    /// For a pin: `nr_foll_pin_acquired += refs`.
    pub fn grab_stat<P: Platform>(self, head: PageRef<'_, P>, kind: RefKind, refs: i32) {
        if kind == RefKind::Pin {
            mod_node_page_state(head, PinStat::Acquired, refs);
        }
    }

    /// `get_page` by way of [`BiasRules::try_grab_folio`] with `FOLL_GET`:
    /// `try_get_page()`.
    pub fn try_get_page<P: Platform>(self, page: PageRef<'_, P>) -> Result<(), GupError> {
        self.try_grab_folio(page, 1, GupFlags::FOLL_GET)
    }

    /// `try_grab_compound_head()` (v5.7): refuses a negative count (a
    /// `WARN_ON_ONCE` in the kernel), then adds unless the count is at its
    /// free value (`page_ref_add_unless`, fully ordered on success): a page
    /// being freed is never revived. With [`BiasRules::recheck_head`], it
    /// then re-checks that the page still belongs to that head. For a pin on a page with an exact pin
    /// count, that count is added after the grab, and
    /// `nr_foll_pin_acquired += refs`.
    pub fn try_grab_compound_head<'m, P: Platform>(
        self,
        page: PageRef<'m, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<PageRef<'m, P>, GupError> {
        let kind = flags.ref_kind()?;
        check_refs(refs)?;
        let head = page.compound_head();
        let count = page_ref_count(head);
        if count < 0 {
            return Err(GupError::RefcountNotPositive {
                pfn: head.pfn(),
                count,
            });
        }
        let delta = self.refcount_delta(head, kind, refs);
        if !page_ref_add_unless(head, delta, self.freed_at()) {
            return Err(GupError::SpeculativeGrabOnFreedPage { pfn: head.pfn() });
        }
        if self.recheck_head && page.compound_head() != head {
            // Split under us: the reference is on a page that is no longer
            // this page's head. Drop it (it may be the last) and fail.
            if page_ref_sub_and_test(head, delta) {
                free_page(head);
            }
            return Err(GupError::CompoundHeadChanged {
                pfn: page.pfn(),
                head: head.pfn(),
            });
        }
        if kind == RefKind::Pin {
            if self.uses_pincount(PageShape::of(head)) {
                pincount_add(head, refs);
            }
            mod_node_page_state(head, PinStat::Acquired, refs);
        }
        Ok(head)
    }

    /// `put_compound_head()` / `gup_put_folio()`: releases `refs` of `kind`
    /// from the head: [`BiasRules::begin_release`], then
    /// [`BiasRules::finish_release`].
    pub fn put_compound_head<P: Platform>(
        self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        let release = self.begin_release(page, refs, flags)?;
        self.finish_release(release);
        Ok(())
    }

    /// The first half of a release: refuses one the counts cannot hold (a
    /// pin that is not there, a put at the free value), then, for a pin,
    /// counts `nr_foll_pin_released += refs` and drops the exact pin count:
    /// nothing may touch the page after the release that may free it, so
    /// these come first. Returns what is left to drop from the refcount.
    ///
    /// The refusal checks are relaxed reads, exact for sequential callers;
    /// under concurrency a double release is the caller's bug, which the
    /// checker's ghost spec reports (P3, P7).
    pub fn begin_release<'m, P: Platform>(
        self,
        page: PageRef<'m, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<Release<'m, P>, GupError> {
        let kind = flags.ref_kind()?;
        check_refs(refs)?;
        let head = page.compound_head();
        let delta = self.refcount_delta(head, kind, refs);
        let exact_pins = kind == RefKind::Pin && self.uses_pincount(PageShape::of(head));
        if exact_pins {
            let pins = pincount_read(head);
            if pins < refs {
                return Err(GupError::UnpinWithoutPin {
                    pfn: head.pfn(),
                    count: pins,
                });
            }
        }
        let count = page_ref_count(head);
        // Unsigned, as the counter's headroom above the sign bit is still
        // references (a count pins carried past i32::MAX is large, not
        // negative).
        if (count.wrapping_sub(self.freed_at()) as u32) < delta as u32 {
            return Err(match kind {
                RefKind::Pin => GupError::UnpinWithoutPin {
                    pfn: head.pfn(),
                    count,
                },
                RefKind::Get => GupError::PutAtZero { pfn: head.pfn() },
            });
        }
        if kind == RefKind::Pin {
            mod_node_page_state(head, PinStat::Released, refs);
        }
        if exact_pins {
            pincount_sub(head, refs);
        }
        Ok(Release { head, delta, count })
    }

    /// The second half of a release: drops `release.delta` from the
    /// refcount, fully ordered ([`page_ref_sub_and_test`]), and frees the
    /// page if that was the last reference; a devmap page is handed back
    /// when it drops to 1 ([`page_ref_sub_return`]).
    pub fn finish_release<P: Platform>(self, release: Release<'_, P>) {
        let Release { head, delta, .. } = release;
        if self.devmap {
            if page_ref_sub_return(head, delta) == self.freed_at() {
                free_devmap_managed_page(head);
            }
        } else if page_ref_sub_and_test(head, delta) {
            free_page(head);
        }
    }

    /// `put_page()`: [`BiasRules::put_compound_head`] of one plain reference.
    pub fn put_page<P: Platform>(self, page: PageRef<'_, P>) -> Result<(), GupError> {
        self.put_compound_head(page, 1, GupFlags::FOLL_GET)
    }

    /// `page_maybe_dma_pinned()`: the exact pin count is positive, where the
    /// page keeps one; else the refcount is at least `GUP_PIN_COUNTING_BIAS`,
    /// compared signed (seed) or unsigned (v5.7 on, so that a count carried
    /// past the sign bit still reads as pinned).
    pub fn page_maybe_dma_pinned<P: Platform>(self, page: PageRef<'_, P>) -> bool {
        let head = page.compound_head();
        if self.uses_pincount(PageShape::of(head)) {
            return pincount_read(head) > 0;
        }
        let count = page_ref_count(head);
        if self.signed_predicate {
            count >= GUP_PIN_COUNTING_BIAS
        } else {
            count as u32 >= GUP_PIN_COUNTING_BIAS as u32
        }
    }
}

/// Implements every required [`crate::Scheme`] operation of a bias scheme
/// by forwarding to its [`BiasRules`] (the built-in schemes differ only in
/// their rules and claims).
macro_rules! forward_to_bias_rules {
    ($rules:expr) => {
        fn counts_for(&self, shape: $crate::PageShape, held: $crate::Held) -> $crate::Counts {
            $rules.counts_for(shape, held)
        }
        fn freed_at(&self) -> i32 {
            $rules.freed_at()
        }
        fn get_page<P: $crate::sync::Platform>(
            &self,
            page: $crate::PageRef<'_, P>,
        ) -> Result<(), $crate::GupError> {
            $rules.get_page(page)
        }
        fn try_get_page<P: $crate::sync::Platform>(
            &self,
            page: $crate::PageRef<'_, P>,
        ) -> Result<(), $crate::GupError> {
            $rules.try_get_page(page)
        }
        fn put_page<P: $crate::sync::Platform>(
            &self,
            page: $crate::PageRef<'_, P>,
        ) -> Result<(), $crate::GupError> {
            $rules.put_page(page)
        }
        fn try_grab_folio<P: $crate::sync::Platform>(
            &self,
            page: $crate::PageRef<'_, P>,
            refs: i32,
            flags: $crate::GupFlags,
        ) -> Result<(), $crate::GupError> {
            $rules.try_grab_folio(page, refs, flags)
        }
        fn try_grab_compound_head<'m, P: $crate::sync::Platform>(
            &self,
            page: $crate::PageRef<'m, P>,
            refs: i32,
            flags: $crate::GupFlags,
        ) -> Result<$crate::PageRef<'m, P>, $crate::GupError> {
            $rules.try_grab_compound_head(page, refs, flags)
        }
        fn put_compound_head<P: $crate::sync::Platform>(
            &self,
            page: $crate::PageRef<'_, P>,
            refs: i32,
            flags: $crate::GupFlags,
        ) -> Result<(), $crate::GupError> {
            $rules.put_compound_head(page, refs, flags)
        }
        fn page_maybe_dma_pinned<P: $crate::sync::Platform>(
            &self,
            page: $crate::PageRef<'_, P>,
        ) -> bool {
            $rules.page_maybe_dma_pinned(page)
        }
    };
}
pub(crate) use forward_to_bias_rules;
