//! Running a whole [`Program`]: each operation whose precondition holds is
//! applied, the others are skipped, so that any subsequence of a program
//! is itself a valid program (which is what lets an engine shrink it). A
//! program whose start the scheme cannot reach is not run at all
//! ([`Start::check_reachable`]): every engine that runs programs goes
//! through here, so they all agree on which starts count.

use super::checker::SequentialChecker;
use crate::properties::{Property, Violation};
use pinref_model::Scheme;
use pinref_model::op::{Op, Program, StartError};

#[cfg(doc)]
use pinref_model::op::Start;
use std::collections::BTreeMap;

/// What running a whole [`Program`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgramRun {
    /// Operations run.
    pub executed: usize,
    /// Operations skipped because a correct caller would not issue them
    /// ([`SequentialChecker::precondition`]).
    pub skipped: usize,
    /// Operations refused.
    pub refused: usize,
    /// P2 false positives seen (allowed ones: plain references ≥ the bias).
    pub false_positives: usize,
    /// Expected violations, by property: how many, and the first one with
    /// its counterexample.
    pub expected: BTreeMap<Property, (usize, Violation)>,
    /// The operations that ran, in order (the program without the skipped
    /// ones).
    pub ran: Vec<Op>,
    /// Why the program was not run: its start is out of the scheme's reach
    /// (then every operation counts as skipped).
    pub unreachable_start: Option<StartError>,
}

/// Why a [`Program`] failed: the violation, and the operations that ran up
/// to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramFailure {
    /// The violation.
    pub violation: Violation,
    /// The operations that ran, the failing one last.
    pub ran: Vec<Op>,
}

/// Runs `program` on `scheme`: each operation whose precondition holds is
/// applied, the others are skipped (so any subsequence of a program is
/// itself a valid program, which is what lets an engine shrink it). A start
/// the scheme cannot reach runs nothing ([`ProgramRun::unreachable_start`]).
pub fn run_program<S: Scheme + ?Sized>(
    scheme: &S,
    program: &Program,
) -> Result<ProgramRun, ProgramFailure> {
    run(scheme, program, true)
}

/// [`run_program`] without the trace ([`SequentialChecker::untraced`]):
/// the same operations run, skipped and judged, to the same verdict, but
/// every counterexample it returns (the violation's, the expected
/// violations') is empty. Run the program again with [`run_program`] to
/// report a violation.
pub(crate) fn run_program_untraced<S: Scheme + ?Sized>(
    scheme: &S,
    program: &Program,
) -> Result<ProgramRun, ProgramFailure> {
    run(scheme, program, false)
}

fn run<S: Scheme + ?Sized>(
    scheme: &S,
    program: &Program,
    traced: bool,
) -> Result<ProgramRun, ProgramFailure> {
    if let Err(error) = program.start.check_reachable(scheme) {
        return Ok(ProgramRun {
            skipped: program.ops.len(),
            unreachable_start: Some(error),
            ..ProgramRun::default()
        });
    }
    let mut checker = SequentialChecker::new(scheme, &program.start);
    if !traced {
        checker = checker.untraced();
    }
    checker.reserve(program.ops.len());
    let mut run = ProgramRun {
        ran: Vec::with_capacity(program.ops.len()),
        ..ProgramRun::default()
    };
    for op in &program.ops {
        let step = match checker.apply_if_allowed(op) {
            Ok(Some(step)) => step,
            Ok(None) => {
                run.skipped += 1;
                continue;
            }
            Err(violation) => {
                run.ran.push(op.clone());
                return Err(ProgramFailure {
                    violation,
                    ran: run.ran,
                });
            }
        };
        run.ran.push(op.clone());
        run.executed += 1;
        run.refused += usize::from(step.is_refused());
        run.false_positives += usize::from(step.false_positive);
        for expected in &step.expected {
            run.expected
                .entry(expected.property)
                .and_modify(|(count, _)| *count += 1)
                .or_insert_with(|| (1, checker.expected_violation(expected)));
        }
    }
    Ok(run)
}
