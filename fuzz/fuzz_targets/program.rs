//! Fuzzes operation programs against the ghost spec: the input bytes choose
//! a built-in scheme and a program ([`Program`]'s `Arbitrary` impl: a
//! layout, starting references near the counter's edges, and operations
//! with garbage indices, flags and refs among them, drawn from the same
//! program space as proptest's). The sequential checker runs it; an
//! unexpected violation is a crash whose artifact replays it
//! (`cargo fuzz run --sanitizer none program ARTIFACT`).

#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use pinref_model::Scheme;
use pinref_model::op::Program;
use pinref_proofs::catalogue::builtin_schemes;
use pinref_proofs::engines::sequential::run_program;
use pinref_proofs::schemes::SchemeEntry;
use std::sync::LazyLock;

/// The built-in schemes, listed once by the catalogue.
static SCHEMES: LazyLock<Vec<SchemeEntry>> = LazyLock::new(builtin_schemes);

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(entry) = u.choose(&SCHEMES) else {
        return;
    };
    let Ok(program) = Program::arbitrary_take_rest(u) else {
        return;
    };
    let scheme = entry.object();
    if let Err(failure) = run_program(scheme, &program) {
        panic!(
            "{} violates {}\nprogram:\n{}",
            scheme.name(),
            failure.violation,
            program.to_rust()
        );
    }
});
