//! Scenario 2, get/put vs pin/unpin: from one plain reference, one thread
//! takes and drops a plain reference while another pins and unpins; both
//! use the page while they hold it. Nothing underflows (P3), the page is
//! never freed (P4), and the count returns exactly (P5).

use super::world::World;
use super::{Scenario, ScenarioInfo, Symmetry};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::sync::{JoinHandle, Platform};
use pinref_model::{Held, Layout, Scheme};

/// The scenario: see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct GetPutVsPin;

impl Scenario for GetPutVsPin {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo {
            name: "get_put_vs_pin",
            summary: "a get/put pair races a pin/unpin pair on a page with one plain reference",
            properties: &[P1, P3, P4, P5],
            threads: 2,
            default_bound: None,
            symmetric: Symmetry::NONE,
        }
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let start = Held { plain: 1, pins: 0 };
        let world = World::<P, S>::new(scheme, &Layout::single_page(), &[start], monitor);

        let getter = world.spawn("getter", |t| {
            t.must(Property::P3, t.get_page(0));
            t.use_page(0);
            t.must(Property::P3, t.put_page(0));
        });
        let pinner = world.spawn("pinner", |t| {
            let pages = t.must(Property::P7, t.pin_user_pages(0, 1));
            t.check_pinned(0, false);
            t.use_page(0);
            t.must(Property::P7, t.unpin_user_pages(&pages));
        });
        getter.join();
        pinner.join();

        world.main_actor().check_not_pinned(0, start);
        world.check_quiescent(&[(0, start)]);
    }
}
