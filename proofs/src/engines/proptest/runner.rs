//! The runner: checks a scheme with random programs from the model's
//! program space ([`program_strategy`]), the regression file's seeds
//! first, and reports a pass ([`Summary`]) or a minimal failing program
//! ([`SchemeFailure`]).

use super::regressions::RegressionFile;
use crate::engines::sequential::{ProgramRun, minimize, run_program};
use crate::properties::{Property, Violation};
use pinref_model::Scheme;
use pinref_model::op::strategy::reachable_program_strategy;
use pinref_model::op::{DEFAULT_MAX_OPS, Edge, Program};
use proptest::test_runner::{
    Config, FailurePersistence, RngSeed, TestCaseError, TestError, TestRunner,
};
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How [`check_scheme_with`] runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOptions {
    /// New cases (programs) that must pass; seeds replayed from the
    /// regression file come on top.
    pub cases: u32,
    /// The starting-count ranges to draw from (every edge if empty).
    pub edges: Vec<Edge>,
    /// The longest program.
    pub max_ops: usize,
    /// The directory of regression files (`None`: nothing is read or
    /// written).
    pub regressions: Option<PathBuf>,
    /// proptest's RNG seed (`None`: proptest's own, or
    /// `PROPTEST_RNG_SEED`).
    pub rng_seed: Option<u64>,
    /// Draw no new program after this instant (`None`: no time cap). A
    /// stop asked for ([`crate::engines::stop::request_stop`], SIGINT)
    /// ends the check the same way. A check stopped early passes with
    /// [`Summary::stopped`] saying why: it is not a pass of `cases`.
    pub stop_at: Option<Instant>,
}

impl CheckOptions {
    /// `cases` programs of up to [`DEFAULT_MAX_OPS`] operations from every
    /// edge, with no regression file: a check writes nothing unless told
    /// where ([`CheckOptions::regressions`]), so that a check run from a
    /// user's crate never writes into pinref's source tree.
    pub fn new(cases: u32) -> Self {
        CheckOptions {
            cases,
            edges: Vec::new(),
            max_ops: DEFAULT_MAX_OPS,
            regressions: None,
            rng_seed: None,
            stop_at: None,
        }
    }

    /// Draws starting counts from `edges` only.
    pub fn edges(mut self, edges: &[Edge]) -> Self {
        self.edges = edges.to_vec();
        self
    }

    /// Keeps regression files in `dir` (read before new cases, appended to
    /// on a failure; commit them to pin a regression), or nowhere.
    pub fn regressions(mut self, dir: Option<PathBuf>) -> Self {
        self.regressions = dir;
        self
    }

    /// The regression file of `scheme` under these options: one per scheme
    /// and strategy, since a seed only reproduces its case with the
    /// strategy that drew it.
    pub fn regression_file(&self, scheme: &str) -> Option<PathBuf> {
        let mut name = scheme.to_owned();
        let mut edges = self.edges.clone();
        edges.sort();
        edges.dedup();
        if !edges.is_empty() && edges != Edge::ALL {
            for edge in edges {
                name.push('-');
                name.push_str(edge.name());
            }
        }
        if self.max_ops != DEFAULT_MAX_OPS {
            name.push_str(&format!("-ops{}", self.max_ops));
        }
        self.regressions
            .as_ref()
            .map(|dir| dir.join(format!("{name}.txt")))
    }
}

/// How often a property the scheme does not claim was seen to fail, with
/// the first counterexample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedTally {
    /// Operations that showed it.
    pub count: u64,
    /// The first one, with the program that led there.
    pub example: Violation,
}

/// What a passing check ran and saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The scheme's name.
    pub scheme: &'static str,
    /// Programs run and passed (new cases, plus regression seeds
    /// replayed).
    pub cases: u64,
    /// The edges drawn from.
    pub edges: Vec<Edge>,
    /// Operations run.
    pub ops_executed: u64,
    /// Operations skipped by the checker's preconditions.
    pub ops_skipped: u64,
    /// Operations refused (as the spec required or allowed).
    pub ops_refused: u64,
    /// Allowed P2 false positives seen (`page_dma_pinned` true with no pin,
    /// plain references ≥ the bias).
    pub false_positives: u64,
    /// Expected violations (of properties the scheme does not claim).
    pub expected: BTreeMap<Property, ExpectedTally>,
    /// The regression file read first (and written on failure).
    pub regressions: Option<PathBuf>,
    /// The proptest RNG seed (`random` unless `PROPTEST_RNG_SEED` is set).
    pub rng_seed: String,
    /// Why the check stopped before `cases` programs ran (its time cap,
    /// or a stop asked for), if it did.
    pub stopped: Option<String>,
}

impl Summary {
    fn new(scheme: &'static str, options: &CheckOptions) -> Self {
        Summary {
            scheme,
            cases: 0,
            edges: if options.edges.is_empty() {
                Edge::ALL.to_vec()
            } else {
                options.edges.clone()
            },
            ops_executed: 0,
            ops_skipped: 0,
            ops_refused: 0,
            false_positives: 0,
            expected: BTreeMap::new(),
            regressions: options.regression_file(scheme),
            rng_seed: String::new(),
            stopped: None,
        }
    }

    fn add(&mut self, run: ProgramRun) {
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        self.cases += 1;
        self.ops_executed += count(run.executed);
        self.ops_skipped += count(run.skipped);
        self.ops_refused += count(run.refused);
        self.false_positives += count(run.false_positives);
        for (property, (seen, example)) in run.expected {
            self.expected
                .entry(property)
                .and_modify(|tally| tally.count += count(seen))
                .or_insert(ExpectedTally {
                    count: count(seen),
                    example,
                });
        }
    }

    /// How many times `property` was seen to fail as expected.
    pub fn expected_count(&self, property: Property) -> u64 {
        self.expected.get(&property).map_or(0, |tally| tally.count)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let edges: Vec<&str> = self.edges.iter().map(|edge| edge.name()).collect();
        writeln!(
            f,
            "{}: {} programs passed (edges: {}; rng seed {}), {} operations run, {} skipped \
             by precondition, {} refused, {} allowed P2 false positives",
            self.scheme,
            self.cases,
            edges.join(", "),
            self.rng_seed,
            self.ops_executed,
            self.ops_skipped,
            self.ops_refused,
            self.false_positives
        )?;
        for (property, tally) in &self.expected {
            writeln!(
                f,
                "  expected {property} x{}; first: {}",
                tally.count, tally.example.message
            )?;
        }
        Ok(())
    }
}

/// What made a check fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// A property the scheme claims failed.
    Violation(Violation),
    /// The scheme (or the model under it) panicked.
    Panic(String),
    /// proptest gave up (it could not generate a case).
    Aborted(String),
}

/// A failed check: what failed, the minimal program, and how to replay it.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemeFailure {
    /// The scheme's name.
    pub scheme: &'static str,
    /// What failed. A violation's `replay` says how to reproduce it.
    pub finding: Finding,
    /// The minimal failing program (shrunk; only the operations that ran).
    pub program: Option<Program>,
    /// The failing case's seed, in proptest's persistence format, when this
    /// run found it (`None` when a seed already in the regression file
    /// failed on replay).
    pub seed: Option<String>,
    /// The regression file holding the seed.
    pub regressions: Option<PathBuf>,
    /// Programs run up to the first failing one, that one included.
    pub cases_to_find: u64,
    /// Seconds from the start of the check to the first failing program
    /// (shrinking comes after, and is not counted).
    pub seconds_to_find: f64,
}

impl SchemeFailure {
    /// The violation, if a property failed.
    pub fn violation(&self) -> Option<&Violation> {
        match &self.finding {
            Finding::Violation(violation) => Some(violation),
            _ => None,
        }
    }

    /// The property that failed, if one did.
    pub fn property(&self) -> Option<Property> {
        self.violation().map(|violation| violation.property)
    }
}

impl fmt::Display for SchemeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "scheme {} failed the sequential check", self.scheme)?;
        match &self.finding {
            Finding::Violation(violation) => write!(f, "{violation}")?,
            Finding::Panic(message) => writeln!(f, "the scheme panicked: {message}")?,
            Finding::Aborted(message) => writeln!(f, "proptest aborted: {message}")?,
        }
        if let Some(program) = &self.program {
            writeln!(f, "minimal program (replay with run_program):")?;
            writeln!(f, "{}", program.to_rust())?;
        }
        Ok(())
    }
}

impl std::error::Error for SchemeFailure {}

/// Checks `scheme` with `cases` random programs over every edge, of up to
/// [`DEFAULT_MAX_OPS`] operations, with no regression file
/// ([`CheckOptions::new`]). See [`check_scheme_with`].
#[expect(
    clippy::result_large_err,
    reason = "a failure is the report itself, built once per check; boxing it would only cost the callers"
)]
pub fn check_scheme<S: Scheme>(scheme: S, cases: u32) -> Result<Summary, SchemeFailure> {
    check_scheme_with(scheme, &CheckOptions::new(cases))
}

/// Checks `scheme` with random programs as `options` say: the regression
/// file's seeds first, then `options.cases` new programs. A violation of a
/// property the scheme claims fails the check, with the program shrunk to
/// a minimal one and its seed saved; violations of properties it does not
/// claim are counted in the [`Summary`], with one example each.
#[expect(
    clippy::result_large_err,
    reason = "a failure is the report itself, built once per check; boxing it would only cost the callers"
)]
pub fn check_scheme_with<S: Scheme>(
    scheme: S,
    options: &CheckOptions,
) -> Result<Summary, SchemeFailure> {
    let name = scheme.name();
    // Only starts the scheme can reach: the same rule every engine applies.
    let scheme = Arc::new(scheme);
    let strategy = reachable_program_strategy(Arc::clone(&scheme), &options.edges, options.max_ops);
    let regressions = options.regression_file(name);
    let saved = Arc::new(Mutex::new(None));
    let persistence = regressions.clone().map(|path| {
        Box::new(RegressionFile {
            path,
            scheme: name,
            saved: Arc::clone(&saved),
        }) as Box<dyn FailurePersistence>
    });
    let mut config = Config {
        cases: options.cases,
        failure_persistence: persistence,
        source_file: None,
        max_shrink_iters: 20_000,
        ..Config::default()
    };
    if let Some(seed) = options.rng_seed {
        config.rng_seed = RngSeed::Fixed(seed);
    }
    let rng_seed = config.rng_seed.to_string();
    let mut runner = TestRunner::new(config);
    let summary = RefCell::new(Summary::new(name, options));
    let started = Instant::now();
    let first_failure: Cell<Option<(u64, f64)>> = Cell::new(None);
    let check_one = |program: &Program| match run_program(&*scheme, program) {
        Ok(run) => {
            summary.borrow_mut().add(run);
            Ok(())
        }
        Err(failure) => {
            if first_failure.get().is_none() {
                let cases = summary.borrow().cases + 1;
                first_failure.set(Some((cases, started.elapsed().as_secs_f64())));
            }
            Err(TestCaseError::fail(failure.violation.to_string()))
        }
    };
    let stopped: RefCell<Option<String>> = RefCell::new(None);
    let result = runner.run(&strategy, |program| {
        // Once stopped, every further case is rejected unrun: proptest
        // gives up after its reject limit, which ends the check at once.
        // The time cap stops the search for a failure, never the shrinking
        // of one found: shrinking is bounded by its iterations alone, so
        // the same seed shrinks to the same program however loaded the
        // machine is (a replay must show the counterexample it printed).
        if stopped.borrow().is_none() {
            if let Some(by) = crate::engines::stop::stop_requested() {
                *stopped.borrow_mut() = Some(format!("interrupted by {by}"));
            } else if first_failure.get().is_none()
                && options.stop_at.is_some_and(|at| Instant::now() >= at)
            {
                *stopped.borrow_mut() = Some("stopped at its time cap".to_string());
            }
        }
        if stopped.borrow().is_some() {
            return Err(TestCaseError::reject("the check was stopped"));
        }
        check_one(&program)
    });
    let (cases_to_find, seconds_to_find) = first_failure.get().unwrap_or((0, 0.0));
    let mut summary = summary.into_inner();
    summary.rng_seed = rng_seed;
    let seed = saved.lock().ok().and_then(|mut seed| seed.take());
    summary.stopped = stopped.into_inner();
    match result {
        Ok(()) => Ok(summary),
        // Stopped, and proptest gave up on the rejected cases: what ran
        // passed, and the summary says the check was cut short.
        Err(TestError::Abort(_)) if summary.stopped.is_some() => Ok(summary),
        Err(TestError::Abort(reason)) => Err(SchemeFailure {
            scheme: name,
            finding: Finding::Aborted(reason.to_string()),
            program: None,
            seed,
            regressions,
            cases_to_find,
            seconds_to_find,
        }),
        Err(TestError::Fail(reason, program)) => {
            let replay = replay_note(name, regressions.as_ref(), seed.as_deref());
            // Re-run the shrunk program for the violation as a record (the
            // runner only kept its text), deleting what proptest's single
            // deletion pass left behind.
            let rerun = catch_unwind(AssertUnwindSafe(|| minimize(&*scheme, &program)));
            let (finding, program) = match rerun {
                Ok((minimal, Some(failure))) => {
                    let mut violation = failure.violation;
                    violation.replay = replay;
                    (Finding::Violation(violation), minimal)
                }
                Ok((_, None)) => (
                    Finding::Panic(format!(
                        "the minimal program failed under proptest ({reason}) but passed when \
                         re-run"
                    )),
                    program,
                ),
                Err(panic) => (Finding::Panic(panic_message(panic.as_ref())), program),
            };
            Err(SchemeFailure {
                scheme: name,
                finding,
                program: Some(program),
                seed,
                regressions,
                cases_to_find,
                seconds_to_find,
            })
        }
    }
}

/// How to reproduce a failure, for [`Violation::replay`].
fn replay_note(scheme: &str, regressions: Option<&PathBuf>, seed: Option<&str>) -> String {
    let file = regressions.map_or_else(
        || "no regression file".to_owned(),
        |path| path.display().to_string(),
    );
    match seed {
        Some(seed) => format!(
            "seed `{seed}` saved in {file}: re-running the same check of {scheme} replays it \
             first; or run SchemeFailure::program with run_program"
        ),
        None => format!(
            "a seed already in {file} failed on replay: re-run the same check of {scheme}; or \
             run SchemeFailure::program with run_program"
        ),
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}
