//! The one-call check from a user's test suite: one line checks the
//! external scheme ([`pinref_tests::HeadroomGuard`]) on every scenario of
//! the catalogue and the external scenario, with every engine, and the
//! external scenario ([`pinref_tests::PinVsDriverPut`]) on every built-in
//! scheme; the same call fails, with the timeline and a replay command that
//! reproduces it, on a flawed scheme.

use pinref_proofs::check::{Check, SchemeReport};
use pinref_proofs::engines::{self, RunOptions, Verdict};
use pinref_proofs::report::Run;
use pinref_proofs::scenarios;
use pinref_proofs::variants::unpin_subtracts_one::UnpinSubtractsOne;
use pinref_tests::{HeadroomGuard, HeadroomGuardPinsUnguarded, PinVsDriverPut};

pinref_proofs::check_scheme_tests!(
    mod headroom_guard,
    HeadroomGuard,
    scenarios: [pin_vs_driver_put => PinVsDriverPut]
);

pinref_proofs::check_scenario_tests!(mod pin_vs_driver_put, PinVsDriverPut);

/// Run options that keep replay files in a new, empty directory.
fn fresh(name: &str) -> RunOptions {
    let dir = std::env::temp_dir().join(format!("pinref-one-call-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    RunOptions {
        artifacts: Some(dir),
        ..RunOptions::default()
    }
}

/// The failing runs of `report`, asserted to be one by each engine of the
/// registry that runs the catalogued `scenario`, in registry order (as a
/// check runs them), and by no other.
fn failures_of_every_engine_running<'r>(report: &'r SchemeReport, scenario: &str) -> Vec<&'r Run> {
    let scenario = scenarios::find(scenario).expect("a catalogued scenario");
    let running: Vec<&str> = engines::registry()
        .into_iter()
        .filter(|engine| engine.supports(&scenario))
        .map(|engine| engine.name())
        .collect();
    let failures = report.failures();
    let failed: Vec<&str> = failures.iter().map(|run| run.engine).collect();
    assert_eq!(failed, running, "{report}");
    failures
}

/// The message `report.assert_passes()` fails a test with.
fn failure_message(report: &SchemeReport) -> String {
    let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| report.assert_passes()));
    let payload = failed.expect_err("the check fails");
    payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_else(|| "a panic without a message".to_string())
}

#[test]
fn the_check_fails_on_a_flawed_external_scheme_with_the_timeline_and_a_replay_that_reproduces_it() {
    let check = Check::scheme(HeadroomGuardPinsUnguarded)
        .only_scenario("overflow")
        .options(fresh("external"));
    let report = check.clone().run();

    // Every engine that runs `overflow` (the threaded ones) sees the
    // unguarded pin.
    let failures = failures_of_every_engine_running(&report, "overflow");
    let message = failure_message(&report);
    assert!(
        message.contains("FAILED: P6 violated, which headroom-guard-pins-unguarded claims"),
        "{message}"
    );
    assert!(message.contains("timeline ("), "{message}");
    assert!(
        message.contains(">>> P6 (overflow safety) broken here"),
        "{message}"
    );
    let mut wrong = Vec::new();
    for run in &failures {
        let violation = &run.outcome.violations[0];
        if run.outcome.verdict != Verdict::Violation || violation.property.id() != "P6" {
            wrong.push(format!(
                "{}: {:?} {}",
                run.engine, run.outcome.verdict, violation.property
            ));
            continue;
        }
        // pinref does not know this scheme by name: the replay is the test
        // itself, with the replay file.
        let Some(file) = violation
            .replay
            .strip_prefix("PINREF_REPLAY=")
            .and_then(|rest| rest.split_whitespace().next())
        else {
            wrong.push(format!(
                "{}: not a test command with a replay file: {}",
                run.engine, violation.replay
            ));
            continue;
        };
        if !violation
            .replay
            .ends_with("cargo test --release -- overflow")
        {
            wrong.push(format!("{}: {}", run.engine, violation.replay));
        }
        // The file replays with its own engine alone, the recorded
        // execution (or path) again.
        let again = check.clone().replay(file).run();
        let replayed: Vec<&str> = again.report.runs.iter().map(|run| run.engine).collect();
        let same = again.failures().first().is_some_and(|replayed| {
            replayed.outcome.violations[0].counterexample == violation.counterexample
        });
        if replayed != [run.engine] || !same {
            wrong.push(format!(
                "{}: replayed by {replayed:?}:\n{again}",
                run.engine
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_check_fails_on_a_catalogued_variant_in_the_program_space_with_a_seed_that_reproduces_each_run()
 {
    let check = Check::scheme(UnpinSubtractsOne).only_scenario("programs");
    // No regression file from an earlier run: it would be replayed first,
    // whatever the seed.
    let report = check.clone().options(fresh("proptest")).run();

    // Every engine of the sequential program space (proptest and the two
    // fuzz engines) runs `programs`, and each catches the variant.
    let failures = failures_of_every_engine_running(&report, "programs");
    let message = failure_message(&report);
    assert!(
        message.contains("FAILED: P5 violated, which unpin-subtracts-one claims"),
        "{message}"
    );
    assert!(
        message.contains("minimal") || message.contains("1. "),
        "no program: {message}"
    );
    let mut wrong = Vec::new();
    for run in &failures {
        let violation = &run.outcome.violations[0];
        // pinref knows the variant by name: its own command replays it.
        let Some(seed) = violation
            .replay
            .split_once("--seed ")
            .and_then(|(_, seed)| seed.trim().parse::<u64>().ok())
        else {
            wrong.push(format!(
                "{}: not a seeded command: {}",
                run.engine, violation.replay
            ));
            continue;
        };
        let command = format!(
            "cargo run --release -- --engine {} --scenario programs",
            run.engine
        );
        if !violation.replay.starts_with(&command) {
            wrong.push(format!("{}: {}", run.engine, violation.replay));
        }
        let engine = engines::find(run.engine).expect("a registered engine");
        let again = check
            .clone()
            .engines(vec![engine])
            .options(fresh(&format!("{}-again", run.engine)))
            .seed(seed)
            .run();
        // The same run, not one that shrinks to the same program: the same
        // programs (or inputs) are drawn up to the same failing one.
        let same = again.failures().first().is_some_and(|replayed| {
            replayed.outcome.violations[0].counterexample == violation.counterexample
                && replayed.outcome.executions == run.outcome.executions
        });
        if !same {
            wrong.push(format!("{}: seed {seed} gave:\n{again}", run.engine));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_replay_file_that_fits_no_case_fails_the_check_and_names_why() {
    let report = Check::scheme(HeadroomGuard)
        .only_scenario("pin_vs_unpin")
        .replay(std::env::temp_dir().join("pinref-no-such-replay.json"))
        .run();
    assert!(!report.passed());
    assert!(report.report.runs.is_empty(), "a run went ahead: {report}");
    assert!(
        report
            .problems
            .iter()
            .any(|problem| problem.contains("does not exist")),
        "{:?}",
        report.problems
    );
}

#[test]
fn a_scenario_name_that_matches_nothing_fails_the_check() {
    let report = Check::scheme(HeadroomGuard)
        .only_scenario("pin_vs_unpinn")
        .run();
    assert!(!report.passed());
    assert_eq!(report.problems, ["no scenario named `pin_vs_unpinn`"]);
}

#[test]
fn every_engine_of_the_registry_has_a_scenario_to_run_on_the_external_scheme() {
    // The macro's tests run every engine on each scenario: each engine
    // must support one that applies, or it would check nothing here.
    let scheme = pinref_proofs::schemes::SchemeEntry::new(HeadroomGuard);
    let scenarios = pinref_proofs::scenarios::catalogue();
    let idle: Vec<&str> = engines::registry()
        .iter()
        .filter(|engine| {
            !scenarios
                .iter()
                .any(|s| engine.supports(s) && scheme.applies(s))
        })
        .map(|engine| engine.name())
        .collect();
    assert!(idle.is_empty(), "engines with nothing to run: {idle:?}");
}
