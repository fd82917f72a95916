//! `report.json`: the machine-readable report. Its keys are a contract for
//! CI consumers; add keys, never rename or remove them.

use super::{PINREF_VERSION, Report};
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
            })
        })
        .collect();
    let coverage: serde_json::Map<String, Value> = report
        .coverage()
        .into_iter()
        .map(|(property, scenarios)| (property.id().to_string(), json!(scenarios)))
        .collect();
    let (pass, violation, expected, incomplete) = report.tally();
    json!({
        "pinref_version": PINREF_VERSION,
        "runs": runs,
        "property_coverage": coverage,
        "summary": {
            "pass": pass,
            "violation": violation,
            "expected_violation": expected,
            "incomplete": incomplete,
        },
    })
}
