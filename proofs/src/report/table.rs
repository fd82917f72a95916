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
    let mut widths = HEADER.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: &[String]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            // Numbers right-aligned, words left.
            if (3..=5).contains(&i) {
                let _ = write!(text, "{cell:>width$}  ");
            } else {
                let _ = write!(text, "{cell:<width$}  ");
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&mut out, &HEADER.map(String::from));
    line(&mut out, &widths.map(|width| "-".repeat(width)));
    for row in &rows {
        line(&mut out, row);
    }
    out
}
