//! Model-based property testing of a [`Scheme`] with proptest: random
//! programs of GUP operations ([`pinref_model::op::Op`]) from starting
//! counts drawn across the counter's edges, each run by the
//! [sequential checker](super::sequential), and shrunk to a minimal failing
//! program when one breaks a property.
//!
//! The strategies are the model's ([`pinref_model::op::strategy`]), over
//! the same program space as the fuzz target's
//! `arbitrary::Arbitrary` programs ([`pinref_model::op::space`]).
//!
//! # Why plain proptest over `(Start, Vec<Op>)`
//!
//! A program is generated up front and run with the checker's
//! preconditions applied at run time: an operation a correct caller would
//! not issue in the state reached so far is skipped
//! ([`SequentialChecker::precondition`](super::sequential::SequentialChecker::precondition)).
//! So every subsequence of a program is again a valid program, and
//! proptest's ordinary `Vec` shrinking (drop operations, then simplify each)
//! works without a reference state machine. A state-machine reference
//! would have to predict the scheme's choice on every grab the spec allows
//! either way (one that crosses the sign bit), which only the run knows.
//!
//! # Starting counts
//!
//! Each (compound) page starts from counts drawn from one
//! [`Edge`](pinref_model::op::Edge): small counts, the carry of plain
//! references into the pin bits (1023 / 1024 / 2047), large plain counts,
//! pins near the 21-bit headroom (2^21), and encoded values near
//! `i32::MAX` / `i32::MIN`. Layouts have 1–3 pages of order 0–3, so that
//! v5.7's exact pin count (order > 1) and folios' (order ≥ 1) are
//! exercised beside the bias.
//!
//! # Replaying a failure
//!
//! - Given a directory ([`CheckOptions::regressions`]; none by default),
//!   the seed of a failing case is appended to a regression file there,
//!   `<scheme>[-<edges>].txt` (proptest's format: `cc <seed> # shrinks to
//!   <program>`). Every later check of that scheme with the same edges
//!   replays the file's seeds first, so committing the file pins the
//!   regression. pinref's own tests keep theirs in
//!   `proofs/proptest-regressions/sequential/`.
//! - [`SchemeFailure::program`] is the minimal program; its
//!   [`Program::to_rust`](pinref_model::op::Program::to_rust) rebuilds it
//!   in a test, and [`run_program`](super::sequential::run_program) replays
//!   it directly.
//! - `PROPTEST_RNG_SEED=<u64>` makes a whole run deterministic (proptest
//!   reads it); [`Summary::rng_seed`] says which seed a run used.
//!
//! One concept per file: `runner` (a check of one scheme), `regressions`
//! (the regression files), `engine` (the [`super::Engine`] impl).

mod engine;
mod regressions;
mod runner;

pub use engine::ProptestEngine;
pub use runner::{
    CheckOptions, ExpectedTally, Finding, SchemeFailure, Summary, check_scheme, check_scheme_with,
};

#[cfg(doc)]
use pinref_model::Scheme;
