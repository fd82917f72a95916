//! Scenario 11, devmap: a "1-based" device page held by two plain references
//! and one pin. Two threads drop a plain reference and the pin at once: the
//! page must not go back to its driver while the last plain reference is
//! held; when the main thread drops that, it goes back exactly once, at the
//! transition to 1 (P3, P4).

use super::world::World;
use super::{Scenario, ScenarioInfo};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::sync::Platform;
use pinref_model::{Held, Layout, Scheme, SchemeObject};

/// The scenario: see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct DevmapPages;

impl Scenario for DevmapPages {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo::two_threads(
            "devmap",
            "1-based device pages: freed (handed back) at 1, never at 0",
            &[P3, P4],
        )
    }

    /// Device pages only: schemes that free a page at 1.
    fn applies_to(&self, scheme: &SchemeObject) -> bool {
        scheme.freed_at() == 1
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let start = Held { plain: 2, pins: 1 };
        let world = World::<P, S>::new(scheme, &Layout::single_page(), &[start], monitor);

        world.race(
            ("unpinner", |t| {
                t.must(Property::P3, t.unpin_user_page(0));
            }),
            ("putter", |t| {
                t.use_page(0);
                t.must(Property::P3, t.put_page(0));
            }),
        );

        let left = Held { plain: 1, pins: 0 };
        world.check_quiescent(&[(0, left)]);
        let main = world.main_actor();
        main.use_page(0);
        main.must(Property::P4, main.put_page(0));
        world.check_quiescent(&[(0, Held::default())]);
    }
}
