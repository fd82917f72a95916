//! The sequential model-based checker: runs a program of GUP operations
//! ([`pinref_model::op::Op`]) on the concrete model of a [`Scheme`] and,
//! beside it, on the ghost spec ([`pinref_model::ghost`]), and reports the
//! first property the scheme breaks.
//!
//! It is engine-independent: proptest drives it today
//! ([`crate::engines::proptest`]), cargo-fuzz drives it with the model's
//! `arbitrary::Arbitrary` programs, and a test can drive it by hand. One
//! operation at a time, on one thread: it sees every arithmetic, encoding
//! and refusal bug, and none of the ordering bugs (those are loom's and
//! shuttle's job).
//!
//! # How one operation is judged
//!
//! 1. **Before**: the ghost says what the spec allows
//!    ([`pinref_model::ghost::Ghost::expect`]): the operation must succeed,
//!    must be refused, may do either (a grab that crosses the sign bit, for
//!    a scheme that does not claim to refuse it), or is a *caller bug* a
//!    correct kernel caller never makes (see
//!    [`SequentialChecker::precondition`]). Batch operations are judged
//!    page by page, in the order the kernel's generic code walks them.
//! 2. **Run**: the operation runs on the concrete model through
//!    [`pinref_model::op::apply`], the public [`Scheme`] trait only. The
//!    checker reads the counters afterwards through the model's read
//!    helpers, and writes nothing.
//! 3. **After** (the judge): the concrete result must be one the spec
//!    allowed, with the right typed error, and at this quiescent point:
//!    - P5: every head's counters equal [`Scheme::counts_for`] of the ghost,
//!      tail pages hold nothing, and a refusal changed no count at all
//!      (refcount, pin count, `PG_dirty`, vmstat, frees);
//!    - P9: `nr_foll_pin_acquired - nr_foll_pin_released` equals the live
//!      pins, counting those the start held; each counter moved exactly by
//!      what the ghost took and gave back;
//!    - P4: each head was freed as often as the ghost says, at most once,
//!      and only by a release that left its count at [`Scheme::freed_at`];
//!    - P3: no release took the ghost's plain references or pins below
//!      zero;
//!    - P1 / P2 on every `page_dma_pinned`;
//!    - P6 / P10: a grab the spec says must be refused was refused.
//!
//! A violation of a property the scheme does not claim ([`Scheme::claims`])
//! is *expected*: it is returned in [`Step::expected`] and the program goes
//! on; every other violation ends the program with a
//! [`crate::properties::Violation`] whose counterexample
//! ([`SequentialChecker::counterexample`]) is the program so far.
//!
//! One concept per file: `checker` (runs and compares), `judge` (the
//! verdict on one operation's result and counts), `counterexample` (the
//! trace a violation carries), `run` (whole programs), `shrink` (the last
//! shrinking pass), `snapshot` (the counts read around an operation).

mod checker;
mod counterexample;
mod judge;
mod run;
mod shrink;
mod snapshot;

pub use checker::{SequentialChecker, Step, StepOutcome};
pub(crate) use run::run_program_untraced;
pub use run::{ProgramFailure, ProgramRun, run_program};
pub use shrink::minimize;

#[cfg(doc)]
use pinref_model::Scheme;
