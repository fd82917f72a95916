//! The schemes pinref checks, each reached only through the public
//! [`Scheme`] trait: a [`SchemeEntry`] is built from any scheme type, the
//! built-ins and a user's own alike, and carries the engines instantiated
//! for it.

use crate::engines::loom::{self, LoomOptions};
use crate::engines::outcome::Outcome;
use crate::scenarios::ScenarioId;
use pinref_model::{Claims, Devmap, Folio, Scheme, Seed, V5_7};

/// A scheme, type-erased for the main job: its name and claims, and the
/// engines monomorphised for it.
#[derive(Clone)]
pub struct SchemeEntry {
    /// [`Scheme::name`].
    pub name: &'static str,
    /// [`Scheme::description`].
    pub description: &'static str,
    /// [`Scheme::claims`].
    pub claims: Claims,
    applies: fn(ScenarioId) -> bool,
    loom: fn(ScenarioId, &LoomOptions) -> Outcome,
}

impl SchemeEntry {
    /// The entry for scheme type `S` (built with `S::default()`).
    pub fn of<S: Scheme + Clone + Default>() -> SchemeEntry {
        let scheme = S::default();
        SchemeEntry {
            name: scheme.name(),
            description: scheme.description(),
            claims: scheme.claims(),
            applies: |scenario| scenario.applies_to(&S::default()),
            loom: |scenario, options| loom::explore(&S::default(), scenario, options),
        }
    }

    /// Whether `scenario` applies to this scheme.
    pub fn applies(&self, scenario: ScenarioId) -> bool {
        (self.applies)(scenario)
    }

    /// Explores `scenario` on this scheme under loom.
    pub fn explore_loom(&self, scenario: ScenarioId, options: &LoomOptions) -> Outcome {
        (self.loom)(scenario, options)
    }
}

/// The built-in, kernel-faithful schemes.
pub fn builtin_schemes() -> Vec<SchemeEntry> {
    vec![
        SchemeEntry::of::<Seed>(),
        SchemeEntry::of::<V5_7>(),
        SchemeEntry::of::<Folio>(),
        SchemeEntry::of::<Devmap>(),
    ]
}
