//! The `stateful` engine: a state-caching explorer of every interleaving
//! of a threaded scenario under sequential consistency, with no preemption
//! bound.
//!
//! It runs the scenario's own code on the explorer platform
//! ([`pinref_model::sync::explorer`]), which steps one thread of a stored
//! state at a time, and searches breadth first (`search.rs`) on every core,
//! pruning a state whose key (`canonical.rs`) it has seen: the memory, the
//! monitor's verdict state, and per thread its completed operations with
//! their results and what it saw since. The first violation it finds is
//! one with the fewest steps; its timeline is rebuilt by following its path
//! on real threads one at a time ([`pinref_model::sync::explorer::follow`]),
//! so it reads like every other counterexample, and the path is written
//! where `--replay` takes it back.
//!
//! # Soundness, and what is left out
//!
//! - A key holds nothing that is history (no event log, no timeline, no
//!   counters of what happened), so paths that reach the same state merge.
//! - A thread's key replaces what it saw inside a scheme call by the call's
//!   name and result ([`pinref_model::sync::Platform::operation`]): sound
//!   because a scheme call returns everything the caller keeps of it.
//!   The page-ref helpers, the vmstat update and the grab guards are
//!   operations too (`pinref_model::page_ref`), so the count a guard read
//!   and an update's old value leave the key once the helper returns.
//!   Reads outside operations stay in the key one by one.
//! - Thread code must be deterministic given what it reads: every replay is
//!   checked against the log it follows, and one that diverges stops the
//!   run with an error (`incomplete`, never a silent prune).
//! - Keys are 128-bit fingerprints; the collision bound is stated in
//!   [`pinref_model::sync::explorer::key`].
//! - Symmetry reduction only for the threads a scenario declares
//!   interchangeable ([`crate::scenarios::Symmetry`]).
//! - One reduction of the interleavings, sound and checked: a step takes
//!   with it the reads of variables that no thread writes while another
//!   runs ([`MergeRule`]; the argument is in the explorer's `merge.rs`). A
//!   variable read so and then found written while two threads run starts
//!   the search again with the variable excluded (`merge_restarts`), so a
//!   wrong guess costs time, never an interleaving. The counterexample's
//!   path is followed under the same rule, and written to its replay file
//!   one entry per action, to be followed with no merging at all.
//! - No other partial-order reduction. Sleep sets and persistent sets are
//!   sound for a stateful search only with extra care (a state first
//!   reached with a sleep set must be re-expanded when reached with a
//!   smaller one; persistent sets need the cycle proviso, and spin loops
//!   make cycles); a wrong reduction would hide interleavings silently.

mod canonical;
pub mod crosscheck;
mod search;

use super::loom::LOOM_MAX_THREADS;
use super::outcome::{Outcome, Verdict, stop_reason};
use super::replay::{self, ReplayKey};
use super::{Engine, Job, RunOptions, rerun_command, threads_of};
use crate::properties::Violation;
use crate::properties::monitor::{Monitor, MonitorConfig, MonitorKey};
use crate::scenarios::{DynScenario, ScenarioEntry};
use crate::schemes::SchemeEntry;
use pinref_model::SchemeObject;
use pinref_model::sync::explorer::{Followed, MergeRule, follow};
use search::{Cut, Found, Search, Searched};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// The state-caching explorer: see the module docs.
#[derive(Debug, Clone, Copy)]
pub struct StatefulEngine {
    /// How many OS threads search (sharing one visited set).
    pub workers: usize,
    /// Whether to reduce by the symmetry the scenario declares.
    pub symmetry: bool,
    /// Whether to key a state without the monitor's entries for threads
    /// that have returned (sound: a thread that has returned reports
    /// nothing more, so its last refcount update can judge no free). Off,
    /// every final state is kept apart, for a cross-check that compares
    /// them all.
    pub forget_returned_threads: bool,
    /// Whether a step takes with it the reads of variables that no thread
    /// writes while another runs ([`MergeRule`]: sound, and checked). Off,
    /// every access is a scheduling point (the reference the reduction is
    /// tested against).
    pub merge_reads: bool,
}

impl Default for StatefulEngine {
    /// Every core, symmetry on, reads merged.
    fn default() -> Self {
        StatefulEngine {
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            symmetry: true,
            forget_returned_threads: true,
            merge_reads: true,
        }
    }
}

/// What one exploration found, beside its outcome: the monitor's verdict
/// state in every state where all threads had returned.
pub type FinalStates = BTreeSet<MonitorKey>;

impl Engine for StatefulEngine {
    fn name(&self) -> &'static str {
        "stateful"
    }
    fn summary(&self) -> &'static str {
        "every interleaving of a threaded scenario, without a preemption bound, under \
         sequential consistency, pruning states already seen (shortest counterexamples)"
    }
    fn sees(&self) -> &'static str {
        "interleavings at any depth (lost updates, races on the last reference, a free \
         racing a use, revived pages, stats out of balance)"
    }
    fn misses(&self) -> &'static str {
        "weak-memory ordering bugs: every access is sequentially consistent, so a too-weak \
         ordering, a missing fence or a free not ordered after a use shows only where it also \
         breaks an interleaving (loom keeps these); bugs that only the sequential program space \
         reaches (grab-without-guard, foll-get-and-pin-accepted); scenarios of more than 4 \
         threads without declared symmetry (not run: pin_get_mix_4x4 passes a million states \
         unfinished; shuttle samples it); states beyond the scenario's threads and pages"
    }
    fn unit(&self) -> &'static str {
        "states"
    }
    /// A threaded scenario of loom's size (at most four racing threads),
    /// or a larger one whose threads the scenario declares interchangeable
    /// in groups ([`crate::scenarios::Symmetry`]: `pin_get_mix` at any
    /// size). An eight-thread scenario without symmetry (`pin_get_mix_4x4`)
    /// is shuttle's size: the explorer does not finish it within the main
    /// job's time cap (more than 60 s on two cores, `incomplete`), so it
    /// is not offered there.
    fn supports(&self, scenario: &ScenarioEntry) -> bool {
        scenario.threads().is_some()
            && (scenario.info().threads < LOOM_MAX_THREADS
                || scenario.symmetry() != crate::scenarios::Symmetry::NONE)
    }
    fn run(&self, job: Job<'_>) -> Outcome {
        self.explore_with_finals(job.scenario, job.scheme, job.options)
            .0
    }
}

impl StatefulEngine {
    /// [`Engine::explore`], and the final states it reached (for the
    /// cross-check against loom).
    pub fn explore_with_finals(
        &self,
        scenario: &ScenarioEntry,
        scheme: &SchemeEntry,
        options: &RunOptions,
    ) -> (Outcome, FinalStates) {
        let started = Instant::now();
        let threads = match threads_of(scenario, "the explorer") {
            Ok(threads) => threads,
            Err(why) => {
                let outcome = Outcome::nothing_explored(why).by("stateful", "states");
                return (outcome, FinalStates::new());
            }
        };
        let config = Monitor::config_for(scheme.object());
        let rerun = rerun_command("stateful", scenario, scheme.name, None);
        if let Some(file) = &options.replay_from {
            let key = self.replay_key(scenario, scheme, options);
            return (
                replay_file(threads, scheme.object(), config, file, &key, &rerun),
                FinalStates::new(),
            );
        }
        let mut search = Search {
            scenario: threads,
            scheme: scheme.object(),
            config,
            symmetry: self.symmetry.then_some(scenario.symmetry()),
            forget_returned_threads: self.forget_returned_threads,
            workers: self.workers,
            max_states: options.max_executions,
            max_duration: options.max_duration,
            progress: options.progress,
            merge_reads: self.merge_reads,
            attached: std::sync::OnceLock::new(),
        };
        let searched = search.run();
        let seconds = started.elapsed().as_secs_f64();
        let mut outcome = assemble(&searched, seconds);
        let replay_of = |found: &Found| {
            let (violation, actions) =
                timeline(threads, scheme.object(), config, found, &searched.merge);
            let file = options.artifacts.as_deref().and_then(|dir| {
                let key = self.replay_key(scenario, scheme, options);
                write_path(dir, &key, &actions, found.violation.property.id())
                    .map_err(|error| {
                        super::progress(format_args!(
                            "pinref: no replay file for {} on {}: {error}\n",
                            scenario.name(),
                            scheme.name
                        ));
                    })
                    .ok()
            });
            let replay = match file {
                Some(file) => format!("{rerun} --replay {}", file.display()),
                None => rerun.clone(),
            };
            Violation {
                replay,
                ..violation
            }
        };
        if let Some(found) = &searched.violation {
            outcome.violations.push(replay_of(found));
        } else if outcome.verdict == Verdict::ExpectedViolation {
            outcome.violations = searched.expected.iter().map(replay_of).collect();
        }
        outcome.counters = vec![
            ("states", searched.states),
            ("transitions", searched.transitions),
            ("depth", searched.depth as u64),
            ("peak_memory_bytes", searched.peak_bytes),
            ("workers", self.workers as u64),
            ("merge_restarts", searched.restarts),
        ];
        (outcome.by("stateful", "states"), searched.finals)
    }
}

fn assemble(searched: &Searched, seconds: f64) -> Outcome {
    let mut outcome = Outcome::new(Verdict::Pass, searched.states, seconds);
    match &searched.cut_short {
        Some(Cut::Cap(cap)) => {
            outcome.verdict = Verdict::Incomplete;
            outcome.note = Some(cap.clone());
        }
        Some(Cut::Rejected(message)) => {
            outcome.verdict = Verdict::Incomplete;
            outcome.note = Some(format!("the explorer cannot run this scenario: {message}"));
        }
        None if searched.violation.is_some() => outcome.verdict = Verdict::Violation,
        None if !searched.expected.is_empty() => outcome.verdict = Verdict::ExpectedViolation,
        // Every interleaving under sequential consistency, to the end.
        None => outcome.exhaustive = true,
    }
    if searched.violation.is_some() {
        outcome.verdict = Verdict::Violation;
        outcome.exhaustive = false;
    }
    outcome
}

/// The violation found at the end of `found.path`, with the timeline of a
/// run that follows the path on real threads, one step at a time, under
/// the search's `merge` rule; and the path one entry per action (what a
/// replay file holds, followed without merging).
fn timeline(
    scenario: &Arc<dyn DynScenario>,
    scheme: &SchemeObject,
    config: MonitorConfig,
    found: &Found,
    merge: &MergeRule,
) -> (Violation, Vec<usize>) {
    let path: Vec<usize> = found.path.iter().map(|&t| usize::from(t)).collect();
    let (followed, actions) = follow_path(
        scenario,
        scheme,
        config,
        &path,
        merge,
        Some(found.violation.property),
    );
    let violation = match followed {
        Some(violation) if violation.property == found.violation.property => violation,
        _ => Violation {
            counterexample: format!(
                "(following the path {path:?} again did not reproduce the violation)"
            ),
            ..found.violation.clone()
        },
    };
    (violation, actions)
}

/// Follows `path` under `merge` and returns what stopped it, or the
/// expected violation of `expected` it recorded; and the path one entry per
/// action.
fn follow_path(
    scenario: &Arc<dyn DynScenario>,
    scheme: &SchemeObject,
    config: MonitorConfig,
    path: &[usize],
    merge: &MergeRule,
    expected: Option<crate::properties::Property>,
) -> (Option<Violation>, Vec<usize>) {
    let monitor = Monitor::new(config);
    let mut run = || scenario.run_explorer(scheme.clone(), monitor.clone());
    let (followed, actions) = super::exploring(|| follow(path, merge, &mut run));
    let violation = match followed {
        Followed::Stopped(payload) => stop_reason(payload, Some(&monitor), 0, 0.0)
            .violations
            .into_iter()
            .next(),
        Followed::Completed => monitor
            .findings()
            .into_iter()
            .find(|finding| finding.expected && Some(finding.violation.property) == expected)
            .map(|finding| finding.violation),
    };
    (violation, actions)
}

/// Keeps the path to a violation of `finding` in a replay file under
/// `dir` ([`replay::write`]; the payload is the thread of every action,
/// followed without merging); returns the file.
fn write_path(
    dir: &Path,
    key: &ReplayKey,
    path: &[usize],
    finding: &str,
) -> std::io::Result<std::path::PathBuf> {
    let file = replay::path_in(dir, &key.engine, &key.scenario, &key.scheme);
    let steps: Vec<String> = path.iter().map(usize::to_string).collect();
    replay::write(&file, key, finding, &steps.join(" "))?;
    Ok(file)
}

/// `--replay FILE`: checks the replay file against `key` ([`replay::load`]),
/// follows the path it holds (thread indices, one per step) and reports
/// what it shows: a violation of what the file recorded, or `incomplete`
/// (a file that does not fit, or a path that no longer breaks anything).
fn replay_file(
    scenario: &Arc<dyn DynScenario>,
    scheme: &SchemeObject,
    config: MonitorConfig,
    file: &Path,
    key: &ReplayKey,
    rerun: &str,
) -> Outcome {
    let started = Instant::now();
    let loaded = replay::load(file, key).map_err(|error| format!("nothing replayed: {error}"));
    let path: Result<Vec<usize>, String> = loaded.as_ref().map_err(Clone::clone).and_then(|file| {
        file.payload
            .split_whitespace()
            .map(|step| {
                step.parse()
                    .map_err(|_| format!("nothing replayed: not a thread index: {step:?}"))
            })
            .collect()
    });
    let mut outcome = match path {
        Err(message) => {
            let mut outcome = Outcome::new(Verdict::Incomplete, 0, 0.0);
            outcome.note = Some(message);
            outcome
        }
        Ok(path) => {
            let steps = path.len() as u64;
            let (found, _) = follow_path(scenario, scheme, config, &path, &MergeRule::none(), None);
            let seconds = started.elapsed().as_secs_f64();
            match found {
                Some(violation) => {
                    let mut outcome = Outcome::new(Verdict::Violation, steps, seconds);
                    let recorded = loaded.as_ref().map_or("", |file| file.finding.as_str());
                    if violation.property.id() != recorded {
                        outcome.note = Some(format!(
                            "the replay file recorded a violation of {recorded}; this path broke \
                             {} instead",
                            violation.property.id()
                        ));
                    }
                    outcome.violations.push(Violation {
                        replay: format!("{rerun} --replay {}", file.display()),
                        ..violation
                    });
                    outcome
                }
                None => {
                    let mut outcome = Outcome::new(Verdict::Incomplete, steps, seconds);
                    outcome.note = Some(format!(
                        "the path in {} ran to its end without a violation",
                        file.display()
                    ));
                    outcome
                }
            }
        }
    };
    outcome.engine = "stateful";
    outcome.unit = "steps";
    outcome
}
