//! A violation as a user reads it in a terminal: the property and its
//! words, where it was found, the end of the timeline (the steps leading to
//! the break, and the break marked), and the replay command. The whole
//! timeline goes to a file.

use crate::properties::Violation;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// How many timeline lines the terminal shows.
pub const SHORT_LINES: usize = 24;

/// The terminal view of `violation`, found by `scenario` on `scheme` with
/// `engine`; `full_trace` names the file holding the whole timeline.
pub fn short(
    violation: &Violation,
    scenario: &str,
    scheme: &str,
    engine: &str,
    verdict: &str,
    full_trace: Option<&Path>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} violated ({verdict}): {}",
        violation.property, violation.message
    );
    let _ = writeln!(out, "  must hold: {}", violation.property.statement());
    let _ = writeln!(out, "  found by:  {scenario} on {scheme} ({engine})");
    let lines: Vec<&str> = violation.counterexample.lines().collect();
    // End the view at this property's break marker: what follows it is not
    // why the property broke.
    let marker = format!(">>> {}", violation.property);
    let end = lines
        .iter()
        .position(|line| line.trim_start().starts_with(&marker))
        .map_or(lines.len(), |at| at + 1);
    let begin = end.saturating_sub(SHORT_LINES);
    let _ = writeln!(
        out,
        "  timeline (thread, operation, counter before -> after, ghost's view):"
    );
    if begin > 0 {
        let _ = writeln!(out, "    ... {begin} earlier line(s) in the full trace");
    }
    for line in &lines[begin..end] {
        let _ = writeln!(out, "    {line}");
    }
    if let Some(path) = full_trace {
        let _ = writeln!(out, "  full trace: {}", path.display());
    }
    if !violation.replay.is_empty() {
        let _ = writeln!(out, "  replay:    {}", violation.replay);
    }
    out
}

/// [`short`] for a violation of `run`, with its scenario, scheme, engine
/// and verdict, and the engine's word on it (a shuttle failure's schedule)
/// when it has one.
pub fn of_run(run: &super::Run, violation: &Violation, full_trace: Option<&Path>) -> String {
    let mut view = short(
        violation,
        run.scenario,
        run.scheme,
        run.engine,
        run.outcome.verdict.as_str(),
        full_trace,
    );
    if let Some(note) = &run.outcome.note {
        let _ = writeln!(view, "  note:      {note}");
    }
    view
}

/// Writes the whole timeline of `violation`, found by `engine`, under
/// `dir` (atomically: [`super::atomic`]) and returns the file's path.
pub fn write_full(
    dir: &Path,
    violation: &Violation,
    scenario: &str,
    scheme: &str,
    engine: &str,
) -> std::io::Result<PathBuf> {
    let path = dir.join(format!(
        "{scenario}-{scheme}-{engine}-{}.txt",
        violation.property.id()
    ));
    super::atomic::write_atomic(&path, format!("{violation}").as_bytes())?;
    Ok(path)
}
