//! Scenario 12, split vs gup_fast: an order-2 compound page mapped at four
//! addresses, one reference per mapping. One thread pins subpage 2 through
//! gup_fast while another splits the compound page. A speculative grab that
//! looked the head up before the split and grabbed it after holds a
//! reference on a page that is no longer its page's head: it must notice and
//! let go (the 2021 fix). Otherwise the page it returns does not read as
//! pinned (P1) and its unpin takes from the wrong page (P3, P7).
//!
//! Runs on schemes that claim to survive a split (`Claims::survives_split`):
//! the v5.7-era schemes predate the fix.

use super::world::World;
use super::{Scenario, ScenarioInfo, Symmetry};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::sync::{JoinHandle, Platform};
use pinref_model::{GupFlags, Held, Layout, Scheme, SchemeObject};

/// The scenario: see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct SplitVsGupFast;

impl Scenario for SplitVsGupFast {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo {
            name: "split_vs_gup_fast",
            summary: "gup_fast grabs a compound head while split_huge_page splits it",
            properties: &[P1, P3, P5, P7],
            threads: 2,
            default_bound: None,
            symmetric: Symmetry::NONE,
        }
    }

    /// Schemes that claim to survive the race (until the kernel history
    /// puts the race on the versions that had it).
    fn applies_to(&self, scheme: &SchemeObject) -> bool {
        scheme.claims().survives_split
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let layout = Layout::new(&[2])
            .unwrap_or_else(|error| panic!("scenario bug: {error}"))
            .splittable();
        let mapped = Held { plain: 4, pins: 0 };
        let world = World::<P, S>::new(scheme, &layout, &[mapped], monitor);

        let pinner = world.spawn("gup_fast", |t| {
            if let Ok(pfn) = t.gup_fast_pte(2, GupFlags::FOLL_PIN) {
                t.check_pinned(pfn, false);
                t.must(Property::P7, t.unpin_user_page(pfn));
            }
        });
        let splitter = world.spawn("splitter", |t| t.split_huge_page(0).is_ok());
        pinner.join();
        let split = splitter.join();

        if split {
            let one = Held { plain: 1, pins: 0 };
            world.check_quiescent(&[(0, one), (1, one), (2, one), (3, one)]);
        } else {
            world.check_quiescent(&[(0, mapped)]);
        }
    }
}
