//! Scenario 3, carry: the page starts with `plain` = 1023 (or 2047), so a
//! racing `get_page` carries the low ten bits into the pin bits. A pin and
//! a get race, then both are released: the subtraction must recover the
//! count exactly (P5), and the predicate must answer right at every step
//! where its answer is fixed (P1 after the pin, P2 at the end).

use super::world::World;
use super::{Scenario, ScenarioInfo};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::sync::Platform;
use pinref_model::{Held, Layout, Scheme};

/// The scenario from `plain` plain references: the catalogue has it from
/// 1023 (the carry into the first pin bit) and 2047 (into the second).
#[derive(Debug, Clone, Copy)]
pub struct Carry {
    /// Plain references held at the start.
    pub plain: i64,
}

impl Scenario for Carry {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo::two_threads(
            match self.plain {
                1023 => "carry_1023",
                2047 => "carry_2047",
                _ => "carry",
            },
            "a get and a pin race from a plain count whose next get carries into the pin bits",
            &[P1, P2, P3, P5],
        )
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let start = Held {
            plain: self.plain,
            pins: 0,
        };
        let world = World::<P, S>::new(scheme, &Layout::single_page(), &[start], monitor);

        world.race(
            ("getter", |t| {
                t.must(Property::P5, t.get_page(0));
                t.must(Property::P5, t.put_page(0));
            }),
            ("pinner", |t| {
                let pages = t.must(Property::P7, t.pin_user_pages(0, 1));
                t.check_pinned(0, false);
                t.must(Property::P7, t.unpin_user_pages(&pages));
            }),
        );

        world.main_actor().check_not_pinned(0, start);
        world.check_quiescent(&[(0, start)]);
    }
}
