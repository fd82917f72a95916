//! The sequential scenario: random programs of GUP operations
//! ([`pinref_model::op`]), each from starting counts across the counter's
//! edges (the carry at 1024, pins near 2^21, counts near the sign bit), run
//! on one thread and judged against the ghost spec after every operation. The sequential engines (proptest,
//! fuzzing) explore it; it sees every arithmetic, encoding and refusal bug,
//! and none of the interleaving or ordering bugs.

use super::ScenarioInfo;
use crate::properties::Property;

/// The space of programs a sequential engine draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgramSpace {
    /// The longest program drawn.
    pub max_ops: usize,
}

impl Default for ProgramSpace {
    fn default() -> Self {
        ProgramSpace {
            max_ops: pinref_model::op::DEFAULT_MAX_OPS,
        }
    }
}

impl ProgramSpace {
    /// The scenario's name and words.
    pub fn info(&self) -> ScenarioInfo {
        ScenarioInfo {
            name: "programs",
            summary: "random GUP operation programs from edge-case counts, judged against the \
                      ghost spec after every operation",
            properties: &Property::ALL,
            threads: 1,
            default_bound: None,
        }
    }
}
