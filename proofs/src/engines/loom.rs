//! The loom engine: explores every interleaving of a scenario (within a
//! preemption bound), counting executions itself, stopping at the first
//! violation, and writing a checkpoint from which the failing execution
//! replays.

use super::outcome::{Outcome, Verdict, collect_expected, stop_reason};
use super::{Engine, RunOptions, rerun_command};
use crate::properties::Violation;
use crate::properties::monitor::Monitor;
use crate::scenarios::{DynScenario, ScenarioEntry};
use crate::schemes::SchemeEntry;
use pinref_model::SchemeObject;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The most threads a loom execution may have, its main thread included
/// (loom 0.7's `rt::MAX_THREADS`; a sixth thread panics inside loom).
pub const LOOM_MAX_THREADS: usize = 5;

/// The loom engine: see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoomEngine;

impl Engine for LoomEngine {
    fn name(&self) -> &'static str {
        "loom"
    }
    fn summary(&self) -> &'static str {
        "every interleaving of a threaded scenario (within a preemption bound), under the \
         C11 memory model"
    }
    fn sees(&self) -> &'static str {
        "interleavings (lost updates, races on the last reference), weak-memory ordering bugs, \
         a free racing a use of the page (causality-checked contents)"
    }
    fn misses(&self) -> &'static str {
        "interleavings beyond its preemption bound; SeqCst fences are modelled more strongly \
         than C11 requires (some weak behaviours are never shown); scenarios of more than 4 \
         threads (not run), states beyond the scenario's few threads and pages"
    }
    fn unit(&self) -> &'static str {
        "executions"
    }
    fn preemption_bounded(&self) -> bool {
        true
    }
    fn sees_weak_memory(&self) -> bool {
        true
    }
    fn supports(&self, scenario: &ScenarioEntry) -> bool {
        scenario.threads().is_some() && scenario.info().threads < LOOM_MAX_THREADS
    }
    fn explore(
        &self,
        scenario: &ScenarioEntry,
        scheme: &SchemeEntry,
        options: &RunOptions,
    ) -> Outcome {
        let bound = options.bound.for_scenario(scenario);
        let Some(threads) = scenario.threads() else {
            let mut outcome = Outcome::new(Verdict::Incomplete, 0, 0.0).by("loom", "executions");
            outcome.note = Some(format!(
                "loom runs threaded scenarios; {} is not one",
                scenario.name()
            ));
            return outcome;
        };
        let loom = Explore {
            scenario: Arc::clone(threads),
            scheme: scheme.object(),
            bound,
            max_executions: options.max_executions,
            max_duration: options.max_duration,
            progress: options.progress,
        };
        let mut outcome = match &options.replay_from {
            Some(replay) => loom.run(Checkpoint::ReplayFrom(replay)),
            None => loom.run(Checkpoint::None),
        };
        let rerun = rerun_command("loom", scenario.name(), scheme.name, Some(bound));
        let replay = match (&options.artifacts, &options.replay_from, outcome.verdict) {
            // The exploration is deterministic: run it again writing a
            // checkpoint, which stops at the same execution and replays it
            // first.
            (Some(dir), None, Verdict::Violation) => {
                let path = dir.join(format!("{}-{}.json", scenario.name(), scheme.name));
                let _ = std::fs::create_dir_all(dir);
                let _ = loom.run(Checkpoint::WriteTo(&path));
                format!("{rerun} --replay {}", path.display())
            }
            _ => rerun,
        };
        for violation in &mut outcome.violations {
            violation.replay = replay.clone();
        }
        outcome.bound = bound;
        outcome.by("loom", "executions")
    }
}

/// Where the checkpoint of an exploration comes from or goes to.
enum Checkpoint<'a> {
    None,
    WriteTo(&'a Path),
    ReplayFrom(&'a Path),
}

/// One loom exploration of a scenario on a scheme.
struct Explore<'a> {
    scenario: Arc<dyn DynScenario>,
    scheme: &'a SchemeObject,
    bound: Option<usize>,
    max_executions: u64,
    max_duration: Duration,
    progress: bool,
}

/// The panic payload that stops an exploration at its cap.
#[derive(Debug)]
pub(crate) struct CapReached(pub String);

impl Explore<'_> {
    /// Explores every interleaving (within the bound), counting executions
    /// itself and stopping at the first unexpected violation or at a cap.
    fn run(&self, checkpoint: Checkpoint<'_>) -> Outcome {
        let started = Instant::now();
        let executions = Arc::new(AtomicU64::new(0));
        let last_monitor: Arc<Mutex<Option<Monitor>>> = Arc::new(Mutex::new(None));
        let expected: Arc<Mutex<Vec<Violation>>> = Arc::new(Mutex::new(Vec::new()));
        let config = Monitor::config_for(self.scheme);

        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = self.bound;
        // Loom's own caps are checked rarely and end a run as if it passed;
        // the body enforces ours and reports them.
        builder.max_duration = None;
        builder.max_permutations = None;
        builder.checkpoint_file = None;
        match checkpoint {
            Checkpoint::None => {}
            Checkpoint::ReplayFrom(path) => {
                builder.checkpoint_file = Some(PathBuf::from(path));
                builder.checkpoint_interval = 1;
            }
            Checkpoint::WriteTo(path) => {
                let _ = std::fs::remove_file(path);
                builder.checkpoint_file = Some(PathBuf::from(path));
                builder.checkpoint_interval = 1;
            }
        }

        let body = {
            let executions = Arc::clone(&executions);
            let last_monitor = Arc::clone(&last_monitor);
            let expected = Arc::clone(&expected);
            let scheme = self.scheme.clone();
            let scenario = Arc::clone(&self.scenario);
            let max_executions = self.max_executions;
            let max_duration = self.max_duration;
            let progress = self.progress;
            move || {
                let n = executions.fetch_add(1, Ordering::Relaxed) + 1;
                if n > max_executions {
                    std::panic::panic_any(CapReached(format!("{max_executions} executions")));
                }
                // Checked at every execution (an execution takes far longer
                // than reading the clock), so that a cap of 0 s stops at once.
                let elapsed = started.elapsed();
                if elapsed > max_duration {
                    std::panic::panic_any(CapReached(format!("{max_duration:?}")));
                }
                if progress && n.is_multiple_of(32 * 1024) {
                    eprint!("{n} executions, {:.0}s ... ", elapsed.as_secs_f64());
                }
                let monitor = Monitor::new(config);
                *last_monitor.lock().unwrap_or_else(|p| p.into_inner()) = Some(monitor.clone());
                scenario.run_loom(scheme.clone(), monitor.clone());
                collect_expected(&expected, &monitor);
            }
        };
        let result = super::exploring(|| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| builder.check(body)))
        });
        let executions = executions.load(Ordering::Relaxed).min(self.max_executions);
        let seconds = started.elapsed().as_secs_f64();
        let monitor = last_monitor
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let expected = std::mem::take(&mut *expected.lock().unwrap_or_else(|p| p.into_inner()));
        match result {
            Ok(()) if expected.is_empty() => Outcome::new(Verdict::Pass, executions, seconds),
            Ok(()) => {
                let mut outcome = Outcome::new(Verdict::ExpectedViolation, executions, seconds);
                outcome.violations = expected;
                outcome
            }
            Err(payload) => {
                if let Some(cap) = payload.downcast_ref::<CapReached>() {
                    let mut outcome = Outcome::new(Verdict::Incomplete, executions, seconds);
                    outcome.note = Some(format!("stopped at the cap of {}", cap.0));
                    return outcome;
                }
                stop_reason(payload, monitor.as_ref(), executions, seconds)
            }
        }
    }
}
