//! The schemes replay the counter's history: every known bug a version
//! declares is found on the scenarios that reproduce it (reported as
//! `known_bug`, not as a failure), the version that fixed it passes those
//! scenarios, a bug declared where the version does not have it is a
//! failure (the checker has teeth), and the history table says all of it.

use pinref_model::scheme::history::{self, STAT_AFTER_RELEASE};
use pinref_model::{KnownBug, Property, Scheme, V5_11};
use pinref_proofs::catalogue::builtin_schemes;
use pinref_proofs::engines::{self, Outcome, RunOptions, Verdict};
use pinref_proofs::known_bugs::classify;
use pinref_proofs::properties::Violation;
use pinref_proofs::report::history::{Cell, cell};
use pinref_proofs::report::{Report, Run};
use pinref_proofs::scenarios::{self, ScenarioEntry};
use pinref_proofs::schemes::SchemeEntry;
use support::{assert_every_case, scenario};

mod support;

/// Explores `scenario` on `entry` with the first engine that supports it
/// (loom for the threaded scenarios, proptest for the sequential programs).
fn explore(entry: &SchemeEntry, scenario: &ScenarioEntry) -> Outcome {
    let engine = engines::registry()
        .into_iter()
        .find(|engine| engine.supports(scenario))
        .unwrap_or_else(|| panic!("no engine supports {}", scenario.name()));
    entry.explore(&*engine, scenario, &RunOptions::default())
}

/// The 0-based built-ins in version order (devmap is a separate line).
fn versions() -> Vec<SchemeEntry> {
    builtin_schemes()
        .into_iter()
        .filter(|entry| entry.object().freed_at() == 0)
        .collect()
}

fn declares(entry: &SchemeEntry, bug: &KnownBug) -> bool {
    entry
        .known_bugs()
        .iter()
        .any(|declared| declared.id == bug.id)
}

#[test]
fn every_declared_known_bug_names_catalogued_scenarios_one_bug_per_scenario() {
    let mut wrong = Vec::new();
    for entry in builtin_schemes() {
        let bugs = entry.known_bugs();
        for bug in &bugs {
            for name in bug.scenarios {
                if scenarios::find(name).is_none() {
                    wrong.push(format!(
                        "{}: {} names no scenario {name}",
                        entry.name, bug.id
                    ));
                }
                let on_it = bugs
                    .iter()
                    .filter(|other| other.scenarios.contains(name))
                    .count();
                if on_it > 1 {
                    wrong.push(format!(
                        "{}: {on_it} known bugs on {name}: a run that stops at its first \
                         violation cannot find them all",
                        entry.name
                    ));
                }
            }
            if !history::ALL.iter().any(|known| known.id == bug.id) {
                wrong.push(format!("{}: {} is not in history::ALL", entry.name, bug.id));
            }
        }
    }
    assert_every_case(wrong);
}

#[test]
fn every_version_with_a_known_bug_reproduces_it_on_each_of_its_scenarios() {
    let mut missed = Vec::new();
    let mut found = 0;
    for entry in builtin_schemes() {
        for bug in entry.known_bugs() {
            for name in bug.scenarios {
                let scenario = scenario(name);
                if !entry.applies(&scenario) {
                    continue;
                }
                let outcome = explore(&entry, &scenario);
                let reproduced = outcome.verdict == Verdict::KnownBug
                    && outcome.known_bugs.iter().any(|known| known.id == bug.id)
                    && outcome
                        .violations
                        .iter()
                        .any(|violation| violation.property == bug.property);
                if reproduced {
                    found += 1;
                } else {
                    missed.push(format!(
                        "{} on {}: {:?}, {:#?}",
                        bug.id, entry.name, outcome.verdict, outcome.violations
                    ));
                }
            }
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n"));
    let bugs = history::ALL.len();
    assert!(found >= bugs, "{found} reproductions of {bugs} known bugs");
}

#[test]
fn the_version_that_fixed_each_known_bug_passes_the_scenarios_that_reproduced_it() {
    let versions = versions();
    let mut failures = Vec::new();
    let mut passed = 0;
    for bug in history::ALL {
        let before = passed;
        // The first version after one that has the bug and does not have it.
        let fixed = versions
            .windows(2)
            .find(|pair| declares(&pair[0], &bug) && !declares(&pair[1], &bug))
            .map(|pair| pair[1].clone());
        let Some(fixed) = fixed else {
            failures.push(format!("{}: no version fixes it", bug.id));
            continue;
        };
        if fixed.description.is_empty() || !bug.fixed_in.starts_with('v') {
            failures.push(format!("{}: fixed in {:?}", bug.id, bug.fixed_in));
        }
        for name in bug.scenarios {
            let scenario = scenario(name);
            if !fixed.applies(&scenario) {
                continue;
            }
            let outcome = explore(&fixed, &scenario);
            // It must pass; a run may show another known bug of the fixed
            // version instead (the barrier on v5.11's order-2 pages), or a
            // property it does not claim, never this bug, and never a
            // violation.
            let this_bug = outcome.known_bugs.iter().any(|known| known.id == bug.id);
            let its_property = outcome
                .violations
                .iter()
                .any(|violation| violation.property == bug.property);
            match outcome.verdict {
                Verdict::Pass => passed += 1,
                // A property the version does not claim (P6 of the sequential
                // programs' racy guard) is no sign of this bug.
                Verdict::ExpectedViolation if !its_property => passed += 1,
                Verdict::KnownBug if !this_bug => {}
                verdict => failures.push(format!(
                    "{} on {} (fixed in {}): {:?}: {:#?}",
                    name, fixed.name, bug.fixed_in, verdict, outcome.violations
                )),
            }
        }
        if passed == before {
            failures.push(format!(
                "{}: {} passes none of the scenarios that reproduced it",
                bug.id, fixed.name
            ));
        }
    }
    assert_every_case(failures);
    assert!(
        passed >= history::ALL.len(),
        "only {passed} fixed runs passed"
    );
}

/// v5.11 that declares v5.7's statistic bug, which v5.11 fixed.
struct ClaimsAFixedBug;

impl pinref_model::Patch for ClaimsAFixedBug {
    pinref_model::patch_of!(
        V5_11,
        "claims-a-fixed-bug",
        "v5_11, declaring the statistic-after-release bug it does not have"
    );
    fn known_bugs(&self) -> Vec<KnownBug> {
        vec![STAT_AFTER_RELEASE]
    }
}

#[test]
fn a_declared_known_bug_the_run_does_not_find_is_a_violation() {
    let entry = SchemeEntry::new(ClaimsAFixedBug);
    let outcome = explore(&entry, &scenario("last_reference"));
    assert_eq!(outcome.verdict, Verdict::Violation, "{outcome:#?}");
    assert!(
        outcome.violations[0].message.contains("was not found"),
        "{:#?}",
        outcome.violations
    );
    // Where the bug is not declared, the same scheme passes.
    let outcome = explore(&entry, &scenario("get_put_vs_pin"));
    assert_eq!(outcome.verdict, Verdict::Pass, "{outcome:#?}");
}

fn found(property: Property, message: &str) -> Outcome {
    let mut outcome = Outcome::new(Verdict::Violation, 3, 0.0).by("test", "executions");
    outcome.violations.push(Violation {
        property,
        message: message.to_string(),
        counterexample: "a timeline".to_string(),
        replay: String::new(),
    });
    outcome
}

/// `outcome` of a run on `scenario`, classified for a scheme that declares
/// the statistic-after-release bug (P4 on `last_reference`).
fn classified(outcome: Outcome, scenario: &str) -> Outcome {
    classify(outcome, &[STAT_AFTER_RELEASE], scenario)
}

#[test]
fn a_violation_of_a_declared_bugs_property_on_its_scenario_is_a_known_bug() {
    let outcome = classified(found(Property::P4, "stat after free"), "last_reference");
    assert_eq!(outcome.verdict, Verdict::KnownBug);
    assert_eq!(outcome.known_bugs, [STAT_AFTER_RELEASE]);
    assert_eq!(outcome.violations[0].counterexample, "a timeline", "kept");
}

#[test]
fn a_violation_of_another_property_stays_a_violation() {
    let outcome = classified(found(Property::P3, "underflow"), "last_reference");
    assert_eq!(outcome.verdict, Verdict::Violation);
}

#[test]
fn a_declared_bug_counts_only_on_its_own_scenarios() {
    let outcome = classified(found(Property::P4, "stat after free"), "get_put_vs_pin");
    assert_eq!(outcome.verdict, Verdict::Violation);
    let passed = classified(Outcome::new(Verdict::Pass, 3, 0.0), "get_put_vs_pin");
    assert_eq!(passed.verdict, Verdict::Pass);
}

#[test]
fn an_incomplete_run_stays_incomplete_whatever_it_declares() {
    let outcome = classified(Outcome::new(Verdict::Incomplete, 3, 0.0), "last_reference");
    assert_eq!(outcome.verdict, Verdict::Incomplete);
}

fn run_of(entry: &SchemeEntry, name: &'static str) -> Run {
    let outcome = explore(entry, &scenario(name));
    Run {
        scenario: name,
        parameters: Vec::new(),
        scheme: entry.name,
        engine: "loom",
        preemption_bound: outcome.bound,
        outcome,
    }
}

#[test]
fn the_history_table_shows_the_statistic_bug_reproduced_before_v5_11_and_passing_after() {
    let mut report = Report::default();
    for entry in builtin_schemes() {
        report.runs.push(run_of(&entry, "last_reference"));
    }
    let row: Vec<(&str, Cell)> = builtin_schemes()
        .iter()
        .map(|entry| (entry.name, cell(&report, &STAT_AFTER_RELEASE, entry.name)))
        .collect();
    let expected = [
        ("seed", Cell::Reproduced),
        ("v5_7", Cell::Reproduced),
        ("v5_11", Cell::Passes),
        ("v5_14", Cell::Passes),
        ("folio", Cell::Passes),
        ("v6_1", Cell::Passes),
        ("v6_5", Cell::Passes),
        ("devmap", Cell::Passes),
    ];
    assert_eq!(row, expected);
    assert_eq!(
        cell(&report, &history::ZERO_PAGE_OVERFLOW, "v5_7"),
        Cell::NotApplicable,
        "no zero_page run in this report"
    );
}
