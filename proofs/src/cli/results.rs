//! What the main job prints when its runs are done: the run table (with
//! what a non-exhaustive pass covers), the history table (the counter's
//! known kernel bugs on each version), every violation's timeline and
//! replay command, why each incomplete run stopped, the mutation table
//! with every caught variant's counterexample and replay command (and
//! each other engine's catch, with its replay), the engine matrix and each
//! engine's strength, and the summary line. Full timelines go to the traces directory.

use super::output::Terminal;
use crate::engines::Verdict;
use crate::properties::Violation;
use crate::report::{Report, counterexample, history, table};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Prints the results of `report`, writing each violation's full
/// timeline under `traces` (when there is one); returns the files that
/// could not be written.
pub fn print(terminal: &Terminal, report: &Report, traces: Option<&Path>) -> Vec<String> {
    let mut errors = Vec::new();
    let mut trace = |violation: &Violation, scenario: &str, scheme: &str, engine: &str| {
        let dir = traces?;
        counterexample::write_full(dir, violation, scenario, scheme, engine)
            .map_err(|error| errors.push(format!("cannot write under {}: {error}", dir.display())))
            .ok()
    };
    if !report.runs.is_empty() {
        terminal.print(table::render(report));
        if let Some(words) = table::bounded_note(report) {
            terminal.line(words);
        }
        terminal.line("\nHistory: the counter's known bugs (rows) on each version (columns)");
        terminal.print(history::render(report));
        for line in history::legend() {
            terminal.line(format_args!("  {line}"));
        }
    }
    let only_run = report.runs.len() == 1;
    // An expected violation in one line per scenario, scheme and property,
    // with every engine that showed it.
    let mut expected: BTreeMap<(&str, &str, &str), (String, Vec<&str>)> = BTreeMap::new();
    // A known bug of the version found, the same way, with its fix.
    let mut known: BTreeMap<(&str, &str, &str), (String, Vec<&str>)> = BTreeMap::new();
    for run in &report.runs {
        for violation in &run.outcome.violations {
            let full = trace(violation, run.scenario, run.scheme, run.engine);
            // A violation is shown in full; an expected one (a property the
            // scheme does not claim) in one line, unless it is all there is.
            if in_full(run.outcome.verdict, only_run) {
                terminal.line(format_args!(
                    "\n{}",
                    counterexample::of_run(run, violation, full.as_deref())
                ));
            } else if run.outcome.verdict == Verdict::KnownBug {
                let bug = run
                    .outcome
                    .known_bugs
                    .iter()
                    .find(|bug| bug.property == violation.property);
                let line = format!(
                    "{} [known bug {}, fixed in {}: \"{}\"]{}",
                    violation.message,
                    bug.map_or("?", |bug| bug.id),
                    bug.map_or("?", |bug| bug.fixed_in),
                    bug.map_or("?", |bug| bug.fix),
                    trace_words(full.as_deref())
                );
                known
                    .entry((run.scenario, run.scheme, violation.property.id()))
                    .or_insert((line, Vec::new()))
                    .1
                    .push(run.engine);
            } else {
                let line = format!("{}{}", violation.message, trace_words(full.as_deref()));
                expected
                    .entry((run.scenario, run.scheme, violation.property.id()))
                    .or_insert((line, Vec::new()))
                    .1
                    .push(run.engine);
            }
        }
    }
    if !known.is_empty() {
        terminal.line(
            "\nKnown bugs of the versions that had them (found, as they must be; not a failure):",
        );
        for ((scenario, scheme, property), (line, engines)) in known {
            terminal.line(format_args!(
                "  {scenario} on {scheme}: {property} ({}): {line}",
                engines.join(", ")
            ));
        }
    }
    if !expected.is_empty() {
        terminal.line(
            "\nExpected violations (properties these schemes do not claim; see \
             --scenario/--scheme for one in full):",
        );
        for ((scenario, scheme, property), (line, engines)) in expected {
            terminal.line(format_args!(
                "  {scenario} on {scheme}: {property} ({}): {line}",
                engines.join(", ")
            ));
        }
    }
    let stopped: Vec<_> = report
        .runs
        .iter()
        .filter(|run| run.outcome.verdict == Verdict::Incomplete)
        .collect();
    if !stopped.is_empty() {
        terminal.line("\nIncomplete runs (not a pass):");
        for run in stopped {
            terminal.line(format_args!(
                "  {} on {} ({}): {}",
                run.scenario,
                run.scheme,
                run.engine,
                run.outcome.note.as_deref().unwrap_or("stopped early")
            ));
        }
    }
    if let Some(score) = report.mutation_score() {
        terminal.line("\nMutation run: flawed variants and what caught them (the cheapest catch)");
        terminal.print(table::render_mutants(report));
        let median = report.median_seconds_to_catch().unwrap_or(0.0);
        terminal.line(format_args!(
            "mutation score {:.0}% ({} of {}), median {median:.2}s to the first counterexample",
            score * 100.0,
            report.mutants.iter().filter(|m| m.hunt.caught()).count(),
            report.mutants.len()
        ));
        terminal.line(
            "\nThe engine matrix: property caught, work and seconds to the first counterexample",
        );
        terminal.print(table::render_matrix(report));
        terminal.line("\nEach engine's strength");
        terminal.print(table::render_strength(report));
        for mutant in &report.mutants {
            let hunt = &mutant.hunt;
            match (&hunt.violation, hunt.scenario) {
                (Some(violation), Some(scenario)) => {
                    let full = trace(violation, scenario, hunt.name, hunt.engine);
                    terminal.line(format_args!(
                        "\ncaught variant {} ({})\n{}",
                        hunt.name,
                        mutant.flaw,
                        counterexample::short(
                            violation,
                            scenario,
                            hunt.name,
                            hunt.engine,
                            "caught",
                            full.as_deref(),
                        )
                    ));
                    // Every other engine's catch, with its own replay.
                    for cell in hunt
                        .engines
                        .iter()
                        .filter(|cell| cell.engine != hunt.engine)
                    {
                        if let (Some(violation), Some(scenario)) = (&cell.violation, cell.scenario)
                        {
                            terminal.line(format_args!(
                                "  also caught by {}: {} in {scenario}; replay: {}",
                                cell.engine,
                                violation.property.id(),
                                violation.replay
                            ));
                        }
                    }
                }
                _ => terminal.line(format_args!(
                    "\nNOT CAUGHT: {} ({})",
                    hunt.name, mutant.flaw
                )),
            }
        }
    }
    errors
}

/// Whether a violation is printed in full: a claimed property's always;
/// an expected one's when its run is all there is.
fn in_full(verdict: Verdict, only_run: bool) -> bool {
    verdict == Verdict::Violation || only_run
}

fn trace_words(full: Option<&Path>) -> String {
    full.map_or_else(String::new, |path| format!(" (trace: {})", path.display()))
}

/// Prints the closing line: the tally, the time, where the reports are,
/// and, for an interrupted job, that it is incomplete.
pub fn print_summary(
    terminal: &Terminal,
    report: &Report,
    seconds: f64,
    seed: u64,
    reports: [&Path; 2],
) {
    let (pass, violation, expected, incomplete) = report.tally();
    let known = report.known_bugs();
    let known = if known > 0 {
        format!(", {known} known bug")
    } else {
        String::new()
    };
    let reports: Vec<PathBuf> = reports.iter().map(|path| path.to_path_buf()).collect();
    terminal.line(format_args!(
        "\n{} runs in {seconds:.1}s: {pass} pass, {violation} violation, {expected} expected \
         violation{known}, {incomplete} incomplete. Seed {seed}. Reports: {}, {}",
        report.runs.len(),
        reports[0].display(),
        reports[1].display()
    ));
    if let Some(by) = report.interrupted {
        terminal.line(format_args!(
            "INCOMPLETE: interrupted by {by} after {} of the {} runs and hunts planned; the \
             report is partial.",
            report.runs.len() + report.mutants.len(),
            report.planned
        ));
    }
}
