//! Scenario 15, fork vs gup_fast (the first consumer of the predicate): a
//! process forks while one of its threads pins an anonymous page for
//! writing through gup_fast. fork copies what `page_needs_cow_for_dma`
//! (`page_maybe_dma_pinned`) says may be pinned and shares the rest with
//! the child, write-protecting the parent's entry. What the kernel promises
//! since v5.11: a page gup_fast pinned is never left shared with the child
//! (P1: fork's read of the predicate must not miss a pin that survives),
//! because either fork reads the pin, or gup_fast sees
//! `mm->write_protect_seq` move (or the entry write-protected) and gives its
//! pin back.
//!
//! Before v5.9 fork shared pinned pages outright, and until v5.11 gup_fast
//! did not notice fork: the `seed` and `v5_7` schemes have the bug
//! (`fork-shares-pinned-page`). Device pages are not anonymous memory that
//! fork copies, so `devmap` is not among the schemes.

use super::mm::{Fork, fork_copy_pte, gup_fast_only};
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
pub struct ForkVsGupFast {
    /// The anonymous page fork copies or shares.
    pub shape: Shape,
}

impl Scenario for ForkVsGupFast {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo::two_threads(
            self.shape.name([
                "fork_vs_gup_fast",
                "fork_vs_gup_fast_order1",
                "fork_vs_gup_fast_order2",
            ]),
            "fork copies or shares an anonymous page while gup_fast pins it for writing",
            &[P1, P4, P5],
        )
    }

    fn applies_to(&self, scheme: &SchemeObject) -> bool {
        scheme.freed_at() == 0 && self.shape.distinct_for(scheme)
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let world = World::<P, S>::new(scheme, &self.shape.layout(), &[MAPPED], monitor);
        set_page_anon_exclusive(world.page(0));

        let (pinned, fork) = world.race(
            ("gup_fast", |t| {
                gup_fast_only(t, 0, 1, GupFlags::FOLL_WRITE).unwrap_or_default()
            }),
            ("fork", |t| fork_copy_pte(t, 0)),
        );

        let main = world.main_actor();
        if !pinned.is_empty() && fork == Fork::Shared {
            world.fail(
                Property::P1,
                "fork read page 0 as not pinned and shared it with the child, while gup_fast \
                 kept the pin it took: the pinned page is left shared, and the next write \
                 fault copies it away from the DMA"
                    .to_string(),
            );
        }
        main.must(Property::P5, main.unpin_user_pages(&pinned));
        if fork == Fork::Shared {
            // The child exits: its mapping's reference goes.
            main.must(Property::P4, main.put_page(0));
        }
        world.check_quiescent(&[(0, MAPPED)]);
    }
}
