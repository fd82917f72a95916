//! The monitor judges every access at the step it happens, with the label
//! of the property that access breaks: a count moving on a tail is P5 or P7
//! (never a revival), every write of a count is judged (`set_page_count`
//! included, once the set-up is done), and the page lock, the flags and the
//! statistics are watched like the counts (P4 after the free). Its verdict
//! key holds everything a later verdict depends on.
//!
//! Each test sets a memory up, attaches a monitor, and makes the accesses
//! with the model's own helpers, as a scheme would.

use pinref_model::free::free_page;
use pinref_model::page_flags::{lock_page, page_dirty};
use pinref_model::page_ref::{
    page_ref_add, page_ref_add_unless, page_ref_count, page_ref_dec_and_test,
    page_ref_sub_and_test, pincount_add, set_page_count,
};
use pinref_model::split::split_huge_page;
use pinref_model::sync::Std;
use pinref_model::{
    Event, EventKind, GUP_PIN_COUNTING_BIAS, Held, Layout, Memory, Observer, PageRef, Property,
    Scheme, V5_7,
};
use pinref_proofs::properties::monitor::{Monitor, StopExecution};
use pinref_proofs::scenarios::world::World;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, Once};

/// A memory of `layout` whose heads v5.7 sets up to `held`, then watched
/// by a monitor for v5.7.
fn watched(layout: &Layout, held: &[Held]) -> (Memory<Std>, Monitor) {
    let memory = Memory::<Std>::new(layout);
    for (&head, &held) in layout.heads().iter().zip(held) {
        V5_7.init_page(page(&memory, head), held);
    }
    let monitor = Monitor::new(Monitor::config_for(&V5_7));
    let memory = memory.with_observer(Arc::new(monitor.clone()));
    (memory, monitor)
}

fn page(memory: &Memory<Std>, pfn: usize) -> PageRef<'_, Std> {
    memory.page(pfn).expect("a page of the layout")
}

fn order(order: u32) -> Layout {
    Layout::new(&[order]).expect("a valid layout")
}

/// The property the monitor stopped `accesses` for, with its message; `None`
/// if they ran to the end.
fn stopped_by(accesses: impl FnOnce()) -> Option<(Property, String)> {
    static QUIET: Once = Once::new();
    QUIET.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.payload().is::<StopExecution>() {
                default(info);
            }
        }));
    });
    match catch_unwind(AssertUnwindSafe(accesses)) {
        Ok(()) => None,
        Err(payload) => match payload.downcast::<StopExecution>() {
            Ok(stop) => Some((stop.0.violation.property, stop.0.violation.message)),
            Err(other) => resume_unwind(other),
        },
    }
}

fn property(stop: &Option<(Property, String)>) -> Option<Property> {
    stop.as_ref().map(|(property, _)| *property)
}

const ONE_PLAIN: Held = Held { plain: 1, pins: 0 };

// ------------------------------------------------------------------ tails

#[test]
fn a_pin_that_lands_on_a_tail_is_a_reference_no_count_encodes_not_a_revival() {
    let (memory, _monitor) = watched(&order(2), &[ONE_PLAIN]);
    let tail = page(&memory, 2);

    let stop = stopped_by(|| page_ref_add(tail, GUP_PIN_COUNTING_BIAS));

    assert_eq!(property(&stop), Some(Property::P5), "{stop:?}");
    let message = stop.map(|(_, message)| message).unwrap_or_default();
    assert!(message.contains("tail page 2"), "{message}");
}

#[test]
fn an_exact_pin_counted_on_a_tail_is_a_reference_no_count_encodes() {
    let (memory, _monitor) = watched(&order(2), &[ONE_PLAIN]);

    let stop = stopped_by(|| pincount_add(page(&memory, 3), 1));

    assert_eq!(property(&stop), Some(Property::P5), "{stop:?}");
}

#[test]
fn an_unpin_that_releases_from_a_tail_is_a_mismatched_release_not_an_underflow() {
    let pinned = Held { plain: 1, pins: 1 };
    let (memory, _monitor) = watched(&order(1), &[pinned]);
    let tail = page(&memory, 1);

    let stop = stopped_by(|| {
        page_ref_sub_and_test(tail, GUP_PIN_COUNTING_BIAS);
    });

    assert_eq!(property(&stop), Some(Property::P7), "{stop:?}");
}

#[test]
fn a_split_gives_each_tail_its_count_without_a_finding_and_its_tails_become_heads() {
    let layout = order(2).splittable();
    let (memory, monitor) = watched(&layout, &[Held { plain: 4, pins: 0 }]);

    let split = stopped_by(|| {
        split_huge_page(page(&memory, 0)).expect("the split succeeds");
    });
    // A former tail is a head now: a reference taken on it is counted.
    let grab = stopped_by(|| page_ref_add(page(&memory, 2), 1));

    assert_eq!(split, None);
    assert_eq!(grab, None);
    assert!(monitor.findings().is_empty(), "{:?}", monitor.findings());
}

// ------------------------------------------------ every count write judged

#[test]
fn a_world_is_set_up_before_its_monitor_watches() {
    let monitor = Monitor::new(Monitor::config_for(&V5_7));
    let held = [Held { plain: 2, pins: 1 }];

    let _world = World::<Std, V5_7>::new(V5_7, &Layout::single_page(), &held, monitor.clone());

    let log = monitor.log();
    assert!(!log.contains("set_page_count"), "{log}");
    assert!(!log.contains("set_pincount"), "{log}");
    assert!(monitor.findings().is_empty());
}

#[test]
fn a_run_time_set_page_count_that_takes_a_count_below_its_free_value_is_an_underflow() {
    let (memory, _monitor) = watched(&Layout::single_page(), &[ONE_PLAIN]);

    let stop = stopped_by(|| set_page_count(page(&memory, 0), -1));

    assert_eq!(property(&stop), Some(Property::P3), "{stop:?}");
}

#[test]
fn a_run_time_set_page_count_that_brings_a_free_page_back_is_a_revival() {
    let (memory, _monitor) = watched(&Layout::single_page(), &[Held::default()]);

    let stop = stopped_by(|| set_page_count(page(&memory, 0), 1));

    assert_eq!(property(&stop), Some(Property::P10), "{stop:?}");
}

#[test]
fn a_run_time_set_page_count_that_keeps_a_live_page_live_is_no_finding() {
    let (memory, _monitor) = watched(&Layout::single_page(), &[Held { plain: 2, pins: 0 }]);

    let stop = stopped_by(|| set_page_count(page(&memory, 0), 1));

    assert_eq!(stop, None);
}

// -------------------------------------------- the rest of the page watched

/// What `access` breaks on an order-0 page once its only reference was
/// dropped and the page freed.
fn on_a_freed_page(access: impl FnOnce(PageRef<'_, Std>)) -> Option<(Property, String)> {
    let (memory, _monitor) = watched(&Layout::single_page(), &[ONE_PLAIN]);
    let page = page(&memory, 0);
    if page_ref_dec_and_test(page) {
        free_page(page);
    }
    stopped_by(|| access(page))
}

#[test]
fn a_lock_taken_on_a_freed_page_is_a_touch_after_free() {
    let stop = on_a_freed_page(lock_page);

    assert_eq!(property(&stop), Some(Property::P4), "{stop:?}");
    let message = stop.map(|(_, message)| message).unwrap_or_default();
    assert!(message.contains("after it was freed"), "{message}");
}

#[test]
fn the_dirty_bit_tested_on_a_freed_page_is_a_touch_after_free() {
    let stop = on_a_freed_page(|page| {
        page_dirty(page);
    });

    assert_eq!(property(&stop), Some(Property::P4), "{stop:?}");
}

#[test]
fn a_freed_page_s_count_may_still_be_read() {
    let stop = on_a_freed_page(|page| {
        page_ref_count(page);
        page_ref_add_unless(page, 1, 0);
    });

    assert_eq!(stop, None);
}

// ------------------------------------------------------------ verdict key

/// An access to feed a monitor by hand: `thread` did `kind` on `pfn`.
fn access(thread: usize, pfn: usize, kind: EventKind) -> Event {
    Event { thread, pfn, kind }
}

fn refcount(helper: &'static str, old: i32, new: i32) -> EventKind {
    EventKind::Refcount { helper, old, new }
}

/// A monitor watching an order-2 page (head 0 at count 4, tails 1..=3)
/// after `history`; `None` if the history itself broke a property.
fn after(history: &[Event]) -> Option<Monitor> {
    let (memory, monitor) = watched(&order(2), &[Held { plain: 4, pins: 0 }]);
    drop(memory);
    let stop = stopped_by(|| {
        for event in history {
            monitor.event(event);
        }
    });
    stop.is_none().then_some(monitor)
}

/// What `probe` breaks on a monitor that has seen `history`.
fn verdict(history: &[Event], probe: &Event) -> Option<Property> {
    let monitor = after(history).expect("the history breaks nothing");
    property(&stopped_by(|| monitor.event(probe)))
}

#[test]
fn monitors_with_equal_verdict_keys_judge_every_next_access_alike() {
    let histories: Vec<(&str, Vec<Event>)> = vec![
        ("nothing", vec![]),
        (
            "frozen",
            vec![access(1, 0, refcount("page_ref_freeze", 4, 0))],
        ),
        (
            "dropped to 0, not freed",
            vec![access(1, 0, refcount("page_ref_sub", 4, 0))],
        ),
        (
            "freed",
            vec![
                access(1, 0, refcount("page_ref_sub_and_test", 4, 0)),
                access(1, 0, EventKind::Freed { by: "__put_page" }),
            ],
        ),
        (
            "tail 1 made a head, still frozen",
            vec![access(1, 1, EventKind::CompoundHead { head: 1, order: 0 })],
        ),
        (
            "tail 1 made a head and unfrozen",
            vec![
                access(1, 1, EventKind::CompoundHead { head: 1, order: 0 }),
                access(1, 1, refcount("page_ref_unfreeze", 0, 1)),
            ],
        ),
        (
            "get then put",
            vec![
                access(1, 0, refcount("page_ref_inc", 4, 5)),
                access(1, 0, refcount("page_ref_sub_and_test", 5, 4)),
            ],
        ),
        (
            "put then get",
            vec![
                access(1, 0, refcount("page_ref_sub_and_test", 4, 3)),
                access(1, 0, refcount("page_ref_inc", 3, 4)),
            ],
        ),
    ];
    let probes = [
        access(1, 0, refcount("page_ref_unfreeze", 0, 1)),
        access(2, 0, refcount("page_ref_inc", 0, 1)),
        access(1, 1, refcount("page_ref_add", 0, 1)),
        access(1, 1, refcount("page_ref_add", 1, 2)),
        access(1, 0, EventKind::Freed { by: "__put_page" }),
        access(
            2,
            0,
            EventKind::Lock {
                helper: "lock_page",
                was_locked: false,
            },
        ),
    ];

    let keyed: Vec<_> = histories
        .iter()
        .map(|(name, history)| {
            let key = after(history)
                .expect("the history breaks nothing")
                .verdict_key();
            (name, history, key)
        })
        .collect();
    let mut equal_pairs = 0;
    let mut disagreements = Vec::new();
    for (i, (name_a, history_a, key_a)) in keyed.iter().enumerate() {
        for (name_b, history_b, key_b) in &keyed[i + 1..] {
            if key_a != key_b {
                continue;
            }
            equal_pairs += 1;
            for probe in &probes {
                let (a, b) = (verdict(history_a, probe), verdict(history_b, probe));
                if a != b {
                    disagreements.push(format!(
                        "after {name_a:?} and {name_b:?} (equal keys), {probe:?} breaks {a:?} \
                         and {b:?}"
                    ));
                }
            }
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:#?}");
    assert!(equal_pairs > 0, "no two histories reached the same key");
}

#[test]
fn a_verdict_key_with_its_threads_renamed_moves_only_the_per_thread_entries() {
    let history = [
        access(2, 0, refcount("page_ref_inc", 4, 5)),
        access(2, 1, EventKind::CompoundHead { head: 1, order: 0 }),
        access(2, 0, refcount("page_ref_sub", 5, 1)),
        access(1, 0, refcount("page_ref_dec_and_test", 1, 0)),
    ];
    let key = after(&history)
        .expect("the history breaks nothing")
        .verdict_key();

    let swapped = key.with_threads_renamed(&[0, 2, 1]);

    assert_eq!(swapped.pages, key.pages);
    // Thread 1 left the count at its free value, thread 2 did not: the
    // entries move with their threads.
    assert_eq!(key.last_at_free, [((1, 0), true), ((2, 0), false)]);
    assert_eq!(swapped.last_at_free, [((1, 0), false), ((2, 0), true)]);
}
