//! The ghost's answers for whole operations (`Ghost::expect`), on
//! hand-computed cases: how a batch is walked, what each outcome does to
//! the ghost, which calls are a caller's bug, and what a refusal may carry.

use pinref_model::ghost::{Allowed, Change, Effect, Expectation, Ghost, Reason, Refusal};
use pinref_model::op::{Op, Start};
use pinref_model::{GupError, Held, Layout, Property, RefKind, Seed, V5_7};

fn start(orders: &[u32], held: &[Held]) -> Start {
    let layout = Layout::new(orders).unwrap_or_else(|e| panic!("{e}"));
    Start::new(layout, held.to_vec()).unwrap_or_else(|e| panic!("{e}"))
}

fn held(plain: i64, pins: i64) -> Held {
    Held { plain, pins }
}

fn only(expectation: &Expectation) -> &Allowed {
    assert_eq!(expectation.allowed.len(), 1, "{expectation:?}");
    &expectation.allowed[0]
}

fn grab(head: usize, kind: RefKind, refs: i64) -> Change {
    Change::Grab { head, kind, refs }
}

/// `pin_user_pages(start, nr, 0)`: the slow path, no extra flags.
fn pin_user_pages(start: usize, nr: usize) -> Op {
    Op::PinUserPages {
        start,
        nr,
        flags: 0,
    }
}

/// `unpin_user_pages_dirty_lock(pages, true)`.
fn unpin_dirty(pages: &[usize]) -> Op {
    Op::UnpinUserPagesDirtyLock {
        pages: pages.to_vec(),
        make_dirty: true,
    }
}

fn unpin(head: usize) -> Change {
    Change::Release {
        head,
        kind: RefKind::Pin,
        refs: 1,
    }
}

#[test]
fn the_ghost_of_a_start_knows_every_head_and_the_pins_it_holds() {
    // Pages of order 0 (pfn 0), 2 (pfns 1..=4) and 0 (pfn 5).
    let ghost = Ghost::at(&start(&[0, 2, 0], &[held(1, 2), held(0, 3), held(4, 0)]));
    let heads: Vec<Option<usize>> = (0..7).map(|pfn| ghost.head_of(pfn)).collect();
    assert_eq!(
        heads,
        [Some(0), Some(1), Some(1), Some(1), Some(1), Some(5), None]
    );
    assert_eq!(ghost.frames(), 6);
    assert_eq!((ghost.pins_acquired, ghost.pins_released), (5, 0));
}

#[test]
fn the_slow_path_pins_the_subpages_of_one_compound_page_in_one_grab() {
    let ghost = Ghost::at(&start(&[2, 0], &[held(1, 0), held(1, 0)]));
    let pin = ghost.expect(&V5_7, &pin_user_pages(0, 5));
    let success = only(&pin);
    assert_eq!(success.result, Ok(()));
    assert_eq!(
        success.effect.changes,
        [grab(0, RefKind::Pin, 4), grab(4, RefKind::Pin, 1)]
    );
}

#[test]
fn the_fast_path_grabs_once_per_address() {
    let ghost = Ghost::at(&start(&[1], &[held(1, 0)]));
    let pin = ghost.expect(
        &V5_7,
        &Op::PinUserPagesFast {
            start: 0,
            nr: 2,
            flags: 0,
        },
    );
    assert_eq!(
        only(&pin).effect.changes,
        [grab(0, RefKind::Pin, 1), grab(0, RefKind::Pin, 1)]
    );
    assert_eq!(pin.refusal_property, Property::P10);
}

#[test]
fn a_pin_batch_that_stops_midway_returns_the_pages_it_pinned_before() {
    // Page 1's count has wrapped past the sign bit: its grab is refused, so
    // the batch stops there and returns page 0 ("return i ? i : ret").
    let ghost = Ghost::at(&start(&[0, 0], &[held(1, 0), held(0, 1 << 21)]));
    let pin = ghost.expect(&Seed, &pin_user_pages(0, 2));
    let partial = only(&pin);
    assert_eq!(partial.result, Ok(()), "a partial count, not an error");
    assert_eq!(partial.effect.changes, [grab(0, RefKind::Pin, 1)]);
    assert_eq!(partial.effect.pins_acquired(), 1, "one page returned");
    assert_eq!(partial.if_contradicted.property, Property::P5);
}

#[test]
fn a_pin_batch_refused_at_its_first_page_is_an_error_that_changes_nothing() {
    let ghost = Ghost::at(&start(&[0, 0], &[held(0, 1 << 21), held(1, 0)]));
    let pin = ghost.expect(&Seed, &pin_user_pages(0, 2));
    let failure = only(&pin);
    assert_eq!(failure.result, Err(Refusal::GrabRefused { pfn: 0 }));
    assert!(failure.pure_refusal);
    assert_eq!(failure.effect.pins_acquired(), 0);
}

#[test]
fn a_fast_pin_batch_hands_the_page_gup_fast_refused_to_the_slow_path() {
    // v5.7's gup_fast refuses a count in the overflow guard's window
    // (try_grab_compound_head), and so does its slow path (try_grab_page):
    // the fast batch ends as the slow one does, after page 0.
    let ghost = Ghost::at(&start(&[0, 0], &[held(1, 0), held(0, 1 << 21)]));
    let fast = ghost.expect(
        &V5_7,
        &Op::PinUserPagesFast {
            start: 0,
            nr: 2,
            flags: 0,
        },
    );
    assert!(
        fast.allowed.iter().all(|end| end.result.is_ok()),
        "page 0 was pinned, so the call returns it: {fast:?}"
    );
    assert!(
        fast.allowed
            .iter()
            .any(|end| end.effect.changes == [grab(0, RefKind::Pin, 1)]),
        "{fast:?}"
    );
}

#[test]
fn a_pin_batch_past_the_last_frame_returns_the_pages_before_it() {
    let ghost = Ghost::at(&start(&[0], &[held(1, 0)]));
    let pin = ghost.expect(&V5_7, &pin_user_pages(0, usize::MAX));
    let partial = only(&pin);
    assert_eq!(partial.result, Ok(()));
    assert_eq!(partial.effect.pins_acquired(), 1);
}

#[test]
fn a_pin_that_crosses_the_sign_bit_may_go_either_way_where_the_guard_is_not_claimed() {
    let ghost = Ghost::at(&Start::single(held(0, (1 << 21) - 1)));
    let pin = ghost.expect(&Seed, &pin_user_pages(0, 1));
    assert_eq!(pin.allowed.len(), 2, "{pin:?}");
    let refusal = pin.allowed.iter().find(|allowed| allowed.result.is_err());
    assert_eq!(
        refusal.map(|allowed| allowed.result),
        Some(Err(Refusal::GrabRefused { pfn: 0 }))
    );
    let success = pin.allowed.iter().find(|allowed| allowed.result.is_ok());
    let expected: Vec<Property> = success
        .map(|allowed| allowed.expected.iter().map(|e| e.property).collect())
        .unwrap_or_default();
    assert_eq!(expected, [Property::P6], "the success is an expected P6");
}

#[test]
fn a_release_the_counters_cannot_tell_is_a_caller_bug() {
    let ghost = Ghost::at(&Start::single(held(0, 1)));
    let put = ghost.expect(&V5_7, &Op::PutPage { page: 0 });
    let bug = put.caller_bug.expect("a caller's bug");
    assert_eq!(bug.property, Property::P7);
    assert!(matches!(bug.reason, Reason::MismatchedRelease { .. }));
    // An unpin of the pin it holds is no bug.
    let unpin = ghost.expect(&V5_7, &Op::UnpinUserPage { page: 0 });
    assert_eq!(unpin.caller_bug, None);
}

#[test]
fn get_page_on_a_page_that_holds_nothing_is_a_caller_bug() {
    let ghost = Ghost::at(&Start::single(Held::default()));
    let get = ghost.expect(&Seed, &Op::GetPage { page: 0 });
    assert_eq!(get.caller_bug.map(|bug| bug.property), Some(Property::P4));
    assert!(only(&get).result.is_err(), "only a refusal is fine");
}

#[test]
fn the_dirtying_unpin_marks_each_head_dirty_before_its_unpin() {
    let ghost = Ghost::at(&start(&[0, 1], &[held(1, 1), held(1, 2)]));
    let unpin_dirty = ghost.expect(&V5_7, &unpin_dirty(&[0, 2]));
    assert_eq!(
        only(&unpin_dirty).effect.changes,
        [
            Change::MarkDirty { head: 0 },
            unpin(0),
            Change::MarkDirty { head: 1 },
            unpin(1),
        ]
    );
}

#[test]
fn a_dirtying_unpin_of_an_unpinned_page_is_a_caller_bug_and_a_refusal_of_it_unpins_the_others() {
    // Page 0 is referenced but not pinned; page 1 holds a pin.
    let ghost = Ghost::at(&start(&[0, 0], &[held(1, 0), held(1, 1)]));
    let unpin_dirty = ghost.expect(&V5_7, &unpin_dirty(&[0, 1]));
    // No kernel refuses the unpin of a page that holds no pin: the count
    // is corrupted, so a check never issues it, and reports it (P7) if run.
    let bug = unpin_dirty.caller_bug.expect("a caller's bug");
    assert_eq!(bug.property, Property::P7);
    assert_eq!(
        bug.reason,
        Reason::MismatchedRelease {
            kind: RefKind::Pin,
            held: held(1, 0)
        }
    );
    // A scheme of its own may still refuse it: then PG_dirty of page 0 may
    // end either way, and page 1 is unpinned.
    let outcome = only(&unpin_dirty);
    assert_eq!(
        outcome.result,
        Err(Refusal::ReleaseRefused {
            kind: RefKind::Pin,
            pfn: 0
        })
    );
    assert_eq!(outcome.dirty_may_change, [0]);
    assert_eq!(
        outcome.effect.changes,
        [Change::MarkDirty { head: 1 }, unpin(1)]
    );
    assert!(!outcome.pure_refusal);
}

#[test]
fn a_dirtying_unpin_of_a_page_that_holds_nothing_is_a_caller_bug() {
    let ghost = Ghost::at(&Start::single(Held::default()));
    let unpin_dirty = ghost.expect(&V5_7, &unpin_dirty(&[0]));
    let bug = unpin_dirty.caller_bug.expect("a caller's bug");
    assert_eq!(bug.reason, Reason::DirtyUnpinOfFreePage);
}

#[test]
fn garbage_flags_and_refs_may_be_refused_for_either_reason() {
    let ghost = Ghost::at(&Start::single(held(1, 0)));
    let garbage = ghost.expect(
        &V5_7,
        &Op::TryGrabFolio {
            page: 0,
            refs: 0,
            flags: 0,
        },
    );
    let refusal = only(&garbage).result.expect_err("refused");
    assert!(refusal.allows(&GupError::NoReferenceRequested));
    assert!(refusal.allows(&GupError::InvalidRefs { refs: 0 }));
    assert!(!refusal.allows(&GupError::FollGetAndPin));
}

#[test]
fn applying_an_outcome_moves_the_ghost_as_the_operation_would() {
    let mut ghost = Ghost::at(&start(&[0, 0], &[held(1, 1), held(1, 0)]));
    ghost.apply(&Effect {
        changes: vec![
            Change::MarkDirty { head: 0 },
            unpin(0),
            grab(1, RefKind::Get, 2),
        ],
    });
    let page0 = ghost.pages[&0];
    assert_eq!(
        (page0.held, page0.dirty, page0.freed),
        (held(1, 0), true, 0)
    );
    assert_eq!(ghost.pages[&1].held, held(3, 0));
    assert_eq!((ghost.pins_acquired, ghost.pins_released), (1, 1));
    assert_eq!(ghost.live_pins(), 0);
}
