//! Scenario 18, writeback vs the dirtying unpin (the fourth consumer): a
//! clean page-cache page is pinned for a DMA that writes it; when the DMA is
//! done the driver releases it with `unpin_user_pages_dirty_lock(.., true)`
//! while writeback runs `clear_page_dirty_for_io` on it. `mm/gup.c`
//! documents the race it accepts: the unpin's dirty test is unlocked, so
//! writeback may clean the page right after the unpin dirtied it (or saw it
//! dirty); writeback then writes the page, which is what the dirtying asked
//! for. P8 as the kernel promises it: the dirtying is never lost: when both
//! are done, the page is dirty, or writeback cleaned it after the DMA
//! (and wrote it).
//!
//! On a compound page the DMA pinned its last subpage (a tail), whose
//! dirtying must land on the head, where writeback looks.

use super::mm::writeback;
use super::shape::Shape;
use super::world::{MAPPED, World};
use super::{Scenario, ScenarioInfo};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::page_flags::page_dirty;
use pinref_model::sync::Platform;
use pinref_model::{Held, Scheme, SchemeObject};

/// The scenario on a page of `shape` (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct WritebackVsDirtyUnpin {
    /// The page-cache page the DMA wrote.
    pub shape: Shape,
}

impl Scenario for WritebackVsDirtyUnpin {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo::two_threads(
            self.shape.name([
                "writeback_vs_dirty_unpin",
                "writeback_vs_dirty_unpin_order1",
                "writeback_vs_dirty_unpin_order2",
            ]),
            "clear_page_dirty_for_io races unpin_user_pages_dirty_lock: the dirtying is never \
             lost",
            &[P3, P5, P8],
        )
    }

    fn applies_to(&self, scheme: &SchemeObject) -> bool {
        self.shape.distinct_for(scheme)
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let tail = self.shape.last();
        let start = Held { plain: 1, pins: 1 };
        let world = World::<P, S>::new(scheme, &self.shape.layout(), &[start], monitor);

        let ((), written) = world.race(
            ("driver", move |t| {
                t.note("the DMA into the page is done");
                t.must(Property::P8, t.unpin_user_pages_dirty_lock(&[tail], true));
            }),
            ("writeback", |t| writeback(t, 0)),
        );

        let dirty = page_dirty(world.page(0));
        if !dirty && !written {
            world.fail(
                Property::P8,
                "after unpin_user_pages_dirty_lock(.., true) the page is clean and no writeback \
                 cleaned it: the DMA's data will never be written back"
                    .to_string(),
            );
        }
        world.check_quiescent(&[(0, MAPPED)]);
    }
}
