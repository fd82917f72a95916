//! The schemes pinref checks, each reached only through the public
//! [`Scheme`] trait: a [`SchemeEntry`] is built from any scheme type, the
//! built-ins and a user's own alike, and carries the engines instantiated
//! for it.

use crate::engines::loom::{self, LoomOptions};
use crate::engines::outcome::{Outcome, Verdict};
use crate::engines::proptest::{CheckOptions, SchemeFailure, Summary, check_scheme_with};
use crate::scenarios::ScenarioId;
use pinref_model::{Claims, Devmap, Folio, Scheme, Seed, V5_7};
use std::path::Path;

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
    sequential: SequentialCheck,
}

/// The model-based proptest engine, instantiated for one scheme.
type SequentialCheck = fn(&CheckOptions) -> Result<Summary, Box<SchemeFailure>>;

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
            sequential: |options| check_scheme_with(S::default(), options).map_err(Box::new),
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

    /// Explores `scenario` under loom and, if it finds a violation,
    /// explores again writing a checkpoint to `checkpoint` (the exploration
    /// is deterministic, so it stops at the same execution and the file
    /// replays it first), and fills in each violation's replay command.
    pub fn explore_loom_replayable(
        &self,
        scenario: ScenarioId,
        options: &LoomOptions,
        checkpoint: &Path,
    ) -> Outcome {
        let mut outcome = self.explore_loom(scenario, options);
        let bound = options.preemption_bound.map_or_else(
            || "--unbounded".to_string(),
            |bound| format!("--preemption-bound {bound}"),
        );
        let rerun = format!(
            "cargo run --release -- --scenario {} --scheme {} {bound}",
            scenario.name(),
            self.name,
        );
        let replay = match outcome.verdict {
            Verdict::Violation if options.replay_from.is_none() => {
                let record = LoomOptions {
                    checkpoint: Some(checkpoint.to_path_buf()),
                    progress: false,
                    ..options.clone()
                };
                let _ = self.explore_loom(scenario, &record);
                format!("{rerun} --replay {}", checkpoint.display())
            }
            // Expected violations do not stop the exploration, which is
            // deterministic: running it again shows them again.
            _ => rerun,
        };
        for violation in &mut outcome.violations {
            violation.replay = replay.clone();
        }
        outcome
    }

    /// Runs the model-based proptest engine on this scheme.
    pub fn check_sequential(&self, options: &CheckOptions) -> Result<Summary, Box<SchemeFailure>> {
        (self.sequential)(options)
    }
}

/// The scheme named `name`: a built-in or a flawed variant.
pub fn find_scheme(name: &str) -> Option<SchemeEntry> {
    builtin_schemes()
        .into_iter()
        .chain(
            crate::variants::catalogue()
                .into_iter()
                .map(|variant| variant.entry),
        )
        .find(|entry| entry.name == name)
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
