//! The monitor: an [`Observer`] attached to a scenario's memory that sees
//! every access as it happens and judges the properties that must hold at
//! that very step (P3 underflow, P4 touch after free and double free, P6 a
//! grab crossing the sign bit, P10 a revived page), and collects the
//! per-thread event log that a violation carries as its counterexample.
//!
//! Under loom and shuttle one thread runs at a time, so the monitor sees
//! events in the execution's real order and its judgement is exact.

use crate::properties::{Property, Violation};
use pinref_model::{Event, EventKind, Observer};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard};

/// What the monitor needs to know of the scheme under check.
#[derive(Debug, Clone, Copy)]
pub struct MonitorConfig {
    /// The refcount at which a page is freed (0; devmap 1).
    pub freed_at: i32,
    /// Whether the scheme claims to refuse a grab before it crosses the sign
    /// bit (P6 in full).
    pub refuses_before_overflow: bool,
}

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

#[derive(Default)]
struct State {
    /// Whether to keep the event log (a sequential engine keeps its own).
    quiet: bool,
    log: Vec<String>,
    thread_names: BTreeMap<usize, String>,
    freed: BTreeMap<usize, u32>,
    last_refcount: BTreeMap<(usize, usize), i32>,
    findings: Vec<Finding>,
}

/// The verdict-relevant part of a [`Monitor`]'s state
/// ([`Monitor::verdict_key`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MonitorKey {
    /// `(pfn, times freed)`, by pfn.
    pub freed: Vec<(usize, u32)>,
    /// `((thread, pfn), refcount after the thread's last update)`.
    pub last_refcount: Vec<((usize, usize), i32)>,
}

/// See the module docs. Cheap to clone (shared).
#[derive(Clone)]
pub struct Monitor {
    config: MonitorConfig,
    state: Arc<Mutex<State>>,
}

impl Monitor {
    /// A monitor for a scheme with this configuration.
    pub fn new(config: MonitorConfig) -> Self {
        Monitor {
            config,
            state: Arc::new(Mutex::new(State::default())),
        }
    }

    /// A monitor that judges every access but keeps no event log (for an
    /// engine that records its own counterexample).
    pub fn without_log(config: MonitorConfig) -> Self {
        let monitor = Monitor::new(config);
        monitor.state().quiet = true;
        monitor
    }

    /// The configuration for `scheme`.
    pub fn config_for<S: pinref_model::Scheme + ?Sized>(scheme: &S) -> MonitorConfig {
        MonitorConfig {
            freed_at: scheme.freed_at(),
            refuses_before_overflow: scheme.claims().refuses_before_overflow,
        }
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
        let mut state = self.state();
        let who = thread_label(&state, thread);
        state.log.push(format!("{who:<14} {}", line.as_ref()));
    }

    /// Records a finding made by a scenario's own check (P1, P2, P5, P7, P8,
    /// P9 at their steps) and returns it, with the log so far.
    pub fn report(&self, property: Property, message: String, expected: bool) -> Finding {
        let mut state = self.state();
        let marker = format!(">>> {property} broken here: {message}");
        state.log.push(marker);
        let finding = Finding {
            violation: Violation {
                property,
                message,
                counterexample: state.log.join("\n"),
                replay: String::new(),
            },
            expected,
        };
        state.findings.push(finding.clone());
        finding
    }

    /// The findings so far, first first.
    pub fn findings(&self) -> Vec<Finding> {
        self.state().findings.clone()
    }

    /// The event log so far.
    pub fn log(&self) -> String {
        self.state().log.join("\n")
    }

    /// What of the monitor's state can change a later verdict: how often
    /// it saw each page freed, and each thread's last refcount update per
    /// page (a free is judged against it). The log, the thread names and
    /// the findings are history kept for the report, and are left out: a
    /// state-caching engine keys its states on this, never on history.
    pub fn verdict_key(&self) -> MonitorKey {
        let state = self.state();
        MonitorKey {
            freed: state.freed.iter().map(|(&pfn, &n)| (pfn, n)).collect(),
            last_refcount: state
                .last_refcount
                .iter()
                .map(|(&key, &value)| (key, value))
                .collect(),
        }
    }

    fn judge(&self, state: &mut State, event: &Event) -> Option<(Property, String, bool)> {
        let pfn = event.pfn;
        let freed = state.freed.get(&pfn).copied().unwrap_or(0);
        match &event.kind {
            EventKind::PteCleared { .. } => None,
            EventKind::Freed { by } => {
                let last = state.last_refcount.get(&(event.thread, pfn)).copied();
                state.freed.insert(pfn, freed + 1);
                if freed > 0 {
                    return Some((
                        Property::P4,
                        format!("page {pfn} freed a second time ({by})"),
                        false,
                    ));
                }
                if last != Some(self.config.freed_at) {
                    return Some((
                        Property::P4,
                        format!(
                            "page {pfn} freed by {by} although this thread's last update left \
                             its count at {last:?}, not {}",
                            self.config.freed_at
                        ),
                        false,
                    ));
                }
                None
            }
            // A grab that brings a freed page's count up from its free
            // value revives it: P10 (speculation) before the general P4.
            EventKind::Refcount { helper, old, new }
                if freed > 0 && new.wrapping_sub(*old) > 0 && *old == self.config.freed_at =>
            {
                Some((
                    Property::P10,
                    format!("{helper} revived freed page {pfn}: {old} -> {new}"),
                    false,
                ))
            }
            // Reading a freed page's count is allowed (struct page stays
            // valid; a speculative grab must read it to refuse it); any
            // write is not.
            EventKind::Refcount { .. }
            | EventKind::Pincount { .. }
            | EventKind::FlagSet { .. }
            | EventKind::Stat { .. }
                if freed > 0 =>
            {
                Some((
                    Property::P4,
                    format!(
                        "page {pfn} touched after it was freed: {}",
                        describe(&event.kind)
                    ),
                    false,
                ))
            }
            EventKind::Refcount { helper, old, new } => {
                state.last_refcount.insert((event.thread, pfn), *new);
                // Setting a count outright is initialisation (a check's start,
                // a split giving a tail its count), not an update to judge.
                if *helper == "set_page_count" {
                    return None;
                }
                let delta = new.wrapping_sub(*old);
                if delta < 0
                    && (old.wrapping_sub(self.config.freed_at) as u32) < delta.unsigned_abs()
                {
                    return Some((
                        Property::P3,
                        format!(
                            "{helper} took page {pfn}'s count from {old} to {new}: below its free value"
                        ),
                        false,
                    ));
                }
                // Unfreezing after a split is not a grab.
                let grab = *helper != "page_ref_unfreeze";
                if delta > 0 && *old == self.config.freed_at && grab {
                    return Some((
                        Property::P10,
                        format!("{helper} revived page {pfn}: {old} -> {new} from its free value"),
                        false,
                    ));
                }
                if delta > 0 && *old > 0 && *new <= 0 {
                    return Some((
                        Property::P6,
                        format!(
                            "{helper} carried page {pfn}'s count past the sign bit: {old} -> {new}"
                        ),
                        !self.config.refuses_before_overflow,
                    ));
                }
                None
            }
            EventKind::Pincount { helper, old, new } => {
                if *new < 0 && *old >= 0 && *helper != "set_pincount" {
                    return Some((
                        Property::P3,
                        format!("{helper} took page {pfn}'s pin count from {old} to {new}"),
                        false,
                    ));
                }
                None
            }
            EventKind::ContentsRead { value } => {
                (*value == pinref_model::page::PAGE_CONTENTS_POISON).then(|| {
                    (
                        Property::P4,
                        format!("page {pfn}'s contents read after the free"),
                        false,
                    )
                })
            }
            _ => None,
        }
    }
}

fn thread_label(state: &State, thread: usize) -> String {
    match state.thread_names.get(&thread) {
        Some(name) => format!("T{thread} {name}"),
        None => format!("T{thread}"),
    }
}

fn describe(kind: &EventKind) -> String {
    match kind {
        EventKind::Refcount { helper, old, new } => format!("{helper} refcount {old} -> {new}"),
        EventKind::Pincount { helper, old, new } => format!("{helper} pincount {old} -> {new}"),
        EventKind::Read { helper, value } => format!("{helper} read {value}"),
        EventKind::FlagSet { flag } => format!("set {flag}"),
        EventKind::Freed { by } => format!("freed by {by}"),
        EventKind::ContentsRead { value } => format!("contents read {value:#x}"),
        EventKind::Stat { counter, delta } => format!("{counter} += {delta}"),
        EventKind::PteCleared { old } => format!("pte cleared (was {old:?})"),
    }
}

/// The panic payload with which the monitor stops an execution at its
/// first violation (the engines catch it and report the finding).
#[derive(Debug, Clone)]
pub struct StopExecution(pub Finding);

impl Observer for Monitor {
    fn event(&self, event: &Event) {
        let mut state = self.state();
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
        if let Some((property, message, expected)) = self.judge(&mut state, event) {
            let marker = format!(">>> {property} broken here: {message}");
            state.log.push(marker);
            let finding = Finding {
                violation: Violation {
                    property,
                    message,
                    counterexample: state.log.join("\n"),
                    replay: String::new(),
                },
                expected,
            };
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
            drop(state);
            if !expected {
                std::panic::panic_any(StopExecution(finding));
            }
        }
    }
}
