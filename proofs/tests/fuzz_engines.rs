//! The in-process fuzz engines (`fuzz-sequential`, `fuzz-concurrent`): on
//! the correct schemes they find nothing but what the schemes do not claim;
//! each catches its planted bug within its budget, gives the seeded
//! `pinref` command that draws the same inputs again, and saves the failing
//! input where `cargo fuzz run` (and `fuzz_one`, the same logic) replays
//! it; an execution cap is a sample size, a time cap that cuts a run short
//! makes it incomplete, never a pass.

use pinref_proofs::catalogue::{builtin_schemes, find_scheme};
use pinref_proofs::engines::fuzz_concurrent::FuzzConcurrentEngine;
use pinref_proofs::engines::fuzz_sequential::FuzzSequentialEngine;
use pinref_proofs::engines::{self, Engine, Outcome, RunOptions, Verdict};
use pinref_proofs::fuzzing::campaign::Budget;
use pinref_proofs::fuzzing::{SchemeChoice, Target, fuzz_one};
use pinref_proofs::properties::Property;
use pinref_proofs::scenarios::{self, ScenarioEntry};
use std::path::PathBuf;
use std::time::Duration;

fn programs() -> ScenarioEntry {
    scenarios::find("programs").expect("the program space is catalogued")
}

/// A budget of `seconds` per run.
fn budget(seconds: f64) -> Budget {
    Budget {
        inputs: u64::MAX,
        time: Duration::from_secs_f64(seconds),
    }
}

fn seeded(seed: u64) -> RunOptions {
    RunOptions {
        seed: Some(seed),
        ..RunOptions::default()
    }
}

fn explore(engine: &dyn Engine, scheme: &str, options: &RunOptions) -> Outcome {
    let entry = find_scheme(scheme).expect("a shipped scheme");
    entry.explore(engine, &programs(), options)
}

/// The properties a kernel scheme does not claim: P6 in full, and P1 past
/// the sign bit for the signed predicate.
const UNCLAIMED: [Property; 2] = [Property::P6, Property::P1];

#[test]
fn both_fuzz_engines_are_registered_and_explore_the_program_space() {
    let names: Vec<&str> = engines::registry().iter().map(|e| e.name()).collect();
    for name in ["fuzz-sequential", "fuzz-concurrent"] {
        let engine = engines::find(name).unwrap_or_else(|| panic!("{name} in {names:?}"));
        assert_eq!(engine.unit(), "inputs");
        assert!(engine.supports(&programs()));
        assert!(engine.misses().contains("coverage guidance"), "{name}");
        let threaded = scenarios::find("pin_vs_unpin").expect("catalogued");
        assert!(!engine.supports(&threaded), "{name}");
    }
}

#[test]
fn the_fuzz_engines_find_nothing_unclaimed_on_the_correct_schemes() {
    let engines: [&dyn Engine; 2] = [
        &FuzzSequentialEngine {
            budget: budget(0.5),
        },
        &FuzzConcurrentEngine {
            budget: budget(0.5),
        },
    ];
    let mut failures = Vec::new();
    for engine in engines {
        for entry in builtin_schemes() {
            let outcome = entry.explore(engine, &programs(), &seeded(3));
            let unexpected: Vec<_> = outcome
                .violations
                .iter()
                .filter(|v| !UNCLAIMED.contains(&v.property))
                .collect();
            // A version's declared bug (the seed's and v5.7's statistic
            // after the release) found is its verdict: `known_bug`.
            let known = outcome.verdict == Verdict::KnownBug
                && unexpected.iter().all(|v| {
                    pinref_proofs::known_bugs::explains(&entry.known_bugs(), "programs", v)
                });
            let clean = matches!(outcome.verdict, Verdict::Pass | Verdict::ExpectedViolation)
                && unexpected.is_empty();
            if !(clean || known) || outcome.executions < 100 {
                failures.push(format!(
                    "{} on {}: {} after {} inputs: {:#?}",
                    engine.name(),
                    entry.name,
                    outcome.verdict.as_str(),
                    outcome.executions,
                    outcome.violations
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A fresh artifacts directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pinref-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Checks that `engine` catches `variant` with `property` and saves an
/// input that the target's own logic replays as a violation.
fn assert_caught_and_replayable(
    engine: &dyn Engine,
    target: Target,
    variant: &str,
    property: Property,
) {
    let dir = scratch(variant);
    let options = RunOptions {
        artifacts: Some(dir.clone()),
        ..seeded(5)
    };
    let outcome = explore(engine, variant, &options);
    assert_eq!(
        outcome.verdict,
        Verdict::Violation,
        "{variant}: {outcome:#?}"
    );
    let violation = &outcome.violations[0];
    assert_eq!(violation.property, property, "{violation}");
    assert!(
        violation.replay.ends_with(&format!(
            "--engine {} --scenario programs --scheme {variant} --seed 5",
            engine.name()
        )),
        "{}",
        violation.replay
    );
    // The same seed draws the same inputs: the same catch, at the same one.
    let again = explore(engine, variant, &options);
    assert_eq!(again.executions, outcome.executions, "{again:#?}");
    assert_eq!(again.violations[0].property, property);
    let note = outcome.note.as_deref().unwrap_or("");
    assert!(
        note.contains(&format!(
            "PINREF_FUZZ_SCHEME={variant} cargo fuzz run --sanitizer none --no-trace-compares {target}"
        )),
        "{note}"
    );
    let saved = note
        .split_whitespace()
        .last()
        .map(PathBuf::from)
        .expect("the note names the input");
    let data = std::fs::read(&saved).expect("the saved input");
    let choice = SchemeChoice::named(variant).expect("a variant");
    let replayed = fuzz_one(target, &choice, &data).expect_err("the input replays the violation");
    assert!(replayed.contains(property.id()), "{replayed}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fuzz_sequential_catches_an_unpin_that_subtracts_one_and_saves_a_replayable_input() {
    let engine = FuzzSequentialEngine {
        budget: budget(20.0),
    };
    assert_caught_and_replayable(
        &engine,
        Target::Sequential,
        "unpin-subtracts-one",
        Property::P5,
    );
}

#[test]
fn fuzz_concurrent_catches_a_put_made_of_a_load_and_a_store_and_saves_a_replayable_input() {
    let engine = FuzzConcurrentEngine {
        budget: budget(20.0),
    };
    assert_caught_and_replayable(&engine, Target::Concurrent, "put-load-store", Property::P5);
}

#[test]
fn a_fuzz_run_cut_short_by_a_time_cap_is_incomplete_never_a_pass() {
    let engine = FuzzSequentialEngine {
        budget: budget(5.0),
    };
    let options = RunOptions {
        max_duration: Duration::ZERO,
        ..seeded(1)
    };
    let outcome = explore(&engine, "v5_7", &options);
    assert_eq!(outcome.verdict, Verdict::Incomplete, "{outcome:#?}");
    assert_eq!(outcome.executions, 0);
    assert!(
        outcome
            .note
            .as_deref()
            .is_some_and(|n| n.contains("cut short"))
    );
}

#[test]
fn an_execution_cap_is_the_fuzz_runs_sample_size() {
    let engine = FuzzSequentialEngine {
        budget: budget(60.0),
    };
    let options = RunOptions {
        max_executions: 10,
        ..seeded(1)
    };
    // v5_11: no known bug on the program space, so a small sample's
    // verdict is its own (v5.7's statistic bug need not show in 10 inputs).
    let outcome = explore(&engine, "v5_11", &options);
    assert!(
        matches!(outcome.verdict, Verdict::Pass | Verdict::ExpectedViolation),
        "{outcome:#?}"
    );
    assert_eq!(outcome.executions, 10);
}

#[test]
fn a_fuzz_run_that_spends_its_own_budget_reports_its_inputs_and_seed() {
    let engine = FuzzSequentialEngine {
        budget: Budget {
            inputs: 200,
            time: Duration::from_secs(60),
        },
    };
    let outcome = explore(&engine, "v5_11", &seeded(42));
    assert!(
        matches!(outcome.verdict, Verdict::Pass | Verdict::ExpectedViolation),
        "{outcome:#?}"
    );
    assert_eq!(outcome.executions, 200);
    assert_eq!(outcome.counter("seed"), Some(42));
    // The same seed draws the same inputs.
    let again = explore(&engine, "v5_11", &seeded(42));
    assert_eq!(
        outcome.counter("inputs_undecodable"),
        again.counter("inputs_undecodable")
    );
    assert_eq!(
        outcome.counter("inputs_unreachable"),
        again.counter("inputs_unreachable")
    );
}
