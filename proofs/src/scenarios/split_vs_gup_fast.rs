//! Scenario 12, split vs gup_fast: an order-2 compound page mapped at four
//! addresses, one reference per mapping. One thread pins subpage 2 through
//! gup_fast while another splits the compound page. A speculative grab that
//! looked the head up before the split and grabbed it after holds a
//! reference on a page that is no longer its page's head: it must notice and
//! let go (the 2021 fix). Otherwise the page it returns does not read as
//! pinned (P1) and its unpin takes from the wrong page (P3, P7).
//!
//! Runs on every scheme of 0-based pages: on the versions before v5.14
//! (`seed`, `v5_7`, `v5_11`) the race is their known bug
//! (`gup-fast-split-race`), which the run must find. Device pages are never
//! split, so `devmap` is not among them.

use super::world::{MAPPED, World};
use super::{Scenario, ScenarioInfo};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::sync::Platform;
use pinref_model::{GupFlags, Held, Layout, Scheme, SchemeObject};

/// The scenario: see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct SplitVsGupFast;

impl Scenario for SplitVsGupFast {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo::two_threads(
            "split_vs_gup_fast",
            "gup_fast grabs a compound head while split_huge_page splits it",
            &[P1, P3, P5, P7],
        )
    }

    /// Every scheme whose pages `split_huge_page` splits: all but the
    /// 1-based device pages.
    fn applies_to(&self, scheme: &SchemeObject) -> bool {
        scheme.freed_at() == 0
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let layout = Layout::new(&[2])
            .unwrap_or_else(|error| panic!("scenario bug: {error}"))
            .splittable();
        let mapped = Held { plain: 4, pins: 0 };
        let world = World::<P, S>::new(scheme, &layout, &[mapped], monitor);

        let ((), split) = world.race(
            ("gup_fast", |t| {
                if let Ok(pfn) = t.gup_fast_pte(2, GupFlags::FOLL_PIN) {
                    t.check_pinned(pfn, false);
                    t.must(Property::P7, t.unpin_user_page(pfn));
                }
            }),
            ("splitter", |t| t.split_huge_page(0).is_ok()),
        );

        if split {
            world.check_quiescent(&[(0, MAPPED), (1, MAPPED), (2, MAPPED), (3, MAPPED)]);
        } else {
            world.check_quiescent(&[(0, mapped)]);
        }
    }
}
