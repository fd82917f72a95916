//! What one exploration of one scenario on one scheme found: the verdict,
//! how much was explored, and the violation with its counterexample.

use crate::properties::monitor::{Monitor, StopExecution};
use crate::properties::{Property, Violation};

/// The verdict of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every explored execution satisfied every property.
    Pass,
    /// A property the scheme claims failed.
    Violation,
    /// A property the scheme does not claim failed, as its claims say.
    ExpectedViolation,
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
            Verdict::Incomplete => "incomplete",
        }
    }
}

/// One run's result.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The verdict.
    pub verdict: Verdict,
    /// Executions explored (counted, including the failing one).
    pub executions: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// The violations found (the first stops the run).
    pub violations: Vec<Violation>,
    /// Anything else worth saying (a cap, an engine message).
    pub note: Option<String>,
}

impl Outcome {
    /// An outcome without violations.
    pub fn new(verdict: Verdict, executions: u64, seconds: f64) -> Self {
        Outcome {
            verdict,
            executions,
            seconds,
            violations: Vec::new(),
            note: None,
        }
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
