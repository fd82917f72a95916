//! Scenario 19, migration vs gup_fast (the second consumer: the frozen
//! count): a page-cache page (its cache's reference and its mapping's) is
//! migrated while gup_fast pins it. Migration unmaps the page and freezes
//! the count at exactly the references it expects (`folio_ref_freeze`, here
//! the page cache's): a pin taken before makes the
//! freeze fail and the migration back off (`-EAGAIN`); a speculative grab
//! of a frozen page must fail (add unless zero, P10); a pin taken after the
//! page was moved is seen by gup_fast's re-read of the entry and given
//! back. The page is freed exactly once, and never while pinned (P4); a pin
//! gup_fast returns is seen (P1).

use super::mm::migrate;
use super::shape::Shape;
use super::world::World;
use super::{Scenario, ScenarioInfo};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::sync::Platform;
use pinref_model::{GupFlags, Held, Layout, Scheme, SchemeObject};

/// The references the page holds: its page cache's and its mapping's.
const CACHED_AND_MAPPED: Held = Held { plain: 2, pins: 0 };

/// The scenario on a page of `shape` (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct MigrateVsGupFast {
    /// The page migration moves.
    pub shape: Shape,
}

impl Scenario for MigrateVsGupFast {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo::two_threads(
            self.shape.name([
                "migrate_vs_gup_fast",
                "migrate_vs_gup_fast_order1",
                "migrate_vs_gup_fast_order2",
            ]),
            "migration freezes the count to move a page while gup_fast pins it",
            &[P1, P4, P10],
        )
    }

    fn applies_to(&self, scheme: &SchemeObject) -> bool {
        scheme.freed_at() == 0 && self.shape.distinct_for(scheme)
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        // The page, then the order-0 page it moves to (allocated, its cache
        // and mapping references ready).
        let new = self.shape.subpages();
        let layout = Layout::new(&[self.shape.order, 0])
            .unwrap_or_else(|error| panic!("scenario bug: {error}"));
        let start = [CACHED_AND_MAPPED, CACHED_AND_MAPPED];
        let world = World::<P, S>::new(scheme, &layout, &start, monitor);

        let ((), migrated) = world.race(
            ("gup_fast", |t| {
                if let Ok(pfn) = t.gup_fast_pte(0, GupFlags::FOLL_PIN) {
                    t.check_pinned(pfn, false);
                    t.use_page(pfn);
                    t.must(Property::P4, t.unpin_user_page(pfn));
                }
            }),
            // Expected at the freeze: the cache's reference; the mapping's
            // was dropped with the unmap.
            ("migrate", move |t| migrate(t, 0, new, 1)),
        );

        if migrated {
            world.check_quiescent(&[(0, Held::default()), (new, CACHED_AND_MAPPED)]);
        } else {
            world.check_quiescent(&[(0, CACHED_AND_MAPPED), (new, CACHED_AND_MAPPED)]);
        }
    }
}
