//! Scenario 13, grabs on a wrapped count: the page holds one plain
//! reference and 2^21 - 1 pins, 1023 short of `i32::MAX`; pinner A's pin
//! carries the count past the sign bit (an expected violation of P6 for the
//! kernel's racy guard). Once A has pinned, B, synchronised with it, tries
//! every kind of grab: each must be refused, since the count now reads
//! `<= 0` (P6: a grab on a wrapped count never goes through, so the count
//! cannot travel on towards zero and a free).

use super::actor::Actor;
use super::signal::Signal;
use super::world::World;
use super::{Scenario, ScenarioInfo};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::sync::Platform;
use pinref_model::{GupFlags, Held, Layout, Scheme};
use std::sync::Arc;

/// Pins held at the start: 2^21 - 1.
pub const START_PINS: i64 = (1 << 21) - 1;

/// The scenario: see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct WrappedCount;

impl Scenario for WrappedCount {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo::two_threads(
            "wrapped_count",
            "every grab of a count wrapped past the sign bit must be refused",
            &[P5, P6],
        )
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let start = Held {
            plain: 1,
            pins: START_PINS,
        };
        let world = World::<P, S>::new(scheme, &Layout::single_page(), &[start], monitor);
        let pinned = Arc::new(Signal::<P>::new());
        let tried = Arc::new(Signal::<P>::new());

        let (a_pinned, a_tried) = (Arc::clone(&pinned), Arc::clone(&tried));
        let pinner_a = move |t: &Actor<'_, P, S>| {
            let outcome = t.pin_user_pages(0, 1);
            a_pinned.raise();
            a_tried.wait();
            if outcome.is_ok() {
                t.must(Property::P7, t.unpin_user_page(0));
            }
        };
        let grabber_b = move |t: &Actor<'_, P, S>| {
            pinned.wait();
            let wrapped = t.page_ref_count(0) <= 0;
            let refuse_if_wrapped = |grab: &str, accepted: bool| {
                if wrapped && accepted {
                    t.fail(
                        Property::P6,
                        format!(
                            "{grab} was accepted on a count that had wrapped past the sign bit"
                        ),
                    );
                }
            };
            let pin = t.pin_user_pages(0, 1);
            refuse_if_wrapped("pin_user_pages", pin.is_ok());
            let get = t.try_get_page(0);
            refuse_if_wrapped("try_get_page", get.is_ok());
            let fast = t.gup_fast_pte(0, GupFlags::FOLL_PIN);
            refuse_if_wrapped("gup_fast_pte", fast.is_ok());
            tried.raise();
            // Not wrapped (A's pin was refused): give back what was taken.
            if pin.is_ok() {
                t.must(Property::P7, t.unpin_user_page(0));
            }
            if get.is_ok() {
                t.must(Property::P7, t.put_page(0));
            }
            if fast.is_ok() {
                t.must(Property::P7, t.unpin_user_page(0));
            }
        };
        world.race(("pinner A", pinner_a), ("grabber B", grabber_b));

        world.check_quiescent(&[(0, start)]);
    }
}
