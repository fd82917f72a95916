//! `report.json`: the machine-readable report. Its keys are a contract for
//! CI consumers; add keys, never rename or remove them.

use super::{PINREF_VERSION, Report, history};
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
            json!({
                "scenario": run.scenario,
                "scheme": run.scheme,
                "engine": run.engine,
                "preemption_bound": run.preemption_bound,
                "executions": run.outcome.executions,
                "seconds": (run.outcome.seconds * 1000.0).round() / 1000.0,
                "verdict": run.outcome.verdict.as_str(),
                "violations": violations,
                "note": run.outcome.note,
                "known_bug": run.outcome.known_bugs.first().map(known_bug),
            })
        })
        .collect();
    let coverage: serde_json::Map<String, Value> = report
        .coverage()
        .into_iter()
        .map(|(property, scenarios)| (property.id().to_string(), json!(scenarios)))
        .collect();
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
                "seconds": (hunt.seconds * 1000.0).round() / 1000.0,
                "counterexample": hunt.violation.as_ref().map(|v| v.counterexample.clone()),
                "replay": hunt.violation.as_ref().map(|v| v.replay.clone()),
                "message": hunt.violation.as_ref().map(|v| v.message.clone()),
                "flaw": mutant.flaw,
                "expected_property": mutant.expected_property.id(),
            })
        })
        .collect();
    let kills: serde_json::Map<String, Value> = report
        .kills()
        .into_iter()
        .map(|(property, names)| (property.id().to_string(), json!(names)))
        .collect();
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
    let (pass, violation, expected, incomplete) = report.tally();
    json!({
        "mutants": mutants,
        "mutation_score": report.mutation_score(),
        "property_kills": kills,
        "pinref_version": PINREF_VERSION,
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
