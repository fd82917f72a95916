//! A scheme written outside pinref ([`pinref_tests::HeadroomGuard`]) gets
//! every check the built-ins get, through the public trait alone.

use pinref_model::sync::Std;
use pinref_model::{GupError, GupFlags, Held, Layout, Memory, Scheme};
use pinref_proofs::catalogue::SchemeEntry;
use pinref_proofs::engines::loom::LoomOptions;
use pinref_proofs::engines::outcome::Verdict;
use pinref_proofs::scenarios::ScenarioId;
use pinref_tests::{HeadroomGuard, PIN_HEADROOM_LIMIT};

#[test]
fn the_external_scheme_passes_the_whole_loom_catalogue_overflow_included() {
    let entry = SchemeEntry::of::<HeadroomGuard>();
    for scenario in ScenarioId::ALL {
        if !entry.applies(scenario) {
            continue;
        }
        let outcome = entry.explore_loom(scenario, &LoomOptions::for_scenario(scenario));
        assert_eq!(
            outcome.verdict,
            Verdict::Pass,
            "{} on {}: {:#?}",
            scenario.name(),
            entry.name,
            outcome.violations
        );
        assert!(outcome.executions > 1, "{}", scenario.name());
    }
}

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
