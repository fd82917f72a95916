//! Scenario 7, dirty before unpin: the page is pinned and clean; one thread
//! unpins it with `unpin_user_pages_dirty_lock(.., true)` while an observer
//! (holding its own plain reference) reads the predicate. An observer that
//! sees the page unpinned, and then fences, must see it dirty (P8; no
//! writeback runs here: `writeback_vs_dirty_unpin` adds one). On a compound
//! page every subpage is pinned and unpinned, and the observer reads a
//! tail.

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
pub struct DirtyUnpin {
    /// The page it runs on: the pins take all its subpages at once.
    pub shape: Shape,
}

impl Scenario for DirtyUnpin {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo::two_threads(
            self.shape
                .name(["dirty_unpin", "dirty_unpin_order1", "dirty_unpin_order2"]),
            "a dirtying unpin races an observer that must see the page dirty once it sees it unpinned",
            &[P3, P8],
        )
    }

    fn applies_to(&self, scheme: &SchemeObject) -> bool {
        self.shape.distinct_for(scheme)
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let (pfns, tail) = (self.shape.pfns(), self.shape.last());
        let start = self.shape.mapped_and_pinned();
        let world = World::<P, S>::new(scheme, &self.shape.layout(), &[start], monitor);

        world.race(
            ("unpinner", move |t| {
                t.must(Property::P8, t.unpin_user_pages_dirty_lock(&pfns, true));
            }),
            ("observer", move |t| {
                if !t.page_dma_pinned(tail) {
                    t.check_dirty_after_unpinned(tail);
                }
            }),
        );

        world.check_quiescent(&[(0, MAPPED)]);
    }
}
