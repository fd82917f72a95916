//! Scenario 6, speculative gup_fast vs unmap: one thread pins the page
//! through gup_fast (grab unless zero, then re-check the page table) while
//! another unmaps it and drops the mapping's reference, the page's last.
//! The grab must never revive a freed page (P10); if the re-check fails,
//! exactly what was taken is released (P7, P10); the page is freed exactly
//! once, by whoever drops the last reference (P4).

use super::world::World;
use super::{Scenario, ScenarioInfo, Symmetry};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::sync::{JoinHandle, Platform};
use pinref_model::{GupError, GupFlags, Held, Layout, Scheme};

/// The scenario: see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct GupFastVsUnmap;

impl Scenario for GupFastVsUnmap {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo {
            name: "gup_fast_vs_unmap",
            summary: "gup_fast grabs a page while it is unmapped and its last reference dropped",
            properties: &[P1, P4, P7, P10],
            threads: 2,
            default_bound: None,
            symmetric: Symmetry::NONE,
        }
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let start = Held { plain: 1, pins: 0 };
        let world = World::<P, S>::new(scheme, &Layout::single_page(), &[start], monitor);

        let pinner = world.spawn("gup_fast", |t| {
            match t.gup_fast_pte(0, GupFlags::FOLL_PIN) {
                Ok(pfn) => {
                    t.check_pinned(pfn, false);
                    t.use_page(pfn);
                    t.must(Property::P7, t.unpin_user_page(pfn));
                    false
                }
                Err(error) => error == GupError::PteChanged { addr: 0 },
            }
        });
        let unmapper = world.spawn("unmapper", |t| {
            if let Some(pfn) = t.zap_pte(0) {
                t.must(Property::P4, t.put_page(pfn));
            }
        });
        let recheck_failed = pinner.join();
        unmapper.join();

        let page = world.page(0);
        if recheck_failed && page.times_freed() != 1 {
            world.fail(
                Property::P10,
                format!(
                    "page 0 was freed {} time(s) once every reference was dropped: a failed \
                     re-check did not release exactly what it took",
                    page.times_freed()
                ),
            );
        }
        world.check_quiescent(&[(0, Held::default())]);
    }
}
