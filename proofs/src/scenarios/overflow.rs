//! Scenario 5, overflow edge: the page holds one plain reference and
//! 2^21 - 2 pins, so its count is 2048 short of `i32::MAX`. Two pinners race:
//! their grabs together would carry the count past the sign bit. A scheme
//! that claims P6 in full must refuse the grab that would cross (leaving the
//! counts unchanged); the kernel's racy `<= 0` guard lets one cross, which
//! is reported as an expected violation for schemes that do not claim it.
//! Whatever happens, nothing may wrap into a free (P4, P6), and a pinner
//! that got its pin must see the page pinned (P1; the seed's signed
//! predicate misses a count past the sign bit: expected for it) and must be
//! able to unpin it (P7).

use super::actor::Actor;
use super::world::World;
use super::{Scenario, ScenarioInfo};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::sync::Platform;
use pinref_model::{Held, Layout, Scheme};

/// Pins held at the start: 2^21 - 2.
pub const START_PINS: i64 = (1 << 21) - 2;

/// The scenario: see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Overflow;

impl Scenario for Overflow {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo::two_threads(
            "overflow",
            "two pinners race 2048 short of i32::MAX: the racy guard lets one cross the sign bit",
            &[P1, P3, P4, P6, P7],
        )
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let start = Held {
            plain: 1,
            pins: START_PINS,
        };
        let world = World::<P, S>::new(scheme, &Layout::single_page(), &[start], monitor);

        let pinner = |t: &Actor<'_, P, S>| {
            if t.pin_user_pages(0, 1).is_ok() {
                t.check_pinned(0, true);
                // A pin it got, it must be able to give back: an unpin
                // refused on a count past the sign bit leaves the pin held
                // for ever (P7).
                t.must(Property::P7, t.unpin_user_page(0));
            }
        };
        world.race(("pinner A", pinner), ("pinner B", pinner));

        world.main_actor().check_pinned(0, false);
        world.check_quiescent(&[(0, start)]);
    }
}
