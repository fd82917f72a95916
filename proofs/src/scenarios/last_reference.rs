//! Scenario 4, last reference: the page is held by one pin and one plain
//! reference, each in its own thread; both use the page, then drop their
//! reference. Exactly one of them frees it, once, at the transition to its
//! free value, and nothing touches it after (P4). On loom the page contents
//! are a causality-checked cell: a free not ordered after the other
//! thread's use is reported too.

use super::world::World;
use super::{Scenario, ScenarioInfo, Symmetry};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::sync::{JoinHandle, Platform};
use pinref_model::{Held, Layout, Scheme};

/// The scenario: see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct LastReference;

impl Scenario for LastReference {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo {
            name: "last_reference",
            summary: "the last pin and the last plain reference are dropped at once: one free, exactly",
            properties: &[P3, P4],
            threads: 2,
            default_bound: None,
            symmetric: Symmetry::NONE,
        }
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let start = Held { plain: 1, pins: 1 };
        let world = World::<P, S>::new(scheme, &Layout::single_page(), &[start], monitor);

        let unpinner = world.spawn("unpinner", |t| {
            t.use_page(0);
            t.must(Property::P4, t.unpin_user_page(0));
        });
        let putter = world.spawn("putter", |t| {
            t.use_page(0);
            t.must(Property::P4, t.put_page(0));
        });
        unpinner.join();
        putter.join();

        world.check_quiescent(&[(0, Held::default())]);
    }
}
