//! The ghost spec's helpers on hand-computed cases: what it expects of a
//! grab and of a release, when it allows a false positive, when a count has
//! wrapped, and the exact (unwrapped) refcount a state encodes.

use pinref_model::ghost::{Expect, Ghost, GhostPage, exact_refcount};
use pinref_model::{Devmap, Folio, Held, PageShape, RefKind, Seed, V5_7};

const ORDER_0: PageShape = PageShape { order: 0 };
const ORDER_2: PageShape = PageShape { order: 2 };
/// The most pins an order-0 page holding one plain reference can take
/// before its refcount crosses the sign bit: 1 + 1024 * (2^21 - 1) =
/// 2^31 - 1023.
const PINS_BELOW_SIGN_BIT: i64 = (1 << 21) - 1;

fn page(shape: PageShape, plain: i64, pins: i64) -> GhostPage {
    GhostPage::new(shape, Held { plain, pins })
}

// ----------------------------------------------------------- exact_refcount

#[test]
fn exact_refcount_adds_1024_per_pin_on_a_bias_page() {
    let held = Held { plain: 3, pins: 2 };
    assert_eq!(exact_refcount(&Seed, ORDER_0, held), 2051);
    assert_eq!(exact_refcount(&Seed, ORDER_2, held), 2051);
    assert_eq!(exact_refcount(&Folio, ORDER_0, held), 2051);
}

#[test]
fn exact_refcount_adds_1_per_pin_on_a_page_with_an_exact_pin_count() {
    let held = Held { plain: 3, pins: 2 };
    assert_eq!(exact_refcount(&V5_7, ORDER_2, held), 5);
    assert_eq!(exact_refcount(&Folio, ORDER_2, held), 5);
}

#[test]
fn exact_refcount_counts_the_devmap_pgmap_reference() {
    assert_eq!(exact_refcount(&Devmap, ORDER_0, Held::default()), 1);
    assert_eq!(
        exact_refcount(&Devmap, ORDER_0, Held { plain: 3, pins: 2 }),
        2052
    );
    assert_eq!(
        exact_refcount(&Devmap, ORDER_2, Held { plain: 3, pins: 2 }),
        6
    );
}

#[test]
fn exact_refcount_does_not_wrap() {
    let held = Held {
        plain: 1,
        pins: 1 << 21,
    };
    assert_eq!(exact_refcount(&Seed, ORDER_0, held), (1 << 31) + 1);
    assert_eq!(exact_refcount(&V5_7, ORDER_0, held), 2_147_483_649);
}

// ------------------------------------------------------------------ wrapped

#[test]
fn wrapped_is_false_up_to_i32_max_and_true_past_it() {
    assert!(!page(ORDER_0, 1, 0).wrapped(&Seed));
    assert!(!page(ORDER_0, 1, PINS_BELOW_SIGN_BIT).wrapped(&Seed));
    assert!(page(ORDER_0, 1, PINS_BELOW_SIGN_BIT + 1).wrapped(&Seed));
    assert!(page(ORDER_0, 1, PINS_BELOW_SIGN_BIT + 1).wrapped(&V5_7));
}

#[test]
fn wrapped_is_false_for_the_same_pins_counted_exactly() {
    // 2^21 pins on an order-2 v5.7 page add 2^21 to the refcount, not 2^31.
    assert!(!page(ORDER_2, 1, PINS_BELOW_SIGN_BIT + 1).wrapped(&V5_7));
    assert!(page(ORDER_2, 1, PINS_BELOW_SIGN_BIT + 1).wrapped(&Seed));
}

// ------------------------------------------------------------- expect_grab

#[test]
fn expect_grab_succeeds_on_a_referenced_page() {
    let ghost = page(ORDER_0, 1, 0);
    assert_eq!(ghost.expect_grab(&Seed, RefKind::Get, 1), Expect::Succeed);
    assert_eq!(ghost.expect_grab(&Seed, RefKind::Pin, 1), Expect::Succeed);
    assert_eq!(ghost.expect_grab(&Devmap, RefKind::Pin, 4), Expect::Succeed);
}

#[test]
fn expect_grab_refuses_a_free_page() {
    let free = page(ORDER_0, 0, 0);
    for kind in [RefKind::Get, RefKind::Pin] {
        assert_eq!(free.expect_grab(&Seed, kind, 1), Expect::Refuse);
        assert_eq!(free.expect_grab(&V5_7, kind, 1), Expect::Refuse);
        assert_eq!(free.expect_grab(&Folio, kind, 1), Expect::Refuse);
        assert_eq!(
            free.expect_grab(&Devmap, kind, 1),
            Expect::Refuse,
            "free at 1"
        );
    }
}

#[test]
fn expect_grab_refuses_a_count_already_past_the_sign_bit() {
    let wrapped = page(ORDER_0, 1, PINS_BELOW_SIGN_BIT + 1);
    assert_eq!(wrapped.expect_grab(&V5_7, RefKind::Get, 1), Expect::Refuse);
    assert_eq!(wrapped.expect_grab(&V5_7, RefKind::Pin, 1), Expect::Refuse);
}

#[test]
fn expect_grab_allows_either_for_a_pin_that_crosses_the_sign_bit() {
    // The kernel's schemes do not claim to refuse before the crossing.
    let last = page(ORDER_0, 1, PINS_BELOW_SIGN_BIT);
    assert_eq!(last.expect_grab(&Seed, RefKind::Pin, 1), Expect::Either);
    assert_eq!(last.expect_grab(&V5_7, RefKind::Pin, 1), Expect::Either);
    assert_eq!(
        last.expect_grab(&Seed, RefKind::Get, 1),
        Expect::Succeed,
        "1022 to spare"
    );
    assert_eq!(last.expect_grab(&Seed, RefKind::Get, 1023), Expect::Either);
}

// ---------------------------------------------------------- expect_release

#[test]
fn expect_release_succeeds_when_that_many_are_held() {
    let ghost = page(ORDER_0, 2, 3);
    assert_eq!(
        ghost.expect_release(&Seed, RefKind::Get, 2),
        Some(Expect::Succeed)
    );
    assert_eq!(
        ghost.expect_release(&Seed, RefKind::Pin, 3),
        Some(Expect::Succeed)
    );
    assert_eq!(
        ghost.expect_release(&Folio, RefKind::Pin, 1),
        Some(Expect::Succeed)
    );
}

#[test]
fn expect_release_calls_an_unpin_below_the_bias_a_callers_bug_not_a_refusal() {
    // No production kernel refuses a release: an unpin of what is not held
    // is a caller's bug, which corrupts the count (P3 or P7 when run).
    let ghost = page(ORDER_0, 1023, 0);
    assert_eq!(ghost.expect_release(&Seed, RefKind::Pin, 1), None);
    assert_eq!(ghost.expect_release(&V5_7, RefKind::Pin, 1), None);
}

#[test]
fn expect_release_cannot_tell_1024_plain_references_from_a_pin() {
    let ghost = page(ORDER_0, 1024, 0);
    assert_eq!(ghost.expect_release(&Seed, RefKind::Pin, 1), None);
}

#[test]
fn expect_release_calls_an_unpin_on_an_exact_pin_count_of_zero_a_callers_bug() {
    let ghost = page(ORDER_2, 5000, 0);
    assert_eq!(ghost.expect_release(&V5_7, RefKind::Pin, 1), None);
    assert_eq!(ghost.expect_release(&Folio, RefKind::Pin, 1), None);
    assert_eq!(ghost.expect_release(&Seed, RefKind::Pin, 1), None);
}

#[test]
fn expect_release_calls_a_put_at_the_free_value_a_callers_bug() {
    assert_eq!(
        page(ORDER_0, 0, 0).expect_release(&Seed, RefKind::Get, 1),
        None
    );
    assert_eq!(
        page(ORDER_0, 0, 0).expect_release(&Devmap, RefKind::Get, 1),
        None
    );
    assert_eq!(
        page(ORDER_0, 2, 0).expect_release(&Seed, RefKind::Get, 3),
        None
    );
}

#[test]
fn expect_release_of_what_is_held_must_succeed() {
    assert_eq!(
        page(ORDER_0, 2, 1).expect_release(&Seed, RefKind::Get, 2),
        Some(Expect::Succeed)
    );
    assert_eq!(
        page(ORDER_2, 0, 3).expect_release(&V5_7, RefKind::Pin, 3),
        Some(Expect::Succeed)
    );
}

#[test]
fn expect_release_cannot_tell_a_put_on_a_page_held_only_by_pins() {
    assert_eq!(
        page(ORDER_0, 0, 1).expect_release(&Seed, RefKind::Get, 1),
        None
    );
}

// -------------------------------------------------- false_positive_allowed

#[test]
fn false_positive_allowed_only_from_1024_plain_references() {
    assert!(!page(ORDER_0, 0, 0).false_positive_allowed(&Seed));
    assert!(!page(ORDER_0, 1023, 0).false_positive_allowed(&Seed));
    assert!(page(ORDER_0, 1024, 0).false_positive_allowed(&Seed));
    assert!(page(ORDER_0, 2047, 0).false_positive_allowed(&Folio));
    assert!(
        !page(ORDER_0, 1023, 5).false_positive_allowed(&V5_7),
        "pins do not count"
    );
}

#[test]
fn false_positive_allowed_counts_the_devmap_pgmap_reference() {
    assert!(!page(ORDER_0, 1022, 0).false_positive_allowed(&Devmap));
    assert!(page(ORDER_0, 1023, 0).false_positive_allowed(&Devmap));
}

// ----------------------------------------------------- grab, release, free

#[test]
fn ghost_page_records_a_free_when_the_last_reference_goes() {
    let mut ghost = page(ORDER_0, 1, 0);
    assert!(!ghost.truly_pinned());

    ghost.grab(RefKind::Pin, 2);
    assert!(ghost.truly_pinned());
    assert_eq!(ghost.refcount(&Seed), 2049);
    assert_eq!(ghost.counts(&V5_7).pincount, 0);

    ghost.release(RefKind::Pin, 2);
    ghost.release(RefKind::Get, 1);
    assert_eq!(ghost.freed, 1);
    assert!(ghost.is_free(&Seed));
    assert!(ghost.is_free(&Devmap));
    assert_eq!(ghost.refcount(&Devmap), 1);
}

#[test]
fn ghost_counts_live_pins_over_every_page() {
    let mut ghost = Ghost::default();
    ghost.pages.insert(0, page(ORDER_0, 1, 2));
    ghost.pages.insert(1, page(ORDER_2, 0, 5));

    assert_eq!(ghost.live_pins(), 7);
}
