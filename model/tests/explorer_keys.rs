//! What the explorer keys a thread on (`pinref_model::sync::explorer`):
//! an operation's internal reads give way to its name and result, a read
//! outside any operation stays, a spin on an unchanged memory is one state,
//! a thread that does not repeat itself on replay is refused, and a step
//! takes with it the reads its merge rule allows.
//!
//! Each program below is a main thread (0) that spawns a writer (1) and a
//! reader (2); a path names the thread stepped at each step.

use pinref_model::sync::explorer::{
    Explorer, Followed, MergeRule, Snapshot, StepOutcome, follow, step,
};
use pinref_model::sync::{AtomicI32, JoinHandle, Ordering, Platform};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

type Atomic = <Explorer as Platform>::AtomicI32;

const MAIN: usize = 0;
const WRITER: usize = 1;
const READER: usize = 2;

/// Spawns a writer that stores 5 into `x` and a reader running `read`,
/// and joins both.
fn program(read: fn(&Atomic)) {
    let x = Arc::new(Atomic::new(0));
    let w = Arc::clone(&x);
    let writer = Explorer::spawn(move || w.store(5, Ordering::SeqCst));
    let r = Arc::clone(&x);
    let reader = Explorer::spawn(move || read(&r));
    writer.join();
    reader.join();
}

/// Steps `path` from the initial state; panics on anything but progress.
fn walk(read: fn(&Atomic), path: &[usize]) -> Snapshot {
    let mut snapshot = Snapshot::initial();
    for &thread in path {
        match step(&snapshot, thread, &MergeRule::none(), &mut || program(read)) {
            StepOutcome::Advanced { snapshot: next, .. } => snapshot = next,
            StepOutcome::Stopped { .. } => panic!("the program stopped at thread {thread}"),
            StepOutcome::Rejected(message) => panic!("rejected: {message}"),
        }
    }
    snapshot
}

/// Writer first (the reader sees 5), or reader first (it sees 0).
const WRITER_FIRST: [usize; 3] = [MAIN, WRITER, READER];
const READER_FIRST: [usize; 3] = [MAIN, READER, WRITER];

#[test]
fn an_operation_is_keyed_on_its_result_not_on_what_it_read() {
    fn read(x: &Atomic) {
        Explorer::operation("peek", || {
            let _seen = x.load(Ordering::SeqCst);
            7
        });
        x.store(1, Ordering::SeqCst);
    }
    let after_write = walk(read, &WRITER_FIRST);
    let before_write = walk(read, &READER_FIRST);
    assert_eq!(
        after_write.threads[READER].key, before_write.threads[READER].key,
        "the load inside the operation saw 5 on one path and 0 on the other, but the \
         operation returned 7 on both"
    );
}

#[test]
fn a_read_outside_an_operation_stays_in_the_key_across_a_later_operation() {
    fn read(x: &Atomic) {
        let seen = x.load(Ordering::SeqCst);
        Explorer::operation("later", || 7);
        x.store(seen, Ordering::SeqCst);
    }
    let after_write = walk(read, &WRITER_FIRST);
    let before_write = walk(read, &READER_FIRST);
    assert_ne!(
        after_write.threads[READER].key, before_write.threads[READER].key,
        "`seen` is live after the operation: dropping it would merge a reader about to \
         store 5 with one about to store 0"
    );
}

#[test]
fn operations_with_the_same_result_are_told_apart_by_name() {
    fn read_a(x: &Atomic) {
        Explorer::operation("get_page", || 0);
        x.store(1, Ordering::SeqCst);
    }
    fn read_b(x: &Atomic) {
        Explorer::operation("put_page", || 0);
        x.store(1, Ordering::SeqCst);
    }
    let a = walk(read_a, &WRITER_FIRST);
    let b = walk(read_b, &WRITER_FIRST);
    assert_ne!(a.threads[READER].key, b.threads[READER].key);
}

#[test]
fn a_spin_on_an_unchanged_memory_stays_in_one_state() {
    fn read(x: &Atomic) {
        Explorer::spin_until(|| (x.load(Ordering::SeqCst) != 0).then_some(()));
    }
    // The reader spins before the writer runs: twice (attempt, yield,
    // attempt, yield).
    let before = walk(read, &[MAIN]);
    let spun = walk(read, &[MAIN, READER, READER, READER, READER]);
    assert_eq!(before.memory, spun.memory);
    assert_eq!(
        before.threads[READER].key, spun.threads[READER].key,
        "failed attempts must leave the key where the loop began"
    );
    assert!(!spun.threads[READER].finished);
    let done = walk(read, &[MAIN, READER, READER, WRITER, READER]);
    assert!(
        done.threads[READER].finished,
        "the attempt after the write succeeds"
    );
}

#[test]
fn a_thread_that_does_not_repeat_itself_on_replay_is_refused() {
    static RUNS: AtomicU64 = AtomicU64::new(0);
    fn read(x: &Atomic) {
        // Reads a counter outside the sync layer: its first run loads, its
        // replays store.
        if RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) == 0 {
            x.load(Ordering::SeqCst);
        } else {
            x.store(3, Ordering::SeqCst);
        }
        x.store(1, Ordering::SeqCst);
    }
    let first = walk(read, &[MAIN, READER]);
    match step(&first, READER, &MergeRule::none(), &mut || program(read)) {
        StepOutcome::Rejected(message) => assert!(
            message.contains("not deterministic"),
            "the error says why: {message}"
        ),
        StepOutcome::Advanced { .. } | StepOutcome::Stopped { .. } => {
            panic!("a diverging replay must be refused, never explored")
        }
    }
}

#[test]
fn a_step_takes_with_it_the_reads_its_rule_allows_and_reports_them() {
    fn read(x: &Atomic) {
        x.store(1, Ordering::SeqCst);
        let _ = x.load(Ordering::SeqCst);
        let _ = x.load(Ordering::SeqCst);
        x.store(2, Ordering::SeqCst);
    }
    let spawned = walk(read, &[MAIN]);
    let actions = |rule: &MergeRule| match step(&spawned, READER, rule, &mut || program(read)) {
        StepOutcome::Advanced {
            snapshot, merge, ..
        } => (snapshot.threads[READER].log.len(), merge),
        StepOutcome::Stopped { .. } | StepOutcome::Rejected(_) => panic!("the reader steps"),
    };
    let (merged, log) = actions(&MergeRule::every());
    assert_eq!(
        merged, 3,
        "the store and both loads, up to the second store"
    );
    assert_eq!(log.merged.len(), 1, "one variable read merged: {log:?}");
    assert_eq!(
        log.written_concurrently, log.merged,
        "written while others run"
    );
    let (barred, _) = actions(&MergeRule::every().without(log.merged.iter().copied()));
    assert_eq!(barred, 1, "a barred variable's read is a scheduling point");
    assert_eq!(actions(&MergeRule::none()).0, 1);
}

#[test]
fn a_path_that_names_a_thread_that_cannot_move_ends_the_run_instead_of_waiting() {
    fn read(x: &Atomic) {
        let _ = x.load(Ordering::SeqCst);
    }
    for path in [
        vec![MAIN, 9],
        vec![MAIN, MAIN, MAIN],
        vec![MAIN, WRITER, WRITER, WRITER],
    ] {
        let (followed, _) = follow(&path, &MergeRule::none(), &mut || program(read));
        assert!(
            matches!(followed, Followed::Completed),
            "{path:?} ends without a finding"
        );
    }
}
