//! The breadth-first search over a scenario's states, on several OS
//! threads sharing one visited set.
//!
//! Levels are explored one at a time: every state of depth `d` is expanded
//! (each enabled thread stepped once) before any of depth `d + 1`, so the
//! first level at which a violation shows is the length of the shortest
//! counterexample. Within a level the workers take states from a shared
//! cursor (work sharing at the granularity of a few states) and insert what
//! they find into a sharded visited set of 128-bit fingerprints
//! ([`pinref_model::sync::explorer::key`] states the collision bound),
//! which they only read during a level; at the end of the level the new
//! keys are inserted, each with the successor of smallest path (fewest
//! steps, then thread by thread) as its representative. The level is always
//! finished, and among its violations the one with the smallest path is
//! kept, so that nothing the search reports depends on which worker got
//! somewhere first.

use super::canonical::{self, SymmetryError};
use crate::engines::outcome::stop_reason;
use crate::engines::stop::Budget;
use crate::properties::Violation;
use crate::properties::monitor::{Monitor, MonitorConfig, MonitorKey};
use crate::scenarios::{DynScenario, Symmetry};
use pinref_model::page::PageState;
use pinref_model::sync::explorer::{self, MergeRule, Snapshot, StepOutcome};
use pinref_model::{Event, Observer, SchemeObject};
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// A state waiting to be expanded: the explorer's snapshot, the monitor's
/// verdict state, the events that rebuild it, and the path that led here.
#[derive(Clone)]
struct Node {
    snapshot: Snapshot,
    monitor: MonitorKey,
    /// The events of the steps that changed the monitor's verdict state,
    /// in order: fed to a fresh monitor they rebuild `monitor`.
    witness: Arc<Vec<Event>>,
    /// The thread stepped at each step from the initial state.
    path: Arc<Vec<u8>>,
}

impl Node {
    /// Roughly the heap bytes it holds (shared parts counted in full).
    fn bytes(&self) -> usize {
        let threads: usize = self
            .snapshot
            .threads
            .iter()
            .map(|thread| {
                std::mem::size_of_val(thread)
                    + thread.log.len() * std::mem::size_of::<explorer::Action>()
            })
            .sum();
        std::mem::size_of::<Node>()
            + self.snapshot.memory.len() * 8
            + self.snapshot.created_by.len() * 16
            + threads
            + self.witness.len() * std::mem::size_of::<Event>()
            + self.path.len()
    }
}

/// What the search is given.
pub struct Search<'a> {
    pub scenario: &'a Arc<dyn DynScenario>,
    pub scheme: &'a SchemeObject,
    pub config: MonitorConfig,
    pub symmetry: Option<Symmetry>,
    pub forget_returned_threads: bool,
    pub workers: usize,
    pub max_states: u64,
    pub max_duration: Duration,
    pub progress: bool,
    /// Whether steps merge the reads [`MergeRule`] allows (off: a
    /// scheduling point before every access).
    pub merge_reads: bool,
    /// The frames as the scenario's set-up leaves them, as the first step's
    /// monitor was shown them: every rebuilt monitor is shown them first.
    pub attached: OnceLock<Vec<PageState>>,
}

/// A violation found at a step, and the path to it.
#[derive(Debug, Clone)]
pub struct Found {
    pub path: Vec<u8>,
    pub violation: Violation,
}

/// What the search found.
#[derive(Debug, Default)]
pub struct Searched {
    pub states: u64,
    pub transitions: u64,
    pub depth: usize,
    pub peak_bytes: u64,
    /// The shortest unexpected violation, if any.
    pub violation: Option<Found>,
    /// The shortest expected violation of each property.
    pub expected: Vec<Found>,
    /// The monitor's verdict state in every state where all threads had
    /// returned (canonical under the symmetry).
    pub finals: BTreeSet<MonitorKey>,
    /// Why the search stopped early: a cap, or a scenario it cannot explore.
    pub cut_short: Option<Cut>,
    /// The rule the steps followed (every path above is followed again
    /// under it).
    pub merge: MergeRule,
    /// How often the search started again because a variable it had read
    /// merged turned out to be written while two threads run.
    pub restarts: u64,
}

/// Why a search stopped before it was complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cut {
    /// A cap was reached (not a pass).
    Cap(String),
    /// The scenario cannot be explored this way (a rejected replay, a
    /// symmetry the states do not have, a monitor state that does not
    /// rebuild): not a pass, and a bug to fix.
    Rejected(String),
}

#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }
    fn write_u128(&mut self, value: u128) {
        self.0 = value as u64;
    }
}

const SHARDS: usize = 64;

/// The visited set: fingerprints (already uniformly distributed, so the
/// table uses them as they are), in shards behind their own locks.
struct Visited {
    shards: Vec<Mutex<HashSet<u128, BuildHasherDefault<PassThrough>>>>,
    len: AtomicUsize,
}

impl Visited {
    fn new() -> Self {
        Visited {
            shards: (0..SHARDS)
                .map(|_| Mutex::new(HashSet::default()))
                .collect(),
            len: AtomicUsize::new(0),
        }
    }

    /// Whether `key` is in the set.
    fn contains(&self, key: u128) -> bool {
        let shard = (key >> 64) as usize % SHARDS;
        self.shards[shard]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&key)
    }

    /// Inserts `key`; true if it was new.
    fn insert(&self, key: u128) -> bool {
        let shard = (key >> 64) as usize % SHARDS;
        let new = self.shards[shard]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key);
        if new {
            self.len.fetch_add(1, Ordering::Relaxed);
        }
        new
    }

    fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    fn bytes(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| {
                shard
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .capacity()
                    * 17
            })
            .sum()
    }
}

/// One worker's harvest from a level.
#[derive(Default)]
struct Harvest {
    /// The successors not seen at an earlier depth, with their keys (the
    /// same key may come up more than once within a level).
    next: Vec<(u128, Node)>,
    transitions: u64,
    violations: Vec<Found>,
    expected: Vec<Found>,
    finals: Vec<MonitorKey>,
    rejected: Option<String>,
    /// Variables read merged, and written while another thread ran.
    merged: BTreeSet<u32>,
    written: BTreeSet<u32>,
}

impl Search<'_> {
    fn rebuild(&self, witness: &[Event]) -> Monitor {
        let monitor = Monitor::new(self.config);
        if let Some(pages) = self.attached.get() {
            monitor.attached(pages);
        }
        for event in witness {
            monitor.event(event);
        }
        monitor
    }

    fn key(&self, snapshot: &Snapshot, monitor: &MonitorKey) -> Result<u128, SymmetryError> {
        if self.forget_returned_threads {
            let live = canonical::live_monitor(monitor, snapshot);
            canonical::fingerprint(snapshot, &live, self.symmetry.as_ref())
        } else {
            canonical::fingerprint(snapshot, monitor, self.symmetry.as_ref())
        }
    }

    /// Runs the search, merging what [`MergeRule`] allows, and starts it
    /// again, with the variable barred, each time a variable read merged is
    /// found written while two threads run (see `merge.rs` in the
    /// explorer).
    pub fn run(&mut self) -> Searched {
        let mut rule = if self.merge_reads {
            MergeRule::every()
        } else {
            MergeRule::none()
        };
        let mut restarts = 0;
        // Every cap (0 included) and a stop asked for, checked before the
        // first state is expanded and after every one; one budget for the
        // search and its restarts, so that a restart never extends a cap.
        let budget = Budget::new(self.max_states, self.max_duration);
        loop {
            match self.run_under(rule.clone(), &budget) {
                Ok(mut searched) => {
                    searched.restarts = restarts;
                    return searched;
                }
                Err(conflict) => {
                    restarts += 1;
                    rule = rule.without(conflict);
                    self.attached = OnceLock::new();
                }
            }
        }
    }

    /// One search under `rule`; `Err` with the variables that make it
    /// invalid (read merged, and written while another thread ran).
    fn run_under(&self, rule: MergeRule, budget: &Budget) -> Result<Searched, BTreeSet<u32>> {
        let started = Instant::now();
        let mut merged = BTreeSet::new();
        let mut written = BTreeSet::new();
        let visited = Visited::new();
        let mut out = Searched {
            merge: rule.clone(),
            ..Searched::default()
        };
        let initial = Node {
            snapshot: Snapshot::initial(),
            monitor: Monitor::new(self.config).verdict_key(),
            witness: Arc::new(Vec::new()),
            path: Arc::new(Vec::new()),
        };
        match self.key(&initial.snapshot, &initial.monitor) {
            Ok(key) => visited.insert(key),
            Err(SymmetryError(message)) => {
                out.cut_short = Some(Cut::Rejected(message));
                return Ok(out);
            }
        };
        if let Err(cut) = budget.check(visited.len() as u64) {
            out.states = visited.len() as u64;
            out.cut_short = Some(Cut::Cap(cut.to_string()));
            return Ok(out);
        }
        let mut level = vec![initial];
        let mut expected: BTreeMap<crate::properties::Property, Found> = BTreeMap::new();
        let stop = AtomicBool::new(false);
        while !level.is_empty() {
            let level_bytes: usize = level.iter().map(Node::bytes).sum();
            let cursor = AtomicUsize::new(0);
            let harvests: Vec<Harvest> = std::thread::scope(|scope| {
                let workers: Vec<_> = (0..self.workers.max(1))
                    .map(|_| {
                        scope.spawn(|| {
                            crate::engines::exploring(|| {
                                self.work(&level, &rule, &cursor, &visited, &stop, budget)
                            })
                        })
                    })
                    .collect();
                workers
                    .into_iter()
                    .map(|worker| worker.join().unwrap_or_default())
                    .collect()
            });
            // One representative per key: the node with the smallest path,
            // so that which states are expanded next does not depend on
            // which worker found them first.
            let mut fresh: HashMap<u128, Node, BuildHasherDefault<PassThrough>> =
                HashMap::default();
            for harvest in &harvests {
                merged.extend(&harvest.merged);
                written.extend(&harvest.written);
            }
            // The rule stays as it is for the whole search (a path found at
            // any level is followed again under it): a variable written
            // while two threads run is fine until a step reads it merged
            // while another thread runs.
            let conflict: BTreeSet<u32> = merged.intersection(&written).copied().collect();
            if !conflict.is_empty() {
                return Err(conflict);
            }
            for harvest in harvests {
                out.transitions += harvest.transitions;
                for (key, node) in harvest.next {
                    match fresh.entry(key) {
                        Entry::Occupied(mut kept) => {
                            if shorter_path(&node.path, &kept.get().path) {
                                kept.insert(node);
                            }
                        }
                        Entry::Vacant(slot) => {
                            slot.insert(node);
                        }
                    }
                }
                out.finals.extend(harvest.finals);
                for found in harvest.violations {
                    let shorter = out
                        .violation
                        .as_ref()
                        .is_none_or(|best| shorter_path(&found.path, &best.path));
                    if shorter {
                        out.violation = Some(found);
                    }
                }
                for found in harvest.expected {
                    let property = found.violation.property;
                    let shorter = expected
                        .get(&property)
                        .is_none_or(|best| shorter_path(&found.path, &best.path));
                    if shorter {
                        expected.insert(property, found);
                    }
                }
                if let Some(message) = harvest.rejected {
                    out.cut_short.get_or_insert(Cut::Rejected(message));
                }
            }
            let mut next: Vec<Node> = Vec::with_capacity(fresh.len());
            for (key, node) in fresh {
                visited.insert(key);
                next.push(node);
            }
            next.sort_unstable_by(|a, b| (a.path.len(), &a.path).cmp(&(b.path.len(), &b.path)));
            let next_bytes: usize = next.iter().map(Node::bytes).sum();
            let bytes = (visited.bytes() + level_bytes + next_bytes) as u64;
            out.peak_bytes = out.peak_bytes.max(bytes);
            out.states = visited.len() as u64;
            if out.violation.is_some() || out.cut_short.is_some() {
                break;
            }
            if stop.load(Ordering::Relaxed) {
                out.cut_short = Some(Cut::Cap(cap_reached(budget, &visited)));
                break;
            }
            if !next.is_empty() {
                out.depth += 1;
            }
            if self.progress && out.depth.is_multiple_of(16) && !next.is_empty() {
                eprint!(
                    "depth {}, {} states, {:.0}s ... ",
                    out.depth,
                    out.states,
                    started.elapsed().as_secs_f64()
                );
            }
            level = next;
        }
        out.expected = expected.into_values().collect();
        Ok(out)
    }

    /// One worker: expands states of `level` until none is left.
    fn work(
        &self,
        level: &[Node],
        rule: &MergeRule,
        cursor: &AtomicUsize,
        visited: &Visited,
        stop: &AtomicBool,
        budget: &Budget,
    ) -> Harvest {
        const CHUNK: usize = 8;
        let mut harvest = Harvest::default();
        loop {
            let begin = cursor.fetch_add(CHUNK, Ordering::Relaxed);
            if begin >= level.len() || harvest.rejected.is_some() {
                return harvest;
            }
            for node in &level[begin..(begin + CHUNK).min(level.len())] {
                if stop.load(Ordering::Relaxed) {
                    return harvest;
                }
                self.expand(node, rule, visited, &mut harvest);
                if budget.check(visited.len() as u64).is_err() {
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
    }

    /// Steps every enabled thread of `node` once.
    fn expand(&self, node: &Node, rule: &MergeRule, visited: &Visited, harvest: &mut Harvest) {
        let enabled = node.snapshot.enabled();
        if enabled.is_empty() {
            if node.snapshot.terminated() {
                match canonical::ranks(&node.snapshot, &node.monitor, self.symmetry.as_ref()) {
                    Ok(rank) => harvest
                        .finals
                        .push(canonical::canonical_monitor(&node.monitor, &rank)),
                    Err(SymmetryError(message)) => harvest.rejected = Some(message),
                }
            } else {
                let blocked: Vec<usize> = (0..node.snapshot.threads.len())
                    .filter(|&t| !node.snapshot.threads[t].finished)
                    .collect();
                harvest.rejected = Some(format!(
                    "deadlock: threads {blocked:?} have not returned and none of them can move"
                ));
            }
            return;
        }
        // A monitor rebuilt for this node serves the next step too when a
        // step leaves its verdict state and its findings as they were (only
        // its log, history, grew).
        let mut rebuilt: Option<(Monitor, usize)> = None;
        for thread in enabled {
            let Ok(thread_id) = u8::try_from(thread) else {
                harvest.rejected = Some("more than 255 threads".to_string());
                return;
            };
            let (monitor, before) = match rebuilt.take() {
                Some(reused) => reused,
                None => {
                    let monitor = self.rebuild(&node.witness);
                    if monitor.verdict_key() != node.monitor {
                        harvest.rejected = Some(
                            "the monitor's verdict state does not rebuild from the events that \
                             made it (Monitor::verdict_key leaves out something its judgement \
                             depends on)"
                                .to_string(),
                        );
                        return;
                    }
                    let before = monitor.findings().len();
                    (monitor, before)
                }
            };
            let scenario = Arc::clone(self.scenario);
            let scheme = self.scheme.clone();
            let run_monitor = monitor.clone();
            let mut run = move || scenario.run_explorer(scheme.clone(), run_monitor.clone());
            let outcome = explorer::step(&node.snapshot, thread, rule, &mut run);
            harvest.transitions += 1;
            let mut path = node.path.to_vec();
            path.push(thread_id);
            if self.attached.get().is_none()
                && let Some(pages) = monitor.attached_pages()
            {
                let _ = self.attached.set(pages);
            }
            let findings = monitor.findings();
            for finding in findings.iter().skip(before).filter(|f| f.expected) {
                harvest.expected.push(Found {
                    path: path.clone(),
                    violation: finding.violation.clone(),
                });
            }
            let unchanged = findings.len() == before;
            match outcome {
                StepOutcome::Advanced {
                    snapshot,
                    events,
                    merge,
                } => {
                    harvest.merged.extend(merge.merged);
                    harvest.written.extend(merge.written_concurrently);
                    let key = monitor.verdict_key();
                    if unchanged && key == node.monitor {
                        rebuilt = Some((monitor.clone(), before));
                    }
                    let fingerprint = match self.key(&snapshot, &key) {
                        Ok(fingerprint) => fingerprint,
                        Err(SymmetryError(message)) => {
                            harvest.rejected = Some(message);
                            return;
                        }
                    };
                    if visited.contains(fingerprint) {
                        continue;
                    }
                    let witness = if key == node.monitor {
                        Arc::clone(&node.witness)
                    } else {
                        let mut witness = node.witness.to_vec();
                        witness.extend(events);
                        Arc::new(witness)
                    };
                    harvest.next.push((
                        fingerprint,
                        Node {
                            snapshot,
                            monitor: key,
                            witness,
                            path: Arc::new(path),
                        },
                    ));
                }
                StepOutcome::Stopped { payload, .. } => {
                    let stopped = stop_reason(payload, None, 0, 0.0);
                    if let Some(violation) = stopped.violations.into_iter().next() {
                        harvest.violations.push(Found { path, violation });
                    }
                }
                StepOutcome::Rejected(message) => {
                    harvest.rejected = Some(message);
                    return;
                }
            }
        }
    }
}

/// Fewer steps first, then thread by thread: the order that picks one
/// counterexample whatever the workers did.
fn shorter_path(a: &[u8], b: &[u8]) -> bool {
    (a.len(), a) < (b.len(), b)
}

/// Which cap stopped the search, in words ([`Budget::check`]).
fn cap_reached(budget: &Budget, visited: &Visited) -> String {
    match budget.check(visited.len() as u64) {
        Err(cut) => cut.to_string(),
        Ok(()) => "stopped early".to_string(),
    }
}
