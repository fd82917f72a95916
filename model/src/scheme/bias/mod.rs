//! The bias rule that every built-in scheme shares, as the kernel's steps:
//! a plain reference adds 1, a pin adds `GUP_PIN_COUNTING_BIAS`, unless the
//! compound page keeps an exact pin count.
//!
//! - [`BiasRules`]: what distinguishes one kernel version from another (the
//!   signed or unsigned predicate, which pages keep an exact pin count,
//!   1-based device pages, the head re-check), and what follows from it: the
//!   encoding, the refcount delta of a grab, the claims.
//! - [`BiasScheme`]: a scheme made of the kernel's steps, one small method
//!   each (the slow-path grab's guard, pin count, refcount and statistic;
//!   the speculative grab's sign guard, add-unless-free and head re-check;
//!   the release's checks, statistic, pin count and refcount drop; the
//!   predicate). Every step has the kernel's body under the scheme's rules
//!   by default; a scheme overrides the one it changes.
//! - The kernel functions ([`try_grab_folio`], [`try_grab_compound_head`],
//!   [`put_compound_head`], ...) are those steps in the kernel's order, run
//!   over the scheme's own steps, and every [`BiasScheme`] is a
//!   [`crate::Scheme`] through them (a [`crate::Patch`] that is its own
//!   base).
//!
//! The built-ins ([`crate::Seed`], [`crate::V5_7`], [`crate::Folio`],
//! [`crate::Devmap`]) change no step: each is its rules, its name and its
//! words. So a scheme with `V5_7::RULES` and one step of its own is
//! "v5.7, except that step", and v5.7's own body of that step is
//! `V5_7.step(..)`:
//!
//! ```
//! use pinref_model::scheme::bias::{BiasRules, BiasScheme, Refs};
//! use pinref_model::page_ref::{page_ref_sub_and_test_ordered, RmwOrder};
//! use pinref_model::{free::free_page, sync::Platform, V5_7};
//!
//! /// v5.7, except that the release's decrement is relaxed.
//! struct RelaxedPut;
//!
//! impl BiasScheme for RelaxedPut {
//!     const RULES: BiasRules = V5_7::RULES;
//!     const NAME: &'static str = "relaxed-put";
//!     const DESCRIPTION: &'static str = "v5_7, but the final put is relaxed";
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
    get_page, page_maybe_dma_pinned, put_compound_head, release, try_grab_compound_head,
    try_grab_folio,
};
pub use steps::BiasScheme;

use crate::flags::RefKind;
use crate::page::PageRef;
use crate::scheme::{Claims, Counts, Held, PageShape, bias_delta, bias_encoding};
use crate::sync::Platform;

/// What distinguishes one bias scheme (one kernel version) from another.
///
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
            survives_split: self.recheck_head,
            ..Claims::KERNEL
        }
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
