//! The counterexample of a sequential run: one line per operation, with
//! its result, each head's counts before → after and what the ghost holds
//! after, recorded as the checker goes and worded only when asked.

use super::checker::StepOutcome;
use super::snapshot::{Snapshot, counts};
use pinref_model::ghost::Ghost;
use pinref_model::op::{Op, Start};
use pinref_model::{Counts, Held, PageShape, Scheme};
use std::fmt::Write as _;
use std::ops::Range;

/// One head on one line: its counts before and after (what a line shows
/// of its frame), and what the ghost holds after.
#[derive(Debug, Clone)]
struct HeadLine {
    pfn: usize,
    before: Counts,
    after: Counts,
    held: Held,
}

/// One line: the operation, its result, its heads (a range of
/// [`Trace::heads`]), and a note.
#[derive(Debug, Clone)]
struct Line {
    op: Op,
    outcome: StepOutcome,
    heads: Range<usize>,
    note: Option<String>,
}

/// The lines so far. The heads of every line share one buffer, so that
/// recording a line costs no allocation of its own.
#[derive(Debug, Clone, Default)]
pub(crate) struct Trace {
    lines: Vec<Line>,
    heads: Vec<HeadLine>,
}

impl Trace {
    /// Room for `ops` lines of `heads` heads each, so that recording a
    /// program of that length grows nothing.
    pub(crate) fn reserve(&mut self, ops: usize, heads: usize) {
        self.lines.reserve(ops);
        self.heads.reserve(ops.saturating_mul(heads));
    }

    /// Records `op`, its outcome, and per head of `heads` the counts
    /// `before` and `after` it and what `ghost` holds.
    pub(crate) fn record(
        &mut self,
        op: &Op,
        outcome: StepOutcome,
        heads: &[usize],
        (before, after): (&Snapshot, &Snapshot),
        ghost: &Ghost,
    ) {
        let first = self.heads.len();
        self.heads.extend(heads.iter().map(|&pfn| HeadLine {
            pfn,
            before: counts(&before.frames[pfn]),
            after: counts(&after.frames[pfn]),
            held: ghost.pages.get(&pfn).map(|g| g.held).unwrap_or_default(),
        }));
        self.lines.push(Line {
            op: op.clone(),
            outcome,
            heads: first..self.heads.len(),
            note: None,
        });
    }

    /// Adds `note` to the last line.
    pub(crate) fn note_last(&mut self, note: String) {
        if let Some(line) = self.lines.last_mut() {
            line.note = Some(note);
        }
    }

    /// The program so far, from `start`, as `scheme` ran it.
    pub(crate) fn render<S: Scheme + ?Sized>(&self, scheme: &S, start: &Start) -> String {
        let layout = start.layout();
        let mut out = format!(
            "scheme {} ({}), start: layout {:?}\n",
            scheme.name(),
            scheme.description(),
            layout.orders()
        );
        for ((pfn, &order), &held) in layout
            .heads()
            .into_iter()
            .zip(layout.orders())
            .zip(start.held())
        {
            let counts = scheme.counts_for(PageShape { order }, held);
            let _ = write!(
                out,
                "  head pfn {pfn} (order {order}): plain {}, pins {} → refcount {}",
                held.plain, held.pins, counts.refcount
            );
            if counts.pincount != 0 {
                let _ = write!(out, ", pincount {}", counts.pincount);
            }
            out.push('\n');
        }
        for (i, line) in self.lines.iter().enumerate() {
            let _ = write!(out, "{:>3}. {} → {}", i + 1, line.op, line.outcome);
            for head in &self.heads[line.heads.clone()] {
                let (before, after) = (head.before, head.after);
                let _ = write!(
                    out,
                    " | pfn {}: {} → {}",
                    head.pfn, before.refcount, after.refcount
                );
                if before.pincount != 0 || after.pincount != 0 {
                    let _ = write!(out, ", pincount {} → {}", before.pincount, after.pincount);
                }
                let _ = write!(
                    out,
                    " [spec: plain {}, pins {}]",
                    head.held.plain, head.held.pins
                );
            }
            if let Some(note) = &line.note {
                let _ = write!(out, "  ({note})");
            }
            out.push('\n');
        }
        out
    }
}
