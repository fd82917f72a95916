//! `report.json`: the machine-readable report. Its keys are a contract for
//! CI consumers; add keys, never rename or remove them.

use super::{PINREF_VERSION, Report, history};
use crate::mutation::EngineHunt;
use crate::properties::Property;
use pinref_model::KnownBug;
use serde_json::{Value, json};

/// The report as JSON.
pub fn to_json(report: &Report) -> Value {
    let runs: Vec<Value> = report
        .runs
        .iter()
        .map(|run| {
            let violations: Vec<Value> = run
                .outcome
                .violations
                .iter()
                .map(|violation| {
                    json!({
                        "property": violation.property.id(),
                        "message": violation.message,
                        "counterexample": violation.counterexample,
                        "replay": violation.replay,
                    })
                })
                .collect();
            let mut row = json!({
                "scenario": run.scenario,
                "scheme": run.scheme,
                "engine": run.engine,
                "preemption_bound": run.preemption_bound,
                "exhaustive": run.outcome.exhaustive,
                "executions": run.outcome.executions,
                "seconds": rounded(run.outcome.seconds),
                "verdict": run.outcome.verdict.as_str(),
                "violations": violations,
                "note": run.outcome.note,
                "known_bug": run.outcome.known_bugs.first().map(known_bug),
                "unit": run.outcome.unit,
                "counters": counters(&run.outcome.counters),
            });
            // The engine's own figures (`states`, `transitions`,
            // `peak_memory_bytes`, ...), each a key of the row; a figure
            // never replaces one of the keys above.
            if let Some(object) = row.as_object_mut() {
                if !run.parameters.is_empty() {
                    let parameters: serde_json::Map<String, Value> = run
                        .parameters
                        .iter()
                        .map(|&(name, value)| (name.to_string(), json!(value)))
                        .collect();
                    object.insert("parameters".to_string(), Value::Object(parameters));
                }
                for &(name, value) in &run.outcome.counters {
                    object.entry(name).or_insert_with(|| json!(value));
                }
            }
            row
        })
        .collect();
    let coverage = by_property(report.coverage());
    let mutants: Vec<Value> = report
        .mutants
        .iter()
        .map(|mutant| {
            let hunt = &mutant.hunt;
            json!({
                "name": hunt.name,
                "caught": hunt.caught(),
                "property": hunt.property().map(|p| p.id()),
                "engine": hunt.engine,
                "scenario": hunt.scenario,
                "executions_to_find": hunt.executions_to_find,
                "preemption_bound": hunt.bound,
                "seconds": rounded(hunt.seconds),
                "counterexample": hunt.violation.as_ref().map(|v| v.counterexample.clone()),
                "replay": hunt.violation.as_ref().map(|v| v.replay.clone()),
                "message": hunt.violation.as_ref().map(|v| v.message.clone()),
                "flaw": mutant.flaw,
                "expected_property": mutant.expected_property.id(),
                "unit": hunt.unit,
                "engines": hunt.engines.iter().map(engine_hunt).collect::<Vec<_>>(),
            })
        })
        .collect();
    let kills = by_property(report.kills());
    let history: Vec<Value> = history::rows(report)
        .into_iter()
        .map(|row| {
            let cells: serde_json::Map<String, Value> = row
                .cells
                .iter()
                .map(|(scheme, cell)| (scheme.to_string(), json!(cell.as_str())))
                .collect();
            let mut entry = known_bug(&row.bug);
            entry["scenarios"] = json!(row.bug.scenarios);
            entry["cells"] = Value::Object(cells);
            entry
        })
        .collect();
    let engines: Vec<Value> = report
        .engines
        .iter()
        .map(|engine| {
            json!({
                "name": engine.name,
                "unit": engine.unit,
                "summary": engine.summary,
                "sees": engine.sees,
                "misses": engine.misses,
            })
        })
        .collect();
    let strength: Vec<Value> = report
        .strength()
        .iter()
        .map(|row| {
            json!({
                "engine": row.engine,
                "caught": row.caught,
                "total": row.total,
                "median_seconds_to_catch": row.median_seconds_to_catch.map(rounded),
            })
        })
        .collect();
    let (pass, violation, expected, incomplete) = report.tally();
    json!({
        "engines": engines,
        "engine_strength": strength,
        "mutants": mutants,
        "mutation_score": report.mutation_score(),
        "property_kills": kills,
        "pinref_version": PINREF_VERSION,
        "complete": report.complete(),
        "interrupted": report.interrupted,
        "planned": report.planned,
        "runs": runs,
        "property_coverage": coverage,
        "summary": {
            "pass": pass,
            "violation": violation,
            "expected_violation": expected,
            "incomplete": incomplete,
            "known_bug": report.known_bugs(),
        },
        "history": history,
    })
}

/// A known bug as report.json spells it.
fn known_bug(bug: &KnownBug) -> Value {
    json!({
        "id": bug.id,
        "property": bug.property.id(),
        "summary": bug.summary,
        "fixed_in": bug.fixed_in,
        "fix": bug.fix,
    })
}

/// Seconds to the millisecond.
fn rounded(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

/// An outcome's engine-specific counters, as an object.
fn counters(counters: &[(&'static str, u64)]) -> Value {
    Value::Object(
        counters
            .iter()
            .map(|&(name, value)| (name.to_string(), json!(value)))
            .collect(),
    )
}

/// One engine's hunt for one variant: a cell of the matrix.
fn engine_hunt(cell: &EngineHunt) -> Value {
    json!({
        "engine": cell.engine,
        "caught": cell.caught(),
        "property": cell.property().map(|p| p.id()),
        "scenario": cell.scenario,
        "unit": cell.unit,
        "executions_to_find": cell.executions_to_find,
        "executions": cell.executions,
        "seconds": rounded(cell.seconds),
        "runs": cell.runs,
        "complete": cell.complete,
        "message": cell.violation.as_ref().map(|v| v.message.clone()),
        "replay": cell.violation.as_ref().map(|v| v.replay.clone()),
    })
}

/// Names listed per property (the scenarios that check it, the variants
/// that violate it), as an object keyed by the property's id.
fn by_property(lists: Vec<(Property, Vec<&'static str>)>) -> serde_json::Map<String, Value> {
    lists
        .into_iter()
        .map(|(property, names)| (property.id().to_string(), json!(names)))
        .collect()
}
