//! Scenario 17, many pinners of the shared zero page (the third consumer:
//! nothing may pin what everyone maps). Every process maps the same zero
//! page for memory it has only read, and any of them may `pin_user_pages`
//! it: before v6.5 each pin added the bias like any pin, so the pins of
//! other processes (2^21 - 2 here) leave it two pins short of the sign bit
//! and two more pinners carry it past (P6: the known bug
//! `zero-page-pin-overflow` of every version before v6.5). From v6.5 a pin
//! of the zero page changes no count and no statistic: the others' pins
//! left no trace, and the pinners' move nothing (P5, P9, checked after each
//! pin and unpin).
//!
//! The predicate is not checked (no P1): from v6.5 the zero page is never
//! pinned, and `page_maybe_dma_pinned` rightly says so. Device pages are
//! not the zero page: `devmap` is not among the schemes.

use super::actor::Actor;
use super::world::World;
use super::{Scenario, ScenarioInfo};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::sync::Platform;
use pinref_model::{Held, Layout, Scheme, SchemeObject};

/// The pins other processes hold on the zero page when the scenario
/// starts, on a version that counts them: 2^21 - 2.
pub const OTHERS_PINS: i64 = (1 << 21) - 2;

/// The scenario: see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct ZeroPage;

impl Scenario for ZeroPage {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo::two_threads(
            "zero_page",
            "two pinners pin the shared zero page, already pinned by every other process",
            &[P5, P6, P9],
        )
    }

    fn applies_to(&self, scheme: &SchemeObject) -> bool {
        scheme.freed_at() == 0
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let uncounted = scheme.claims().zero_page_uncounted;
        let layout = Layout::single_page()
            .with_zero_page(0)
            .unwrap_or_else(|error| panic!("scenario bug: {error}"));
        let start = Held {
            plain: 1,
            pins: if uncounted { 0 } else { OTHERS_PINS },
        };
        let world = World::<P, S>::new(scheme, &layout, &[start], monitor);
        let count = world
            .scheme
            .counts_for(pinref_model::PageShape { order: 0 }, start);
        let stats = move |t: &Actor<'_, P, S>, when: &str| {
            if !uncounted {
                return;
            }
            let now = t.page_ref_count(0);
            if now != count.refcount {
                t.fail(
                    Property::P5,
                    format!(
                        "the zero page's count moved {when}: {} -> {now}, though the version \
                         never pins or counts it",
                        count.refcount
                    ),
                );
            }
        };

        let pinner = move |t: &Actor<'_, P, S>| {
            if let Ok(pages) = t.pin_user_pages(0, 1) {
                stats(t, "after a pin");
                t.must(Property::P5, t.unpin_user_pages(&pages));
                stats(t, "after an unpin");
            }
        };
        world.race(("pinner A", pinner), ("pinner B", pinner));

        if uncounted {
            let vmstat = world.mem.vmstat();
            if (vmstat.acquired(), vmstat.released()) != (0, 0) {
                world.fail(
                    Property::P9,
                    format!(
                        "zero-page pins were counted: acquired {}, released {}",
                        vmstat.acquired(),
                        vmstat.released()
                    ),
                );
            }
        }
        world.check_quiescent(&[(0, start)]);
    }
}
