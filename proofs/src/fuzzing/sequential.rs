//! The sequential target: the bytes are a [`Program`] (its `arbitrary`
//! impl, the same program space proptest draws from), run on one thread by
//! the sequential checker ([`run_program`]) and judged against the ghost
//! after every operation.

use super::InputVerdict;
use crate::engines::sequential::{
    ProgramFailure, ProgramRun, minimize, run_program, run_program_untraced,
};
use arbitrary::{Arbitrary, Unstructured};
use pinref_model::Scheme;
use pinref_model::op::Program;

/// The program `input` decodes to.
pub fn decode(input: &[u8]) -> arbitrary::Result<Program> {
    Program::arbitrary_take_rest(Unstructured::new(input))
}

/// Decodes `input` and checks the program on `scheme`.
pub fn check<S: Scheme + ?Sized>(scheme: &S, input: &[u8]) -> InputVerdict {
    match decode(input) {
        Ok(program) => check_program(scheme, &program),
        Err(error) => InputVerdict::Undecodable(error.to_string()),
    }
}

/// [`check`] without the trace (the sequential checker records nothing
/// for a counterexample): the same operations judged after every one, to
/// the same verdict, but every counterexample in it is empty. For a caller that
/// wants the verdict alone and checks a failing input again with
/// [`check`] to report it (the cargo-fuzz target, through
/// [`super::fuzz_one`]).
pub fn check_untraced<S: Scheme + ?Sized>(scheme: &S, input: &[u8]) -> InputVerdict {
    match decode(input) {
        Ok(program) => verdict(run_program_untraced(scheme, &program), &program),
        Err(error) => InputVerdict::Undecodable(error.to_string()),
    }
}

/// Checks `program` on `scheme`: the verdict of [`run_program`], whose
/// violation carries the program as Rust after its trace.
pub fn check_program<S: Scheme + ?Sized>(scheme: &S, program: &Program) -> InputVerdict {
    verdict(run_program(scheme, program), program)
}

/// The verdict of `run`, a run of `program`.
fn verdict(run: Result<ProgramRun, ProgramFailure>, program: &Program) -> InputVerdict {
    match run {
        Ok(run) => match run.unreachable_start {
            Some(error) => InputVerdict::Unreachable(error),
            None => InputVerdict::Passed {
                expected: run.expected.into_values().map(|(_, first)| first).collect(),
            },
        },
        Err(failure) => InputVerdict::Violated(with_program(failure, program)),
    }
}

/// The failing program `input` decodes to, made as small as it goes while
/// it fails the same way ([`minimize`]), with its violation; `None` if it
/// does not fail.
pub fn minimized<S: Scheme + ?Sized>(
    scheme: &S,
    input: &[u8],
) -> Option<(Program, crate::properties::Violation)> {
    let program = decode(input).ok()?;
    match minimize(scheme, &program) {
        (smallest, Some(failure)) => {
            let violation = with_program(failure, &smallest);
            Some((smallest, violation))
        }
        (_, None) => None,
    }
}

fn with_program(failure: ProgramFailure, program: &Program) -> crate::properties::Violation {
    let mut violation = failure.violation;
    violation.counterexample.push_str(&format!(
        "\nthe program, as Rust (run it with run_program):\n{}",
        program.to_rust()
    ));
    violation
}
