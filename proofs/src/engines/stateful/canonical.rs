//! A state's key: the fingerprint of everything that can change a future
//! verdict, and nothing that is history.
//!
//! - the memory: every variable the scenario created (atomics, page
//!   contents, signals), by creation order;
//! - per thread: its key (its completed operations and results, and what
//!   it saw since; see [`pinref_model::sync::Platform::operation`]), whether
//!   it has returned, whether it was joined, and who spawned it;
//! - the monitor's verdict state ([`Monitor::verdict_key`]: how often each
//!   page was freed, each thread's last refcount update per page).
//!
//! With symmetry, the threads of a declared group that have not been joined
//! are put in a canonical order first (sorted by their own part of the key),
//! and the monitor's per-thread entries are renamed to match, so that
//! states that differ only by a permutation of the group coincide. The
//! permutation is an exact symmetry of everything but the main thread's
//! joins, which take the group in spawn order; a join touches neither the
//! memory nor the monitor, so no violation is lost, but two merged states
//! may reach their common futures through different join steps. That is
//! why the search picks each key's representative deterministically (the
//! smallest path), so that its counts do not depend on the workers.
//!
//! [`Monitor::verdict_key`]: crate::properties::monitor::Monitor::verdict_key

use crate::properties::monitor::MonitorKey;
use crate::scenarios::Symmetry;
use pinref_model::sync::explorer::Snapshot;
use pinref_model::sync::explorer::key::Fingerprinter;

/// Why a state cannot be keyed under the declared symmetry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymmetryError(pub String);

/// The renaming that puts `snapshot`'s threads in canonical order:
/// `rank[old] = new`. The identity without symmetry.
pub fn ranks(
    snapshot: &Snapshot,
    monitor: &MonitorKey,
    symmetry: Option<&Symmetry>,
) -> Result<Vec<usize>, SymmetryError> {
    let threads = &snapshot.threads;
    let mut rank: Vec<usize> = (0..threads.len()).collect();
    let Some(symmetry) = symmetry else {
        return Ok(rank);
    };
    for group in symmetry.groups() {
        let members: Vec<usize> = group
            .filter(|&t| t < threads.len() && !threads[t].joined)
            .collect();
        if members.len() < 2 {
            continue;
        }
        for &t in &members {
            if threads[t].spawned_by.map(|(parent, _)| parent) != Some(0) {
                return Err(SymmetryError(format!(
                    "thread {t} is declared interchangeable but was not spawned by the main thread"
                )));
            }
            if snapshot.created_by.iter().any(|&(creator, _)| creator == t) {
                return Err(SymmetryError(format!(
                    "thread {t} is declared interchangeable but created a shared variable of its own"
                )));
            }
        }
        let mut sorted = members.clone();
        sorted.sort_by_cached_key(|&t| {
            let record = &threads[t];
            let entries: Vec<(usize, bool)> = monitor
                .last_at_free
                .iter()
                .filter(|((thread, _), _)| *thread == t)
                .map(|&((_, pfn), value)| (pfn, value))
                .collect();
            (record.key, record.finished, entries)
        });
        for (slot, old) in members.iter().zip(sorted) {
            rank[old] = *slot;
        }
    }
    Ok(rank)
}

/// The key of `snapshot` with monitor state `monitor` (see the module docs).
pub fn fingerprint(
    snapshot: &Snapshot,
    monitor: &MonitorKey,
    symmetry: Option<&Symmetry>,
) -> Result<u128, SymmetryError> {
    let rank = ranks(snapshot, monitor, symmetry)?;
    let mut order: Vec<usize> = (0..rank.len()).collect();
    order.sort_by_key(|&old| rank[old]);
    let mut key = Fingerprinter::new();
    key.add(&snapshot.memory);
    key.add(&snapshot.created_by);
    key.add(&snapshot.threads.len());
    for old in order {
        let thread = &snapshot.threads[old];
        let parent = thread.spawned_by.map(|(parent, ordinal)| {
            let interchangeable = rank[old] != old || symmetric_member(symmetry, old);
            (rank[parent], (!interchangeable).then_some(ordinal))
        });
        key.add(&(thread.key, thread.finished, thread.joined, parent));
    }
    key.add(&canonical_monitor(monitor, &rank));
    Ok(key.finish())
}

fn symmetric_member(symmetry: Option<&Symmetry>, thread: usize) -> bool {
    symmetry.is_some_and(|symmetry| symmetry.groups().any(|group| group.contains(&thread)))
}

/// The monitor's verdict state with its threads renamed by `rank`.
pub fn canonical_monitor(monitor: &MonitorKey, rank: &[usize]) -> MonitorKey {
    monitor.with_threads_renamed(rank)
}

/// The monitor's verdict state without what no future event can consult:
/// a thread's last refcount update is kept to judge a free *that thread*
/// reports, and a thread that has returned reports nothing more.
pub fn live_monitor(monitor: &MonitorKey, snapshot: &Snapshot) -> MonitorKey {
    MonitorKey {
        pages: monitor.pages.clone(),
        last_at_free: monitor
            .last_at_free
            .iter()
            .filter(|((thread, _), _)| {
                snapshot
                    .threads
                    .get(*thread)
                    .is_none_or(|record| !record.finished)
            })
            .copied()
            .collect(),
    }
}
