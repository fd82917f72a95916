//! One call to check a scheme, or a scenario, from a user's own tests: the
//! same engines ([`engines::registry`], so engines added later are
//! included), the same scenarios ([`scenarios::catalogue`]), the same
//! verdicts, counterexamples and replay files as the main job, in a
//! [`SchemeReport`] whose [`SchemeReport::assert_passes`] fails a test with
//! the timeline of every property that broke.
//!
//! # One line in a test suite
//!
//! [`check_scheme_tests!`](crate::check_scheme_tests) expands to one
//! `#[test]` per scenario of the catalogue, each running every engine on
//! your scheme; [`check_scenario_tests!`](crate::check_scenario_tests) to
//! one per built-in scheme for your scenario:
//!
//! ```ignore
//! // tests/pinref.rs of your crate
//! pinref_proofs::check_scheme_tests!(my_crate::MyScheme);
//! ```
//!
//! A test per engine as well would need the engine list at compile time;
//! the engines are a list at run time (a new engine is one line in
//! [`engines::registry`]), so each test runs every engine and reports every
//! one that failed, not the first.
//!
//! # Or one function
//!
//! ```no_run
//! use pinref_model::V5_7;
//! use pinref_proofs::check::check_scheme;
//!
//! let report = check_scheme(V5_7);
//! println!("{report}"); // each scenario's verdict, expected or not, with its counterexample
//! report.assert_passes();
//! ```
//!
//! # Replaying a failure
//!
//! A failing run prints how to replay it. For a built-in scheme and
//! scenario that is the `pinref` command; for your own (which `pinref`
//! does not know by name) it is your test again, with the replay file or
//! seed in the environment: `PINREF_REPLAY=<file> cargo test --release --
//! <scenario>` (the run that file recorded, alone) or `PINREF_SEED=<n>
//! cargo test ...` (the seed of a randomised engine). [`Check::run`]
//! reads both.

mod macros;

use crate::catalogue::builtin_schemes;
use crate::engines::replay;
use crate::engines::{self, Engine, RunOptions, Verdict};
use crate::report::{Report, Run, counterexample, table};
use crate::scenarios::{self, Scenario, ScenarioEntry};
use crate::schemes::SchemeEntry;
use pinref_model::Scheme;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// Checks `scheme` on every scenario of the catalogue that applies to it,
/// with every engine that supports each: see the module docs.
pub fn check_scheme<S: Scheme>(scheme: S) -> SchemeReport {
    Check::scheme(scheme).run()
}

/// Checks `scenario` on every built-in scheme it applies to, with every
/// engine that supports it.
pub fn check_scenario<T: Scenario>(scenario: T) -> SchemeReport {
    Check::scenario(scenario).run()
}

/// A check to run: schemes × scenarios × engines, with the options of each
/// run. Built with [`Check::scheme`] or [`Check::scenario`], narrowed or
/// widened, then [`Check::run`].
#[derive(Clone)]
pub struct Check {
    schemes: Vec<SchemeEntry>,
    scenarios: Vec<ScenarioEntry>,
    engines: Vec<Arc<dyn Engine>>,
    options: RunOptions,
    /// The replay file to replay (`None`: `PINREF_REPLAY`, if set).
    replay: Option<PathBuf>,
    /// Names asked for that matched nothing: a check of nothing fails.
    unmatched: Vec<String>,
}

impl Check {
    /// `scheme` on every scenario of the catalogue, with every engine.
    pub fn scheme<S: Scheme>(scheme: S) -> Check {
        Check::of_scheme(SchemeEntry::new(scheme))
    }

    /// [`Check::scheme`] for a scheme already made an entry.
    pub fn of_scheme(entry: SchemeEntry) -> Check {
        Check::new(vec![entry], scenarios::catalogue())
    }

    /// `scenario` on every built-in scheme, with every engine.
    pub fn scenario<T: Scenario>(scenario: T) -> Check {
        Check::of_scenario(ScenarioEntry::new(scenario))
    }

    /// [`Check::scenario`] for a scenario already made an entry.
    pub fn of_scenario(entry: ScenarioEntry) -> Check {
        Check::new(builtin_schemes(), vec![entry])
    }

    fn new(schemes: Vec<SchemeEntry>, scenarios: Vec<ScenarioEntry>) -> Check {
        Check {
            schemes,
            scenarios,
            engines: engines::registry(),
            options: RunOptions {
                artifacts: Some(std::env::temp_dir().join("pinref-check")),
                ..RunOptions::default()
            },
            replay: None,
            unmatched: Vec::new(),
        }
    }

    /// Checks these scenarios instead.
    pub fn scenarios(mut self, scenarios: Vec<ScenarioEntry>) -> Check {
        self.scenarios = scenarios;
        self
    }

    /// Checks these schemes instead.
    pub fn schemes(mut self, schemes: Vec<SchemeEntry>) -> Check {
        self.schemes = schemes;
        self
    }

    /// Adds a scenario (a user's own) to those checked.
    pub fn with_scenario(mut self, scenario: ScenarioEntry) -> Check {
        self.scenarios.push(scenario);
        self
    }

    /// Adds a scheme (a user's own) to those checked.
    pub fn with_scheme(mut self, scheme: SchemeEntry) -> Check {
        self.schemes.push(scheme);
        self
    }

    /// Keeps only the scenario named `name`; if there is none, the check
    /// fails saying so (a scenario renamed under a test).
    pub fn only_scenario(mut self, name: &str) -> Check {
        self.scenarios.retain(|scenario| scenario.name() == name);
        if self.scenarios.is_empty() {
            self.unmatched.push(format!("no scenario named `{name}`"));
        }
        self
    }

    /// Drops the scenarios named in `names`.
    pub fn except_scenarios(mut self, names: &[&str]) -> Check {
        self.scenarios
            .retain(|scenario| !names.contains(&scenario.name()));
        self
    }

    /// Keeps only the scheme named `name`; if there is none, the check
    /// fails saying so.
    pub fn only_scheme(mut self, name: &str) -> Check {
        self.schemes.retain(|scheme| scheme.name == name);
        if self.schemes.is_empty() {
            self.unmatched.push(format!("no scheme named `{name}`"));
        }
        self
    }

    /// Drops the schemes named in `names`.
    pub fn except_schemes(mut self, names: &[&str]) -> Check {
        self.schemes.retain(|scheme| !names.contains(&scheme.name));
        self
    }

    /// Runs these engines instead of every engine.
    pub fn engines(mut self, engines: Vec<Arc<dyn Engine>>) -> Check {
        self.engines = engines;
        self
    }

    /// Runs with these options (caps, bound, seed, where replay files go).
    pub fn options(mut self, options: RunOptions) -> Check {
        self.options = options;
        self
    }

    /// Keeps replay files and traces under `dir/pinref`, `dir` being the
    /// test target's temporary directory (`CARGO_TARGET_TMPDIR`, which
    /// cargo sets for integration tests), or, without one, under the
    /// system's temporary directory.
    pub fn in_test_target(mut self, dir: Option<&str>) -> Check {
        if let Some(dir) = dir {
            self.options.artifacts = Some(PathBuf::from(dir).join("pinref"));
        }
        self
    }

    /// Seeds the randomised engines with `seed` (what `PINREF_SEED` does).
    pub fn seed(mut self, seed: u64) -> Check {
        self.options.seed = Some(seed);
        self
    }

    /// Replays the run the replay file at `path` recorded, alone (what
    /// `PINREF_REPLAY` does).
    pub fn replay(mut self, path: impl Into<PathBuf>) -> Check {
        self.replay = Some(path.into());
        self
    }

    /// Runs every case. Unless [`Check::seed`] or [`Check::replay`] said
    /// otherwise, `PINREF_SEED=<n>` in the environment sets the seed of
    /// the randomised engines, and `PINREF_REPLAY=<file>` replays the run
    /// that file recorded, alone, after checking it (a file that fits no
    /// case fails the check, naming what did not match).
    pub fn run(&self) -> SchemeReport {
        let mut options = self.options.clone();
        let mut problems = self.unmatched.clone();
        if options.seed.is_none()
            && let Some(seed) = std::env::var_os("PINREF_SEED")
        {
            match seed.to_string_lossy().trim().parse() {
                Ok(seed) => options.seed = Some(seed),
                Err(_) => problems.push(format!("PINREF_SEED={seed:?} is not a number")),
            }
        }
        let replay = self
            .replay
            .clone()
            .or_else(|| std::env::var_os("PINREF_REPLAY").map(PathBuf::from));
        let mut report = Report::default();
        let mut not_applicable = Vec::new();
        let mut replay_errors = Vec::new();
        for engine in &self.engines {
            for scenario in self.scenarios.iter().filter(|s| engine.supports(s)) {
                for scheme in &self.schemes {
                    if !scheme.applies(scenario) {
                        not_applicable.push((scenario.name(), scheme.name));
                        continue;
                    }
                    let mut run_options = options.clone();
                    if let Some(path) = &replay {
                        let key = engine.replay_key(scenario, scheme, &options);
                        match replay::load(path, &key) {
                            Ok(_) => run_options.replay_from = Some(path.clone()),
                            Err(error) => {
                                replay_errors.push(error.to_string());
                                continue;
                            }
                        }
                    }
                    // Through the entry, so that a declared known bug is
                    // judged here as everywhere.
                    let mut outcome = scheme.explore(engine.as_ref(), scenario, &run_options);
                    for violation in &mut outcome.violations {
                        violation.replay = replayable(&violation.replay, scenario, scheme);
                    }
                    report
                        .runs
                        .push(Run::new(engine.as_ref(), scenario, scheme, outcome));
                }
            }
        }
        if let Some(path) = &replay
            && report.runs.is_empty()
        {
            problems.push(format!(
                "PINREF_REPLAY={} fits no case of this check: {}",
                path.display(),
                replay_errors.join("; ")
            ));
        }
        report.planned = report.runs.len();
        not_applicable.sort_unstable();
        not_applicable.dedup();
        let traces = options.artifacts.as_ref().map(|dir| dir.join("traces"));
        SchemeReport {
            report,
            not_applicable,
            problems,
            traces,
        }
    }
}

/// The replay command of a run, as a user can run it: the `pinref`
/// command when `pinref` knows the scheme and scenario by name (the same
/// definitions), else the user's test again with the replay file or seed
/// the command names in the environment.
fn replayable(command: &str, scenario: &ScenarioEntry, scheme: &SchemeEntry) -> String {
    let known_scheme = crate::catalogue::find_scheme(scheme.name)
        .is_some_and(|known| replay::scheme_digest(&known) == replay::scheme_digest(scheme));
    let known_scenario = scenarios::find(scenario.name())
        .is_some_and(|known| replay::scenario_digest(&known) == replay::scenario_digest(scenario));
    if known_scheme && known_scenario {
        return command.to_string();
    }
    let words: Vec<&str> = command.split_whitespace().collect();
    let after = |flag: &str| {
        words
            .windows(2)
            .find(|pair| pair[0] == flag)
            .map(|pair| pair[1])
    };
    let test = format!("cargo test --release -- {}", scenario.name());
    match (after("--replay"), after("--seed")) {
        (Some(file), _) => format!("PINREF_REPLAY={file} {test}"),
        (None, Some(seed)) => format!("PINREF_SEED={seed} {test}"),
        (None, None) => test,
    }
}

/// What a [`Check`] found: every run, in the main job's [`Report`], and
/// the cases that did not apply.
#[derive(Debug, Clone)]
pub struct SchemeReport {
    /// The runs, as the main job reports them.
    pub report: Report,
    /// (scenario, scheme) pairs skipped because the scenario does not
    /// apply to the scheme (device pages on a 0-based scheme).
    pub not_applicable: Vec<(&'static str, &'static str)>,
    /// What made the check itself fail before any verdict: a name that
    /// matched nothing, a bad `PINREF_SEED` or `PINREF_REPLAY`.
    pub problems: Vec<String>,
    /// Where full timelines are written when the report is shown.
    traces: Option<PathBuf>,
}

impl SchemeReport {
    /// The runs that fail a check: a violation of a claimed property, or a
    /// run cut short (not a pass).
    pub fn failures(&self) -> Vec<&Run> {
        self.report
            .runs
            .iter()
            .filter(|run| {
                matches!(
                    run.outcome.verdict,
                    Verdict::Violation | Verdict::Incomplete
                )
            })
            .collect()
    }

    /// Whether every run passed or violated only what its scheme does not
    /// claim, and the check checked something.
    pub fn passed(&self) -> bool {
        self.problems.is_empty() && self.failures().is_empty()
    }

    /// Panics, with the report (every failure's timeline and replay
    /// command first), unless [`SchemeReport::passed`].
    #[track_caller]
    pub fn assert_passes(&self) {
        if !self.passed() {
            panic!("{self}");
        }
    }

    /// The words on a run's verdict: whether a violation was expected for
    /// the scheme's claims.
    fn verdict_words(run: &Run) -> String {
        let properties: Vec<&str> = run
            .outcome
            .violations
            .iter()
            .map(|violation| violation.property.id())
            .collect();
        let properties = properties.join(", ");
        match run.outcome.verdict {
            Verdict::Violation => {
                format!("FAILED: {properties} violated, which {} claims", run.scheme)
            }
            Verdict::ExpectedViolation => format!(
                "ok: {properties} violated, as expected: {} does not claim it",
                run.scheme
            ),
            Verdict::KnownBug => format!(
                "ok: {properties} violated, a known bug of the kernel version {} stands for",
                run.scheme
            ),
            Verdict::Incomplete => format!(
                "FAILED: incomplete, not a pass ({})",
                run.outcome.note.as_deref().unwrap_or("stopped early")
            ),
            Verdict::Pass if run.outcome.executions == 0 => {
                format!("FAILED: nothing was explored ({} {})", 0, run.outcome.unit)
            }
            Verdict::Pass if run.outcome.exhaustive => "ok: pass, every interleaving".to_string(),
            Verdict::Pass => match run.preemption_bound {
                Some(bound) => format!("ok: pass within preemption bound {bound} (not exhaustive)"),
                None => format!(
                    "ok: pass on the {} {} drawn (not exhaustive)",
                    run.outcome.executions, run.outcome.unit
                ),
            },
        }
    }
}

impl fmt::Display for SchemeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failures = self.failures();
        writeln!(
            f,
            "pinref check: {} runs, {} failed{}",
            self.report.runs.len(),
            failures.len(),
            if self.problems.is_empty() {
                String::new()
            } else {
                format!("; {}", self.problems.join("; "))
            }
        )?;
        // Failures first: a failing test's message starts with what broke.
        let mut runs: Vec<&Run> = failures.clone();
        runs.extend(
            self.report
                .runs
                .iter()
                .filter(|run| !failures.iter().any(|failed| std::ptr::eq(*failed, *run))),
        );
        for run in runs {
            writeln!(
                f,
                "\n{} on {} ({}): {}",
                run.scenario,
                run.scheme,
                run.engine,
                Self::verdict_words(run)
            )?;
            for violation in &run.outcome.violations {
                let full = self.traces.as_ref().and_then(|dir| {
                    counterexample::write_full(dir, violation, run.scenario, run.scheme, run.engine)
                        .ok()
                });
                let text = counterexample::of_run(run, violation, full.as_deref());
                for line in text.lines() {
                    writeln!(f, "  {line}")?;
                }
            }
        }
        if !self.report.runs.is_empty() {
            writeln!(f)?;
            f.write_str(&table::render(&self.report))?;
        }
        if !self.not_applicable.is_empty() {
            let pairs: Vec<String> = self
                .not_applicable
                .iter()
                .map(|(scenario, scheme)| format!("{scenario} on {scheme}"))
                .collect();
            writeln!(f, "does not apply: {}", pairs.join(", "))?;
        }
        Ok(())
    }
}
