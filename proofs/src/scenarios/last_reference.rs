//! Scenario 4, last reference: the page is held by one pin and one plain
//! reference, each in its own thread; both use the page, then drop their
//! reference. Exactly one of them frees it, once, at the transition to its
//! free value, and nothing touches it after (P4). On loom the page contents
//! are a causality-checked cell: a free not ordered after the other
//! thread's use is reported too. On a compound page the pin is of every
//! subpage (`refs` = its subpages), unpinned one entry at a time.

use super::shape::Shape;
use super::world::World;
use super::{Scenario, ScenarioInfo};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::sync::Platform;
use pinref_model::{Held, Scheme, SchemeObject};

/// The scenario on a page of `shape` (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct LastReference {
    /// The page it runs on: the pins take all its subpages at once.
    pub shape: Shape,
}

impl Scenario for LastReference {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo::two_threads(
            self.shape.name([
                "last_reference",
                "last_reference_order1",
                "last_reference_order2",
            ]),
            "the last pin and the last plain reference are dropped at once: one free, exactly",
            &[P3, P4],
        )
    }

    fn applies_to(&self, scheme: &SchemeObject) -> bool {
        self.shape.distinct_for(scheme)
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let pfns = self.shape.pfns();
        let start = self.shape.mapped_and_pinned();
        let world = World::<P, S>::new(scheme, &self.shape.layout(), &[start], monitor);

        world.race(
            ("unpinner", move |t| {
                t.use_page(0);
                t.must(Property::P4, t.unpin_user_pages(&pfns));
            }),
            ("putter", |t| {
                t.use_page(0);
                t.must(Property::P4, t.put_page(0));
            }),
        );

        world.check_quiescent(&[(0, Held::default())]);
    }
}
