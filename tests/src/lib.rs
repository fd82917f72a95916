//! A refcount scheme written outside pinref, as a user would write one: it
//! depends on `pinref-model` only through the public [`Scheme`] and
//! [`pinref_model::Patch`] traits and helpers, and the tests in
//! `tests/tests/` put it through every check pinref has.
//!
//! [`PinVsDriverPut`] is a scenario written the same way: a driver's
//! release path drops its own plain reference while a user pins the page.
//!
//! [`HeadroomGuard`] is a patch on the newest kernel scheme (v6.5, folios):
//! folios with the overflow guard `Arc` uses for its own count, a grab
//! refused when it would take the count past [`PIN_HEADROOM_LIMIT`], half
//! of `i32::MAX`, so that racing grabbers that each passed the guard cannot
//! carry the count past the sign bit. It therefore claims P6 in full, which
//! the kernel's schemes do not.

use pinref_model::page_ref::page_ref_count;
use pinref_model::scheme::check_refs;
use pinref_model::sync::{JoinHandle, Platform};
use pinref_model::{Claims, GupError, GupFlags, Held, Layout, PageRef, Scheme, V6_5};
use pinref_proofs::properties::Property;
use pinref_proofs::properties::monitor::Monitor;
use pinref_proofs::scenarios::world::World;
use pinref_proofs::scenarios::{Scenario, ScenarioInfo};

/// No grab may take the count past this: `i32::MAX / 2`. The other half of
/// the range is headroom for grabbers racing past the check: each passed
/// it with its own delta, so it would take racers whose deltas sum to
/// 2^30 (a thousand grabs of a 1 GiB page's pins, say) to reach the sign
/// bit.
pub const PIN_HEADROOM_LIMIT: i32 = i32::MAX / 2;

/// The v6.5 scheme with an `Arc`-style headroom guard on every grab.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeadroomGuard;

impl HeadroomGuard {
    /// Refuses a grab that would take the page's count past the limit
    /// (after the checks every grab makes first: its flags and its `refs`).
    fn guard<P: Platform>(
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        let kind = flags.ref_kind()?;
        check_refs(refs)?;
        let head = page.compound_head();
        let count = page_ref_count(head);
        let rules = <V6_5 as pinref_model::scheme::bias::BiasScheme>::RULES;
        let delta = rules.refcount_delta(head, kind, refs);
        if i64::from(count) + i64::from(delta) > i64::from(PIN_HEADROOM_LIMIT) {
            return Err(GupError::WouldOverflow {
                pfn: head.pfn(),
                count,
                delta,
            });
        }
        Ok(())
    }
}

impl pinref_model::Patch for HeadroomGuard {
    pinref_model::patch_of!(
        V6_5,
        "headroom-guard",
        "v6.5 rules, grabs refused past i32::MAX / 2 (Arc-style headroom)"
    );
    fn claims(&self) -> Claims {
        Claims {
            pinned_after_overflow: true,
            refuses_before_overflow: true,
            grab_limit: PIN_HEADROOM_LIMIT,
            survives_split: true,
            zero_page_uncounted: true,
        }
    }
    fn get_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        // The claim covers every grab: `get_page` too (a production
        // kernel's `get_page` has no guard, its VM_BUG_ON is debug-only),
        // or a page at `i32::MAX` is carried past the sign bit by one more
        // reference.
        Self::guard(page, 1, GupFlags::FOLL_GET)?;
        Scheme::get_page(&V6_5, page)
    }
    // v6.5's `try_get_page` is its own grab: this one goes through the
    // guarded grab below. (In a patch, operations are called by trait.)
    fn try_get_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        Scheme::try_grab_folio(self, page, 1, GupFlags::FOLL_GET)
    }
    fn try_grab_folio<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        Self::guard(page, refs, flags)?;
        Scheme::try_grab_folio(&V6_5, page, refs, flags)
    }
    fn try_grab_compound_head<'m, P: Platform>(
        &self,
        page: PageRef<'m, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<PageRef<'m, P>, GupError> {
        Self::guard(page, refs, flags)?;
        Scheme::try_grab_compound_head(&V6_5, page, refs, flags)
    }
}

/// A driver's release path (`put_page` of the reference it took when it
/// mapped the page) races a `pin_user_pages` / `unpin_user_pages` of the
/// same page, which the user's mapping keeps alive: the pin must be seen
/// (P1), nothing may free the page (P4), and the count must come back to
/// the mapping's one reference (P5).
#[derive(Debug, Clone, Copy, Default)]
pub struct PinVsDriverPut;

impl Scenario for PinVsDriverPut {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo {
            name: "pin_vs_driver_put",
            summary: "a driver's put_page of its own reference races a pin and unpin",
            properties: &[Property::P1, Property::P4, Property::P5, Property::P7],
            threads: 2,
            default_bound: None,
        }
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        // The mapping's reference and the driver's.
        let start = Held { plain: 2, pins: 0 };
        let world = World::<P, S>::new(scheme, &Layout::single_page(), &[start], monitor);

        let driver = world.spawn("driver release", |t| {
            t.use_page(0);
            t.must(Property::P4, t.put_page(0));
        });
        let pinner = world.spawn("pinner", |t| {
            let pages = t.must(Property::P7, t.pin_user_pages(0, 1));
            t.check_pinned(0, false);
            t.use_page(0);
            t.must(Property::P7, t.unpin_user_pages(&pages));
        });
        driver.join();
        pinner.join();

        let mapping = Held { plain: 1, pins: 0 };
        world.main_actor().check_not_pinned(0, mapping);
        world.check_quiescent(&[(0, mapping)]);
    }
}

/// [`HeadroomGuard`] with the guard on plain references only: a grab with
/// `FOLL_PIN` skips it, as if a pin added 1 like a reference and not
/// `GUP_PIN_COUNTING_BIAS`. Pins near the 21-bit headroom carry the count
/// past the sign bit: a violation of P6, which the scheme claims, for the
/// one-call check to catch.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeadroomGuardPinsUnguarded;

impl pinref_model::Patch for HeadroomGuardPinsUnguarded {
    pinref_model::patch_of!(
        HeadroomGuard,
        "headroom-guard-pins-unguarded",
        "headroom-guard, but pins skip the guard"
    );
    // The flaw: a pin goes straight to v6.5's grab, past the guard.
    fn try_grab_folio<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        if flags.contains(GupFlags::FOLL_PIN) {
            return Scheme::try_grab_folio(&V6_5, page, refs, flags);
        }
        Scheme::try_grab_folio(&HeadroomGuard, page, refs, flags)
    }
    fn try_grab_compound_head<'m, P: Platform>(
        &self,
        page: PageRef<'m, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<PageRef<'m, P>, GupError> {
        if flags.contains(GupFlags::FOLL_PIN) {
            return Scheme::try_grab_compound_head(&V6_5, page, refs, flags);
        }
        Scheme::try_grab_compound_head(&HeadroomGuard, page, refs, flags)
    }
}
