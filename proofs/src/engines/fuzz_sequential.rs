//! The `fuzz-sequential` engine: the sequential fuzz target's logic
//! ([`crate::fuzzing::sequential`]) run in process on random bytes, for the
//! mutation matrix and the main job. `cargo fuzz run sequential` runs the
//! same logic under libFuzzer's coverage guidance.

use super::outcome::Outcome;
use super::{Engine, Job};
use crate::fuzzing::campaign::{self, Budget};
use crate::fuzzing::{Target, sequential};
use crate::scenarios::ScenarioEntry;

/// The sequential fuzz target in process: random inputs, each decoded to a
/// program and judged against the ghost, until a claimed property fails
/// or the [`Budget`] is spent. A failing program is shrunk
/// ([`crate::engines::sequential::minimize`]) for its counterexample.
#[derive(Debug, Clone, Copy, Default)]
pub struct FuzzSequentialEngine {
    /// What one run may spend ([`Budget::default`]: the main job's, or
    /// `PINREF_FUZZ_ENGINE_SECONDS`).
    pub budget: Budget,
}

impl Engine for FuzzSequentialEngine {
    fn name(&self) -> &'static str {
        "fuzz-sequential"
    }
    fn summary(&self) -> &'static str {
        "the sequential fuzz target in process: random bytes decoded to operation programs, \
         judged against the ghost after every operation"
    }
    fn sees(&self) -> &'static str {
        "what proptest sees (arithmetic and encoding bugs at the counter's edges, wrong refusals, \
         unmatched releases, flags, batches), from the fuzz target's decoding of random bytes"
    }
    fn misses(&self) -> &'static str {
        "every interleaving and ordering bug (one thread); and, in process, libFuzzer's coverage \
         guidance (a plain build is not instrumented): bugs that need a rare input are \
         `cargo fuzz run`'s to find"
    }
    fn unit(&self) -> &'static str {
        "inputs"
    }
    fn supports(&self, scenario: &ScenarioEntry) -> bool {
        scenario.program_space().is_some()
    }
    fn run(&self, job: Job<'_>) -> Outcome {
        campaign::explore(
            self.name(),
            Target::Sequential,
            self.budget,
            job,
            |scheme, input| sequential::minimized(scheme.object(), input).map(|(_, v)| v),
        )
    }
}
