//! The loom engine: explores every interleaving of a scenario (within a
//! preemption bound), counting executions itself, stopping at the first
//! violation or at a cap ([`super::stop`]), and keeping loom's checkpoint
//! of the failing execution in a replay file ([`super::replay`]) from
//! which that execution, alone, replays.

use super::outcome::{Outcome, Verdict, collect_expected, stop_reason};
use super::replay::{self, ReplayKey};
use super::resume::Resume;
use super::stop::{Budget, Cut};
use super::{Engine, Job, RunOptions, rerun_command, threads_of};
use crate::properties::Violation;
use crate::properties::monitor::Monitor;
use crate::scenarios::{DynScenario, ScenarioEntry};
use crate::schemes::SchemeEntry;
use pinref_model::SchemeObject;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

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
    fn replay_key(
        &self,
        scenario: &ScenarioEntry,
        scheme: &SchemeEntry,
        options: &RunOptions,
    ) -> ReplayKey {
        // Loom's checkpoint holds its bound, and replays the recorded path
        // under it whatever the builder says: the bound must match.
        ReplayKey::new(
            "loom",
            scenario,
            scheme,
            options.bound.for_scenario(scenario),
        )
    }
    fn run(&self, job: Job<'_>) -> Outcome {
        let (scenario, scheme, options) = (job.scenario, job.scheme, job.options);
        let bound = options.bound.for_scenario(scenario);
        let threads = match threads_of(scenario, "loom") {
            Ok(threads) => threads,
            Err(why) => return Outcome::nothing_explored(why),
        };
        let loom = Explore {
            scenario: Arc::clone(threads),
            scheme: scheme.object(),
            bound,
            options,
        };
        let key = self.replay_key(scenario, scheme, options);
        let rerun = rerun_command("loom", scenario, scheme.name, Some(bound));
        let mut outcome = match &options.replay_from {
            Some(path) => loom.replay(path, &key, &rerun),
            None => {
                let resume = options
                    .resume
                    .as_deref()
                    .map(|dir| Resume::open(dir, &key, TemporaryFile::new().keep()));
                let mut outcome = match &resume {
                    Some(resume) => loom.run(Checkpoint::Resume(&resume.scratch)),
                    None => loom.run(Checkpoint::None),
                };
                // A resumed run records its failure from where it resumed:
                // its checkpoint holds a position shortly before it.
                let start = resume.as_ref().map(|resume| resume.scratch.as_path());
                let replay = match (&options.artifacts, outcome.verdict) {
                    (Some(dir), Verdict::Violation) => {
                        loom.record(dir, &key, &outcome, &rerun, start)
                    }
                    _ => rerun,
                };
                for violation in &mut outcome.violations {
                    violation.replay = replay.clone();
                }
                if let Some(resume) = &resume {
                    resume.settle(&mut outcome);
                }
                outcome
            }
        };
        outcome.bound = bound;
        outcome
    }
}

/// Where the checkpoint of an exploration comes from or goes to: loom
/// reads and writes its own format at a path; the replay file is the
/// envelope around it ([`super::replay`]).
enum Checkpoint<'a> {
    None,
    /// Write loom's checkpoint here before every execution, so that it
    /// holds the failing one when the run stops.
    WriteTo(&'a Path),
    /// Start from the execution this checkpoint holds, and run it alone.
    ReplayFrom(&'a Path),
    /// [`Checkpoint::WriteTo`], starting from the position this checkpoint
    /// holds.
    WriteFrom(&'a Path),
    /// Start from this checkpoint if it exists, and keep the position in
    /// it every [`RESUME_INTERVAL`] executions ([`super::resume`]).
    Resume(&'a Path),
}

/// How often (in executions) a resumable run saves its position: a resumed
/// run repeats at most this many. Loom writes the whole path each time
/// (about 11 KB of JSON for pin_vs_unpin, some 2 ms on a loaded 2-core
/// machine, where every execution writing it ran 20 times slower); at 256
/// the writes cost under a tenth of the run.
const RESUME_INTERVAL: usize = 256;

/// One loom exploration of a scenario on a scheme.
struct Explore<'a> {
    scenario: Arc<dyn DynScenario>,
    scheme: &'a SchemeObject,
    bound: Option<usize>,
    options: &'a RunOptions,
}

/// The panic payload that stops an exploration at its cap.
#[derive(Debug)]
pub(crate) struct CapReached(pub Cut);

/// A file under the system's temporary directory, removed when dropped:
/// loom's own checkpoint, which loom reads and writes at a path of its own.
struct TemporaryFile(PathBuf);

impl TemporaryFile {
    fn new() -> TemporaryFile {
        static FILES: AtomicU64 = AtomicU64::new(0);
        let n = FILES.fetch_add(1, Ordering::Relaxed);
        TemporaryFile(std::env::temp_dir().join(format!(
            "pinref-loom-checkpoint-{}-{n}.json",
            std::process::id()
        )))
    }
}

impl TemporaryFile {
    /// The path, no longer removed when dropped.
    fn keep(self) -> PathBuf {
        let path = self.0.clone();
        std::mem::forget(self);
        path
    }
}

impl Drop for TemporaryFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl Explore<'_> {
    /// Runs the exploration again, deterministically, recording loom's
    /// checkpoint of the failing execution, and keeps it in a replay file
    /// under `dir`; returns the command that replays it (or `rerun` when
    /// the recording failed, saying why on stderr). With `start`, the
    /// second exploration begins at that checkpoint's position.
    fn record(
        &self,
        dir: &Path,
        key: &ReplayKey,
        found: &Outcome,
        rerun: &str,
        start: Option<&Path>,
    ) -> String {
        let checkpoint = TemporaryFile::new();
        let again = match start.map(|start| std::fs::copy(start, &checkpoint.0)) {
            Some(Ok(_)) => self.run(Checkpoint::WriteFrom(&checkpoint.0)),
            _ => self.run(Checkpoint::WriteTo(&checkpoint.0)),
        };
        let finding = found.violations.first().map(|v| v.property.id());
        let reproduced = again.verdict == Verdict::Violation
            && again.violations.first().map(|v| v.property.id()) == finding;
        let path = replay::path_in(dir, "loom", &key.scenario, &key.scheme);
        let written = if reproduced {
            std::fs::read_to_string(&checkpoint.0)
                .and_then(|payload| replay::write(&path, key, finding.unwrap_or(""), &payload))
        } else {
            Err(std::io::Error::other(
                "the second exploration did not stop at the same violation",
            ))
        };
        match written {
            Ok(()) => format!("{rerun} --replay {}", path.display()),
            Err(error) => {
                super::progress(format_args!(
                    "pinref: no replay file for {} on {}: {error}\n",
                    key.scenario, key.scheme
                ));
                rerun.to_string()
            }
        }
    }

    /// Replays the execution the replay file at `path` recorded, alone: a
    /// violation if it breaks a property again; `incomplete` (never a
    /// pass: one execution proves nothing) if it does not, or if the file
    /// cannot be used (the `pinref` command checks it before any run).
    fn replay(&self, path: &Path, key: &ReplayKey, rerun: &str) -> Outcome {
        let file = match replay::load(path, key) {
            Ok(file) => file,
            Err(error) => {
                let mut outcome = Outcome::new(Verdict::Incomplete, 0, 0.0);
                outcome.note = Some(format!("nothing replayed: {error}"));
                return outcome;
            }
        };
        let checkpoint = TemporaryFile::new();
        if let Err(error) = std::fs::write(&checkpoint.0, &file.payload) {
            let mut outcome = Outcome::new(Verdict::Incomplete, 0, 0.0);
            outcome.note = Some(format!(
                "nothing replayed: cannot write loom's checkpoint to {}: {error}",
                checkpoint.0.display()
            ));
            return outcome;
        }
        let mut outcome = self.run(Checkpoint::ReplayFrom(&checkpoint.0));
        let command = format!("{rerun} --replay {}", path.display());
        match outcome.verdict {
            Verdict::Violation => {
                let found = outcome.violations.first().map(|v| v.property.id());
                if found != Some(file.finding.as_str()) {
                    outcome.note = Some(format!(
                        "the replay file recorded a violation of {}; this execution broke {} \
                         instead",
                        file.finding,
                        found.unwrap_or("nothing")
                    ));
                }
                for violation in &mut outcome.violations {
                    violation.replay = command.clone();
                }
            }
            _ => {
                outcome.verdict = Verdict::Incomplete;
                outcome.violations.clear();
                outcome.note = Some(format!(
                    "the recorded execution ran without breaking {} again: it did not \
                     reproduce (run the scenario again to record a new replay file)",
                    file.finding
                ));
            }
        }
        outcome.exhaustive = false;
        outcome
    }

    /// Explores every interleaving (within the bound), counting executions
    /// itself and stopping at the first unexpected violation or at a cap
    /// ([`Budget`]); a replay runs its one recorded execution.
    fn run(&self, checkpoint: Checkpoint<'_>) -> Outcome {
        let executions = Arc::new(AtomicU64::new(0));
        let last_monitor: Arc<Mutex<Option<Monitor>>> = Arc::new(Mutex::new(None));
        let expected: Arc<Mutex<Vec<Violation>>> = Arc::new(Mutex::new(Vec::new()));
        let config = Monitor::config_for(self.scheme);
        let mut options = self.options.clone();
        if matches!(checkpoint, Checkpoint::ReplayFrom(_)) {
            options.max_executions = options.max_executions.min(1);
        }
        let budget = Budget::start(&options);

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
            Checkpoint::WriteFrom(path) => {
                builder.checkpoint_file = Some(PathBuf::from(path));
                builder.checkpoint_interval = 1;
            }
            Checkpoint::Resume(path) => {
                builder.checkpoint_file = Some(PathBuf::from(path));
                builder.checkpoint_interval = RESUME_INTERVAL;
            }
        }

        let body = {
            let executions = Arc::clone(&executions);
            let last_monitor = Arc::clone(&last_monitor);
            let expected = Arc::clone(&expected);
            let scheme = self.scheme.clone();
            let scenario = Arc::clone(&self.scenario);
            let progress = options.progress;
            move || {
                let n = executions.fetch_add(1, Ordering::Relaxed) + 1;
                // Before every execution: every cap, 0 included, and a
                // stop asked for, end the run before the next one starts.
                if let Err(cut) = budget.check(n - 1) {
                    std::panic::panic_any(CapReached(cut));
                }
                if progress && n.is_multiple_of(32 * 1024) {
                    super::progress(format_args!(
                        "{n} executions, {:.0}s ... ",
                        budget.started().elapsed().as_secs_f64()
                    ));
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
        let executions = executions
            .load(Ordering::Relaxed)
            .min(budget.max_executions());
        let seconds = budget.started().elapsed().as_secs_f64();
        // Every interleaving was explored: loom ran to its end with no
        // preemption bound (a replay's one execution is not).
        let exhaustive = self.bound.is_none() && result.is_ok();
        let monitor = last_monitor
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let expected = std::mem::take(&mut *expected.lock().unwrap_or_else(|p| p.into_inner()));
        let mut outcome = match result {
            Ok(()) if expected.is_empty() => Outcome::new(Verdict::Pass, executions, seconds),
            Ok(()) => {
                let mut outcome = Outcome::new(Verdict::ExpectedViolation, executions, seconds);
                outcome.violations = expected;
                outcome
            }
            Err(payload) => {
                if let Some(CapReached(cut)) = payload.downcast_ref::<CapReached>() {
                    let mut outcome = Outcome::new(Verdict::Incomplete, executions, seconds);
                    outcome.note = Some(cut.to_string());
                    return outcome;
                }
                stop_reason(payload, monitor.as_ref(), executions, seconds)
            }
        };
        outcome.exhaustive = exhaustive;
        outcome
    }
}
