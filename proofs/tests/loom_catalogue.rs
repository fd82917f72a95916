//! The loom proofs as tests: every scenario of the catalogue, on every
//! built-in scheme, at the main job's default preemption bound (exhaustive
//! where that is cheap). They are part of every `cargo test`; under
//! `--cfg loom` (`cargo loom`) the unbounded run of the bounded scenarios is
//! added (`exhaustive_loom`).

use pinref_model::V5_7;
use pinref_proofs::catalogue::{SchemeEntry, builtin_schemes, find_scheme};
use pinref_proofs::engines::loom::LoomOptions;
use pinref_proofs::engines::outcome::{Outcome, Verdict};
use pinref_proofs::properties::Property;
use pinref_proofs::scenarios::ScenarioId;

fn explore_all(entry: &SchemeEntry) -> Vec<(ScenarioId, Outcome)> {
    ScenarioId::ALL
        .into_iter()
        .filter(|&scenario| entry.applies(scenario))
        .map(|scenario| {
            (
                scenario,
                entry.explore_loom(scenario, &LoomOptions::for_scenario(scenario)),
            )
        })
        .collect()
}

#[test]
fn every_scenario_holds_on_every_builtin_scheme_except_what_it_does_not_claim() {
    for entry in builtin_schemes() {
        for (scenario, outcome) in explore_all(&entry) {
            assert!(
                outcome.executions > 1,
                "{} on {}: only {} execution(s) explored",
                scenario.name(),
                entry.name,
                outcome.executions
            );
            match outcome.verdict {
                Verdict::Pass => {}
                Verdict::ExpectedViolation => {
                    // Only the overflow edge is outside the kernel schemes'
                    // claims (P6 in full; P1 past the sign bit for the seed).
                    assert!(
                        matches!(scenario, ScenarioId::Overflow | ScenarioId::WrappedCount),
                        "{} on {}: {:#?}",
                        scenario.name(),
                        entry.name,
                        outcome.violations
                    );
                }
                verdict => panic!(
                    "{} on {}: {verdict:?}: {:#?}",
                    scenario.name(),
                    entry.name,
                    outcome.violations
                ),
            }
        }
    }
}

#[test]
fn overflow_past_the_sign_bit_is_reported_as_expected_with_its_counterexample() {
    for entry in builtin_schemes() {
        let outcome = entry.explore_loom(ScenarioId::Overflow, &LoomOptions::default());
        assert_eq!(
            outcome.verdict,
            Verdict::ExpectedViolation,
            "{}",
            entry.name
        );
        let violation = &outcome.violations[0];
        assert_eq!(violation.property, Property::P6);
        assert!(
            violation.counterexample.contains("page_ref_add"),
            "{violation}"
        );
    }
}

#[test]
fn a_capped_exploration_is_incomplete_never_a_pass() {
    let entry = SchemeEntry::of::<V5_7>();
    let options = LoomOptions {
        max_executions: 5,
        ..LoomOptions::default()
    };
    let outcome = entry.explore_loom(ScenarioId::Stats, &options);
    assert_eq!(outcome.verdict, Verdict::Incomplete);
    assert_eq!(outcome.executions, 5);
}

#[test]
fn a_put_done_as_load_and_store_loses_an_update_and_is_caught() {
    // The flawed variant from the catalogue, written through the public
    // trait as a user's scheme would be.
    let entry = find_scheme("put-load-store").expect("the variant is catalogued");
    let outcome = entry.explore_loom(
        ScenarioId::GetPutVsPin,
        &LoomOptions::for_scenario(ScenarioId::GetPutVsPin),
    );
    assert_eq!(outcome.verdict, Verdict::Violation, "{outcome:#?}");
    let violation = &outcome.violations[0];
    assert!(
        violation.counterexample.contains("set_page_count"),
        "{violation}"
    );
}

/// The loom convention's heavier run (`cargo loom`): the scenarios the main
/// job bounds at 2 explored at bound 3 (about a million executions each,
/// a minute per scheme on 2 cores).
#[cfg(loom)]
#[test]
fn bounded_scenarios_hold_at_bound_3_on_every_builtin_scheme() {
    for entry in builtin_schemes() {
        for scenario in ScenarioId::ALL {
            if !entry.applies(scenario) || scenario.default_bound().is_none() {
                continue;
            }
            let options = LoomOptions {
                preemption_bound: Some(3),
                max_duration: std::time::Duration::from_secs(900),
                ..LoomOptions::default()
            };
            let outcome = entry.explore_loom(scenario, &options);
            assert_eq!(
                outcome.verdict,
                Verdict::Pass,
                "{} on {}: {:#?}",
                scenario.name(),
                entry.name,
                outcome.violations
            );
        }
    }
}
