//! The proptest engine in the [`Engine`] interface: the sequential program
//! space of a scenario, checked with [`check_scheme_with`], its outcome in
//! the one [`Outcome`] type.

use super::runner::{CheckOptions, Finding, check_scheme_with};
use crate::engines::outcome::{Outcome, Verdict};
use crate::engines::stop::Budget;
use crate::engines::{Engine, Job, rerun_command};
use crate::properties::{Property, Violation};
use crate::scenarios::ScenarioEntry;
use pinref_model::op::Program;

/// The proptest engine over the sequential program space: see the module
/// docs. In the engine interface a run draws `cases` new programs (fewer if
/// [`RunOptions::max_executions`] says so: a pass of that smaller sample;
/// none at a cap of 0, `incomplete`; a run cut by its time cap or a stop is
/// `incomplete`),
/// from [`RunOptions::seed`] or a seed of its own that the outcome reports
/// (counter `seed`), so that every failure replays with `--seed N`; it
/// keeps regression seeds under [`RunOptions::artifacts`], never in
/// pinref's source tree.
///
/// [`RunOptions::max_executions`]: crate::engines::RunOptions::max_executions
/// [`RunOptions::seed`]: crate::engines::RunOptions::seed
/// [`RunOptions::artifacts`]: crate::engines::RunOptions::artifacts
#[derive(Debug, Clone, Copy)]
pub struct ProptestEngine {
    /// New programs per run.
    pub cases: u32,
}

impl Default for ProptestEngine {
    fn default() -> Self {
        ProptestEngine { cases: 20_000 }
    }
}

impl Engine for ProptestEngine {
    fn name(&self) -> &'static str {
        "proptest"
    }
    fn summary(&self) -> &'static str {
        "random operation programs from edge-case starting counts, judged against the ghost \
         after every operation, shrunk to a minimal failing program"
    }
    fn sees(&self) -> &'static str {
        "arithmetic and encoding bugs at the counter's edges, wrong refusals, unmatched \
         releases, flag handling, batch bookkeeping, a write to a freed page inside one operation"
    }
    fn misses(&self) -> &'static str {
        "every interleaving and ordering bug: one thread, one operation at a time"
    }
    fn unit(&self) -> &'static str {
        "programs"
    }
    fn supports(&self, scenario: &ScenarioEntry) -> bool {
        scenario.program_space().is_some()
    }
    fn run(&self, job: Job<'_>) -> Outcome {
        let (scenario, scheme, options) = (job.scenario, job.scheme, job.options);
        let budget = Budget::start(options);
        if let Err(cut) = budget.check(0) {
            return Outcome::nothing_explored(format!("{cut}: nothing was explored"));
        }
        let Some(space) = scenario.program_space() else {
            return Outcome::nothing_explored(format!(
                "proptest explores the sequential program space; {} is a threaded scenario",
                scenario.name()
            ));
        };
        let capped = options.max_executions < u64::from(self.cases);
        let cases = u32::try_from(options.max_executions)
            .unwrap_or(u32::MAX)
            .min(self.cases);
        let seed = options.seed.unwrap_or_else(crate::engines::fresh_seed);
        let check = CheckOptions {
            cases,
            edges: Vec::new(),
            max_ops: space.max_ops,
            regressions: options.artifacts.as_ref().map(|dir| dir.join("proptest")),
            rng_seed: Some(seed),
            stop_at: budget.started().checked_add(options.max_duration),
        };
        let result = check_scheme_with(scheme.object().clone(), &check);
        let seconds = budget.started().elapsed().as_secs_f64();
        let replay = format!(
            "{} --seed {seed}",
            rerun_command("proptest", scenario, scheme.name, None)
        );
        let mut outcome = match result {
            Ok(summary) => {
                let verdict = if summary.expected.is_empty() {
                    Verdict::Pass
                } else {
                    Verdict::ExpectedViolation
                };
                let mut outcome = Outcome::new(verdict, summary.cases, seconds);
                outcome.violations = summary
                    .expected
                    .into_values()
                    .map(|tally| tally.example)
                    .collect();
                outcome.note = Some(if capped {
                    // A smaller sample, as asked: a pass of that sample.
                    format!("a sample of {cases} programs (--max-executions), rng seed {seed}")
                } else {
                    format!("rng seed {seed}")
                });
                if let Some(why) = summary.stopped {
                    // A sample cut short: what ran passed, which is not
                    // the engine's pass.
                    outcome.verdict = Verdict::Incomplete;
                    outcome.note = Some(format!("{why} (rng seed {seed})"));
                }
                outcome
            }
            Err(failure) => {
                let mut outcome = Outcome::new(
                    Verdict::Violation,
                    failure.cases_to_find,
                    failure.seconds_to_find,
                );
                match &failure.finding {
                    Finding::Violation(violation) => outcome.violations.push(Violation {
                        replay: replay.clone(),
                        ..violation.clone()
                    }),
                    Finding::Panic(message) => outcome.violations.push(Violation {
                        property: Property::P5,
                        message: format!("the scheme panicked: {message}"),
                        counterexample: failure
                            .program
                            .as_ref()
                            .map(Program::to_rust)
                            .unwrap_or_default(),
                        replay: replay.clone(),
                    }),
                    Finding::Aborted(message) => {
                        outcome.verdict = Verdict::Incomplete;
                        outcome.note = Some(format!("proptest aborted: {message}"));
                    }
                }
                outcome
            }
        };
        outcome.counters.push(("seed", seed));
        outcome.counters.push(("budget", u64::from(cases)));
        outcome
    }
}
