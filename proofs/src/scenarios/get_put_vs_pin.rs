//! Scenario 2, get/put vs pin/unpin: from one plain reference, one thread
//! takes and drops a plain reference while another pins and unpins; both
//! use the page while they hold it. Nothing underflows (P3), the page is
//! never freed (P4), and the count returns exactly (P5). On a compound page
//! the plain reference is taken through a tail and the pin takes every
//! subpage in one grab.

use super::shape::Shape;
use super::world::{MAPPED, World};
use super::{Scenario, ScenarioInfo};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::sync::Platform;
use pinref_model::{Scheme, SchemeObject};

/// The scenario on a page of `shape` (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct GetPutVsPin {
    /// The page it runs on: the pins take all its subpages at once.
    pub shape: Shape,
}

impl Scenario for GetPutVsPin {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo::two_threads(
            self.shape.name([
                "get_put_vs_pin",
                "get_put_vs_pin_order1",
                "get_put_vs_pin_order2",
            ]),
            "a get/put pair races a pin/unpin pair on a page with one plain reference",
            &[P1, P3, P4, P5],
        )
    }

    fn applies_to(&self, scheme: &SchemeObject) -> bool {
        self.shape.distinct_for(scheme)
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let (nr, tail) = (self.shape.subpages(), self.shape.last());
        let world = World::<P, S>::new(scheme, &self.shape.layout(), &[MAPPED], monitor);

        world.race(
            ("getter", move |t| {
                t.must(Property::P3, t.get_page(tail));
                t.use_page(tail);
                t.must(Property::P3, t.put_page(tail));
            }),
            ("pinner", move |t| {
                let pages = t.must(Property::P7, t.pin_user_pages(0, nr));
                t.check_pinned(0, false);
                t.use_page(0);
                t.must(Property::P7, t.unpin_user_pages(&pages));
            }),
        );

        world.main_actor().check_not_pinned(0, MAPPED);
        world.check_quiescent(&[(0, MAPPED)]);
    }
}
