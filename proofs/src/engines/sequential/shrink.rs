//! The shrinker: makes a failing program smaller while it still fails with
//! the same property, as a last pass after an engine's own shrinking.

use super::checker::SequentialChecker;
use super::run::{ProgramFailure, run_program};
use pinref_model::op::{Op, Program, Start};
use pinref_model::{Held, Scheme};

/// Makes a failing `program` smaller while it still fails with the same
/// property: a last pass after an engine's own shrinking. Returns the
/// smallest program found and its failure; a program that does not fail is
/// returned as it is, with `None`.
///
/// Two moves, repeated until neither helps:
///
/// - **delete** one operation (proptest deletes each element once, before
///   it simplifies the others, so an operation that only became redundant
///   later survives its shrinking);
/// - **rebase**: start from the state the program reached after its first
///   `k` operations, and keep only the rest. The state is fully described
///   by what the ghost holds per head, since P5 held at that quiescent
///   point (the counters were exactly [`Scheme::counts_for`] of it); what
///   it does not carry (earlier frees, `PG_dirty`, the vmstat history) can
///   only make the failure disappear, and then the move is not taken. This
///   is what shrinks a start and its operations together (fewer starting
///   pins *and* fewer unpins), which proptest cannot.
pub fn minimize<S: Scheme + ?Sized>(
    scheme: &S,
    program: &Program,
) -> (Program, Option<ProgramFailure>) {
    let Err(failure) = run_program(scheme, program) else {
        return (program.clone(), None);
    };
    let property = failure.violation.property;
    let still_fails = |candidate: &Program| match run_program(scheme, candidate) {
        Err(smaller) if smaller.violation.property == property => Some(smaller),
        _ => None,
    };
    let mut best = Program {
        start: program.start.clone(),
        ops: failure.ran.clone(),
    };
    let mut failure = failure;
    loop {
        let mut changed = false;
        // Delete single operations, to a fixed point.
        let mut index = 0;
        while index < best.ops.len() {
            let mut candidate = best.clone();
            candidate.ops.remove(index);
            if let Some(smaller) = still_fails(&candidate) {
                best.ops = smaller.ran.clone();
                failure = smaller;
                changed = true;
                index = 0;
            } else {
                index += 1;
            }
        }
        // Rebase as late as possible (the failing operation is the last).
        for k in (1..best.ops.len()).rev() {
            let Some(start) = state_after(scheme, &best.start, &best.ops[..k]) else {
                continue;
            };
            let candidate = Program {
                start,
                ops: best.ops[k..].to_vec(),
            };
            if let Some(smaller) = still_fails(&candidate) {
                best = Program {
                    start: candidate.start,
                    ops: smaller.ran.clone(),
                };
                failure = smaller;
                changed = true;
                break;
            }
        }
        if !changed {
            return (best, Some(failure));
        }
    }
}

/// The start that stands for the state `ops` reach from `start` (what the
/// ghost holds per head), if they all run without a violation.
fn state_after<S: Scheme + ?Sized>(scheme: &S, start: &Start, ops: &[Op]) -> Option<Start> {
    let mut checker = SequentialChecker::new(scheme, start);
    for op in ops {
        checker.apply(op).ok()?;
    }
    let held = start
        .layout()
        .heads()
        .iter()
        .map(|head| checker.ghost().pages.get(head).map(|page| page.held))
        .collect::<Option<Vec<Held>>>()?;
    Start::new(start.layout().clone(), held).ok()
}
