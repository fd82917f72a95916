//! Scenario 10, stats: two threads pin overlapping ranges, one through
//! gup_fast and one through the slow path, and unpin them. Whenever no pin
//! operation is in flight (here: after both threads are done, and before
//! they start) acquired - released equals the live pins (P9).

use super::world::World;
use super::{Scenario, ScenarioInfo};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::sync::Platform;
use pinref_model::{Held, Layout, Scheme};

/// The scenario: see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats;

impl Scenario for Stats {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo::two_threads(
            "stats",
            "a gup_fast and a slow-path pinner on overlapping ranges: acquired - released == live pins",
            &[P5, P9],
        )
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let layout = Layout::new(&[0, 0]).unwrap_or_else(|error| panic!("scenario bug: {error}"));
        let start = Held { plain: 1, pins: 1 };
        let world = World::<P, S>::new(scheme, &layout, &[start, start], monitor);
        world.check_quiescent(&[(0, start), (1, start)]);

        world.race(
            ("fast pinner", |t| {
                let pages = t.must(Property::P9, t.pin_user_pages_fast(0, 2));
                t.must(Property::P9, t.unpin_user_pages(&pages));
            }),
            ("slow pinner", |t| {
                let pages = t.must(Property::P9, t.pin_user_pages(1, 1));
                t.must(Property::P9, t.unpin_user_pages(&pages));
            }),
        );

        world.check_quiescent(&[(0, start), (1, start)]);
    }
}
