//! The bias rule that every built-in scheme shares, as the kernel's steps:
//! a plain reference adds 1, a pin adds `GUP_PIN_COUNTING_BIAS`, unless the
//! compound page keeps an exact pin count.
//!
//! - [`BiasRules`]: what distinguishes one kernel version from another
//!   (which pages keep an exact pin count, 1-based device pages, how the
//!   slow and the speculative grabs take their references, the barrier
//!   after the pin, which release `unpin_user_page` is, the zero page, the
//!   generic mm code around it), and what follows from it: the encoding,
//!   the refcount delta of a grab, the claims.
//! - [`BiasScheme`]: a scheme made of the kernel's steps, one small method
//!   each (the slow-path grab's guard, pin count, refcount and statistic;
//!   the speculative grab's sign guard, add-unless-free, head re-check, the
//!   pin's accounting and the barrier after it; the release's statistic,
//!   pin count and refcount drop; the predicate). Every step has the kernel's body under the scheme's rules
//!   by default; a scheme overrides the one it changes.
//! - The kernel functions ([`try_grab_folio`], [`try_grab_compound_head`],
//!   [`put_compound_head`], [`unpin_user_page`], ...) are those steps in the
//!   order of the version the rules name, run over the scheme's own steps, and every [`BiasScheme`] is a
//!   [`crate::Scheme`] through them (a [`crate::Patch`] that is its own
//!   base).
//!
//! The built-ins ([`crate::Seed`], [`crate::V5_7`], [`crate::V5_11`],
//! [`crate::V5_14`], [`crate::Folio`], [`crate::V6_1`], [`crate::V6_5`],
//! [`crate::Devmap`]) change no step: each is its rules (the previous
//! version's, with the fields its commits changed), its name, its words and
//! its known bugs. So a scheme with `V6_5::RULES` and one step of its own is
//! "v6.5, except that step", and v6.5's own body of that step is
//! `V6_5.step(..)`:
//!
//! ```
//! use pinref_model::scheme::bias::{BiasRules, BiasScheme, Refs};
//! use pinref_model::page_ref::{page_ref_sub_and_test_ordered, RmwOrder};
//! use pinref_model::{free::free_page, sync::Platform, V6_5};
//!
//! /// v6.5, except that the release's decrement is relaxed.
//! struct RelaxedPut;
//!
//! impl BiasScheme for RelaxedPut {
//!     const RULES: BiasRules = V6_5::RULES;
//!     const NAME: &'static str = "relaxed-put";
//!     const DESCRIPTION: &'static str = "v6_5, but the final put is relaxed";
//!     fn release_refcount<P: Platform>(&self, release: &Refs<'_, P>) {
//!         if page_ref_sub_and_test_ordered(release.head, release.delta, RmwOrder::Relaxed) {
//!             free_page(release.head);
//!         }
//!     }
//! }
//! // `RelaxedPut` is a `Scheme`: hand it to any check.
//! # fn is_scheme<S: pinref_model::Scheme>(_: &S) {}
//! # is_scheme(&RelaxedPut);
//! ```

mod code;
mod steps;

pub use code::{
    get_page, page_maybe_dma_pinned, put_compound_head, put_page, release, try_get_page,
    try_grab_compound_head, try_grab_folio, unpin_user_page,
};
pub use steps::BiasScheme;

use crate::flags::RefKind;
use crate::page::PageRef;
use crate::scheme::{Claims, Counts, Held, MmCode, PageShape, bias_delta, bias_encoding};
use crate::sync::Platform;

/// What distinguishes one bias scheme (one kernel version) from another.
///
/// Each field is one piece of kernel history, and a version's rules are the
/// previous version's with the fields its commits changed
/// (`BiasRules { speculative_grab: .., ..V5_11::RULES }`): a version is a
/// diff, as a kernel patch is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BiasRules {
    /// `page_dma_pinned` compares the count as a signed int. No kernel
    /// version did (the seed's `1UL << 10` bias makes C compare unsigned,
    /// and v11 of the series spelled it out with an `(unsigned int)` cast);
    /// it is the natural mistake of a Rust port (`i32 >= 1024`), kept for
    /// the `signed-predicate` variant.
    pub signed_predicate: bool,
    /// Compound pages of at least this order keep an exact pin count and add
    /// only `refs` to the refcount per pin (v5.7: order > 1, so 2; folios:
    /// any large folio, so 1). `None`: every page uses the bias.
    pub exact_pincount_from_order: Option<u32>,
    /// Device pages: "1-based", freed (handed back to the driver) when the
    /// count drops to 1.
    pub devmap: bool,
    /// How the slow path's grab (`try_grab_page`) takes its references.
    pub slow_grab: SlowGrab,
    /// How gup_fast's speculative grab takes its references.
    pub speculative_grab: SpeculativeGrab,
    /// `smp_mb__after_atomic()` after the speculative grab's pin-count or
    /// bias add, before the caller re-reads the page table (v6.1, "mm: fix
    /// PageAnonExclusive clearing racing with concurrent RCU GUP-fast",
    /// `088b8aa537c2`).
    pub barrier_after_pin: bool,
    /// Which release `unpin_user_page` is.
    pub unpin: Unpin,
    /// `FOLL_PIN` on the shared zero page takes and releases pins like on
    /// any page; false from v6.5 ("mm: Don't pin ZERO_PAGE in
    /// pin_user_pages()", `c8070b787519`), where it is never pinned or
    /// counted.
    pub pins_zero_page: bool,
    /// The generic mm code of the version (fork, gup_fast's walk), which
    /// the scenarios of the predicate's consumers run around the scheme
    /// ([`crate::Scheme::mm`]).
    pub mm: MmCode,
}

/// How the slow path grabs (`try_grab_page`, `FOLL_PIN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlowGrab {
    /// The seed (v7 of the series, Nov 2019): `try_pin_page` is
    /// `try_pin_compound_head(page, 1)`, gup_fast's speculative grab of
    /// `refs * GUP_PIN_COUNTING_BIAS` (refuse a negative count, add unless
    /// zero); no other guard. `FOLL_GET` is `try_get_page`, as in v5.7.
    Speculative,
    /// v5.7: refuse a count `<= 0` (`WARN_ON_ONCE`, `-ENOMEM`), then the
    /// exact pin count (order > 1), then the refcount, then the statistic.
    PincountFirst,
    /// v5.18 ("mm/gup: Increment the page refcount before the pincount",
    /// folio pull for 5.18): the same guard, the refcount before the pin
    /// count.
    RefcountFirst,
}

/// How gup_fast's speculative grab takes its references
/// (`try_grab_compound_head`, later `try_grab_folio`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpeculativeGrab {
    /// The seed, v5.7–v5.13: the accounting (bias or exact pin count) is
    /// decided on the head looked up *before* the grab; one add-unless-zero
    /// of the whole delta; the exact pin count after it; no re-check of the
    /// head (the split race).
    DecideFirst,
    /// v5.14–v5.17 ("mm/gup: fix try_grab_compound_head() race with
    /// split_huge_page()", `c24d37322548`): add `refs` unless zero, re-check
    /// that the page still belongs to that head (if not: release and fail),
    /// and only then decide on the stable head: `refs` more in the exact pin
    /// count, or `refs * (GUP_PIN_COUNTING_BIAS - 1)` more in the refcount,
    /// with a relaxed add.
    RecheckThenDecide,
    /// v5.18+ (`try_get_folio`, "mm/gup: Handle page split race more
    /// efficiently"): the same, but a changed head releases and *retries*.
    RetryThenDecide,
}

/// What `unpin_user_page` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unpin {
    /// The seed's `put_user_page` and v5.7–v5.10's `unpin_user_page`: the
    /// exact pin count or the bias, `page_ref_sub_and_test` and the free,
    /// and *then* `mod_node_page_state(page_pgdat(page), ..)`, which reads
    /// the page after the release that may have freed it (the bug).
    StatAfterRelease,
    /// v5.11+ ("mm/gup: combine put_compound_head() and
    /// unpin_user_page()", `4509b42c3896`): `put_compound_head(page, 1,
    /// FOLL_PIN)`, which counts the release before dropping the reference.
    PutCompoundHead,
}

impl BiasRules {
    /// The refcount at which a page is freed.
    pub fn freed_at(&self) -> i32 {
        i32::from(self.devmap)
    }

    /// Whether a head of this shape keeps an exact pin count.
    pub fn uses_pincount(&self, shape: PageShape) -> bool {
        self.exact_pincount_from_order
            .is_some_and(|order| shape.order >= order)
    }

    /// The abstraction function: `refcount = base + plain + 1024 * pins`
    /// (or `+ pins` with `pincount = pins` for pages with an exact count).
    pub fn counts_for(&self, shape: PageShape, held: Held) -> Counts {
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
        &self,
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

    /// What a kernel version with these rules can claim: the unsigned
    /// predicate reads an overflowed count as pinned; the head re-check
    /// survives a split; the racy `<= 0` guard never refuses *before* an
    /// overflow, and no headroom is kept ([`Claims::KERNEL`] otherwise).
    pub fn claims(&self) -> Claims {
        Claims {
            pinned_after_overflow: !self.signed_predicate,
            survives_split: self.recheck_head(),
            zero_page_uncounted: !self.pins_zero_page,
            ..Claims::KERNEL
        }
    }

    /// Whether the speculative grab re-checks the head after grabbing (the
    /// 2021 split fix, v5.14 on).
    pub fn recheck_head(&self) -> bool {
        self.speculative_grab != SpeculativeGrab::DecideFirst
    }

    /// The grab or release of `refs` of `kind` that the steps act on, taken
    /// on `head` for the caller's `page`: its refcount delta and whether the
    /// pins are counted exactly follow from `head`'s shape under these rules.
    pub fn refs<'m, P: Platform>(
        &self,
        page: PageRef<'m, P>,
        head: PageRef<'m, P>,
        kind: RefKind,
        refs: i32,
    ) -> Refs<'m, P> {
        Refs {
            page,
            head,
            kind,
            refs,
            delta: self.refcount_delta(head, kind, refs),
            exact_pins: kind == RefKind::Pin && self.uses_pincount(PageShape::of(head)),
        }
    }

    /// The first half of a speculative grab that re-checks the head
    /// ([`SpeculativeGrab::RecheckThenDecide`] and after): `refs` plain
    /// references on `head`, whatever `kind` asks for; the pin's
    /// accounting is decided once the head is known to be stable.
    pub fn plain_refs<'m, P: Platform>(
        &self,
        page: PageRef<'m, P>,
        head: PageRef<'m, P>,
        refs: i32,
    ) -> Refs<'m, P> {
        Refs {
            delta: refs,
            exact_pins: false,
            ..self.refs(page, head, RefKind::Get, refs)
        }
    }
}

/// One grab or release, as every step of it sees it (made by
/// [`BiasRules::refs`] once the flags and `refs` have been checked).
///
/// Its accounting (the delta, whether the pins are counted exactly) is
/// decided once, from the head's shape when the grab or release starts, as
/// v5.7's `try_grab_compound_head` reads `hpage_pincount_available` before
/// it grabs; so a release that undoes it (a failed head re-check) drops
/// exactly what was added, even if a split has changed the shape since.
#[derive(Debug)]
pub struct Refs<'m, P: Platform> {
    /// The page the caller asked for (a tail, possibly).
    pub page: PageRef<'m, P>,
    /// The head the counts are on (`compound_head(page)` when the grab or
    /// release started).
    pub head: PageRef<'m, P>,
    /// Plain references or pins.
    pub kind: RefKind,
    /// How many.
    pub refs: i32,
    /// What they move the head's refcount by ([`BiasRules::refcount_delta`]).
    pub delta: i32,
    /// Pins counted in the head's exact pin count (`hpage_pincount_available`
    /// in v5.7, a large folio since).
    pub exact_pins: bool,
}
