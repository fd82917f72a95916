//! The engine matrix in the reports: `report.json` keeps every key it had
//! and gains `mutants[].engines`, `engines` and `engine_strength`;
//! `report.md` shows the matrix as a table and each engine's strength as a
//! row.

use pinref_proofs::catalogue::find_scheme;
use pinref_proofs::engines::loom::LoomEngine;
use pinref_proofs::engines::proptest::ProptestEngine;
use pinref_proofs::engines::shuttle::ShuttleEngine;
use pinref_proofs::engines::{Engine, RunOptions};
use pinref_proofs::mutation::{Budget, Hunt, hunt_with};
use pinref_proofs::properties::Property;
use pinref_proofs::report::{EngineInfo, Mutant, Report, json, markdown};
use pinref_proofs::scenarios;
use serde_json::Value;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// put-load-store (a lost update) hunted on get_put_vs_pin and the
/// sequential programs by loom, shuttle random and proptest: the threaded
/// engines catch it, proptest (one thread) cannot.
fn report() -> &'static Report {
    static REPORT: OnceLock<Report> = OnceLock::new();
    REPORT.get_or_init(|| {
        let engines: Vec<Arc<dyn Engine>> = vec![
            Arc::new(LoomEngine),
            Arc::new(ShuttleEngine::random()),
            Arc::new(ProptestEngine::default()),
        ];
        let scenarios = vec![
            scenarios::find("get_put_vs_pin").expect("catalogued"),
            scenarios::find("programs").expect("catalogued"),
        ];
        let budget = Budget {
            run: RunOptions {
                seed: Some(9),
                ..RunOptions::default()
            },
            work: vec![("proptest", 300)],
            per_engine: Duration::from_secs(60),
        };
        let entry = find_scheme("put-load-store").expect("the variant is catalogued");
        let hunt: Hunt = hunt_with(&entry, &engines, &scenarios, &budget);
        Report {
            engines: engines.iter().map(|e| EngineInfo::of(e.as_ref())).collect(),
            runs: Vec::new(),
            mutants: vec![Mutant {
                flaw: "a put done as a load and a store",
                expected_property: Property::P5,
                hunt,
            }],
            ..Report::default()
        }
    })
}

#[test]
fn each_engine_reports_caught_or_not_and_the_cost_of_its_first_counterexample() {
    let hunt = &report().mutants[0].hunt;
    let names: Vec<_> = hunt.engines.iter().map(|cell| cell.engine).collect();
    assert_eq!(names, ["loom", "shuttle-random", "proptest"]);
    for engine in ["loom", "shuttle-random"] {
        let cell = hunt.by(engine).expect("in the row");
        assert!(cell.caught(), "{engine}: {cell:?}");
        assert_eq!(cell.scenario, Some("get_put_vs_pin"));
        assert!(cell.executions_to_find >= 1 && cell.executions_to_find <= cell.executions);
        assert!(cell.seconds >= 0.0);
    }
    let proptest = hunt.by("proptest").expect("in the row");
    assert!(!proptest.caught(), "{proptest:?}");
    assert_eq!(proptest.executions, 300, "its budget, all spent");
    assert!(hunt.caught());
    assert!(["loom", "shuttle-random"].contains(&hunt.engine));
}

#[test]
fn each_engines_strength_is_its_variants_caught_of_all_and_its_median_time_to_catch() {
    let strength = report().strength();
    let rows: Vec<_> = strength
        .iter()
        .map(|row| (row.engine, row.caught, row.total))
        .collect();
    assert_eq!(
        rows,
        [("loom", 1, 1), ("shuttle-random", 1, 1), ("proptest", 0, 1)]
    );
    assert!(strength[0].median_seconds_to_catch.is_some());
    assert_eq!(strength[2].median_seconds_to_catch, None);
}

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn report_json_keeps_every_key_it_had_and_adds_the_matrix() {
    let report = json::to_json(report());
    let top = keys(&report);
    let mut missing = Vec::new();
    for key in [
        "mutants",
        "mutation_score",
        "property_kills",
        "pinref_version",
        "runs",
        "property_coverage",
        "summary",
        "engines",
        "engine_strength",
    ] {
        if !top.contains(&key) {
            missing.push(format!("top level: {key}"));
        }
    }
    let mutant = &report["mutants"][0];
    for key in [
        "name",
        "caught",
        "property",
        "engine",
        "scenario",
        "executions_to_find",
        "seconds",
        "counterexample",
        "replay",
        "message",
        "flaw",
        "expected_property",
        "engines",
    ] {
        if !keys(mutant).contains(&key) {
            missing.push(format!("mutants[]: {key}"));
        }
    }
    for key in [
        "engine",
        "caught",
        "property",
        "scenario",
        "unit",
        "executions_to_find",
        "executions",
        "seconds",
        "runs",
        "complete",
    ] {
        if !keys(&mutant["engines"][0]).contains(&key) {
            missing.push(format!("mutants[].engines[]: {key}"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    assert_eq!(mutant["engines"][1]["engine"], "shuttle-random");
    assert_eq!(mutant["engines"][1]["unit"], "iterations");
    assert_eq!(mutant["engines"][2]["caught"], false);
    assert_eq!(report["engine_strength"][2]["caught"], 0);
    assert_eq!(report["engine_strength"][2]["total"], 1);
    assert!(
        report["engines"][1]["misses"]
            .as_str()
            .is_some_and(|text| text.contains("SeqCst"))
    );
}

#[test]
fn report_md_shows_the_matrix_as_a_table_and_each_engines_strength_as_a_row() {
    let text = markdown::to_markdown(report());
    assert!(
        text.contains("| variant | loom | shuttle-random | proptest |"),
        "{text}"
    );
    // The variant's row of the matrix, after its row of the catch table.
    let row = text
        .lines()
        .filter(|line| line.starts_with("| put-load-store | "))
        .nth(1)
        .expect("the variant's matrix row");
    assert!(row.ends_with("| no |"), "{row}");
    assert!(text.contains("| proptest | 0 / 1 | - |"), "{text}");
    assert!(text.contains("| shuttle-random | 1 / 1 |"), "{text}");
}
