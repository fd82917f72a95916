//! Scenario 8, compound pages: an order-2 compound page (head 0, tails
//! 1..=3). One thread pins through a tail page and checks the pin; another
//! takes and drops a plain reference through another tail. Both act on the
//! head (P1, P5); v5.7's and folio's exact pin count must stay exact, and
//! the tails' own counts must stay 0.

use super::world::{MAPPED, World};
use super::{Scenario, ScenarioInfo};
use crate::properties::Property;
use crate::properties::Property::*;
use crate::properties::monitor::Monitor;
use pinref_model::page_ref::page_ref_count;
use pinref_model::sync::Platform;
use pinref_model::{Layout, Scheme};

/// The scenario: see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Compound;

impl Scenario for Compound {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo::two_threads(
            "compound",
            "pins through two tail pages of one compound page: the head counts them, tails stay 0",
            &[P1, P2, P5],
        )
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let layout = Layout::new(&[2]).unwrap_or_else(|error| panic!("scenario bug: {error}"));
        let world = World::<P, S>::new(scheme, &layout, &[MAPPED], monitor);

        world.race(
            ("tail pinner", |t| {
                let pages = t.must(Property::P7, t.pin_user_pages(1, 1));
                t.check_pinned(1, false);
                t.must(Property::P7, t.unpin_user_pages(&pages));
            }),
            ("tail getter", |t| {
                t.must(Property::P5, t.get_page(3));
                t.must(Property::P5, t.put_page(3));
            }),
        );

        for tail in 1..=3 {
            let count = page_ref_count(world.page(tail));
            if count != 0 {
                world.fail(
                    Property::P5,
                    format!(
                        "tail page {tail} has its own count {count}: an operation missed the head"
                    ),
                );
            }
        }
        world.main_actor().check_not_pinned(2, MAPPED);
        world.check_quiescent(&[(0, MAPPED)]);
    }
}
