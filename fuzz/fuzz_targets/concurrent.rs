//! The concurrent target: the input's first byte chooses the scheme (a
//! built-in one, or the one `PINREF_FUZZ_SCHEME` names), the rest is 2-4
//! threads of operations and then the schedule: at each scheduling point
//! the next byte picks the thread that runs, on the shuttle platform, with
//! the monitor watching every access. Only a violation of a property the
//! scheme claims crashes; the logic is `pinref_proofs::fuzzing` (shared
//! with the `fuzz-concurrent` engine and the corpus replay test).
//!
//! `cargo fuzz run --sanitizer none --no-trace-compares concurrent` (see the README).

#![no_main]

use libfuzzer_sys::{Corpus, fuzz_target};
use pinref_proofs::fuzzing::{SchemeChoice, Target, fuzz_one};
use std::sync::LazyLock;

/// The scheme choice, read once: a bad `PINREF_FUZZ_SCHEME` stops the run
/// before any input (exit 2); it is not a crash.
static CHOICE: LazyLock<SchemeChoice> = LazyLock::new(SchemeChoice::from_env_or_exit);

fuzz_target!(|data: &[u8]| -> Corpus {
    match fuzz_one(Target::Concurrent, &CHOICE, data) {
        Ok(true) => Corpus::Keep,
        Ok(false) => Corpus::Reject,
        Err(report) => panic!("{report}"),
    }
});
