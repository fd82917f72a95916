//! Scenario 7, dirty before unpin: the page is pinned and clean; one thread
//! unpins it with `unpin_user_pages_dirty_lock(.., true)` while an observer
//! (holding its own plain reference) reads the predicate. An observer that
//! sees the page unpinned, and then fences, must see it dirty (P8).

use super::world::World;
use crate::properties::Property;
use crate::properties::monitor::Monitor;
use pinref_model::sync::{JoinHandle, Platform};
use pinref_model::{Held, Layout, Scheme};

/// Runs one execution.
pub fn run<P: Platform, S: Scheme>(scheme: S, monitor: Monitor) {
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
