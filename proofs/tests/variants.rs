//! The checker has teeth: every flawed variant of the catalogue
//! (`pinref_proofs::variants`) is caught by the mutation hunt the main job
//! runs, through the property it breaks, every property P1–P10 is violated
//! by at least one of them, shuttle sees every flaw loom sees but the
//! weak-memory ones, and a printed counterexample replays to the same
//! violation.

use pinref_proofs::catalogue::find_scheme;
use pinref_proofs::engines::loom::LoomEngine;
use pinref_proofs::engines::proptest::{CheckOptions, check_scheme_with};
use pinref_proofs::engines::{self, Bound, RunOptions, Verdict, replay};
use pinref_proofs::mutation::{Budget, Hunt, hunt_with};
use pinref_proofs::properties::Property;
use pinref_proofs::scenarios;
use pinref_proofs::variants::{Variant, catalogue};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pinref-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// Every variant hunted by every engine within the main job's budget (seed
/// 1), two at a time (the machine has two cores); computed once for the
/// tests that read the matrix.
fn hunts() -> &'static [(Variant, Hunt)] {
    static HUNTS: OnceLock<Vec<(Variant, Hunt)>> = OnceLock::new();
    HUNTS.get_or_init(|| {
        let budget = Budget::main_job(&scratch("hunt"), 1, Bound::ScenarioDefault);
        let engines = engines::registry();
        let catalogue_scenarios = scenarios::catalogue();
        let queue = Mutex::new(catalogue());
        let found = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| {
                    while let Some(variant) = queue.lock().expect("queue").pop() {
                        let result =
                            hunt_with(&variant.entry, &engines, &catalogue_scenarios, &budget);
                        found.lock().expect("results").push((variant, result));
                    }
                });
            }
        });
        let mut found = found.into_inner().expect("results");
        found.sort_by_key(|(variant, _)| variant.name());
        found
    })
}

#[test]
fn every_catalogued_variant_is_caught_by_the_property_it_breaks() {
    let hunts = hunts();
    for (variant, hunt) in hunts {
        eprintln!(
            "{:<38} {:?} by {} {} ({} {}, {:.2}s)",
            variant.name(),
            hunt.property(),
            hunt.engine,
            hunt.scenario.unwrap_or(""),
            hunt.executions_to_find,
            hunt.unit,
            hunt.seconds
        );
    }
    let survivors: Vec<_> = hunts
        .iter()
        .filter(|(_, hunt)| !hunt.caught())
        .map(|(variant, _)| variant.name())
        .collect();
    assert!(survivors.is_empty(), "not caught: {survivors:?}");
    // Engines may see a flaw through different properties (a lost update is
    // a wrong count at the end for one, a pin read as unpinned for
    // another); the one the catalogue names must be among them.
    let wrong: Vec<String> = hunts
        .iter()
        .filter(|(variant, hunt)| {
            !hunt
                .engines
                .iter()
                .any(|cell| cell.property() == Some(variant.expected_property))
        })
        .map(|(variant, hunt)| {
            let seen: Vec<String> = hunt
                .engines
                .iter()
                .map(|cell| format!("{}: {:?}", cell.engine, cell.property()))
                .collect();
            format!(
                "{} (expected {}): {}",
                variant.name(),
                variant.expected_property,
                seen.join(", ")
            )
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let killed: BTreeSet<Property> = hunts
        .iter()
        .flat_map(|(_, hunt)| hunt.engines.iter().filter_map(|cell| cell.property()))
        .collect();
    let unkilled: Vec<_> = Property::ALL
        .into_iter()
        .filter(|property| !killed.contains(property))
        .collect();
    assert!(unkilled.is_empty(), "no variant violates {unkilled:?}");
}

#[test]
fn the_cheapest_catch_is_the_fastest_engine_to_a_counterexample() {
    let mut failures = Vec::new();
    for (variant, hunt) in hunts() {
        let fastest = hunt
            .engines
            .iter()
            .filter(|cell| cell.caught())
            .map(|cell| cell.seconds)
            .fold(f64::INFINITY, f64::min);
        let chosen = hunt.by(hunt.engine).map(|cell| cell.seconds);
        if chosen != Some(fastest) || hunt.seconds != fastest {
            failures.push(format!(
                "{}: caught by {} in {:?}s, the fastest took {fastest}s",
                variant.name(),
                hunt.engine,
                chosen
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The variants whose flaw is a missing barrier, which only weak memory
/// shows.
const MISSING_BARRIER: [&str; 1] = ["no-pin-barrier"];

/// Whether loom's catch is a weak-memory flaw, which shuttle (every
/// ordering SeqCst) cannot see: its causality check on the page contents,
/// or a variant whose flaw is a missing barrier.
fn weak_memory_only(variant: &str, message: &str) -> bool {
    message.contains("concurrently with the free") || MISSING_BARRIER.contains(&variant)
}

#[test]
fn shuttle_random_or_pct_catches_within_10000_iterations_every_variant_loom_catches_but_weak_memory()
 {
    let mut failures = Vec::new();
    for (variant, hunt) in hunts() {
        let Some(loom) = hunt.by("loom").and_then(|cell| cell.violation.as_ref()) else {
            continue;
        };
        if weak_memory_only(variant.name(), &loom.message) {
            continue;
        }
        let shuttle: Vec<_> = ["shuttle-random", "shuttle-pct"]
            .into_iter()
            .filter_map(|engine| hunt.by(engine))
            .filter(|cell| cell.caught() && cell.executions_to_find <= 10_000)
            .collect();
        if shuttle.is_empty() {
            failures.push(format!(
                "{}: loom catches it ({}), shuttle random and PCT do not",
                variant.name(),
                loom.message
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_loom_counterexample_replays_to_the_same_violation_from_its_checkpoint() {
    let entry = find_scheme("put-load-store").expect("the variant is catalogued");
    let scenario = scenarios::find("get_put_vs_pin").expect("the scenario is catalogued");
    let artifacts = scratch("replay");
    let options = RunOptions {
        artifacts: Some(artifacts.clone()),
        ..RunOptions::default()
    };

    let found = entry.explore(&LoomEngine, &scenario, &options);
    assert_eq!(found.verdict, Verdict::Violation);
    assert!(
        found.executions > 1,
        "the bug needs an interleaving to show"
    );
    assert!(found.violations[0].replay.contains("--replay"));
    let checkpoint = replay::path_in(&artifacts, "loom", "get_put_vs_pin", "put-load-store");
    assert!(checkpoint.is_file(), "{}", found.violations[0].replay);

    let replayed = entry.explore(
        &LoomEngine,
        &scenario,
        &RunOptions {
            replay_from: Some(checkpoint),
            artifacts: None,
            ..options
        },
    );
    assert_eq!(replayed.verdict, Verdict::Violation);
    assert_eq!(
        replayed.executions, 1,
        "the replay starts at the failing execution"
    );
    assert_eq!(
        replayed.violations[0].property,
        found.violations[0].property
    );
    assert_eq!(replayed.violations[0].message, found.violations[0].message);
    assert_eq!(
        replayed.violations[0].counterexample,
        found.violations[0].counterexample
    );
}

#[test]
fn a_proptest_counterexample_replays_from_its_regression_file() {
    let entry = find_scheme("foll-get-and-pin-accepted").expect("the variant is catalogued");
    let options = CheckOptions {
        regressions: Some(scratch("regressions")),
        ..CheckOptions::new(20_000)
    };
    let found =
        check_scheme_with(entry.object().clone(), &options).expect_err("the flaw is caught");
    let violation = found.violation().expect("a property failed").clone();

    // No new cases: only the seed the first run saved.
    let replayed = check_scheme_with(
        entry.object().clone(),
        &CheckOptions {
            cases: 0,
            ..options
        },
    )
    .expect_err("the saved seed fails again");
    // The saved seed regenerates the original failing case, which shrinks
    // again: the same property fails (the shrunk program may differ in
    // which equivalent operation it keeps).
    let again = replayed.violation().expect("a property failed");
    assert_eq!(again.property, violation.property);
}

#[test]
fn the_sequential_engine_sees_a_write_to_a_freed_page_inside_one_operation() {
    // stat-after-release counts the unpin after the release that freed the
    // page: the counts before and after the operation are right, only the
    // order inside it is wrong.
    let entry = find_scheme("stat-after-release").expect("the variant is catalogued");
    let options = CheckOptions {
        regressions: None,
        ..CheckOptions::new(20_000)
    };
    let failure =
        check_scheme_with(entry.object().clone(), &options).expect_err("the flaw is caught");
    let violation = failure.violation().expect("a property failed");
    assert_eq!(violation.property, Property::P4, "{violation}");
    assert!(
        violation.message.contains("after it was freed"),
        "{violation}"
    );
}

#[test]
fn a_relaxed_final_decrement_is_seen_by_loom_alone_as_a_free_racing_a_use() {
    let entry = find_scheme("put-relaxed-final-decrement").expect("the variant is catalogued");
    let scenario = scenarios::find("last_reference").expect("the scenario is catalogued");

    let found = entry.explore(&LoomEngine, &scenario, &RunOptions::default());
    assert_eq!(found.verdict, Verdict::Violation, "{found:#?}");
    let violation = &found.violations[0];
    assert_eq!(violation.property, Property::P4, "{violation}");
    assert!(
        violation.message.contains("concurrently with the free"),
        "not loom's causality check on the page contents: {violation}"
    );

    // Every count is right and one release sees 0: the sequential engine,
    // which sees every access but no weak memory, finds nothing.
    let options = CheckOptions {
        regressions: None,
        ..CheckOptions::new(2_000)
    };
    let sequential = check_scheme_with(entry.object().clone(), &options);
    assert!(sequential.is_ok(), "{:#?}", sequential.err());
}
