//! The loom engine: explores every interleaving of a scenario (within a
//! preemption bound), counting executions itself, stopping at the first
//! violation, and writing a checkpoint from which the failing execution
//! replays.

use super::outcome::{Outcome, Verdict, stop_reason};
use crate::properties::Violation;
use crate::properties::monitor::Monitor;
use crate::scenarios::ScenarioId;
use pinref_model::Scheme;
use pinref_model::sync::Loom;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How far loom explores.
#[derive(Debug, Clone)]
pub struct LoomOptions {
    /// Loom's preemption bound; `None` explores every interleaving.
    pub preemption_bound: Option<usize>,
    /// Stop (and report `incomplete`) after this many executions.
    pub max_executions: u64,
    /// Stop (and report `incomplete`) after this long.
    pub max_duration: Duration,
    /// Where to write the checkpoint of a failing execution, for replay.
    pub checkpoint: Option<PathBuf>,
    /// Replay from this checkpoint instead of exploring from the start.
    pub replay_from: Option<PathBuf>,
    /// Print the execution count to stderr every few seconds of a long run.
    pub progress: bool,
}

impl Default for LoomOptions {
    fn default() -> Self {
        LoomOptions {
            preemption_bound: None,
            progress: false,
            max_executions: 2_000_000,
            max_duration: Duration::from_secs(120),
            checkpoint: None,
            replay_from: None,
        }
    }
}

impl LoomOptions {
    /// The main job's options for `scenario`: its own default preemption
    /// bound ([`ScenarioId::default_bound`]: exhaustive where cheap), the
    /// default caps.
    pub fn for_scenario(scenario: ScenarioId) -> Self {
        LoomOptions {
            preemption_bound: scenario.default_bound(),
            ..LoomOptions::default()
        }
    }
}

/// Keeps the first expected violation of each property seen in an
/// execution that otherwise completed.
fn collect_expected(into: &Mutex<Vec<Violation>>, monitor: &Monitor) {
    let mut expected = into.lock().unwrap_or_else(|p| p.into_inner());
    for finding in monitor.findings() {
        let property = finding.violation.property;
        if finding.expected && !expected.iter().any(|v| v.property == property) {
            expected.push(finding.violation);
        }
    }
}

/// The panic payload that stops an exploration at its cap.
#[derive(Debug)]
pub(crate) struct CapReached(pub String);

/// Explores `scenario` on `scheme` under loom.
pub fn explore<S: Scheme + Clone>(
    scheme: &S,
    scenario: ScenarioId,
    options: &LoomOptions,
) -> Outcome {
    let started = Instant::now();
    let executions = Arc::new(AtomicU64::new(0));
    let last_monitor: Arc<Mutex<Option<Monitor>>> = Arc::new(Mutex::new(None));
    let expected: Arc<Mutex<Vec<Violation>>> = Arc::new(Mutex::new(Vec::new()));
    let config = Monitor::config_for(scheme);

    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = options.preemption_bound;
    // Loom's own caps are checked rarely and end a run as if it passed;
    // the body enforces ours and reports them.
    builder.max_duration = None;
    builder.max_permutations = None;
    builder.checkpoint_file = None;
    if let Some(replay) = &options.replay_from {
        builder.checkpoint_file = Some(replay.clone());
        builder.checkpoint_interval = 1;
    } else if let Some(path) = &options.checkpoint {
        let _ = std::fs::remove_file(path);
        builder.checkpoint_file = Some(path.clone());
        builder.checkpoint_interval = 1;
    }

    let body = {
        let executions = Arc::clone(&executions);
        let last_monitor = Arc::clone(&last_monitor);
        let expected = Arc::clone(&expected);
        let scheme = scheme.clone();
        let max_executions = options.max_executions;
        let max_duration = options.max_duration;
        let progress = options.progress;
        move || {
            let n = executions.fetch_add(1, Ordering::Relaxed) + 1;
            if n > max_executions {
                std::panic::panic_any(CapReached(format!("{max_executions} executions")));
            }
            if n.is_multiple_of(1024) {
                let elapsed = started.elapsed();
                if elapsed > max_duration {
                    std::panic::panic_any(CapReached(format!("{max_duration:?}")));
                }
                if progress && n.is_multiple_of(32 * 1024) {
                    eprint!("{n} executions, {:.0}s ... ", elapsed.as_secs_f64());
                }
            }
            let monitor = Monitor::new(config);
            *last_monitor.lock().unwrap_or_else(|p| p.into_inner()) = Some(monitor.clone());
            scenario.run::<Loom, S>(scheme.clone(), monitor.clone());
            collect_expected(&expected, &monitor);
        }
    };
    let result = super::exploring(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| builder.check(body)))
    });
    let executions = executions
        .load(Ordering::Relaxed)
        .min(options.max_executions);
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
