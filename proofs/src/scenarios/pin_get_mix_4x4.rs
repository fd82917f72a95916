//! Scenario 14, pin/get mix at 4×4: eight threads on one page, four pinners
//! (two through `pin_user_pages`, two through `pin_user_pages_fast`) and
//! four holders of a plain reference (`get_page` / `put_page`). Every
//! pinner checks its own pin (P1); nothing underflows (P3) or is freed
//! (P4, the page table keeps its reference); afterwards the count is back
//! exactly (P5), the page reads unpinned (P2) and the pin statistics
//! balance (P9).
//!
//! Eight threads are past loom's reach (loom 0.7 runs at most four threads
//! besides the main one): this is the shuttle engines' size. It is a fixed
//! instance of the scaling scenario (N pinners and M getters) that the
//! scenario-parameter mechanism will bring; it stays as the main job's
//! eight-thread configuration until then.

use super::world::{MAPPED, World};
use super::{Scenario, ScenarioInfo};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::sync::{JoinHandle, Platform};
use pinref_model::{Layout, Scheme};

/// The scenario: see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct PinGetMix4x4;

impl Scenario for PinGetMix4x4 {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo {
            name: "pin_get_mix_4x4",
            summary: "four pinners (slow and fast path) and four get/put holders on one page: \
                      eight threads",
            properties: &[P1, P2, P3, P4, P5, P9],
            threads: 8,
            default_bound: Some(1),
        }
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let world = World::<P, S>::new(scheme, &Layout::single_page(), &[MAPPED], monitor);

        let slow_pinner = |t: &super::actor::Actor<'_, P, S>| {
            let pages = t.must(Property::P7, t.pin_user_pages(0, 1));
            t.check_pinned(0, false);
            t.use_page(0);
            t.must(Property::P7, t.unpin_user_pages(&pages));
        };
        let fast_pinner = |t: &super::actor::Actor<'_, P, S>| {
            let pages = t.must(Property::P7, t.pin_user_pages_fast(0, 1));
            t.check_pinned(0, false);
            t.use_page(0);
            t.must(Property::P7, t.unpin_user_pages(&pages));
        };
        let getter = |t: &super::actor::Actor<'_, P, S>| {
            t.must(Property::P3, t.get_page(0));
            t.use_page(0);
            t.must(Property::P3, t.put_page(0));
        };
        let threads = [
            world.spawn("pinner 1", slow_pinner),
            world.spawn("getter 1", getter),
            world.spawn("fast pinner 2", fast_pinner),
            world.spawn("getter 2", getter),
            world.spawn("pinner 3", slow_pinner),
            world.spawn("getter 3", getter),
            world.spawn("fast pinner 4", fast_pinner),
            world.spawn("getter 4", getter),
        ];
        for thread in threads {
            thread.join();
        }

        world.main_actor().check_not_pinned(0, MAPPED);
        world.check_quiescent(&[(0, MAPPED)]);
    }
}
