//! `report.md`: the readable report, with the run table, the property
//! coverage and every violation's counterexample.

use super::{PINREF_VERSION, Report, history, table};
use crate::properties::Property;
use std::fmt::Write as _;

/// The report as Markdown.
pub fn to_markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# pinref report\n\npinref {PINREF_VERSION}\n");
    let (pass, violation, expected, incomplete) = report.tally();
    if let Some(by) = report.interrupted {
        let _ = writeln!(
            out,
            "**Incomplete: interrupted by {by}** after {} of the {} runs and hunts planned; \
             what did not run is not in this report.\n",
            report.runs.len() + report.mutants.len(),
            report.planned
        );
    }
    let _ = writeln!(
        out,
        "{} runs: {pass} pass, {violation} violation, {expected} expected violation, {} known \
         bug, {incomplete} incomplete.\n",
        report.runs.len(),
        report.known_bugs()
    );
    let _ = writeln!(out, "| {} |", table::HEADER.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(table::HEADER.len()));
    for run in &report.runs {
        let _ = writeln!(out, "| {} |", table::cells(run).join(" | "));
    }
    if let Some(note) = table::bounded_note(report) {
        let _ = writeln!(out, "\n{note}");
    }
    if !report.engines.is_empty() {
        let _ = writeln!(
            out,
            "\n## Engines: what a pass from each says, and does not\n\n\
             | engine | how | sees | misses |\n|---|---|---|---|"
        );
        for engine in &report.engines {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                engine.name, engine.summary, engine.sees, engine.misses
            );
        }
    }
    let _ = writeln!(
        out,
        "\n## History: the counter's known bugs, version by version\n"
    );
    let schemes = history::columns(report);
    let _ = writeln!(
        out,
        "| known bug | property | fixed in | {} |",
        schemes.join(" | ")
    );
    let _ = writeln!(out, "|{}", "---|".repeat(3 + schemes.len()));
    for row in history::rows(report) {
        let cells: Vec<&str> = row.cells.iter().map(|(_, cell)| cell.as_str()).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            row.bug.id,
            row.bug.property.id(),
            row.bug.fixed_in,
            cells.join(" | ")
        );
    }
    let _ = writeln!(out);
    for line in history::legend() {
        let _ = writeln!(out, "- {line}");
    }
    let _ = writeln!(out, "\n## Properties and the scenarios that check them\n");
    for (property, scenarios) in report.coverage() {
        property_line(&mut out, property, &scenarios, "not checked in this run");
    }
    if let Some(score) = report.mutation_score() {
        let _ = writeln!(
            out,
            "\n## Mutation score: {:.0}% of {} flawed variants caught\n",
            score * 100.0,
            report.mutants.len()
        );
        if let Some(median) = report.median_seconds_to_catch() {
            let _ = writeln!(
                out,
                "Median seconds to the first counterexample: {median:.3}.\n"
            );
        }
        let _ = writeln!(out, "| {} | flaw |", table::MUTANT_HEADER.join(" | "));
        let _ = writeln!(out, "|{}---|", "---|".repeat(table::MUTANT_HEADER.len()));
        for mutant in &report.mutants {
            let _ = writeln!(
                out,
                "| {} | {} |",
                table::mutant_cells(mutant).join(" | "),
                mutant.flaw
            );
        }
        let engines = report.matrix_engines();
        let _ = writeln!(
            out,
            "\n### The engine matrix\n\nFor each flawed variant and engine: the property \
             it saw violated, its work (in the engine's unit) and seconds to the first \
             counterexample; `no`: not caught by anything it ran, `no (budget)`: not caught \
             within its budget, `-`: nothing it runs applies.\n"
        );
        let _ = writeln!(out, "| variant | {} |", engines.join(" | "));
        let _ = writeln!(out, "|---|{}", "---|".repeat(engines.len()));
        for mutant in &report.mutants {
            let _ = writeln!(
                out,
                "| {} |",
                table::matrix_cells(mutant, &engines).join(" | ")
            );
        }
        let _ = writeln!(out, "\nEach engine's strength:\n");
        let _ = writeln!(out, "| {} |", table::STRENGTH_HEADER.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(table::STRENGTH_HEADER.len()));
        for row in report.strength() {
            let _ = writeln!(out, "| {} |", table::strength_cells(&row).join(" | "));
        }
        let _ = writeln!(out, "\nProperties and the variants that violate them:\n");
        for (property, names) in report.kills() {
            property_line(
                &mut out,
                property,
                &names,
                "no variant (see the catalogue's notes)",
            );
        }
    }
    let findings: Vec<_> = report
        .runs
        .iter()
        .filter(|run| !run.outcome.violations.is_empty() || run.outcome.note.is_some())
        .collect();
    if !findings.is_empty() {
        let _ = writeln!(out, "\n## Findings\n");
    }
    for run in findings {
        let _ = writeln!(
            out,
            "### {} × {} ({}): {}\n",
            run.scenario,
            run.scheme,
            run.engine,
            run.outcome.verdict.as_str()
        );
        if let Some(note) = &run.outcome.note {
            let _ = writeln!(out, "{note}\n");
        }
        for violation in &run.outcome.violations {
            let _ = writeln!(out, "```text\n{violation}```\n");
        }
    }
    out
}

/// A list item for `property`: its id, its title and `names` (the
/// scenarios that check it, the variants that violate it), or `none` when
/// there are none.
fn property_line(out: &mut String, property: Property, names: &[&str], none: &str) {
    let names = if names.is_empty() {
        none.to_string()
    } else {
        names.join(", ")
    };
    let _ = writeln!(
        out,
        "- **{}** ({}): {names}",
        property.id(),
        property.title()
    );
}
