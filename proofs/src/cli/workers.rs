//! The main job's runs on several cores: independent runs (a scenario on a
//! scheme on an engine; a flawed variant's hunt) handed out one at a time
//! to a few worker threads, their results kept in the input's order.
//!
//! Every engine keeps its state per thread (loom's and shuttle's executions
//! run on the thread that explores; the quiet panic hook asks the thread
//! whether it is exploring), so runs on different workers do not meet.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` applied to every item on `workers` threads (at least one), in the
/// items' order. `f` gets the item's index.
pub fn map<T: Sync, R: Send>(
    items: &[T],
    workers: usize,
    f: impl Fn(usize, &T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..workers.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(index) else { break };
                    let result = f(index, item);
                    results.lock().unwrap_or_else(|p| p.into_inner())[index] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|result| result.expect("every item was run: a worker that panics fails the scope"))
        .collect()
}

/// How many workers the machine affords.
pub fn available() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
