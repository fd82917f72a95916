//! The run table printed on the terminal.

use super::{Report, Run};
use std::fmt::Write as _;

/// The header row.
pub const HEADER: [&str; 8] = [
    "scenario",
    "scheme",
    "engine",
    "bound",
    "exhaustive",
    "executions",
    "seconds",
    "verdict",
];

/// One run's cells. `exhaustive` is `yes` only for a run that explored
/// everything its scenario can do (loom with no bound, to the end); a pass
/// beside `no` covers only what was explored ([`bounded_note`]).
pub fn cells(run: &Run) -> [String; 8] {
    [
        run.scenario.to_string(),
        run.scheme.to_string(),
        run.engine.to_string(),
        run.preemption_bound
            .map_or_else(|| "none".to_string(), |bound| bound.to_string()),
        if run.outcome.exhaustive { "yes" } else { "no" }.to_string(),
        run.outcome.executions.to_string(),
        format!("{:.2}", run.outcome.seconds),
        run.outcome.verdict.as_str().to_string(),
    ]
}

/// The whole table, aligned, as text.
pub fn render(report: &Report) -> String {
    let rows: Vec<[String; 8]> = report.runs.iter().map(cells).collect();
    align(&HEADER, &rows, &[3, 5, 6])
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
            "{sampled} pass(es) of a sampling engine cover only the programs it drew"
        ));
    }
    Some(format!("exhaustive = no: {}.", words.join("; ")))
}

/// The mutation table's header row.
pub const MUTANT_HEADER: [&str; 7] = [
    "variant",
    "caught?",
    "property",
    "engine",
    "scenario",
    "executions",
    "seconds",
];

/// One mutant's cells.
pub fn mutant_cells(mutant: &super::Mutant) -> [String; 7] {
    let hunt = &mutant.hunt;
    [
        hunt.name.to_string(),
        if hunt.caught() { "yes" } else { "NO" }.to_string(),
        hunt.property().map_or("-", |p| p.id()).to_string(),
        hunt.engine.to_string(),
        hunt.scenario.unwrap_or("-").to_string(),
        hunt.executions_to_find.to_string(),
        format!("{:.2}", hunt.seconds),
    ]
}

/// The mutation table, aligned, as text.
pub fn render_mutants(report: &Report) -> String {
    let rows: Vec<[String; 7]> = report.mutants.iter().map(mutant_cells).collect();
    align(&MUTANT_HEADER, &rows, &[5, 6])
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
