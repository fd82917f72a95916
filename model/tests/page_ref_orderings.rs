//! The `_ordered` forms of the `page_ref` helpers: at every ordering they
//! compute what the kernel's helper computes, and each reports itself under
//! a name that says its ordering (the kernel's name at the kernel's
//! ordering), so that a counterexample shows a weakened one.

use pinref_model::page_ref::*;
use pinref_model::sync::Std;
use pinref_model::{Event, EventKind, Layout, Memory, Observer, PageRef};
use std::sync::{Arc, Mutex};

/// Every event's helper name, in order.
#[derive(Default)]
struct Helpers(Mutex<Vec<&'static str>>);

impl Observer for Helpers {
    fn event(&self, event: &Event) {
        if let EventKind::Refcount { helper, .. }
        | EventKind::Pincount { helper, .. }
        | EventKind::Read { helper, .. } = event.kind
        {
            self.0.lock().expect("helpers").push(helper);
        }
    }
}

impl Helpers {
    fn last(&self) -> &'static str {
        self.0
            .lock()
            .expect("helpers")
            .last()
            .copied()
            .unwrap_or("none")
    }
}

/// A one-page memory whose refcount and pin count start at `count`, and
/// the log of its helpers.
fn page_at(count: i32) -> (Memory<Std>, Arc<Helpers>) {
    let helpers = Arc::new(Helpers::default());
    let memory = Memory::<Std>::new(&Layout::single_page()).with_observer(helpers.clone());
    let page = memory.page(0).expect("page 0");
    set_page_count(page, count);
    set_pincount(page, count);
    (memory, helpers)
}

type Op = fn(PageRef<'_, Std>, RmwOrder) -> i32;
type Counter = fn(PageRef<'_, Std>) -> i32;
/// One row: name, kernel ordering, operation, its count, (returned, after).
type Form = (&'static str, RmwOrder, Op, Counter, (i32, i32));

/// Each ordered read-modify-write on counts of 2, as (its kernel name, the
/// kernel's ordering, the operation with what it returns folded into an
/// i32, the count it changes, and by hand: what it returns and that count
/// after it).
fn rmw_forms() -> Vec<Form> {
    let refcount: Counter = page_ref_count;
    let pincount: Counter = pincount_read;
    vec![
        (
            "page_ref_add",
            RmwOrder::Relaxed,
            |p, o| {
                page_ref_add_ordered(p, 3, o);
                0
            },
            refcount,
            (0, 5),
        ),
        (
            "page_ref_inc",
            RmwOrder::Relaxed,
            |p, o| {
                page_ref_inc_ordered(p, o);
                0
            },
            refcount,
            (0, 3),
        ),
        (
            "page_ref_sub",
            RmwOrder::Relaxed,
            |p, o| {
                page_ref_sub_ordered(p, 1, o);
                0
            },
            refcount,
            (0, 1),
        ),
        (
            "page_ref_sub_and_test",
            RmwOrder::Full,
            |p, o| i32::from(page_ref_sub_and_test_ordered(p, 2, o)),
            refcount,
            (1, 0),
        ),
        (
            "page_ref_dec_and_test",
            RmwOrder::Full,
            |p, o| i32::from(page_ref_dec_and_test_ordered(p, o)),
            refcount,
            (0, 1),
        ),
        (
            "page_ref_sub_return",
            RmwOrder::Full,
            |p, o| page_ref_sub_return_ordered(p, 1, o),
            refcount,
            (1, 1),
        ),
        (
            "page_ref_dec_return",
            RmwOrder::Full,
            |p, o| page_ref_dec_return_ordered(p, o),
            refcount,
            (1, 1),
        ),
        (
            "page_ref_add_unless",
            RmwOrder::Full,
            |p, o| i32::from(page_ref_add_unless_ordered(p, 5, 0, o)),
            refcount,
            (1, 7),
        ),
        (
            "page_ref_freeze",
            RmwOrder::Full,
            |p, o| i32::from(page_ref_freeze_ordered(p, 2, o)),
            refcount,
            (1, 0),
        ),
        (
            "pincount_add",
            RmwOrder::Relaxed,
            |p, o| {
                pincount_add_ordered(p, 4, o);
                0
            },
            pincount,
            (0, 6),
        ),
        (
            "pincount_sub",
            RmwOrder::Relaxed,
            |p, o| {
                pincount_sub_ordered(p, 1, o);
                0
            },
            pincount,
            (0, 1),
        ),
    ]
}

fn suffix(order: RmwOrder) -> &'static str {
    match order {
        RmwOrder::Relaxed => "_relaxed",
        RmwOrder::Acquire => "_acquire",
        RmwOrder::Release => "_release",
        RmwOrder::Full => "_full",
    }
}

/// Runs `check` on each form of [`rmw_forms`] at every ordering, each on a
/// fresh page at counts of 2 with its helper log, then fails once naming
/// every form and ordering whose check complained.
fn assert_every_form_at_every_ordering(
    check: impl Fn(&Form, RmwOrder, PageRef<'_, Std>, &Helpers) -> Option<String>,
) {
    let mut wrong = Vec::new();
    for form in rmw_forms() {
        for order in RmwOrder::ALL {
            let (memory, helpers) = page_at(2);
            if let Some(complaint) = check(&form, order, memory.page(0).expect("page 0"), &helpers)
            {
                wrong.push(format!("{} {order:?}: {complaint}", form.0));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn every_ordered_read_modify_write_computes_the_kernel_helpers_result_at_every_ordering() {
    assert_every_form_at_every_ordering(|&(_, _, op, counter, expected), order, page, _| {
        let got = (op(page, order), counter(page));
        (got != expected).then(|| format!("{got:?}, expected {expected:?}"))
    });
}

#[test]
fn a_helper_reports_its_kernel_name_at_its_kernel_ordering_and_the_ordering_otherwise() {
    assert_every_form_at_every_ordering(|&(name, kernel, op, _, _), order, page, helpers| {
        op(page, order);
        let expected = if order == kernel {
            name.to_string()
        } else {
            format!("{name}{}", suffix(order))
        };
        let reported = helpers.last();
        (reported != expected).then(|| format!("reported {reported}, expected {expected}"))
    });
}

#[test]
fn the_kernel_helpers_are_their_ordered_forms_at_the_kernels_ordering() {
    let (memory, helpers) = page_at(2);
    let page = memory.page(0).expect("page 0");
    assert!(!page_ref_sub_and_test(page, 1));
    assert_eq!(helpers.last(), "page_ref_sub_and_test");
    page_ref_add(page, 1);
    assert_eq!(helpers.last(), "page_ref_add");
    assert!(page_ref_add_unless(page, 1, 0));
    assert_eq!(helpers.last(), "page_ref_add_unless");
    assert_eq!(page_ref_count(page), 3);
}

#[test]
fn a_failed_add_unless_or_freeze_changes_nothing_at_any_ordering() {
    let mut wrong = Vec::new();
    for order in RmwOrder::ALL {
        let (memory, _) = page_at(0);
        let page = memory.page(0).expect("page 0");
        if page_ref_add_unless_ordered(page, 1, 0, order) || page_ref_count(page) != 0 {
            wrong.push(format!("add_unless {order:?} revived a count of 0"));
        }
        set_page_count(page, 3);
        if page_ref_freeze_ordered(page, 2, order) || page_ref_count(page) != 3 {
            wrong.push(format!("freeze {order:?} froze a count that was not 2"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn loads_and_stores_read_and_write_the_same_values_at_either_ordering() {
    let (memory, helpers) = page_at(7);
    let page = memory.page(0).expect("page 0");
    assert_eq!(page_ref_count_ordered(page, LoadOrder::Acquire), 7);
    assert_eq!(helpers.last(), "page_ref_count_acquire");
    assert_eq!(pincount_read_ordered(page, LoadOrder::Acquire), 7);
    assert_eq!(helpers.last(), "pincount_read_acquire");
    set_page_count_ordered(page, 9, StoreOrder::Release);
    assert_eq!(helpers.last(), "set_page_count_release");
    set_pincount_ordered(page, 4, StoreOrder::Release);
    assert_eq!(helpers.last(), "set_pincount_release");
    assert_eq!((page_ref_count(page), pincount_read(page)), (9, 4));
    page_ref_unfreeze_ordered(page, 2, StoreOrder::Relaxed);
    assert_eq!(helpers.last(), "page_ref_unfreeze_relaxed");
    page_ref_unfreeze(page, 3);
    assert_eq!(helpers.last(), "page_ref_unfreeze");
    assert_eq!(page_ref_count(page), 3);
}
