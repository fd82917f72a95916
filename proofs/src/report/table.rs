//! The run table printed on the terminal.

use super::{Report, Run};
use std::fmt::Write as _;

/// The header row.
pub const HEADER: [&str; 7] = [
    "scenario",
    "scheme",
    "engine",
    "bound",
    "executions",
    "seconds",
    "verdict",
];

/// One run's cells.
pub fn cells(run: &Run) -> [String; 7] {
    [
        run.scenario.to_string(),
        run.scheme.to_string(),
        run.engine.to_string(),
        run.preemption_bound
            .map_or_else(|| "none".to_string(), |bound| bound.to_string()),
        run.outcome.executions.to_string(),
        format!("{:.2}", run.outcome.seconds),
        run.outcome.verdict.as_str().to_string(),
    ]
}

/// The whole table, aligned, as text.
pub fn render(report: &Report) -> String {
    let rows: Vec<[String; 7]> = report.runs.iter().map(cells).collect();
    align(&HEADER, &rows, &[3, 4, 5])
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

/// Aligns `rows` under `header`, right-aligning the columns in `numeric`.
fn align<const N: usize>(header: &[&str; N], rows: &[[String; N]], numeric: &[usize]) -> String {
    let mut widths = header.map(str::len);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if numeric.contains(&i) {
                let _ = write!(text, "{cell:>width$}  ");
            } else {
                let _ = write!(text, "{cell:<width$}  ");
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&header.map(String::from));
    line(&widths.map(|width| "-".repeat(width)));
    for row in rows {
        line(row);
    }
    out
}
