//! Scenario 9, batches: `pin_user_pages` over a range whose second page has
//! been unmapped (and freed) stops there and returns the pin it took on the
//! first ("return i ? i : ret"), which its caller unpins (P7); meanwhile
//! another thread pins both subpages of an order-1 compound page in one
//! grab (`refs` = 2) and releases them with `unpin_user_pages`, entry by
//! entry. The statistics balance (P9) and every count returns (P5).

use super::world::{MAPPED, World};
use super::{Scenario, ScenarioInfo};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::sync::Platform;
use pinref_model::{Held, Layout, Scheme};

/// The scenario: see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Batches;

impl Scenario for Batches {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo::two_threads(
            "batches",
            "a batch pin that stops at an unmapped page returns what it pinned; a refs=2 grab on \
             an order-1 page",
            &[P1, P5, P7, P9],
        )
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        // Pages: 0 (order 0), 1 (order 0, unmapped and free), 2..=3 (order 1).
        let layout =
            Layout::new(&[0, 0, 1]).unwrap_or_else(|error| panic!("scenario bug: {error}"));
        let start = [MAPPED, Held::default(), MAPPED];
        let world = World::<P, S>::new(scheme, &layout, &start, monitor);
        world.main_actor().zap_pte(1);

        world.race(
            ("batch 0..2", |t| {
                let pages = t.must(Property::P7, t.pin_user_pages(0, 2));
                if pages != [0] {
                    t.fail(
                        Property::P7,
                        format!(
                            "pin_user_pages(0, 2) over an unmapped second page returned \
                             {pages:?}, not the one page before it"
                        ),
                    );
                }
                t.check_pinned(0, false);
                t.must(Property::P7, t.unpin_user_pages(&pages));
            }),
            ("batch 2..4", |t| {
                let pages = t.must(Property::P7, t.pin_user_pages(2, 2));
                t.check_pinned(2, false);
                t.must(Property::P7, t.unpin_user_pages(&pages));
            }),
        );

        world.check_quiescent(&[(0, MAPPED), (2, MAPPED)]);
    }
}
