//! The scenario catalogue: each scenario is one file, written once against
//! the [`world`] harness and the sync layer, and run on every engine. A
//! scenario checks its properties inside its threads, at the step where
//! each must hold, and at the quiescent point after joining them.

pub mod batches;
pub mod carry;
pub mod compound;
pub mod devmap;
pub mod dirty_unpin;
pub mod get_put_vs_pin;
pub mod gup_fast_vs_unmap;
pub mod last_reference;
pub mod overflow;
pub mod pin_vs_unpin;
pub mod signal;
pub mod split_vs_gup_fast;
pub mod stats;
pub mod world;
pub mod wrapped_count;

use crate::properties::Property;
use crate::properties::monitor::Monitor;
use pinref_model::Scheme;
use pinref_model::sync::Platform;

/// A scenario of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScenarioId {
    /// 1. [`pin_vs_unpin`].
    PinVsUnpin,
    /// 2. [`get_put_vs_pin`].
    GetPutVsPin,
    /// 3. [`carry`] from 1023 plain references.
    Carry1023,
    /// 3b. [`carry`] from 2047 plain references.
    Carry2047,
    /// 4. [`last_reference`].
    LastReference,
    /// 5. [`overflow`].
    Overflow,
    /// 6. [`gup_fast_vs_unmap`].
    GupFastVsUnmap,
    /// 7. [`dirty_unpin`].
    DirtyUnpin,
    /// 8. [`compound`].
    Compound,
    /// 9. [`batches`].
    Batches,
    /// 10. [`stats`].
    Stats,
    /// 11. [`devmap`].
    Devmap,
    /// 12. [`split_vs_gup_fast`].
    SplitVsGupFast,
    /// 13. [`wrapped_count`].
    WrappedCount,
}

impl ScenarioId {
    /// Every scenario, in catalogue order.
    pub const ALL: [ScenarioId; 14] = [
        ScenarioId::PinVsUnpin,
        ScenarioId::GetPutVsPin,
        ScenarioId::Carry1023,
        ScenarioId::Carry2047,
        ScenarioId::LastReference,
        ScenarioId::Overflow,
        ScenarioId::GupFastVsUnmap,
        ScenarioId::DirtyUnpin,
        ScenarioId::Compound,
        ScenarioId::Batches,
        ScenarioId::Stats,
        ScenarioId::Devmap,
        ScenarioId::SplitVsGupFast,
        ScenarioId::WrappedCount,
    ];

    /// The scenario's stable name (reports, filters).
    pub fn name(self) -> &'static str {
        match self {
            ScenarioId::PinVsUnpin => "pin_vs_unpin",
            ScenarioId::GetPutVsPin => "get_put_vs_pin",
            ScenarioId::Carry1023 => "carry_1023",
            ScenarioId::Carry2047 => "carry_2047",
            ScenarioId::LastReference => "last_reference",
            ScenarioId::Overflow => "overflow",
            ScenarioId::GupFastVsUnmap => "gup_fast_vs_unmap",
            ScenarioId::DirtyUnpin => "dirty_unpin",
            ScenarioId::Compound => "compound",
            ScenarioId::Batches => "batches",
            ScenarioId::Stats => "stats",
            ScenarioId::Devmap => "devmap",
            ScenarioId::SplitVsGupFast => "split_vs_gup_fast",
            ScenarioId::WrappedCount => "wrapped_count",
        }
    }

    /// The scenario with this name.
    pub fn from_name(name: &str) -> Option<ScenarioId> {
        ScenarioId::ALL.into_iter().find(|id| id.name() == name)
    }

    /// The properties the scenario checks.
    pub fn properties(self) -> &'static [Property] {
        use Property::*;
        match self {
            ScenarioId::PinVsUnpin => &[P1, P2, P3, P5],
            ScenarioId::GetPutVsPin => &[P1, P3, P4, P5],
            ScenarioId::Carry1023 | ScenarioId::Carry2047 => &[P1, P2, P3, P5],
            ScenarioId::LastReference => &[P3, P4],
            ScenarioId::Overflow => &[P1, P3, P4, P6],
            ScenarioId::GupFastVsUnmap => &[P1, P4, P7, P10],
            ScenarioId::DirtyUnpin => &[P3, P8],
            ScenarioId::Compound => &[P1, P2, P5],
            ScenarioId::Batches => &[P1, P5, P7, P9],
            ScenarioId::Stats => &[P5, P9],
            ScenarioId::Devmap => &[P3, P4],
            ScenarioId::SplitVsGupFast => &[P1, P3, P5, P7],
            ScenarioId::WrappedCount => &[P5, P6],
        }
    }

    /// The preemption bound the main job uses by default: none (every
    /// interleaving) where that is cheap, i.e. two racing threads; 2 where
    /// a third thread makes the exhaustive space too large (`pin_vs_unpin`
    /// with its observer: about 80,000 executions at bound 2, a million at
    /// bound 3, and more than 1.9 million unbounded, unfinished after
    /// 120 s).
    pub fn default_bound(self) -> Option<usize> {
        match self {
            ScenarioId::PinVsUnpin => Some(2),
            _ => None,
        }
    }

    /// Whether the scenario applies to `scheme`: the devmap scenario to
    /// 1-based schemes only, the split race to schemes that claim to survive
    /// it, every other to all.
    pub fn applies_to<S: Scheme + ?Sized>(self, scheme: &S) -> bool {
        match self {
            ScenarioId::Devmap => scheme.freed_at() == 1,
            ScenarioId::SplitVsGupFast => scheme.claims().survives_split,
            _ => true,
        }
    }

    /// Runs one execution of the scenario on platform `P`.
    pub fn run<P: Platform, S: Scheme>(self, scheme: S, monitor: Monitor) {
        match self {
            ScenarioId::PinVsUnpin => pin_vs_unpin::run::<P, S>(scheme, monitor),
            ScenarioId::GetPutVsPin => get_put_vs_pin::run::<P, S>(scheme, monitor),
            ScenarioId::Carry1023 => carry::run::<P, S>(scheme, monitor, 1023),
            ScenarioId::Carry2047 => carry::run::<P, S>(scheme, monitor, 2047),
            ScenarioId::LastReference => last_reference::run::<P, S>(scheme, monitor),
            ScenarioId::Overflow => overflow::run::<P, S>(scheme, monitor),
            ScenarioId::GupFastVsUnmap => gup_fast_vs_unmap::run::<P, S>(scheme, monitor),
            ScenarioId::DirtyUnpin => dirty_unpin::run::<P, S>(scheme, monitor),
            ScenarioId::Compound => compound::run::<P, S>(scheme, monitor),
            ScenarioId::Batches => batches::run::<P, S>(scheme, monitor),
            ScenarioId::Stats => stats::run::<P, S>(scheme, monitor),
            ScenarioId::Devmap => devmap::run::<P, S>(scheme, monitor),
            ScenarioId::SplitVsGupFast => split_vs_gup_fast::run::<P, S>(scheme, monitor),
            ScenarioId::WrappedCount => wrapped_count::run::<P, S>(scheme, monitor),
        }
    }
}
