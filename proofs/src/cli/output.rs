//! What the main job prints and writes once its runs are done: the run
//! table, the history table, each violation in full (an expected one and a
//! known bug of the version in a line), the engine matrix of the mutation
//! run, `report.json` and `report.md`.

use crate::engines::Verdict;
use crate::report::{Report, counterexample, history, json, markdown, table};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The run table and the history table, then every violation: in full,
/// with its trace written under `traces`; an expected one (a property the
/// scheme does not claim) and a known bug of the version in one line per
/// scenario, scheme and property, unless it is all there is.
pub fn print_runs(report: &Report, traces: &Path) -> Result<(), String> {
    print!("{}", table::render(report));
    println!("\nHistory: the counter's known bugs (rows) on each version (columns)");
    print!("{}", history::render(report));
    for line in history::legend() {
        println!("  {line}");
    }
    let single = report.runs.len() == 1;
    let mut expected: BTreeMap<(&str, &str, &str), (String, Vec<&str>)> = BTreeMap::new();
    let mut known: BTreeMap<(&str, &str, &str), (String, Vec<&str>)> = BTreeMap::new();
    for run in &report.runs {
        for violation in &run.outcome.violations {
            let full =
                counterexample::write_full(traces, violation, run.scenario, run.scheme, run.engine)
                    .map_err(|error| format!("cannot write under {}: {error}", traces.display()))?;
            if run.outcome.verdict == Verdict::Violation || single {
                let mut view = counterexample::short(
                    violation,
                    run.scenario,
                    run.scheme,
                    run.engine,
                    run.outcome.verdict.as_str(),
                    Some(&full),
                );
                // The engine's word on it (a shuttle failure's schedule).
                if let Some(note) = &run.outcome.note {
                    view.push_str(&format!("  note:      {note}\n"));
                }
                println!("\n{view}");
            } else if run.outcome.verdict == Verdict::KnownBug {
                let bug = run
                    .outcome
                    .known_bugs
                    .iter()
                    .find(|bug| bug.property == violation.property);
                let line = format!(
                    "{} [known bug {}, fixed in {}: \"{}\"] (trace: {})",
                    violation.message,
                    bug.map_or("?", |bug| bug.id),
                    bug.map_or("?", |bug| bug.fixed_in),
                    bug.map_or("?", |bug| bug.fix),
                    full.display()
                );
                known
                    .entry((run.scenario, run.scheme, violation.property.id()))
                    .or_insert((line, Vec::new()))
                    .1
                    .push(run.engine);
            } else {
                let line = format!("{} (trace: {})", violation.message, full.display());
                expected
                    .entry((run.scenario, run.scheme, violation.property.id()))
                    .or_insert((line, Vec::new()))
                    .1
                    .push(run.engine);
            }
        }
    }
    if !known.is_empty() {
        println!(
            "\nKnown bugs of the versions that had them (found, as they must be; not a failure):"
        );
        for ((scenario, scheme, property), (line, engines)) in known {
            println!(
                "  {scenario} on {scheme}: {property} ({}): {line}",
                engines.join(", ")
            );
        }
    }
    if !expected.is_empty() {
        println!(
            "\nExpected violations (properties these schemes do not claim; see --scenario/--scheme \
             for one in full):"
        );
        for ((scenario, scheme, property), (line, engines)) in expected {
            println!(
                "  {scenario} on {scheme}: {property} ({}): {line}",
                engines.join(", ")
            );
        }
    }
    Ok(())
}

/// Writes `report.json` and `report.md` under `out`; returns their paths.
pub fn write_reports(report: &Report, out: &Path) -> Result<(PathBuf, PathBuf), String> {
    let json_path = out.join("report.json");
    let md_path = out.join("report.md");
    let json_text = serde_json::to_string_pretty(&json::to_json(report))
        .map_err(|error| format!("cannot encode the report: {error}"))?;
    std::fs::write(&json_path, json_text)
        .map_err(|error| format!("cannot write {}: {error}", json_path.display()))?;
    std::fs::write(&md_path, markdown::to_markdown(report))
        .map_err(|error| format!("cannot write {}: {error}", md_path.display()))?;
    Ok((json_path, md_path))
}

/// The mutation run: what caught each variant, the engine matrix, and each
/// engine's strength.
pub fn print_mutants(report: &Report) {
    let Some(score) = report.mutation_score() else {
        return;
    };
    println!("\nMutation run: flawed variants and what caught them (the cheapest catch)");
    print!("{}", table::render_mutants(report));
    let median = report.median_seconds_to_catch().unwrap_or(0.0);
    println!(
        "mutation score {:.0}% ({} of {}), median {median:.2}s to the first counterexample",
        score * 100.0,
        report.mutants.iter().filter(|m| m.hunt.caught()).count(),
        report.mutants.len()
    );
    println!("\nThe engine matrix: property caught, work and seconds to the first counterexample");
    print!("{}", table::render_matrix(report));
    println!("\nEach engine's strength");
    print!("{}", table::render_strength(report));
    for mutant in report.mutants.iter().filter(|m| !m.hunt.caught()) {
        println!("NOT CAUGHT: {} ({})", mutant.hunt.name, mutant.flaw);
    }
}
