//! Scenario 11, devmap: a "1-based" device page held by two plain references
//! and one pin. Two threads drop a plain reference and the pin at once: the
//! page must not go back to its driver while the last plain reference is
//! held; when the main thread drops that, it goes back exactly once, at the
//! transition to 1 (P3, P4).

use super::world::World;
use crate::properties::Property;
use crate::properties::monitor::Monitor;
use pinref_model::sync::{JoinHandle, Platform};
use pinref_model::{Held, Layout, Scheme};

/// Runs one execution.
pub fn run<P: Platform, S: Scheme>(scheme: S, monitor: Monitor) {
    let start = Held { plain: 2, pins: 1 };
    let world = World::<P, S>::new(scheme, &Layout::single_page(), &[start], monitor);

    let unpinner = world.spawn("unpinner", |t| {
        t.must(Property::P3, t.unpin_user_page(0));
    });
    let putter = world.spawn("putter", |t| {
        t.use_page(0);
        t.must(Property::P3, t.put_page(0));
    });
    unpinner.join();
    putter.join();

    let left = Held { plain: 1, pins: 0 };
    world.check_quiescent(&[(0, left)]);
    let main = world.main_actor();
    main.use_page(0);
    main.must(Property::P4, main.put_page(0));
    world.check_quiescent(&[(0, Held::default())]);
}
