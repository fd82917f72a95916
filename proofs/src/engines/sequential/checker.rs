//! The checker that runs and compares: a concrete [`Memory`] run by a
//! scheme, the ghost spec beside it, and for each operation the ghost's
//! answer ([`Ghost::expect`]), the run ([`op::apply`]) and the judge's
//! verdict ([`super::judge`]).

use super::counterexample::Trace;
use super::judge::{self, Broken};
use super::snapshot::Snapshot;
use crate::properties::monitor::{Monitor, StopExecution};
use crate::properties::{Property, Violation};
use pinref_model::ghost::{Expectation, Expected, Ghost};
use pinref_model::op::{self, Op, OpResult, Start};
use pinref_model::sync::Std;
use pinref_model::{GupError, Memory, Scheme};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;

/// What an operation did, as the counterexample shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOutcome {
    /// It succeeded.
    Done,
    /// It was refused (or, for a batch, at least one page was).
    Refused(GupError),
    /// `page_dma_pinned` answered.
    Answered(bool),
}

impl StepOutcome {
    /// The outcome of `result`.
    pub fn of(result: &OpResult) -> StepOutcome {
        match result {
            OpResult::Refused(error) => StepOutcome::Refused(*error),
            OpResult::Answered(answer) => StepOutcome::Answered(*answer),
            OpResult::Done | OpResult::Pinned(_) | OpResult::Grabbed(_) => StepOutcome::Done,
        }
    }
}

impl fmt::Display for StepOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepOutcome::Done => f.write_str("ok"),
            StepOutcome::Refused(error) => write!(f, "refused: {error:?}"),
            StepOutcome::Answered(answer) => write!(f, "{answer}"),
        }
    }
}

/// What one operation did, as the checker judged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The operation's result.
    pub outcome: StepOutcome,
    /// Violations of properties the scheme does not claim.
    pub expected: Vec<Expected>,
    /// `page_dma_pinned` answered `true` with no pin held, where P2 allows
    /// it (plain references alone reach the bias).
    pub false_positive: bool,
}

impl Step {
    /// Whether the operation was refused.
    pub fn is_refused(&self) -> bool {
        matches!(self.outcome, StepOutcome::Refused(_))
    }
}

/// The sequential checker: a concrete [`Memory`] run by scheme `S`, and
/// the ghost spec beside it. See the [module docs](super).
pub struct SequentialChecker<'s, S: Scheme + ?Sized> {
    scheme: &'s S,
    /// The concrete model, with a [`Monitor`] attached that judges every
    /// access inside an operation as it happens (a write to a freed page,
    /// an underflow, a revival), which before/after snapshots cannot see.
    memory: Memory<Std>,
    ghost: Ghost,
    start: Start,
    /// Each head's pfn, in layout order.
    heads: Vec<usize>,
    trace: Trace,
    /// Whether to record the trace (and word the counterexamples): off
    /// only for a caller that wants the verdict alone and runs the program
    /// again, traced, to report a violation ([`Self::untraced`]).
    tracing: bool,
    /// The counts before and after the current operation (buffers reused
    /// from one operation to the next). Nothing runs between two
    /// operations (the checker owns the memory; [`Self::memory`] is for
    /// reading), so the counts one operation left are the next one's
    /// before: `after` is read once per operation, and swapped in.
    before: Snapshot,
    after: Snapshot,
}

impl<'s, S: Scheme + ?Sized> SequentialChecker<'s, S> {
    /// A checker for `scheme`, starting from `start`: every head is set with
    /// [`Scheme::init_page`], the vmstat counters to the pins held.
    pub fn new(scheme: &'s S, start: &Start) -> Self {
        let layout = start.layout();
        let memory = Memory::<Std>::new(layout);
        let heads = layout.heads();
        for (&pfn, &held) in heads.iter().zip(start.held()) {
            if let Ok(page) = memory.page(pfn) {
                scheme.init_page(page, held);
            }
        }
        memory.vmstat().set(start.pins(), 0);
        // Watched from the first operation on, not during the set-up.
        let monitor = Monitor::without_log(Monitor::config_for(scheme));
        let memory = memory.with_observer(Arc::new(monitor));
        let mut after = Snapshot::default();
        after.read(&memory);
        SequentialChecker {
            scheme,
            memory,
            ghost: Ghost::at(start),
            start: start.clone(),
            heads,
            trace: Trace::default(),
            tracing: true,
            before: Snapshot::default(),
            after,
        }
    }

    /// Makes room for a program of `ops` operations, so that running it
    /// grows no buffer as it goes.
    pub(crate) fn reserve(&mut self, ops: usize) {
        if self.tracing {
            self.trace.reserve(ops, self.heads.len());
        }
    }

    /// This checker without its trace: every operation is run and judged
    /// exactly as before, but nothing is recorded for the counterexample,
    /// so that a violation's or an expected violation's counterexample is
    /// empty. For a caller that wants the verdict alone (a fuzz target on
    /// an input that passes) and runs the program again, traced, to report
    /// a violation.
    pub(crate) fn untraced(mut self) -> Self {
        self.tracing = false;
        self
    }

    /// The ghost spec's current state (after a violation: the state the
    /// failing operation was judged against).
    pub fn ghost(&self) -> &Ghost {
        &self.ghost
    }

    /// The concrete memory (read it with the model's read helpers).
    pub fn memory(&self) -> &Memory<Std> {
        &self.memory
    }

    /// What the ghost allows of `op` now.
    pub fn expect(&self, op: &Op) -> Expectation {
        self.ghost.expect(self.scheme, op)
    }

    /// Whether a correct kernel caller may issue `op` now. False for:
    ///
    /// - a release of what is not held
    ///   ([`pinref_model::ghost::GhostPage::expect_release`] is `None`: a
    ///   `put_page` of a reference or an `unpin_user_page` of a pin the page
    ///   does not hold). No production kernel refuses one, and the count is
    ///   corrupted; if run anyway, it is a P7 violation ("mismatched
    ///   release").
    /// - `get_page` on a page that holds no reference: its caller must
    ///   already hold one (the kernel's guard is a `VM_BUG_ON`, not a
    ///   refusal, and a devmap page is free at 1, where it does not fire).
    ///   If run anyway and accepted, it is a P4 violation (a freed page
    ///   touched).
    /// - `unpin_user_pages_dirty_lock(.., true)` with an entry on a page that
    ///   holds no reference: the kernel's order dirties the page before the
    ///   unpin, so a freed page would be touched (P4).
    ///
    /// Engines generate only operations for which this holds (and skip the
    /// others), so that every violation they report is the scheme's.
    pub fn precondition(&self, op: &Op) -> bool {
        self.expect(op).caller_bug.is_none()
    }

    /// Runs `op` on the concrete model and judges it against the ghost.
    ///
    /// Returns what happened, with any expected violations, or the first
    /// unexpected violation (its `replay` is left for the caller to fill).
    /// After a violation, start a new checker.
    pub fn apply(&mut self, op: &Op) -> Result<Step, Violation> {
        let expectation = self.expect(op);
        self.apply_expecting(op, &expectation)
    }

    /// [`SequentialChecker::apply`] if the precondition holds (`None`: the
    /// operation is skipped), with the ghost asked once.
    pub(crate) fn apply_if_allowed(&mut self, op: &Op) -> Result<Option<Step>, Violation> {
        let expectation = self.expect(op);
        if expectation.caller_bug.is_some() {
            return Ok(None);
        }
        self.apply_expecting(op, &expectation).map(Some)
    }

    fn apply_expecting(&mut self, op: &Op, expectation: &Expectation) -> Result<Step, Violation> {
        // The counts the last operation left (or the start's): see `before`.
        std::mem::swap(&mut self.before, &mut self.after);
        // The monitor stops the operation at the first access that breaks a
        // property; the rest of the judgement needs the operation to finish.
        let (scheme, memory) = (self.scheme, &self.memory);
        let run = super::super::exploring(|| {
            catch_unwind(AssertUnwindSafe(|| op::apply(scheme, memory, op)))
        });
        let result = match run {
            Ok(result) => result,
            Err(payload) => {
                self.after.read(&self.memory);
                self.record(op, StepOutcome::Done);
                let Some(StopExecution(finding)) = payload.downcast_ref::<StopExecution>() else {
                    resume_unwind(payload)
                };
                let violation = &finding.violation;
                return Err(
                    self.violation(violation.property, format!("{op}: {}", violation.message))
                );
            }
        };
        self.after.read(&self.memory);
        let outcome = StepOutcome::of(&result);
        // The outcome the run took, then the counts it left; on a
        // violation, the counterexample's last line shows the spec's state
        // for the outcome it was judged against (or the state before, if
        // none fit).
        let allowed = match judge::choose(expectation, &result, &self.before, &self.after) {
            Ok(allowed) => allowed,
            Err(broken) => return Err(self.fail(op, outcome, expectation, broken)),
        };
        self.ghost.apply(&allowed.effect);
        let counts = judge::check_counts(
            self.scheme,
            expectation,
            allowed,
            &self.before,
            &self.after,
            &mut self.ghost,
        );
        if let Err(broken) = counts {
            return Err(self.fail(op, outcome, expectation, broken));
        }
        let mut step = Step {
            outcome,
            expected: allowed.expected.clone(),
            false_positive: false,
        };
        if let (Op::PageDmaPinned { page }, StepOutcome::Answered(answer)) = (op, outcome)
            && let Some(head) = self.ghost.head_of(*page)
        {
            match judge::judge_answer(self.scheme, &self.ghost, head, answer) {
                Ok(expected) => step.expected.extend(expected),
                Err(Broken { property, message }) => {
                    self.record(op, outcome);
                    return Err(self.violation(property, format!("{op}: {message}")));
                }
            }
            step.false_positive = answer
                && self
                    .ghost
                    .pages
                    .get(&head)
                    .is_some_and(|g| !g.truly_pinned());
        }
        self.record(op, outcome);
        if self.tracing && !step.expected.is_empty() {
            let notes: Vec<String> = step
                .expected
                .iter()
                .map(|e| format!("expected {}: {}", e.property.id(), e.message))
                .collect();
            self.trace.note_last(notes.join("; "));
        }
        Ok(step)
    }

    /// The violation `broken`, as the caller's bug it is if a correct
    /// caller never issues `op`.
    fn fail(
        &mut self,
        op: &Op,
        outcome: StepOutcome,
        expectation: &Expectation,
        broken: Broken,
    ) -> Violation {
        let Broken { property, message } = match expectation.caller_bug {
            Some(bug) => Broken {
                property: bug.property,
                message: format!("{bug}; it was run: {}", broken.message),
            },
            None => broken,
        };
        self.record(op, outcome);
        self.violation(property, format!("{op}: {message}"))
    }

    /// The program so far, one line per operation: the operation, its
    /// result, each head's refcount (and pin count where the scheme keeps
    /// one) before → after, and what the ghost holds after.
    pub fn counterexample(&self) -> String {
        self.trace.render(self.scheme, &self.start)
    }

    /// `expected` as a full [`Violation`] record, with the program so far.
    pub fn expected_violation(&self, expected: &Expected) -> Violation {
        self.violation(
            expected.property,
            format!(
                "(expected: {} does not claim it) {}",
                self.scheme.name(),
                expected.message
            ),
        )
    }

    fn violation(&self, property: Property, message: String) -> Violation {
        Violation {
            property,
            message,
            counterexample: if self.tracing {
                self.counterexample()
            } else {
                String::new()
            },
            replay: String::new(),
        }
    }

    fn record(&mut self, op: &Op, outcome: StepOutcome) {
        if !self.tracing {
            return;
        }
        let snapshots = (&self.before, &self.after);
        self.trace
            .record(op, outcome, &self.heads, snapshots, &self.ghost);
    }
}
