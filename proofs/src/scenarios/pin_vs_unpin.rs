//! Scenario 1, pin vs unpin: two holders pin and unpin the same page while
//! an observer reads `page_dma_pinned`. Each pinner checks its own pin right
//! after taking it (P1); the observer checks while pinner A's pin is held,
//! having synchronised with it (P1 for an observer that happens-after the
//! pin), and again once both pins are gone (P2: no false positive below
//! 1024 plain references). On a compound page each pin takes every
//! subpage in one grab (`refs` = its subpages) and the predicate is read
//! through a tail; at the end the exact pin count, where the scheme keeps
//! one, is checked with the refcount (P5).

use super::shape::Shape;
use super::signal::Signal;
use super::world::{MAPPED, World};
use super::{Scenario, ScenarioInfo};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::sync::{JoinHandle, Platform};
use pinref_model::{Scheme, SchemeObject};
use std::sync::Arc;

/// The signals between the threads.
struct Signals<P: Platform> {
    a_pinned: Signal<P>,
    observed: Signal<P>,
    a_unpinned: Signal<P>,
    b_unpinned: Signal<P>,
}

/// The scenario on a page of `shape` (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct PinVsUnpin {
    /// The page it runs on: the pins take all its subpages at once.
    pub shape: Shape,
}

impl Scenario for PinVsUnpin {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo {
            name: self
                .shape
                .name(["pin_vs_unpin", "pin_vs_unpin_order1", "pin_vs_unpin_order2"]),
            summary: "two pinners pin and unpin one page while an observer reads page_dma_pinned",
            properties: &[P1, P2, P3, P5],
            threads: 3,
            // Three threads need a bound. On a compound page every grab and
            // release has more steps (the head look-up, the pin count), and
            // bound 2 takes minutes (500,000 executions on v5.7's order 2):
            // the compound shapes run at 1 by default, `--preemption-bound 2`
            // explores them as the order-0 page is.
            default_bound: Some(if self.shape.order == 0 { 2 } else { 1 }),
        }
    }

    fn applies_to(&self, scheme: &SchemeObject) -> bool {
        self.shape.distinct_for(scheme)
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let (nr, tail) = (self.shape.subpages(), self.shape.last());
        let world = World::<P, S>::new(scheme, &self.shape.layout(), &[MAPPED], monitor);
        let signals = Arc::new(Signals::<P> {
            a_pinned: Signal::new(),
            observed: Signal::new(),
            a_unpinned: Signal::new(),
            b_unpinned: Signal::new(),
        });

        let s = Arc::clone(&signals);
        let pinner_a = world.spawn("pinner A", move |t| {
            let pages = t.must(Property::P7, t.pin_user_pages(0, nr));
            t.check_pinned(tail, false);
            s.a_pinned.raise();
            s.observed.wait();
            t.must(Property::P7, t.unpin_user_pages(&pages));
            s.a_unpinned.raise();
        });
        let s = Arc::clone(&signals);
        let pinner_b = world.spawn("pinner B", move |t| {
            let pages = t.must(Property::P7, t.pin_user_pages(0, nr));
            t.check_pinned(0, false);
            t.must(Property::P7, t.unpin_user_pages(&pages));
            s.b_unpinned.raise();
        });
        let s = Arc::clone(&signals);
        let observer = world.spawn("observer", move |t| {
            s.a_pinned.wait();
            t.check_pinned(tail, false);
            s.observed.raise();
            s.a_unpinned.wait();
            s.b_unpinned.wait();
            t.check_not_pinned(0, MAPPED);
        });
        pinner_a.join();
        pinner_b.join();
        observer.join();

        world.check_quiescent(&[(0, MAPPED)]);
    }
}
