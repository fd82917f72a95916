//! The properties of `SPEC.md` §4, P1–P10: their names and words, and the
//! violation record every engine produces when one fails.

use std::fmt;

pub use pinref_model::Property;

/// A property that failed, with what is needed to understand and replay it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The property.
    pub property: Property,
    /// What was seen, in one sentence.
    pub message: String,
    /// The steps that led there (operation, counter before → after, the
    /// ghost's view), one per line.
    pub counterexample: String,
    /// How to reproduce it (a command, a seed, a schedule).
    pub replay: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} violated: {}", self.property, self.message)?;
        writeln!(f, "  must hold: {}", self.property.statement())?;
        if !self.counterexample.is_empty() {
            writeln!(f, "  counterexample:")?;
            for line in self.counterexample.lines() {
                writeln!(f, "    {line}")?;
            }
        }
        if !self.replay.is_empty() {
            writeln!(f, "  replay: {}", self.replay)?;
        }
        Ok(())
    }
}
pub mod checks;
pub mod judge;
pub mod monitor;
