//! The history table: rows are the known bugs of this counter
//! ([`pinref_model::scheme::history::ALL`]), columns the schemes in version
//! order, and each cell what the runs of the bug's scenarios on that scheme
//! showed: `reproduced` (a `known_bug` run found it), `passes` (the
//! version does not have it, and its scenarios pass), `n.a.` (none of its
//! scenarios applies to the scheme), `masked` (another known bug of the
//! version shows first on them), or what went wrong (`MISSED`: the
//! version has it and no run found it; `violation`; `incomplete`).

use super::Report;
use crate::engines::{Outcome, Verdict};
use pinref_model::KnownBug;
use pinref_model::scheme::history;
use std::fmt;

/// What the runs of one bug's scenarios showed on one scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// A run reported the bug as the scheme's known bug.
    Reproduced,
    /// The scheme does not declare the bug, and the runs of its scenarios
    /// passed (those that showed another known bug of the version aside).
    Passes,
    /// The scheme does not declare the bug, and a run showed only
    /// violations of properties it does not claim.
    Expected,
    /// No scenario of the bug applies to the scheme (or none was run).
    NotApplicable,
    /// Another known bug of the version shows first on every one of the
    /// bug's scenarios (an engine stops at the first violation), so the
    /// runs say nothing of this one.
    Masked,
    /// The scheme declares the bug, and no run found it.
    Missed,
    /// A run of one of its scenarios found a violation.
    Violation,
    /// A run was cut short.
    Incomplete,
}

impl Cell {
    /// The table's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Cell::Reproduced => "reproduced",
            Cell::Passes => "passes",
            Cell::Expected => "expected",
            Cell::NotApplicable => "n.a.",
            Cell::Masked => "masked",
            Cell::Missed => "MISSED",
            Cell::Violation => "violation",
            Cell::Incomplete => "incomplete",
        }
    }
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row: a known bug and its cell on each scheme.
#[derive(Debug, Clone)]
pub struct Row {
    /// The bug.
    pub bug: KnownBug,
    /// `(scheme, cell)`, in the table's column order.
    pub cells: Vec<(&'static str, Cell)>,
}

/// The schemes the report's runs cover, in the order they first ran (the
/// main job runs the built-ins in version order).
pub fn columns(report: &Report) -> Vec<&'static str> {
    let mut schemes: Vec<&'static str> = Vec::new();
    for run in &report.runs {
        if !schemes.contains(&run.scheme) {
            schemes.push(run.scheme);
        }
    }
    schemes
}

/// The cell of `bug` on `scheme`, from the report's runs.
pub fn cell(report: &Report, bug: &KnownBug, scheme: &str) -> Cell {
    let runs: Vec<_> = report
        .runs
        .iter()
        .filter(|run| run.scheme == scheme && bug.scenarios.contains(&run.scenario))
        .collect();
    if runs.is_empty() {
        return Cell::NotApplicable;
    }
    // Whether a run of that verdict shows the bug, as `shows` reads it.
    let any_run = |verdict: Verdict, shows: &dyn Fn(&Outcome) -> bool| {
        runs.iter()
            .any(|run| run.outcome.verdict == verdict && shows(&run.outcome))
    };
    let reproduced = |outcome: &Outcome| outcome.known_bugs.iter().any(|found| found.id == bug.id);
    if any_run(Verdict::KnownBug, &reproduced) {
        return Cell::Reproduced;
    }
    let lost = |outcome: &Outcome| {
        outcome
            .violations
            .iter()
            .any(|violation| violation.message.contains(bug.id))
    };
    if any_run(Verdict::Violation, &lost) {
        return Cell::Missed;
    }
    let verdicts: Vec<Verdict> = runs.iter().map(|run| run.outcome.verdict).collect();
    if verdicts.contains(&Verdict::Violation) {
        Cell::Violation
    } else if verdicts.contains(&Verdict::Incomplete) {
        Cell::Incomplete
    } else if verdicts.contains(&Verdict::Pass) {
        // Runs that show another known bug of the version say nothing of
        // this one; the runs that pass do.
        Cell::Passes
    } else if verdicts.contains(&Verdict::ExpectedViolation) {
        Cell::Expected
    } else {
        Cell::Masked
    }
}

/// Every row of the table, over the report's schemes.
pub fn rows(report: &Report) -> Vec<Row> {
    let schemes = columns(report);
    history::ALL
        .iter()
        .map(|bug| Row {
            bug: *bug,
            cells: schemes
                .iter()
                .map(|&scheme| (scheme, cell(report, bug, scheme)))
                .collect(),
        })
        .collect()
}

/// The table as aligned text: one row per bug (its id, property and the
/// version that fixed it), one column per scheme.
pub fn render(report: &Report) -> String {
    let schemes = columns(report);
    let mut header = vec![
        "known bug".to_string(),
        "property".into(),
        "fixed in".into(),
    ];
    header.extend(schemes.iter().map(|scheme| scheme.to_string()));
    let body: Vec<Vec<String>> = rows(report)
        .into_iter()
        .map(|row| {
            let mut line = vec![
                row.bug.id.to_string(),
                row.bug.property.id().to_string(),
                row.bug.fixed_in.to_string(),
            ];
            line.extend(row.cells.iter().map(|(_, cell)| cell.to_string()));
            line
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(String::len).collect();
    for line in &body {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.len());
        }
    }
    let mut out = String::new();
    let mut push = |cells: &[String]| {
        let text: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(text.join("  ").trim_end());
        out.push('\n');
    };
    push(&header);
    push(
        &widths
            .iter()
            .map(|width| "-".repeat(*width))
            .collect::<Vec<_>>(),
    );
    for line in &body {
        push(line);
    }
    out
}

/// The fix of each row, for the legend under the table.
pub fn legend() -> Vec<String> {
    history::ALL
        .iter()
        .map(|bug| {
            format!(
                "{}: {} (fixed in {}: \"{}\"; scenarios: {})",
                bug.id,
                bug.summary,
                bug.fixed_in,
                bug.fix,
                bug.scenarios.join(", ")
            )
        })
        .collect()
}
