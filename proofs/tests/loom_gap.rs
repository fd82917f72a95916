//! A gap in loom 0.7.3's exploration that pinref's loom rows inherit
//! (tokio-rs/loom#392, and #166 before it), pinned down so that the day a
//! loom upgrade closes it, this test fails and says what to revisit.
//!
//! loom's DPOR keeps, per atomic, only the *last* access of any kind as
//! the one a later store or read-modify-write must be ordered against
//! (`rt/atomic.rs`, `last_access`). A thread that loads a variable and then
//! stores to it therefore hides every other thread's earlier load of that
//! variable behind its own load: the order in which the store comes before
//! the other thread's load is never explored. The kernel's refcount code
//! is full of that shape (a guard reads the count, then adds; an
//! `atomic_add_unless` loads, then compares and exchanges), so a loom pass
//! can miss a bug that needs such an order. The explorer (`stateful`)
//! does not share the gap; the main job runs it on every scenario, and
//! `proofs/tests/stateful.rs` compares the two.

use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, Ordering::Relaxed};
use loom::thread;
use std::collections::BTreeSet;

/// Every value the main thread's load of `flag` reads under loom, while a
/// spawned thread stores `true` to it, after loading it first if
/// `load_before_store`.
fn values_main_reads(load_before_store: bool) -> BTreeSet<bool> {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(BTreeSet::new()));
    let record = std::sync::Arc::clone(&seen);
    loom::model(move || {
        let flag = Arc::new(AtomicBool::new(false));
        let theirs = Arc::clone(&flag);
        let storer = thread::spawn(move || {
            if load_before_store {
                let _ = theirs.load(Relaxed);
            }
            theirs.store(true, Relaxed);
        });
        let read = flag.load(Relaxed);
        storer.join().expect("the storing thread");
        record.lock().expect("the values").insert(read);
    });
    seen.lock().expect("the values").clone()
}

#[test]
fn loom_reads_both_values_when_the_storing_thread_only_stores() {
    assert_eq!(values_main_reads(false), BTreeSet::from([false, true]));
}

#[test]
fn loom_misses_the_store_before_the_load_when_the_storing_thread_loaded_first() {
    assert_eq!(
        values_main_reads(true),
        BTreeSet::from([false]),
        "loom now explores the store before the other thread's load: the gap \
         this file pins down is closed. Remove FINAL_STATES_OPEN in \
         proofs/tests/stateful.rs if the final states now agree, the README's \
         note under \"What loom does not model\", and this file"
    );
}
