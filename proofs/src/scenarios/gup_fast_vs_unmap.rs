//! Scenario 6, speculative gup_fast vs unmap: one thread pins the page
//! through gup_fast (grab unless zero, then re-check the page table) while
//! another unmaps it and drops the mapping's reference, the page's last.
//! The grab must never revive a freed page (P10); if the re-check fails,
//! exactly what was taken is released (P7, P10); the page is freed exactly
//! once, by whoever drops the last reference (P4). On a compound page the
//! page is mapped by one huge entry and gup_fast grabs all of it at once
//! (`gup_huge_pmd`: one grab of `refs` = its subpages), and a failed
//! re-check gives back all of them.

use super::mm::gup_fast_huge;
use super::shape::Shape;
use super::world::{MAPPED, World};
use super::{Scenario, ScenarioInfo};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::sync::Platform;
use pinref_model::{GupError, GupFlags, Held, Scheme, SchemeObject};

/// The scenario on a page of `shape` (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct GupFastVsUnmap {
    /// The page it runs on: gup_fast grabs all its subpages at once.
    pub shape: Shape,
}

impl Scenario for GupFastVsUnmap {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo::two_threads(
            self.shape.name([
                "gup_fast_vs_unmap",
                "gup_fast_vs_unmap_order1",
                "gup_fast_vs_unmap_order2",
            ]),
            "gup_fast grabs a page while it is unmapped and its last reference dropped",
            &[P1, P4, P7, P10],
        )
    }

    fn applies_to(&self, scheme: &SchemeObject) -> bool {
        self.shape.distinct_for(scheme)
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let nr = self.shape.subpages();
        let world = World::<P, S>::new(scheme, &self.shape.layout(), &[MAPPED], monitor);

        let (recheck_failed, ()) = world.race(
            ("gup_fast", move |t| {
                let grabbed = if nr == 1 {
                    t.gup_fast_pte(0, GupFlags::FOLL_PIN).map(|pfn| vec![pfn])
                } else {
                    gup_fast_huge(t, 0, nr)
                };
                match grabbed {
                    Ok(pfns) => {
                        t.check_pinned(pfns[pfns.len() - 1], false);
                        t.use_page(pfns[0]);
                        t.must(Property::P7, t.unpin_user_pages(&pfns));
                        false
                    }
                    Err(error) => error == GupError::PteChanged { addr: 0 },
                }
            }),
            ("unmapper", |t| {
                if let Some(pfn) = t.zap_pte(0) {
                    t.must(Property::P4, t.put_page(pfn));
                }
            }),
        );

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
