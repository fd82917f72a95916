//! A scheme written outside pinref ([`pinref_tests::HeadroomGuard`]),
//! through the public doors alone, refuses what its claims say it refuses.
//! `one_call.rs` puts it, and the external scenario, through every check
//! the built-ins get.

use pinref_model::op::{Op, Program, Start};
use pinref_model::sync::Std;
use pinref_model::{GupError, GupFlags, Held, Layout, Memory, Scheme};
use pinref_proofs::engines::sequential::run_program;
use pinref_tests::{HeadroomGuard, PIN_HEADROOM_LIMIT};

#[test]
fn a_grab_past_the_headroom_limit_is_refused_and_changes_nothing() {
    let memory = Memory::<Std>::new(&Layout::single_page());
    let page = memory.page(0).expect("page 0 exists");
    let held = Held {
        plain: i64::from(PIN_HEADROOM_LIMIT),
        pins: 1,
    };
    HeadroomGuard.init_page(page, held);
    let before = pinref_model::page_ref::page_ref_count(page);
    let refused = HeadroomGuard.try_grab_page(page, GupFlags::FOLL_PIN);
    assert!(
        matches!(refused, Err(GupError::WouldOverflow { .. })),
        "{refused:?}"
    );
    assert_eq!(pinref_model::page_ref::page_ref_count(page), before);
    assert_eq!(memory.vmstat().acquired(), 0);
}

#[test]
fn get_page_at_the_top_of_the_count_is_refused_by_the_headroom_guard_too() {
    // The case the sequential engine found: a count of exactly i32::MAX
    // (1023 plain references and 2^21 - 1 pins), then one more reference.
    let start = Start::single(Held {
        plain: 1023,
        pins: (1 << 21) - 1,
    });
    let program = Program {
        start,
        ops: vec![Op::GetPage { page: 0 }, Op::TryGetPage { page: 0 }],
    };
    let run = run_program(&HeadroomGuard, &program).unwrap_or_else(|f| panic!("{}", f.violation));
    assert_eq!((run.executed, run.refused), (2, 2));
}
