//! When an exploration stops before it is done: at its execution cap, at
//! its time cap, or because the user asked (SIGINT / SIGTERM, or
//! [`request_stop`] from a library caller). One [`Budget`] for every engine:
//! an engine calls [`Budget::check`] before each unit of work (an
//! execution, an iteration, a program), so that every cap, 0 included, is
//! honoured before the next unit starts, and a run cut short is reported
//! `incomplete` with the [`Cut`] as its note, never as a pass.

use super::RunOptions;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Set to the signal's number (or [`BY_CALLER`]) when a stop is asked for;
/// 0 while none is. Written from a signal handler, so it is a plain atomic
/// store there (async-signal-safe) and read with a load everywhere else.
pub(crate) static STOP: AtomicUsize = AtomicUsize::new(0);

/// The value of [`STOP`] for a stop asked for by [`request_stop`].
const BY_CALLER: usize = usize::MAX;

/// Asks every running and later exploration of this process to stop at its
/// next unit of work, as SIGINT does for the `pinref` command.
pub fn request_stop() {
    STOP.store(BY_CALLER, Ordering::SeqCst);
}

/// Why a stop was asked for, if one was: `SIGINT`, `SIGTERM`, or
/// `request_stop`.
pub fn stop_requested() -> Option<&'static str> {
    match STOP.load(Ordering::SeqCst) {
        0 => None,
        BY_CALLER => Some("request_stop"),
        2 => Some("SIGINT"),
        15 => Some("SIGTERM"),
        _ => Some("a signal"),
    }
}

/// Why a run stopped before it was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cut {
    /// The execution cap: this many units were done.
    Executions(u64),
    /// The time cap.
    Time(Duration),
    /// A stop was asked for (the signal's name).
    Interrupted(&'static str),
}

impl fmt::Display for Cut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cut::Executions(cap) => write!(f, "stopped at the cap of {cap} (--max-executions)"),
            Cut::Time(cap) => write!(f, "stopped at the time cap of {cap:?} (--max-seconds)"),
            Cut::Interrupted(by) => write!(f, "interrupted by {by}"),
        }
    }
}

/// The caps of one run, from its start.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    started: Instant,
    max_executions: u64,
    max_duration: Duration,
}

impl Budget {
    /// The caps `options` give, starting now.
    pub fn start(options: &RunOptions) -> Budget {
        Budget::new(options.max_executions, options.max_duration)
    }

    /// At most `max_executions` units of work and `max_duration`, starting
    /// now.
    pub fn new(max_executions: u64, max_duration: Duration) -> Budget {
        Budget {
            started: Instant::now(),
            max_executions,
            max_duration,
        }
    }

    /// Whether the next unit of work may start, `done` units having been
    /// done: `Err` names the cap reached. The clock is read every time (a
    /// unit of work costs far more than reading it), so a time cap of 0
    /// stops before the first unit.
    pub fn check(&self, done: u64) -> Result<(), Cut> {
        if let Some(by) = stop_requested() {
            return Err(Cut::Interrupted(by));
        }
        if done >= self.max_executions {
            return Err(Cut::Executions(self.max_executions));
        }
        if self.started.elapsed() >= self.max_duration {
            return Err(Cut::Time(self.max_duration));
        }
        Ok(())
    }

    /// When the run started.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// The execution cap.
    pub fn max_executions(&self) -> u64 {
        self.max_executions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(max_executions: u64, max_duration: Duration) -> RunOptions {
        RunOptions {
            max_executions,
            max_duration,
            ..RunOptions::default()
        }
    }

    // The stop flag is process-wide: these tests never set it (a test that
    // did would stop every other test's explorations).

    #[test]
    fn an_execution_cap_of_zero_allows_no_execution() {
        let budget = Budget::start(&options(0, Duration::from_secs(60)));
        assert_eq!(budget.check(0), Err(Cut::Executions(0)));
    }

    #[test]
    fn an_execution_cap_allows_exactly_that_many() {
        let budget = Budget::start(&options(3, Duration::from_secs(60)));
        let allowed: Vec<bool> = (0..5).map(|done| budget.check(done).is_ok()).collect();
        assert_eq!(allowed, [true, true, true, false, false]);
    }

    #[test]
    fn a_time_cap_of_zero_stops_before_the_first_execution() {
        let budget = Budget::start(&options(1_000, Duration::ZERO));
        assert_eq!(budget.check(0), Err(Cut::Time(Duration::ZERO)));
    }

    #[test]
    fn a_cut_says_which_cap_it_was() {
        assert_eq!(
            Cut::Executions(5).to_string(),
            "stopped at the cap of 5 (--max-executions)"
        );
        assert_eq!(
            Cut::Interrupted("SIGINT").to_string(),
            "interrupted by SIGINT"
        );
    }
}
