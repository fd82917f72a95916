//! The ghost's answer for one operation, as data: every way it may turn
//! out ([`Allowed`]) and what each does to the ghost ([`Effect`]), so that
//! a checker compares a run with the answer and adopts the outcome it took
//! ([`Ghost::apply`]) without copying the ghost.

use super::Ghost;
use super::fault::{Expected, Fault, Refusal};
use crate::flags::RefKind;
use crate::property::Property;

/// Everything the spec allows of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// Each way it may turn out (at least one).
    pub allowed: Vec<Allowed>,
    /// Set when a correct caller never issues the operation (only a
    /// refusal is fine, and an acceptance breaks this property).
    pub caller_bug: Option<Fault>,
    /// The property a refusal that changed a count breaks.
    pub refusal_property: Property,
}

/// One way an operation may turn out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    /// Success, or the refusal (with the errors it may carry).
    pub result: Result<(), Refusal>,
    /// What it does to the ghost.
    pub effect: Effect,
    /// The operation changes nothing this way (a plain refusal): a changed
    /// count is reported as the refusal's fault.
    pub pure_refusal: bool,
    /// Expected violations (of properties the scheme does not claim) this
    /// way stands for.
    pub expected: Vec<Expected>,
    /// Heads whose `PG_dirty` may end either way (a dirtying unpin that is
    /// refused after the kernel's order has dirtied the page).
    pub dirty_may_change: Vec<usize>,
    /// The property broken, and why, if the run contradicts this way and
    /// no other fits.
    pub if_contradicted: Fault,
}

impl Allowed {
    /// Refused with `refusal`, nothing changed.
    pub(super) fn refusal(refusal: Refusal, if_accepted: Fault) -> Allowed {
        Allowed {
            result: Err(refusal),
            effect: Effect::default(),
            pure_refusal: true,
            expected: Vec::new(),
            dirty_may_change: Vec::new(),
            if_contradicted: if_accepted,
        }
    }
}

/// What an operation does to the ghost, change by change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effect {
    /// The changes, in order.
    pub changes: Vec<Change>,
}

/// One change to the ghost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// `refs` of `kind` taken on `head` (pins counted as acquired).
    Grab {
        /// The head.
        head: usize,
        /// Plain reference or pin.
        kind: RefKind,
        /// How many.
        refs: i64,
    },
    /// `refs` of `kind` released from `head` (pins counted as released).
    Release {
        /// The head.
        head: usize,
        /// Plain reference or pin.
        kind: RefKind,
        /// How many.
        refs: i64,
    },
    /// `PG_dirty` set on `head`.
    MarkDirty {
        /// The head.
        head: usize,
    },
}

impl Effect {
    /// How far the effect moves `nr_foll_pin_acquired`.
    pub fn pins_acquired(&self) -> i64 {
        self.changes
            .iter()
            .map(|change| match *change {
                Change::Grab {
                    kind: RefKind::Pin,
                    refs,
                    ..
                } => refs,
                _ => 0,
            })
            .sum()
    }
}

impl Ghost {
    /// Applies `effect`: the state after an operation that turned out so.
    pub fn apply(&mut self, effect: &Effect) {
        for change in &effect.changes {
            match *change {
                Change::Grab { head, kind, refs } => {
                    if let Some(page) = self.pages.get_mut(&head) {
                        page.grab(kind, refs);
                    }
                    if kind == RefKind::Pin {
                        self.pins_acquired += refs;
                    }
                }
                Change::Release { head, kind, refs } => {
                    if let Some(page) = self.pages.get_mut(&head) {
                        page.release(kind, refs);
                    }
                    if kind == RefKind::Pin {
                        self.pins_released += refs;
                    }
                }
                Change::MarkDirty { head } => {
                    if let Some(page) = self.pages.get_mut(&head) {
                        page.dirty = true;
                    }
                }
            }
        }
    }
}
