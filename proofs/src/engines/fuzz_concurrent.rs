//! The `fuzz-concurrent` engine: the concurrent fuzz target's logic
//! ([`crate::fuzzing::concurrent`]) run in process on random bytes, for the
//! mutation matrix and the main job. `cargo fuzz run concurrent` runs the
//! same logic under libFuzzer's coverage guidance.

use super::outcome::Outcome;
use super::{Engine, Job};
use crate::fuzzing::Target;
use crate::fuzzing::campaign::{self, Budget};
use crate::scenarios::ScenarioEntry;

/// The concurrent fuzz target in process: random inputs, each decoded to
/// threads of operations and a schedule, run once on shuttle under that
/// schedule with the monitor watching, until a claimed property fails or
/// the [`Budget`] is spent.
#[derive(Debug, Clone, Copy, Default)]
pub struct FuzzConcurrentEngine {
    /// What one run may spend ([`Budget::default`]: the main job's, or
    /// `PINREF_FUZZ_ENGINE_SECONDS`).
    pub budget: Budget,
}

impl Engine for FuzzConcurrentEngine {
    fn name(&self) -> &'static str {
        "fuzz-concurrent"
    }
    fn summary(&self) -> &'static str {
        "the concurrent fuzz target in process: random bytes decoded to 2-4 threads of operations \
         and the schedule they run under, on shuttle, watched by the monitor"
    }
    fn sees(&self) -> &'static str {
        "interleaving bugs between correct callers: lost updates, races on the last reference, \
         touches after a free, releases refused, pins not seen by their holder, counts that do \
         not come back"
    }
    fn misses(&self) -> &'static str {
        "weak-memory ordering bugs (shuttle runs every atomic as SeqCst); wrong refusals of grabs \
         (not judged under races: fuzz-sequential's); unmaps and splits (not in the operation \
         vocabulary: the catalogue's scenarios); and, in process, libFuzzer's coverage guidance \
         (a plain build is not instrumented)"
    }
    fn unit(&self) -> &'static str {
        "inputs"
    }
    fn supports(&self, scenario: &ScenarioEntry) -> bool {
        scenario.program_space().is_some()
    }
    fn run(&self, job: Job<'_>) -> Outcome {
        campaign::explore(self.name(), Target::Concurrent, self.budget, job, |_, _| {
            None
        })
    }
}
