//! The run table printed on the terminal.

use super::{Report, Run};
use std::fmt::Write as _;

/// The header row.
pub const HEADER: [&str; 9] = [
    "scenario",
    "scheme",
    "engine",
    "bound",
    "exhaustive",
    "executions",
    "unit",
    "seconds",
    "verdict",
];

/// One run's cells. `exhaustive` is `yes` only for a run that explored
/// everything its scenario can do within what its engine sees (loom with
/// no bound, or the stateful explorer, to the end); a pass beside `no`
/// covers only what was explored ([`bounded_note`]).
pub fn cells(run: &Run) -> [String; 9] {
    [
        run.scenario.to_string(),
        run.scheme.to_string(),
        run.engine.to_string(),
        run.preemption_bound
            .map_or_else(|| "none".to_string(), |bound| bound.to_string()),
        if run.outcome.exhaustive { "yes" } else { "no" }.to_string(),
        run.outcome.executions.to_string(),
        run.outcome.unit.to_string(),
        format!("{:.2}", run.outcome.seconds),
        run.outcome.verdict.as_str().to_string(),
    ]
}

/// The whole table, aligned, as text.
pub fn render(report: &Report) -> String {
    let rows: Vec<[String; 9]> = report.runs.iter().map(cells).collect();
    align(&HEADER, &rows, &[3, 5, 7])
}

/// What a pass that is not exhaustive means, when the report has one.
pub fn bounded_note(report: &Report) -> Option<String> {
    use crate::engines::Verdict;
    let passes = |bounded: bool| {
        report
            .runs
            .iter()
            .filter(|run| run.outcome.verdict == Verdict::Pass && !run.outcome.exhaustive)
            .filter(|run| run.preemption_bound.is_some() == bounded)
            .count()
    };
    let (bounded, sampled) = (passes(true), passes(false));
    if bounded + sampled == 0 {
        return None;
    }
    let mut words = Vec::new();
    if bounded > 0 {
        words.push(format!(
            "{bounded} pass(es) at a preemption bound cover only the interleavings within it \
             (--unbounded explores them all, where that finishes)"
        ));
    }
    if sampled > 0 {
        words.push(format!(
            "{sampled} pass(es) of a sampling engine cover only the programs or schedules it \
             drew"
        ));
    }
    Some(format!("exhaustive = no: {}.", words.join("; ")))
}

/// The mutation table's header row.
pub const MUTANT_HEADER: [&str; 8] = [
    "variant",
    "caught?",
    "property",
    "engine",
    "scenario",
    "bound",
    "executions",
    "seconds",
];

/// One mutant's cells.
pub fn mutant_cells(mutant: &super::Mutant) -> [String; 8] {
    let hunt = &mutant.hunt;
    [
        hunt.name.to_string(),
        if hunt.caught() { "yes" } else { "NO" }.to_string(),
        hunt.property().map_or("-", |p| p.id()).to_string(),
        hunt.engine.to_string(),
        hunt.scenario.unwrap_or("-").to_string(),
        // The smallest preemption bound at which the flaw shows (loom).
        hunt.bound
            .map_or_else(|| "-".to_string(), |bound| bound.to_string()),
        hunt.executions_to_find.to_string(),
        format!("{:.2}", hunt.seconds),
    ]
}

/// The mutation table, aligned, as text.
pub fn render_mutants(report: &Report) -> String {
    let rows: Vec<[String; 8]> = report.mutants.iter().map(mutant_cells).collect();
    align(&MUTANT_HEADER, &rows, &[5, 6, 7])
}

/// One variant's row of the engine matrix: the variant, then per engine the
/// property it caught, its work and seconds to the first counterexample
/// (`no`: not caught by anything it ran; `no (budget)`: not caught within
/// its budget; `-`: it ran nothing on this variant).
pub fn matrix_cells(mutant: &super::Mutant, engines: &[&str]) -> Vec<String> {
    let mut cells = vec![mutant.hunt.name.to_string()];
    for engine in engines {
        cells.push(match mutant.hunt.by(engine) {
            Some(cell) if cell.caught() => format!(
                "{} {} {:.2}s",
                cell.property().map_or("-", |p| p.id()),
                cell.executions_to_find,
                cell.seconds
            ),
            Some(cell) if cell.runs == 0 => "-".to_string(),
            Some(cell) if !cell.complete => "no (budget)".to_string(),
            Some(_) => "no".to_string(),
            None => "-".to_string(),
        });
    }
    cells
}

/// The engine matrix, aligned, as text.
pub fn render_matrix(report: &Report) -> String {
    let engines = report.matrix_engines();
    let header: Vec<&str> = std::iter::once("variant")
        .chain(engines.iter().copied())
        .collect();
    let rows: Vec<Vec<String>> = report
        .mutants
        .iter()
        .map(|mutant| matrix_cells(mutant, &engines))
        .collect();
    align(&header, &rows, &[])
}

/// The strength rows' header.
pub const STRENGTH_HEADER: [&str; 3] = ["engine", "caught", "median seconds to catch"];

/// One engine's strength row.
pub fn strength_cells(strength: &super::Strength) -> [String; 3] {
    [
        strength.engine.to_string(),
        format!("{} / {}", strength.caught, strength.total),
        strength
            .median_seconds_to_catch
            .map_or_else(|| "-".to_string(), |s| format!("{s:.2}")),
    ]
}

/// Every engine's strength, aligned, as text.
pub fn render_strength(report: &Report) -> String {
    let rows: Vec<[String; 3]> = report.strength().iter().map(strength_cells).collect();
    align(&STRENGTH_HEADER, &rows, &[1, 2])
}

/// Aligns `rows` under `header`, right-aligning the columns in `numeric`.
fn align<R: AsRef<[String]>>(header: &[&str], rows: &[R], numeric: &[usize]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|cell| cell.len()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row.as_ref()) {
            *width = (*width).max(cell.len());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let mut text = String::new();
        for (i, (cell, &width)) in cells.iter().zip(&widths).enumerate() {
            if numeric.contains(&i) {
                let _ = write!(text, "{cell:>width$}  ");
            } else {
                let _ = write!(text, "{cell:<width$}  ");
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    let header: Vec<String> = header.iter().map(|cell| cell.to_string()).collect();
    line(&header);
    let rule: Vec<String> = widths.iter().map(|&width| "-".repeat(width)).collect();
    line(&rule);
    for row in rows {
        line(row.as_ref());
    }
    out
}
