//! Scenario 14, pin_get_mix: the scaling family. A mapped page holds two
//! plain references, the mapping's and an owner's; the owner drops its
//! own while `pinners` threads each pin the page (all its subpages in one
//! `pin_user_pages`, so a compound page is grabbed with `refs` = its
//! subpages), check that it reads as pinned (P1) and unpin it, and
//! `getters` threads each take a plain reference with `try_get_page` and
//! drop it. The mapping's reference
//! keeps the page alive throughout (as the page-table entry does for GUP),
//! so every grab must succeed and nothing may be freed early (P4); at the
//! end the count is exactly the mapping's (P5) and the pin statistics
//! balance (P9); then the mapping's reference goes and the page is freed,
//! once.
//!
//! `--param pinners=N --param getters=M` (or `--pinners N --getters M`)
//! sizes it, so that engines can be compared at growing sizes; the pinners
//! are interchangeable, and so are the getters ([`Symmetry`]). It runs on
//! every page shape a scheme treats differently (`pin_get_mix`,
//! `pin_get_mix_order1`, `pin_get_mix_order2`).

use super::shape::Shape;
use super::world::World;
use super::{Parameter, Scenario, ScenarioInfo, Symmetry};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::sync::{JoinHandle, Platform};
use pinref_model::{Held, Scheme, SchemeObject};

/// The most threads of each kind (loom has a thread limit, and the state
/// space grows fast).
pub const MAX_THREADS: u64 = 8;

/// The scenario at one size: see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinGetMix {
    /// Threads that pin, check and unpin.
    pub pinners: usize,
    /// Threads that try_get_page and put_page.
    pub getters: usize,
    /// The page they share.
    pub shape: Shape,
}

impl Default for PinGetMix {
    /// One of each: small enough for loom at bound 2 in the main job
    /// (loom runs at most four threads beside the main one, and 2 + 1 at
    /// bound 2 takes it two minutes).
    fn default() -> Self {
        PinGetMix {
            pinners: 1,
            getters: 1,
            shape: Shape::SMALL,
        }
    }
}

impl Scenario for PinGetMix {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo {
            name: self
                .shape
                .name(["pin_get_mix", "pin_get_mix_order1", "pin_get_mix_order2"]),
            summary: "an owner's put races N pin/check/unpin threads and M try_get/put threads \
                      on a mapped page",
            properties: &[P1, P3, P4, P5, P7, P9],
            threads: 1 + self.pinners + self.getters,
            default_bound: Some(2),
        }
    }

    fn applies_to(&self, scheme: &SchemeObject) -> bool {
        self.shape.distinct_for(scheme)
    }

    fn symmetry(&self) -> Symmetry {
        Symmetry::NONE
            .with_group(2, self.pinners)
            .with_group(2 + self.pinners, self.getters)
    }

    fn parameters(&self) -> Vec<Parameter> {
        vec![
            Parameter {
                name: "pinners",
                help: "threads that pin, check and unpin",
                value: self.pinners as u64,
                min: 0,
                max: MAX_THREADS,
            },
            Parameter {
                name: "getters",
                help: "threads that try_get_page and put_page",
                value: self.getters as u64,
                min: 0,
                max: MAX_THREADS,
            },
        ]
    }

    fn with_parameter(&self, name: &str, value: u64) -> Option<Self> {
        let value = usize::try_from(value).ok()?;
        match name {
            "pinners" => Some(PinGetMix {
                pinners: value,
                ..*self
            }),
            "getters" => Some(PinGetMix {
                getters: value,
                ..*self
            }),
            _ => None,
        }
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let mapping = Held { plain: 1, pins: 0 };
        let start = Held { plain: 2, pins: 0 };
        let world = World::<P, S>::new(scheme, &self.shape.layout(), &[start], monitor);
        let subpages = self.shape.subpages();

        let owner = world.spawn("owner", |t| {
            t.use_page(0);
            t.must(Property::P4, t.put_page(0));
        });
        let pinners: Vec<_> = (0..self.pinners)
            .map(|_| {
                world.spawn("pinner", move |t| {
                    let pages = t.must(Property::P7, t.pin_user_pages(0, subpages));
                    t.check_pinned(0, false);
                    t.must(Property::P7, t.unpin_user_pages(&pages));
                })
            })
            .collect();
        let getters: Vec<_> = (0..self.getters)
            .map(|_| {
                world.spawn("getter", |t| {
                    t.must(Property::P3, t.try_get_page(0));
                    t.use_page(0);
                    t.must(Property::P3, t.put_page(0));
                })
            })
            .collect();
        owner.join();
        for pinner in pinners {
            pinner.join();
        }
        for getter in getters {
            getter.join();
        }

        world.check_quiescent(&[(0, mapping)]);
        let main = world.main_actor();
        main.must(Property::P4, main.put_page(0));
        world.check_quiescent(&[(0, Held::default())]);
    }
}
