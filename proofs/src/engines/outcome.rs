//! What one exploration of one scenario on one scheme found, whatever the
//! engine: the verdict, how much was explored (in the engine's own unit:
//! executions, iterations, states, programs), and the violations with their
//! counterexamples.

use crate::properties::monitor::{Monitor, StopExecution};
use crate::properties::{Property, Violation};
use pinref_model::KnownBug;
use std::sync::Mutex;

/// The verdict of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every explored execution satisfied every property.
    Pass,
    /// A property the scheme claims failed.
    Violation,
    /// A property the scheme does not claim failed, as its claims say.
    ExpectedViolation,
    /// Every violation found is a bug the kernel version the scheme stands
    /// for is known to have ([`pinref_model::Scheme::known_bugs`]).
    KnownBug,
    /// Cut short by a cap: not a pass.
    Incomplete,
}

impl Verdict {
    /// The report's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Violation => "violation",
            Verdict::ExpectedViolation => "expected_violation",
            Verdict::KnownBug => "known_bug",
            Verdict::Incomplete => "incomplete",
        }
    }
}

/// One run's result.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The engine that ran it ([`super::Engine::name`]).
    pub engine: &'static str,
    /// The verdict.
    pub verdict: Verdict,
    /// How much was explored, in [`Outcome::unit`]s (counted, the failing
    /// one included).
    pub executions: u64,
    /// What [`Outcome::executions`] counts: `executions` (loom),
    /// `iterations` (shuttle), `states` (the state-caching explorer),
    /// `programs` (proptest, fuzzing).
    pub unit: &'static str,
    /// The preemption bound the run used, for an engine that has one
    /// (`None`: unbounded, or an engine without bounds).
    pub bound: Option<usize>,
    /// Whether the run explored everything its scenario can do, so that a
    /// pass is a proof for that scenario: loom with no preemption bound,
    /// run to the end. A run at a bound, a random or sampling engine, and a
    /// run stopped early are not exhaustive, and the report says so beside
    /// their verdict.
    pub exhaustive: bool,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// The violations found (an unexpected one stops the run).
    pub violations: Vec<Violation>,
    /// Anything else worth saying (a cap, an engine message).
    pub note: Option<String>,
    /// Engine-specific figures, reported as they are (`states`,
    /// `transitions`, `peak_memory_bytes`, `seed`, ...).
    pub counters: Vec<(&'static str, u64)>,
    /// With [`Verdict::KnownBug`]: the declared known bugs of the scheme
    /// its violations are (see [`crate::known_bugs::classify`]).
    pub known_bugs: Vec<KnownBug>,
}

impl Outcome {
    /// An outcome without violations, in executions, of no engine yet
    /// ([`Outcome::by`] names it).
    pub fn new(verdict: Verdict, executions: u64, seconds: f64) -> Self {
        Outcome {
            engine: "",
            verdict,
            executions,
            unit: "executions",
            bound: None,
            exhaustive: false,
            seconds,
            violations: Vec::new(),
            note: None,
            counters: Vec::new(),
            known_bugs: Vec::new(),
        }
    }

    /// An `incomplete` outcome of a run that explored nothing, and why.
    pub fn nothing_explored(why: String) -> Self {
        let mut outcome = Outcome::new(Verdict::Incomplete, 0, 0.0);
        outcome.note = Some(why);
        outcome
    }

    /// The same outcome, credited to `engine`, counted in `unit`s.
    pub fn by(mut self, engine: &'static str, unit: &'static str) -> Self {
        self.engine = engine;
        self.unit = unit;
        self
    }

    /// The value of an engine-specific counter.
    pub fn counter(&self, name: &str) -> Option<u64> {
        self.counters
            .iter()
            .find(|(key, _)| *key == name)
            .map(|&(_, value)| value)
    }
}

/// Turns the panic that stopped an execution into an outcome: a monitor's
/// finding, or an engine's own failure (loom's causality check on the page
/// contents: a free racing a use).
pub(crate) fn stop_reason(
    payload: Box<dyn std::any::Any + Send>,
    monitor: Option<&Monitor>,
    executions: u64,
    seconds: f64,
) -> Outcome {
    if let Some(StopExecution(finding)) = payload.downcast_ref::<StopExecution>() {
        let verdict = if finding.expected {
            Verdict::ExpectedViolation
        } else {
            Verdict::Violation
        };
        let mut outcome = Outcome::new(verdict, executions, seconds);
        outcome.violations.push(finding.violation.clone());
        return outcome;
    }
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "the engine stopped the execution".to_string());
    let log = monitor.map(Monitor::log).unwrap_or_default();
    let (property, message) = if message.contains("Causality violation") {
        (
            Property::P4,
            format!(
                "the page's contents were accessed concurrently with the free (a use not \
                 ordered before the free, or after it): {}",
                first_line(&message)
            ),
        )
    } else {
        (
            Property::P4,
            format!("execution panicked: {}", first_line(&message)),
        )
    };
    let mut outcome = Outcome::new(Verdict::Violation, executions, seconds);
    outcome.violations.push(Violation {
        property,
        message,
        counterexample: log,
        replay: String::new(),
    });
    outcome
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// Keeps the first expected violation of each property seen in an
/// execution that otherwise completed (an exploring engine calls it after
/// each such execution).
pub(crate) fn collect_expected(into: &Mutex<Vec<Violation>>, monitor: &Monitor) {
    let mut expected = into.lock().unwrap_or_else(|p| p.into_inner());
    for finding in monitor.findings() {
        let property = finding.violation.property;
        if finding.expected && !expected.iter().any(|v| v.property == property) {
            expected.push(finding.violation);
        }
    }
}
