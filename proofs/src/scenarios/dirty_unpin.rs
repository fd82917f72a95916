//! Scenario 7, dirty before unpin: the page is pinned and clean; one thread
//! unpins it with `unpin_user_pages_dirty_lock(.., true)` while an observer
//! (holding its own plain reference) reads the predicate. An observer that
//! sees the page unpinned, and then fences, must see it dirty (P8).

use super::world::World;
use super::{Scenario, ScenarioInfo, Symmetry};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::sync::{JoinHandle, Platform};
use pinref_model::{Held, Layout, Scheme};

/// The scenario: see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct DirtyUnpin;

impl Scenario for DirtyUnpin {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo {
            name: "dirty_unpin",
            summary: "a dirtying unpin races an observer that must see the page dirty once it sees it unpinned",
            properties: &[P3, P8],
            threads: 2,
            default_bound: None,
            symmetric: Symmetry::NONE,
        }
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let start = Held { plain: 1, pins: 1 };
        let world = World::<P, S>::new(scheme, &Layout::single_page(), &[start], monitor);

        let unpinner = world.spawn("unpinner", |t| {
            t.must(Property::P8, t.unpin_user_pages_dirty_lock(&[0], true));
        });
        let observer = world.spawn("observer", |t| {
            if !t.page_dma_pinned(0) {
                t.check_dirty_after_unpinned(0);
            }
        });
        unpinner.join();
        observer.join();

        world.check_quiescent(&[(0, Held { plain: 1, pins: 0 })]);
    }
}
