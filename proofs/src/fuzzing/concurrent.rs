//! The concurrent target: the bytes are threads of operations from a
//! start ([`OpThreads`]), then a schedule. The threads run on the shuttle
//! platform under a [`ByteScheduler`] reading the schedule bytes, so the
//! input chooses the interleaving as well as the program; the monitor
//! watches every access and the scenario checks what each thread and the
//! quiescent end must see ([`crate::scenarios::op_threads`]).
//!
//! Shuttle runs every atomic as `SeqCst`: this target finds interleaving
//! bugs (a lost update, a race on the last reference, a use after the
//! free), not weak-memory ordering bugs (loom's).

use super::InputVerdict;
use super::schedule::ByteScheduler;
use crate::engines::outcome::Verdict;
use crate::engines::shuttle::run_once;
use crate::scenarios::op_threads::{OpThreads, THREAD_NAMES};
use arbitrary::{Arbitrary, Unstructured};
use pinref_model::op::{Op, Start};
use pinref_model::{Held, SchemeObject};
use std::sync::Arc;

/// The fewest threads an input runs.
pub const MIN_THREADS: usize = 2;

/// The most operations one thread runs.
pub const MAX_OPS_PER_THREAD: usize = 6;

/// A decoded input: the threads, and the bytes that schedule them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConcurrentInput {
    /// The threads and their start.
    pub threads: OpThreads,
    /// The scheduler's choices ([`ByteScheduler`]).
    pub schedule: Vec<u8>,
}

/// The input `bytes` decode to: a start ([`Start`]'s `arbitrary` impl; a
/// page that would hold nothing holds its mapping's one plain reference),
/// [`MIN_THREADS`] to 4 threads of 1 to [`MAX_OPS_PER_THREAD`] operations
/// fitted to its memory ([`Op::take_for`]), and the rest as the schedule.
pub fn decode(bytes: &[u8]) -> Result<ConcurrentInput, String> {
    let mut u = Unstructured::new(bytes);
    let drawn = Start::arbitrary(&mut u).map_err(|error| error.to_string())?;
    let held = drawn
        .held()
        .iter()
        .map(|&held| {
            if held == Held::default() {
                Held { plain: 1, pins: 0 }
            } else {
                held
            }
        })
        .collect();
    let start = Start::new(drawn.layout().clone(), held).map_err(|error| error.to_string())?;
    let frames = start.layout().frames();
    let count = u
        .int_in_range(MIN_THREADS..=THREAD_NAMES.len())
        .map_err(|error| error.to_string())?;
    let mut threads = Vec::with_capacity(count);
    for _ in 0..count {
        let len = u
            .int_in_range(1..=MAX_OPS_PER_THREAD)
            .map_err(|error| error.to_string())?;
        let mut ops = Vec::with_capacity(len);
        for _ in 0..len {
            ops.push(Op::take_for(&mut u, frames).map_err(|error| error.to_string())?);
        }
        threads.push(ops);
    }
    let threads = OpThreads::new(start, threads).map_err(|error| error.to_string())?;
    Ok(ConcurrentInput {
        threads,
        schedule: u.take_rest().to_vec(),
    })
}

/// Decodes `bytes` and checks the input on `scheme`.
pub fn check(scheme: &SchemeObject, bytes: &[u8]) -> InputVerdict {
    match decode(bytes) {
        Ok(input) => check_input(scheme, &input),
        Err(error) => InputVerdict::Undecodable(error),
    }
}

/// Runs `input` once on shuttle, on `scheme`, under its schedule: the
/// monitor's findings and the scenario's checks are the verdict. The
/// execution is the shuttle engines' own ([`crate::engines::shuttle`]),
/// with the byte-driven scheduler in place of shuttle's. A start the scheme
/// cannot reach runs nothing.
pub fn check_input(scheme: &SchemeObject, input: &ConcurrentInput) -> InputVerdict {
    if let Err(error) = input.threads.start().check_reachable(scheme) {
        return InputVerdict::Unreachable(error);
    }
    let outcome = run_once(
        Arc::new(input.threads.clone()),
        scheme.clone(),
        Box::new(ByteScheduler::new(&input.schedule)),
    );
    match outcome.verdict {
        Verdict::Violation => match outcome.violations.into_iter().next() {
            Some(mut violation) => {
                violation
                    .counterexample
                    .push_str(&format!("\nthe threads:\n{}", input.threads));
                InputVerdict::Violated(violation)
            }
            None => InputVerdict::Incomplete("a violation without its finding".to_string()),
        },
        Verdict::Incomplete => InputVerdict::Incomplete(
            outcome
                .note
                .unwrap_or_else(|| "the execution was cut short".to_string()),
        ),
        Verdict::Pass | Verdict::ExpectedViolation | Verdict::KnownBug => InputVerdict::Passed {
            expected: outcome.violations,
        },
    }
}
