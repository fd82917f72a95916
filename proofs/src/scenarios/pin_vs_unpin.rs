//! Scenario 1, pin vs unpin: two holders pin and unpin the same page while
//! an observer reads `page_dma_pinned`. Each pinner checks its own pin right
//! after taking it (P1); the observer checks while pinner A's pin is held,
//! having synchronised with it (P1 for an observer that happens-after the
//! pin), and again once both pins are gone (P2: no false positive below
//! 1024 plain references).

use super::signal::Signal;
use super::world::World;
use super::{Scenario, ScenarioInfo, Symmetry};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::sync::{JoinHandle, Platform};
use pinref_model::{Held, Layout, Scheme};
use std::sync::Arc;

/// The signals between the threads.
struct Signals<P: Platform> {
    a_pinned: Signal<P>,
    observed: Signal<P>,
    a_unpinned: Signal<P>,
    b_unpinned: Signal<P>,
}

/// The scenario: see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct PinVsUnpin;

impl Scenario for PinVsUnpin {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo {
            name: "pin_vs_unpin",
            summary: "two pinners pin and unpin one page while an observer reads page_dma_pinned",
            properties: &[P1, P2, P3, P5],
            threads: 3,
            default_bound: Some(2),
            symmetric: Symmetry::NONE,
        }
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let start = Held { plain: 1, pins: 0 };
        let world = World::<P, S>::new(scheme, &Layout::single_page(), &[start], monitor);
        let signals = Arc::new(Signals::<P> {
            a_pinned: Signal::new(),
            observed: Signal::new(),
            a_unpinned: Signal::new(),
            b_unpinned: Signal::new(),
        });

        let s = Arc::clone(&signals);
        let pinner_a = world.spawn("pinner A", move |t| {
            let pages = t.must(Property::P7, t.pin_user_pages(0, 1));
            t.check_pinned(0, false);
            s.a_pinned.raise();
            s.observed.wait();
            t.must(Property::P7, t.unpin_user_pages(&pages));
            s.a_unpinned.raise();
        });
        let s = Arc::clone(&signals);
        let pinner_b = world.spawn("pinner B", move |t| {
            let pages = t.must(Property::P7, t.pin_user_pages(0, 1));
            t.check_pinned(0, false);
            t.must(Property::P7, t.unpin_user_pages(&pages));
            s.b_unpinned.raise();
        });
        let s = Arc::clone(&signals);
        let observer = world.spawn("observer", move |t| {
            s.a_pinned.wait();
            t.check_pinned(0, false);
            s.observed.raise();
            s.a_unpinned.wait();
            s.b_unpinned.wait();
            t.check_not_pinned(0, start);
        });
        pinner_a.join();
        pinner_b.join();
        observer.join();

        world.check_quiescent(&[(0, start)]);
    }
}
