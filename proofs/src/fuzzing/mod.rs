//! Fuzzing, written once: what an input's bytes mean and which verdict they
//! get. The cargo-fuzz targets (`fuzz/fuzz_targets/`), the in-process fuzz
//! engines ([`crate::engines::fuzz_sequential`],
//! [`crate::engines::fuzz_concurrent`]) and the corpus replay test
//! (`proofs/tests/fuzz_corpus.rs`) all call these functions, so that an
//! input means the same everywhere.
//!
//! # An input
//!
//! The first byte chooses the scheme ([`SchemeChoice`]): by default one of
//! the built-in schemes, the byte modulo their number; with the
//! `PINREF_FUZZ_SCHEME` environment variable, the scheme it names (any
//! built-in or flawed variant, so that the fuzzer's strength can be
//! measured on a planted bug). The byte is consumed either way, so the rest
//! decodes the same whichever scheme runs it. The rest is the [`Target`]'s:
//!
//! - [`Target::Sequential`] ([`sequential`]): a program
//!   ([`pinref_model::op::Program`]'s `arbitrary` impl: 1–3 pages of order
//!   0–3, starting counts near the counter's edges, up to 50 operations),
//!   judged against the ghost after every operation;
//! - [`Target::Concurrent`] ([`concurrent`]): 2–4 threads of operations
//!   from such a start ([`crate::scenarios::op_threads`]), then the
//!   schedule: the remaining bytes choose, at each scheduling point, which
//!   thread runs next ([`schedule::ByteScheduler`]), on the shuttle
//!   platform, the monitor watching every access.
//!
//! # A verdict
//!
//! [`InputVerdict`]: only a violation of a property the scheme claims is a
//! failure. Bytes that decode to no input, or to a start the scheme cannot
//! reach ([`pinref_model::ghost::reach`]), run nothing; violations of
//! properties the scheme does not claim are reported as expected.
//!
//! One concept per file: `sequential` and `concurrent` (decoding and
//! checking one input), `schedule` (the byte-driven scheduler), `campaign`
//! (many random inputs, in process), `corpus` (replaying a directory of
//! inputs).

pub mod campaign;
pub mod concurrent;
pub mod corpus;
pub mod schedule;
pub mod sequential;

use crate::catalogue::{builtin_schemes, find_scheme};
use crate::engines::exploring;
use crate::engines::outcome::stop_reason;
use crate::properties::Violation;
use crate::schemes::SchemeEntry;
use pinref_model::op::StartError;
use pinref_model::{Scheme, SchemeObject};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The environment variable that names the scheme a fuzz target checks.
pub const SCHEME_VARIABLE: &str = "PINREF_FUZZ_SCHEME";

/// The build options every `cargo fuzz` command in pinref gives (the
/// README's, CI's, and every replay command printed): no sanitizer
/// (AddressSanitizer is nightly-only), and no comparison tracing. With
/// `trace-compares`, every integer comparison calls into libFuzzer, about
/// a third of the sequential target's time; without it the target runs
/// about twice as many inputs a second, and on the planted bugs measured
/// (README, "Fuzz throughput") its median time to a crash was lower. The
/// values comparison tracing searches for, the edges of the counter, are
/// where the program decoder draws its starting counts from anyway. One
/// set of options everywhere, so that a replay reuses the fuzzing run's
/// build instead of making another.
pub const CARGO_FUZZ_OPTIONS: &str = "--sanitizer none --no-trace-compares";

/// A fuzz target: what the bytes after the first decode to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// One program on one thread, judged against the ghost.
    Sequential,
    /// Threads of operations under a schedule the bytes choose, on shuttle.
    Concurrent,
}

impl Target {
    /// Both targets.
    pub const ALL: [Target; 2] = [Target::Sequential, Target::Concurrent];

    /// Its name: the cargo-fuzz target's, and its corpus directory's.
    pub fn name(self) -> &'static str {
        match self {
            Target::Sequential => "sequential",
            Target::Concurrent => "concurrent",
        }
    }

    /// The target named `name`.
    pub fn named(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|target| target.name() == name)
    }

    /// Decodes `input` (the bytes after the scheme byte) and checks it on
    /// `scheme`.
    ///
    /// Panics stay inside: a check stops an execution by panicking, and
    /// catches it, so the panic hooks (libFuzzer's aborts the process) are
    /// kept quiet while it runs (as an engine keeps them); a panic
    /// that escapes the check (the scheme's, or the harness's own) is a
    /// violation, with its message.
    ///
    /// Inlined (with [`fuzz_one`]) so that a cargo-fuzz target, which
    /// passes its own target as a constant, links only that target's
    /// code: libFuzzer clears and scans every coverage counter the binary
    /// holds after every input, and the other target's code is a fifth of
    /// them.
    #[inline]
    pub fn check(self, scheme: &SchemeObject, input: &[u8]) -> InputVerdict {
        let run = caught(|| match self {
            Target::Sequential => sequential::check(scheme, input),
            Target::Concurrent => concurrent::check(scheme, input),
        });
        let verdict = run.unwrap_or_else(|payload| {
            let mut stopped = stop_reason(payload, None, 1, 0.0);
            match stopped.violations.pop() {
                Some(violation) => InputVerdict::Violated(violation),
                None => InputVerdict::Undecodable("the check stopped".to_string()),
            }
        });
        // A version's declared bug on the program space (the seed's and
        // v5.7's statistic after the release) is what that version does:
        // expected, as every engine reports it, never a fuzz crash.
        match verdict {
            InputVerdict::Violated(violation)
                if crate::known_bugs::explains(&scheme.known_bugs(), "programs", &violation) =>
            {
                InputVerdict::Passed {
                    expected: vec![violation],
                }
            }
            other => other,
        }
    }

    /// [`Target::check`] for a cargo-fuzz target ([`fuzz_one`]), which
    /// needs the verdict and, on a violation, `check`'s report, but never
    /// the counterexample of an expected violation. The sequential target
    /// first runs the input untraced ([`sequential::check_untraced`]: the
    /// same operations, judged the same way after every one, with no trace
    /// recorded and no counterexample worded); an input that breaks a
    /// property or stops the check is then checked again by `check`, and
    /// gets its verdict, report included. So the verdict is always
    /// `check`'s; the expected violations of an input that passes carry no
    /// counterexample.
    #[inline]
    fn check_for_fuzzer(self, scheme: &SchemeObject, input: &[u8]) -> InputVerdict {
        if self != Target::Sequential {
            return self.check(scheme, input);
        }
        match caught(|| sequential::check_untraced(scheme, input)) {
            Ok(InputVerdict::Violated(_)) | Err(_) => self.check(scheme, input),
            Ok(verdict) => verdict,
        }
    }
}

/// Runs `check` with the panic hooks kept quiet, catching the panic that
/// stops it (see [`Target::check`]).
#[inline]
fn caught(
    check: impl FnOnce() -> InputVerdict,
) -> Result<InputVerdict, Box<dyn std::any::Any + Send>> {
    exploring(|| catch_unwind(AssertUnwindSafe(check)))
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What one input got.
#[derive(Debug, Clone)]
pub enum InputVerdict {
    /// The bytes decode to no input (a layout or start refused): nothing
    /// ran.
    Undecodable(String),
    /// The start is out of the scheme's reach: nothing ran.
    Unreachable(StartError),
    /// The execution was cut short (a thread waiting forever): no verdict,
    /// and not a pass.
    Incomplete(String),
    /// It ran, and every property the scheme claims held; the violations of
    /// properties it does not claim are listed (the first of each).
    Passed {
        /// The expected violations.
        expected: Vec<Violation>,
    },
    /// A property the scheme claims failed.
    Violated(Violation),
}

impl InputVerdict {
    /// Whether the input ran at all.
    pub fn ran(&self) -> bool {
        matches!(
            self,
            InputVerdict::Passed { .. } | InputVerdict::Violated(_)
        )
    }

    /// The violation, if a claimed property failed.
    pub fn violation(&self) -> Option<&Violation> {
        match self {
            InputVerdict::Violated(violation) => Some(violation),
            _ => None,
        }
    }
}

/// Which scheme a fuzz target checks: the one `PINREF_FUZZ_SCHEME` names,
/// or the built-in one the input's first byte chooses.
#[derive(Debug, Clone)]
pub struct SchemeChoice {
    named: Option<SchemeEntry>,
    builtins: Vec<SchemeEntry>,
}

impl SchemeChoice {
    /// The built-in scheme the first byte chooses, modulo their number.
    pub fn by_first_byte() -> SchemeChoice {
        SchemeChoice {
            named: None,
            builtins: builtin_schemes(),
        }
    }

    /// Always the scheme named `name` (a built-in or a flawed variant).
    pub fn named(name: &str) -> Result<SchemeChoice, String> {
        let entry = find_scheme(name).ok_or_else(|| {
            let known: Vec<&str> = builtin_schemes()
                .iter()
                .map(|entry| entry.name)
                .chain(crate::variants::catalogue().iter().map(|v| v.entry.name))
                .collect();
            format!(
                "{SCHEME_VARIABLE}={name:?} names no scheme; known: {}",
                known.join(", ")
            )
        })?;
        Ok(SchemeChoice {
            named: Some(entry),
            builtins: builtin_schemes(),
        })
    }

    /// [`SchemeChoice::named`] if `PINREF_FUZZ_SCHEME` is set (and not
    /// empty), else [`SchemeChoice::by_first_byte`].
    pub fn from_env() -> Result<SchemeChoice, String> {
        match std::env::var(SCHEME_VARIABLE) {
            Ok(name) if !name.trim().is_empty() => SchemeChoice::named(name.trim()),
            _ => Ok(SchemeChoice::by_first_byte()),
        }
    }

    /// [`SchemeChoice::from_env`] for a fuzz target: a bad
    /// `PINREF_FUZZ_SCHEME` stops the process before any input, with the
    /// message and exit status 2 (bad arguments), never as a crash.
    pub fn from_env_or_exit() -> SchemeChoice {
        SchemeChoice::from_env().unwrap_or_else(|error| {
            eprintln!("{error}");
            std::process::exit(2)
        })
    }

    /// The scheme for an input whose first byte is `selector`.
    pub fn pick(&self, selector: u8) -> &SchemeEntry {
        match &self.named {
            Some(entry) => entry,
            None => &self.builtins[usize::from(selector) % self.builtins.len()],
        }
    }
}

/// What a fuzz target does with one whole input (scheme byte first):
/// `Ok(true)` when it ran and passed (libFuzzer keeps it in the corpus),
/// `Ok(false)` when it ran nothing (rejected: it is no use as a seed), and
/// `Err(report)` when a property the scheme claims failed: the target
/// panics with the report, and libFuzzer saves the input as a crash.
#[inline]
pub fn fuzz_one(target: Target, choice: &SchemeChoice, data: &[u8]) -> Result<bool, String> {
    let Some((&selector, input)) = data.split_first() else {
        return Ok(false);
    };
    let entry = choice.pick(selector);
    match target.check_for_fuzzer(entry.object(), input) {
        InputVerdict::Violated(violation) => Err(format!(
            "{} ({} target) violates {violation}replay: cd fuzz && {SCHEME_VARIABLE}={} cargo \
             fuzz run {CARGO_FUZZ_OPTIONS} {} <this input>",
            entry.name,
            target.name(),
            entry.name,
            target.name()
        )),
        verdict => Ok(verdict.ran()),
    }
}
