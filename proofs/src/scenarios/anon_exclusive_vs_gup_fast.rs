//! Scenario 16, anonymous-exclusive sharing vs gup_fast (the v6.1 barrier):
//! an anonymous page, mapped exclusively (`PageAnonExclusive`), is about to
//! be shared (swap-out, KSM, migration: `page_try_share_anon_rmap` after
//! clearing its page-table entry) while gup_fast pins it. The kernel's
//! promise since v6.1: either gup_fast's re-read sees the entry cleared and
//! gives its pin back, or the sharer reads the page as maybe pinned and
//! keeps it exclusive. A pin that survives on a page the sharer shared
//! breaks speculation's safety (P10): the pinned page is no longer the one
//! the process writes to.
//!
//! The race needs both halves of the fix: from v5.14 the speculative grab
//! adds the pin's accounting (`_pincount`, or the rest of the bias) with a
//! relaxed add after its fully ordered `+refs`, and nothing orders it before
//! the re-read; and before v6.1 the sharer's clear of the entry was not
//! ordered before its read of the pin. `PG_anon_exclusive` exists from
//! v5.19: the scenario applies to the versions that have it (`folio`,
//! whose known bug it is, `v6_1`, `v6_5`).

use super::mm::share_anon;
use super::shape::Shape;
use super::world::{MAPPED, World};
use super::{Scenario, ScenarioInfo};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::page_flags::set_page_anon_exclusive;
use pinref_model::sync::Platform;
use pinref_model::{GupFlags, Scheme, SchemeObject};

/// The scenario on a page of `shape` (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct AnonExclusiveVsGupFast {
    /// The anonymous page the sharer unmaps.
    pub shape: Shape,
}

impl Scenario for AnonExclusiveVsGupFast {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo::two_threads(
            self.shape.name([
                "anon_exclusive_vs_gup_fast",
                "anon_exclusive_vs_gup_fast_order1",
                "anon_exclusive_vs_gup_fast_order2",
            ]),
            "page_try_share_anon_rmap clears the entry and reads the pin while gup_fast pins \
             and re-reads the entry",
            &[P1, P5, P10],
        )
    }

    fn applies_to(&self, scheme: &SchemeObject) -> bool {
        scheme.mm().anon_exclusive && scheme.freed_at() == 0 && self.shape.distinct_for(scheme)
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let world = World::<P, S>::new(scheme, &self.shape.layout(), &[MAPPED], monitor);
        set_page_anon_exclusive(world.page(0));

        let (pinned, shared) = world.race(
            ("gup_fast", |t| t.gup_fast_pte(0, GupFlags::FOLL_PIN).ok()),
            ("sharer", |t| share_anon(t, 0)),
        );

        if let (Some(pfn), true) = (pinned, shared) {
            world.fail(
                Property::P10,
                format!(
                    "gup_fast kept its pin on page {pfn}, whose entry the sharer had cleared \
                     after reading it unpinned: the pinned page was shared (PageAnonExclusive \
                     cleared), so the process's next write goes to a copy and not to the DMA"
                ),
            );
        }
        let main = world.main_actor();
        if let Some(pfn) = pinned {
            main.check_pinned(pfn, false);
            main.must(Property::P5, main.unpin_user_page(pfn));
        }
        world.check_quiescent(&[(0, MAPPED)]);
    }
}
