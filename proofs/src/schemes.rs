//! [`SchemeEntry`]: a scheme as every engine, report and filter takes it:
//! type-erased ([`SchemeObject`]), with its name, words and claims at hand.
//! The built-ins, the flawed variants and a user's own scheme all become
//! one through [`SchemeEntry::new`], the public door.

use crate::engines::{Engine, Outcome, RunOptions};
use crate::scenarios::ScenarioEntry;
use pinref_model::{Claims, KnownBug, Scheme, SchemeObject};
use std::fmt;

/// A scheme, ready for the engines: see the module docs. Cheap to clone.
#[derive(Clone)]
pub struct SchemeEntry {
    /// [`Scheme::name`].
    pub name: &'static str,
    /// [`Scheme::description`].
    pub description: &'static str,
    /// [`Scheme::claims`].
    pub claims: Claims,
    scheme: SchemeObject,
}

impl SchemeEntry {
    /// The entry of `scheme` (any value: a scheme may carry parameters).
    pub fn new<S: Scheme>(scheme: S) -> SchemeEntry {
        let scheme = SchemeObject::new(scheme);
        SchemeEntry {
            name: scheme.name(),
            description: scheme.description(),
            claims: scheme.claims(),
            scheme,
        }
    }

    /// The entry of scheme type `S`, built with `S::default()`.
    pub fn of<S: Scheme + Default>() -> SchemeEntry {
        SchemeEntry::new(S::default())
    }

    /// The scheme itself.
    pub fn object(&self) -> &SchemeObject {
        &self.scheme
    }

    /// [`Scheme::known_bugs`].
    pub fn known_bugs(&self) -> Vec<KnownBug> {
        self.scheme.known_bugs()
    }

    /// Whether `scenario` applies to this scheme.
    pub fn applies(&self, scenario: &ScenarioEntry) -> bool {
        scenario.applies_to(&self.scheme)
    }

    /// Explores `scenario` on this scheme with `engine`, and judges the
    /// outcome against the scheme's known bugs
    /// ([`crate::known_bugs::classify`]): every engine's run goes through
    /// here, so every report sees `known_bug` the same way. A bug that only
    /// weak memory shows is expected only of an engine that sees it
    /// ([`Engine::sees_weak_memory`]).
    pub fn explore(
        &self,
        engine: &dyn Engine,
        scenario: &ScenarioEntry,
        options: &RunOptions,
    ) -> Outcome {
        let outcome = engine.explore(scenario, self, options);
        let bugs: Vec<KnownBug> = self
            .known_bugs()
            .into_iter()
            .filter(|bug| engine.sees_weak_memory() || !bug.weak_memory)
            .collect();
        crate::known_bugs::classify(outcome, &bugs, scenario.name())
    }
}

impl fmt::Debug for SchemeEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SchemeEntry({})", self.name)
    }
}
