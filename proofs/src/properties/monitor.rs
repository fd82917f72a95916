//! The monitor: an [`Observer`] attached to a scenario's memory that sees
//! every access as it happens and judges the properties that must hold at
//! that very step (P3 underflow, P4 touch after free and double free, P5 a
//! reference taken on a tail, P6 a grab crossing the sign bit, P7 a release
//! from a tail, P10 a revived page; see [`super::judge`]), and collects the
//! per-thread event log that a violation carries as its counterexample.
//!
//! It starts watching when it is attached, after the set-up
//! ([`Observer::attached`] shows it where each page starts), so that every
//! write it sees is an access to judge, `set_page_count` included.
//!
//! Under loom and shuttle one thread runs at a time, so the monitor sees
//! events in the execution's real order and its judgement is exact.

use super::judge::{Judge, Watched};
use crate::properties::{Property, Violation};
use pinref_model::{Event, EventKind, Observer, PageState};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard};

pub use super::judge::MonitorConfig;

/// A violation as the monitor found it, and whether the scheme's claims
/// expected it.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The violation.
    pub violation: Violation,
    /// True when the scheme does not claim the property in this form
    /// (reported as `expected_violation`).
    pub expected: bool,
}

struct State {
    /// Whether to keep the event log (a sequential engine keeps its own).
    quiet: bool,
    log: Vec<String>,
    thread_names: BTreeMap<usize, String>,
    /// What a later verdict can depend on.
    judge: Judge,
    findings: Vec<Finding>,
    /// The frames as the monitor was first shown them
    /// ([`Observer::attached`]); a later attach is the same set-up seen
    /// again (an engine that re-runs an execution from its start) and is
    /// ignored.
    attached: Option<Vec<PageState>>,
    /// Whether a violation that stopped the execution stops every other
    /// thread too, at its next access ([`Monitor::stop_every_thread`]).
    stop_every_thread: bool,
    /// The violation that stopped the execution, once one has (kept only
    /// with `stop_every_thread`).
    stopped: Option<Finding>,
}

impl State {
    /// Marks the step that broke `property` in the log, and returns the
    /// finding with the log so far as its counterexample.
    fn mark(&mut self, property: Property, message: String, expected: bool) -> Finding {
        if !self.quiet {
            self.log
                .push(format!(">>> {property} broken here: {message}"));
        }
        Finding {
            violation: Violation {
                property,
                message,
                counterexample: self.log.join("\n"),
                replay: String::new(),
            },
            expected,
        }
    }
}

/// The verdict-relevant part of a [`Monitor`]'s state
/// ([`Monitor::verdict_key`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MonitorKey {
    /// `(pfn, what the monitor knows of it)`, by pfn: its head, whether its
    /// count is frozen, how often it was freed, whether it wrapped round.
    pub pages: Vec<(usize, Watched)>,
    /// `((thread, pfn), whether the thread's last update left the count
    /// at its free value)`: all a later free is judged against (the value
    /// itself would keep apart states no verdict can tell apart).
    pub last_at_free: Vec<((usize, usize), bool)>,
}

impl MonitorKey {
    /// The same key with its threads renamed (`rank[old] = new`; a thread
    /// beyond `rank` keeps its number), for an engine that keys
    /// interchangeable threads alike: only the per-thread entries move.
    pub fn with_threads_renamed(&self, rank: &[usize]) -> MonitorKey {
        let mut last_at_free: Vec<((usize, usize), bool)> = self
            .last_at_free
            .iter()
            .map(|&((thread, pfn), value)| {
                ((rank.get(thread).copied().unwrap_or(thread), pfn), value)
            })
            .collect();
        last_at_free.sort_unstable();
        MonitorKey {
            pages: self.pages.clone(),
            last_at_free,
        }
    }
}

/// See the module docs. Cheap to clone (shared).
#[derive(Clone)]
pub struct Monitor {
    state: Arc<Mutex<State>>,
}

impl Monitor {
    /// A monitor for a scheme with this configuration.
    pub fn new(config: MonitorConfig) -> Self {
        Monitor {
            state: Arc::new(Mutex::new(State {
                quiet: false,
                log: Vec::new(),
                thread_names: BTreeMap::new(),
                judge: Judge::new(config),
                findings: Vec::new(),
                attached: None,
                stop_every_thread: false,
                stopped: None,
            })),
        }
    }

    /// A monitor that judges every access but keeps no event log (for an
    /// engine that records its own counterexample).
    pub fn without_log(config: MonitorConfig) -> Self {
        let monitor = Monitor::new(config);
        monitor.state().quiet = true;
        monitor
    }

    /// This monitor, made to stop every thread of an execution once a
    /// violation stopped one: each other thread panics with the same
    /// [`StopExecution`] at its next access or log line, before anything is
    /// logged, so the counterexample still ends at the violation. For an
    /// engine whose runtime frees a thread only when the thread returns or
    /// unwinds: shuttle abandons an execution that its scheduler stops
    /// while threads are unfinished, and leaks their stacks and everything
    /// they hold (shuttle-engine's `tear_down`), so an engine that stops
    /// the execution at the violation leaks the whole world of every failed
    /// execution. With every thread unwinding, the execution ends as
    /// finished and is freed.
    pub fn stop_every_thread(self) -> Self {
        self.state().stop_every_thread = true;
        self
    }

    /// The configuration for `scheme`.
    pub fn config_for<S: pinref_model::Scheme + ?Sized>(scheme: &S) -> MonitorConfig {
        MonitorConfig {
            freed_at: scheme.freed_at(),
            refuses_before_overflow: scheme.claims().refuses_before_overflow,
        }
    }

    /// The state, for a thread about to act: if a violation stopped the
    /// execution and every thread is to stop ([`Monitor::stop_every_thread`]),
    /// the calling thread stops here, with the same finding (unless it is
    /// unwinding already, in a destructor: a second panic would abort the
    /// process).
    fn state_to_act(&self) -> MutexGuard<'_, State> {
        let state = self.state();
        if let Some(finding) = &state.stopped
            && !std::thread::panicking()
        {
            let stop = StopExecution(finding.clone());
            drop(state);
            std::panic::panic_any(stop);
        }
        state
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while the lock is held (a violation stopping a loom
        // execution) poisons it; the state is still consistent, since every
        // update is a single push or insert.
        self.state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Names the calling thread in the log (`T1 pinner`).
    pub fn name_thread(&self, thread: usize, name: &str) {
        self.state().thread_names.insert(thread, name.to_string());
    }

    /// Adds a line to the log for `thread` (an operation's start or result,
    /// the ghost's view).
    pub fn note(&self, thread: usize, line: impl AsRef<str>) {
        let mut state = self.state_to_act();
        if state.quiet {
            return;
        }
        let who = thread_label(&state, thread);
        state.log.push(format!("{who:<14} {}", line.as_ref()));
    }

    /// Records a finding made by a scenario's own check (P1, P2, P5, P7, P8,
    /// P9 at their steps) and returns it, with the log so far.
    pub fn report(&self, property: Property, message: String, expected: bool) -> Finding {
        let mut state = self.state();
        let finding = state.mark(property, message, expected);
        state.findings.push(finding.clone());
        finding
    }

    /// Whether a grab has carried `pfn`'s count all the way round 2^32 in
    /// this execution: the count no longer holds its references, and no
    /// predicate can read its pins.
    pub fn wrapped_around(&self, pfn: usize) -> bool {
        self.state()
            .judge
            .pages
            .get(&pfn)
            .is_some_and(|page| page.wrapped_around)
    }

    /// The findings so far, first first.
    pub fn findings(&self) -> Vec<Finding> {
        self.state().findings.clone()
    }

    /// The event log so far.
    pub fn log(&self) -> String {
        self.state().log.join("\n")
    }

    /// The frames as the monitor was first shown them, if it was attached
    /// to a memory: an engine that rebuilds a monitor from the events of an
    /// execution shows it these first.
    pub fn attached_pages(&self) -> Option<Vec<PageState>> {
        self.state().attached.clone()
    }

    /// What of the monitor's state can change a later verdict: what it
    /// knows of each page (its head, whether its count is frozen, how often
    /// it was freed, whether it wrapped round 2^32) and each thread's last refcount update per page (a free
    /// is judged against it). The log, the thread names and the findings
    /// are history kept for the report, and are left out: a state-caching
    /// engine keys its states on this, never on history.
    pub fn verdict_key(&self) -> MonitorKey {
        let state = self.state();
        MonitorKey {
            pages: state
                .judge
                .pages
                .iter()
                .map(|(&pfn, &page)| (pfn, page))
                .collect(),
            last_at_free: state
                .judge
                .last_refcount
                .iter()
                .map(|(&key, &value)| (key, value == state.judge.config.freed_at))
                .collect(),
        }
    }
}

fn thread_label(state: &State, thread: usize) -> String {
    match state.thread_names.get(&thread) {
        Some(name) => format!("T{thread} {name}"),
        None => format!("T{thread}"),
    }
}

/// One event's access, in a log line.
pub(crate) fn describe(kind: &EventKind) -> String {
    match kind {
        EventKind::Refcount { helper, old, new } => format!("{helper} refcount {old} -> {new}"),
        EventKind::Pincount { helper, old, new } => format!("{helper} pincount {old} -> {new}"),
        EventKind::Read { helper, value } => format!("{helper} read {value}"),
        EventKind::FlagSet { flag } => format!("set {flag}"),
        EventKind::FlagRead { flag, value } => format!("test {flag} -> {value}"),
        EventKind::Lock { helper, was_locked } => match (*helper, was_locked) {
            ("lock_page", false) => "lock_page took PG_locked".to_string(),
            ("lock_page", true) => "lock_page found PG_locked held, waits".to_string(),
            (helper, true) => format!("{helper} released PG_locked"),
            (helper, false) => format!("{helper} found PG_locked not held"),
        },
        EventKind::Freed { by } => format!("freed by {by}"),
        EventKind::ContentsRead { value } => format!("contents read {value:#x}"),
        EventKind::Stat { counter, delta } => format!("{counter} += {delta}"),
        EventKind::PteCleared { old } => format!("pte cleared (was {old:?})"),
        EventKind::PteRead { maps } => format!("pte read (maps {maps:?})"),
        EventKind::CompoundHead { head, order } => {
            format!("compound head now {head}, order {order}")
        }
    }
}

/// The panic payload with which the monitor stops an execution at its
/// first violation (the engines catch it and report the finding).
#[derive(Debug, Clone)]
pub struct StopExecution(pub Finding);

impl Observer for Monitor {
    fn attached(&self, pages: &[PageState]) {
        let mut state = self.state();
        if state.attached.is_none() {
            state.judge.attached(pages);
            state.attached = Some(pages.to_vec());
        }
    }

    fn event(&self, event: &Event) {
        let mut state = self.state_to_act();
        if !state.quiet {
            let who = thread_label(&state, event.thread);
            let mut line = String::new();
            let _ = write!(
                line,
                "{who:<14}   page {:<2} {}",
                event.pfn,
                describe(&event.kind)
            );
            state.log.push(line);
        }
        if let Some(broken) = state.judge.judge(event) {
            let (property, expected) = (broken.property, broken.expected);
            let finding = state.mark(property, broken.message, expected);
            // An expected violation is recorded (once per property) and the
            // execution goes on, so that every property the scheme does not
            // claim shows up; an unexpected one stops the execution.
            let seen = state
                .findings
                .iter()
                .any(|f| f.expected && f.violation.property == property);
            if expected && seen {
                return;
            }
            state.findings.push(finding.clone());
            if !expected {
                if state.stop_every_thread {
                    state.stopped = Some(finding.clone());
                }
                drop(state);
                std::panic::panic_any(StopExecution(finding));
            }
        }
    }
}
