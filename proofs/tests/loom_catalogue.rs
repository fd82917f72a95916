//! The loom proofs as tests: every threaded scenario of the catalogue, on
//! every built-in scheme it applies to, at the main job's default
//! preemption bound (exhaustive where that is cheap), one test per scheme.
//! A run may find a known bug of the scheme's kernel version (`known_bug`,
//! the bugs the version declares); `tests/history.rs` checks that each is
//! found where declared and passes where fixed. They are part of
//! every `cargo test`; under `--cfg loom` (`cargo loom`) the bounded
//! scenarios are explored at bound 3 as well.

use pinref_model::page_ref::page_ref_count;
use pinref_model::sync::Platform;
use pinref_model::{Claims, GupError, GupFlags, PageRef, Scheme, V5_7};
use pinref_proofs::catalogue::{builtin_schemes, find_scheme};
#[cfg(loom)]
use pinref_proofs::engines::Bound;
use pinref_proofs::engines::loom::LoomEngine;
use pinref_proofs::engines::{Engine, Outcome, RunOptions, Verdict};
use pinref_proofs::properties::Property;
use pinref_proofs::scenarios;
use pinref_proofs::schemes::SchemeEntry;
use support::{assert_every_case, scenario};

mod support;

/// The properties a scheme with these claims may be seen to break without
/// it being a failure: P6 in full (a racy guard lets a grab cross the sign
/// bit), and P1 past the sign bit when the predicate does not claim it.
fn unclaimed(claims: Claims) -> Vec<Property> {
    let mut properties = Vec::new();
    if !claims.refuses_before_overflow {
        properties.push(Property::P6);
    }
    if !claims.pinned_after_overflow {
        properties.push(Property::P1);
    }
    properties
}

/// Explores every threaded scenario that applies to the scheme named
/// `name`, and returns every case that is not a pass or an expected
/// violation of an unclaimed property (all of them, not the first).
fn failing_cases(name: &str) -> Vec<String> {
    let entry = find_scheme(name).unwrap_or_else(|| panic!("scheme {name} is built in"));
    let allowed = unclaimed(entry.claims);
    let mut failures = Vec::new();
    for scenario in scenarios::catalogue() {
        if !LoomEngine.supports(&scenario) || !entry.applies(&scenario) {
            continue;
        }
        let outcome = entry.explore(&LoomEngine, &scenario, &RunOptions::default());
        let case = format!("{} on {}", scenario.name(), entry.name);
        // A pass must have explored more than one interleaving; a known
        // bug may show in the first.
        if outcome.executions <= 1 && outcome.verdict == Verdict::Pass {
            failures.push(format!("{case}: only {} execution(s)", outcome.executions));
        }
        match outcome.verdict {
            Verdict::Pass => {}
            Verdict::KnownBug => {
                let declared =
                    pinref_proofs::known_bugs::on_scenario(&entry.known_bugs(), scenario.name());
                for violation in &outcome.violations {
                    let known = declared
                        .iter()
                        .any(|bug| bug.property == violation.property);
                    if !known && !allowed.contains(&violation.property) {
                        failures.push(format!(
                            "{case}: a known_bug run with an undeclared violation: {violation}"
                        ));
                    }
                }
            }
            Verdict::ExpectedViolation => {
                for violation in &outcome.violations {
                    if !allowed.contains(&violation.property) {
                        failures.push(format!(
                            "{case}: an expected violation of {}, which {} claims: {violation}",
                            violation.property, entry.name
                        ));
                    }
                }
            }
            verdict => failures.push(format!("{case}: {verdict:?}: {:#?}", outcome.violations)),
        }
    }
    failures
}

/// One test per built-in scheme (`$test`, on the scheme named `$scheme`):
/// every threaded scenario that applies to it holds, but for what it does
/// not claim and its known bugs; and [`CATALOGUE_TESTED`], the schemes
/// that have their test.
macro_rules! catalogue_tests {
    ($($test:ident => $scheme:literal,)+) => {
        $(
            #[test]
            fn $test() {
                assert_every_case(failing_cases($scheme));
            }
        )+

        const CATALOGUE_TESTED: &[&str] = &[$($scheme),+];
    };
}

catalogue_tests! {
    every_scenario_holds_on_seed_except_what_it_does_not_claim_and_its_known_bugs => "seed",
    every_scenario_holds_on_v5_7_except_what_it_does_not_claim_and_its_known_bugs => "v5_7",
    every_scenario_holds_on_v5_11_except_what_it_does_not_claim_and_its_known_bugs => "v5_11",
    every_scenario_holds_on_v5_14_except_what_it_does_not_claim_and_its_known_bugs => "v5_14",
    every_scenario_holds_on_folio_except_what_it_does_not_claim_and_its_known_bugs => "folio",
    every_scenario_holds_on_v6_1_except_what_it_does_not_claim_and_its_known_bugs => "v6_1",
    every_scenario_holds_on_v6_5_except_what_it_does_not_claim_and_its_known_bugs => "v6_5",
    every_scenario_holds_on_devmap_except_what_it_does_not_claim_and_its_known_bugs => "devmap",
}

#[test]
fn every_builtin_scheme_has_its_catalogue_test() {
    for entry in builtin_schemes() {
        assert!(
            CATALOGUE_TESTED.contains(&entry.name),
            "built-in scheme {} has no loom catalogue test: add one above",
            entry.name
        );
    }
}

#[test]
fn overflow_past_the_sign_bit_is_reported_as_the_unclaimed_p6_with_its_counterexample() {
    for entry in builtin_schemes() {
        let outcome = entry.explore(&LoomEngine, &scenario("overflow"), &RunOptions::default());
        assert_eq!(
            outcome.verdict,
            Verdict::ExpectedViolation,
            "{}",
            entry.name
        );
        let p6: Vec<_> = outcome
            .violations
            .iter()
            .filter(|violation| violation.property == Property::P6)
            .collect();
        assert_eq!(p6.len(), 1, "{}: {:#?}", entry.name, outcome.violations);
        assert!(p6[0].counterexample.contains("page_ref_add"), "{}", p6[0]);
    }
}

fn explore(entry: &SchemeEntry, name: &str, options: &RunOptions) -> Outcome {
    entry.explore(&LoomEngine, &scenario(name), options)
}

#[test]
fn a_capped_exploration_is_incomplete_never_a_pass() {
    let entry = SchemeEntry::of::<V5_7>();
    let options = RunOptions {
        max_executions: 5,
        ..RunOptions::default()
    };
    let outcome = explore(&entry, "stats", &options);
    assert_eq!(outcome.verdict, Verdict::Incomplete);
    assert_eq!(outcome.executions, 5);
}

#[test]
fn a_time_cap_of_zero_stops_at_once_and_is_incomplete() {
    let entry = SchemeEntry::of::<V5_7>();
    let options = RunOptions {
        max_duration: std::time::Duration::ZERO,
        ..RunOptions::default()
    };
    let outcome = explore(&entry, "stats", &options);
    assert_eq!(outcome.verdict, Verdict::Incomplete);
    assert!(outcome.executions <= 1, "{}", outcome.executions);
}

#[test]
fn a_put_done_as_load_and_store_loses_an_update_and_is_caught() {
    // The flawed variant from the catalogue, written through the public
    // trait as a user's scheme would be.
    let entry = find_scheme("put-load-store").expect("the variant is catalogued");
    let outcome = explore(&entry, "get_put_vs_pin", &RunOptions::default());
    assert_eq!(outcome.verdict, Verdict::Violation, "{outcome:#?}");
    let violation = &outcome.violations[0];
    assert!(
        violation.counterexample.contains("set_page_count"),
        "{violation}"
    );
}

/// v5.7 whose release guard compares the count signed: a pin taken on a
/// count carried past the sign bit cannot be given back.
#[derive(Debug, Clone, Copy, Default)]
struct ReleaseRefusesPastTheSignBit;

impl pinref_model::Patch for ReleaseRefusesPastTheSignBit {
    pinref_model::patch_of!(
        V5_7,
        "release-refuses-past-the-sign-bit",
        "v5_7, but a release refuses a count past the sign bit"
    );
    fn put_compound_head<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        let head = page.compound_head();
        let count = page_ref_count(head);
        if count < 0 {
            return Err(GupError::UnpinWithoutPin {
                pfn: head.pfn(),
                count,
            });
        }
        Scheme::put_compound_head(&V5_7, page, refs, flags)
    }
}

#[test]
fn an_overflow_pinner_that_cannot_unpin_the_pin_it_got_is_a_mismatched_release() {
    let entry = SchemeEntry::of::<ReleaseRefusesPastTheSignBit>();

    let outcome = explore(&entry, "overflow", &RunOptions::default());

    assert_eq!(outcome.verdict, Verdict::Violation, "{outcome:#?}");
    let violation = &outcome.violations[0];
    assert_eq!(violation.property, Property::P7, "{violation}");
    assert!(violation.message.contains("unpin"), "{violation}");
}

/// The loom convention's heavier run (`cargo loom`): the scenarios the main
/// job bounds at 2 explored at bound 3 (about a million executions each,
/// a minute per scheme on 2 cores).
#[cfg(loom)]
#[test]
fn bounded_scenarios_hold_at_bound_3_on_every_builtin_scheme() {
    let mut failures = Vec::new();
    for entry in builtin_schemes() {
        for scenario in scenarios::catalogue() {
            if !LoomEngine.supports(&scenario)
                || !entry.applies(&scenario)
                || scenario.default_bound().is_none()
            {
                continue;
            }
            let options = RunOptions {
                bound: Bound::At(3),
                max_duration: std::time::Duration::from_secs(900),
                ..RunOptions::default()
            };
            let outcome = entry.explore(&LoomEngine, &scenario, &options);
            if outcome.verdict != Verdict::Pass {
                failures.push(format!(
                    "{} on {}: {:?}: {:#?}",
                    scenario.name(),
                    entry.name,
                    outcome.verdict,
                    outcome.violations
                ));
            }
        }
    }
    assert_every_case(failures);
}
