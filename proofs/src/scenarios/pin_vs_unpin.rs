//! Scenario 1, pin vs unpin: two holders pin and unpin the same page; each
//! checks, right after its own pin, that the page reads as pinned (P1), and
//! once both are done the page must read as unpinned (P2).

use super::world::World;
use crate::properties::Property;
use crate::properties::monitor::Monitor;
use pinref_model::sync::{JoinHandle, Platform};
use pinref_model::{Held, Layout, Scheme};

/// Runs one execution.
pub fn run<P: Platform, S: Scheme>(scheme: S, monitor: Monitor) {
    let start = Held { plain: 1, pins: 0 };
    let world = World::<P, S>::new(scheme, &Layout::single_page(), &[start], monitor);

    let pinners: Vec<_> = ["pinner A", "pinner B"]
        .into_iter()
        .map(|name| {
            world.spawn(name, |t| {
                let pages = t.must(Property::P7, t.pin_user_pages(0, 1));
                t.check_pinned(0, false);
                t.must(Property::P7, t.unpin_user_pages(&pages));
            })
        })
        .collect();
    for pinner in pinners {
        pinner.join();
    }

    let main = world.main_actor();
    main.check_not_pinned(0, start);
    world.check_quiescent(&[(0, start)]);
}
