//! The ghost spec: an abstract model of a page's references (plain
//! references and pins, the dirty bit, frees, the pin statistics) that runs
//! beside the concrete counters and says, at any point, what the right
//! answer is: whether an operation must succeed or must be refused, what
//! `page_dma_pinned` may answer, and which counter values are allowed.
//!
//! The ghost knows a scheme only through [`Scheme::counts_for`],
//! [`Scheme::freed_at`] and [`Scheme::claims`]: its judgement does not depend
//! on how the scheme implements its operations.
//!
//! - [`GhostPage`] answers per-page questions (must a grab of `refs`
//!   succeed, can a release be told from the counters).
//! - [`Ghost::expect`] answers for a whole [`crate::op::Op`], batches
//!   included: every way it may turn out and what each does to the ghost
//!   ([`expect`]), in the words of [`fault`].
//! - [`reach`] says which starting states a check may begin from: those
//!   the scheme can reach, by its abstraction function and its claims.
//!
//! One concept per file: `expect` (the answer for single operations),
//! `batch` (the batches, page by page), `answer` (the answer as data),
//! `fault` (its words), `pages` (the pages by head pfn), `reach` (the
//! reachable starts).

mod answer;
mod batch;
pub mod expect;
pub mod fault;
mod pages;
pub mod reach;

pub use answer::{Allowed, Change, Effect, Expectation};
pub use fault::{Expected, Fault, Reason, Refusal};
pub use pages::GhostPages;

use crate::flags::RefKind;
use crate::op::Start;
use crate::page::GUP_PIN_COUNTING_BIAS;
use crate::scheme::{Counts, Held, PageShape, Scheme};

/// What the spec says of an operation before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// It must succeed.
    Succeed,
    /// It must be refused, leaving every count unchanged.
    Refuse,
    /// Either is allowed (a grab that crosses the sign bit, for a scheme
    /// that does not claim to refuse it beforehand).
    Either,
}

/// The abstract state of one (head) page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GhostPage {
    /// The compound page's shape.
    pub shape: PageShape,
    /// References held: plain and pins.
    pub held: Held,
    /// `PG_dirty`.
    pub dirty: bool,
    /// How many times the page has been freed.
    pub freed: u32,
}

impl GhostPage {
    /// A page of `shape` holding `held`, clean, never freed.
    pub fn new(shape: PageShape, held: Held) -> Self {
        GhostPage {
            shape,
            held,
            dirty: false,
            freed: 0,
        }
    }

    /// The counters the scheme must show for this state.
    pub fn counts<S: Scheme + ?Sized>(&self, scheme: &S) -> Counts {
        scheme.counts_for(self.shape, self.held)
    }

    /// The refcount this state encodes.
    pub fn refcount<S: Scheme + ?Sized>(&self, scheme: &S) -> i32 {
        self.counts(scheme).refcount
    }

    /// Whether the page is free: its count is at the scheme's free value.
    pub fn is_free<S: Scheme + ?Sized>(&self, scheme: &S) -> bool {
        self.refcount(scheme) == scheme.freed_at()
    }

    /// The true answer to `page_dma_pinned`: a pin is held.
    pub fn truly_pinned(&self) -> bool {
        self.held.pins > 0
    }

    /// Whether the refcount of this state has wrapped: the exact sum of what
    /// it encodes no longer fits a positive `i32`.
    pub fn wrapped<S: Scheme + ?Sized>(&self, scheme: &S) -> bool {
        let counts = self.counts(scheme);
        let exact = exact_refcount(scheme, self.shape, self.held);
        i64::from(counts.refcount) != exact
    }

    /// Whether the refcount has wrapped all the way round: the exact sum
    /// passes `u32::MAX`, so even an unsigned predicate reads the count
    /// from zero again. No scheme can claim P1 there (`pinned_after_overflow`
    /// covers a count past the sign bit, below 2^32).
    pub fn wrapped_around<S: Scheme + ?Sized>(&self, scheme: &S) -> bool {
        exact_refcount(scheme, self.shape, self.held) > i64::from(u32::MAX)
    }

    /// Whether `page_dma_pinned` may answer `true` with no pin held: only
    /// when the plain part of the count alone reaches the bias (P2).
    pub fn false_positive_allowed<S: Scheme + ?Sized>(&self, scheme: &S) -> bool {
        let plain_only = Held {
            plain: self.held.plain,
            pins: 0,
        };
        let plain_part = scheme.counts_for(self.shape, plain_only).refcount;
        plain_part as u32 >= GUP_PIN_COUNTING_BIAS as u32
    }

    /// What the spec expects of a grab of `refs` references of `kind`.
    ///
    /// Refused when the page is free or its count has wrapped to `<= 0`
    /// (P6, P10). A grab that would carry the count past `i32::MAX` must be
    /// refused by a scheme that claims to refuse before overflow; for any
    /// other scheme either outcome is allowed, and so it is for a grab past
    /// the scheme's [`crate::Claims::grab_limit`]. Otherwise it must succeed.
    pub fn expect_grab<S: Scheme + ?Sized>(&self, scheme: &S, kind: RefKind, refs: i64) -> Expect {
        let count = self.refcount(scheme);
        if count <= scheme.freed_at().max(0) {
            return Expect::Refuse;
        }
        let after = self.after_grab(kind, refs);
        let exact_after = exact_refcount(scheme, self.shape, after);
        if exact_after > i64::from(i32::MAX) || exact_after <= 0 {
            return if scheme.claims().refuses_before_overflow {
                Expect::Refuse
            } else {
                Expect::Either
            };
        }
        if exact_after > i64::from(scheme.claims().grab_limit) {
            return Expect::Either;
        }
        Expect::Succeed
    }

    /// What the spec expects of a release of `refs` references of `kind`:
    /// it must succeed when that many are held. `None` otherwise: a release
    /// of what is not held is a caller's bug, which a check must not issue
    /// (or reports as P3 or P7 when it runs one). No production kernel
    /// refuses such a release (the `VM_BUG_ON`s and WARNs of
    /// `put_compound_head`, `put_page_refs` and `put_page_testzero` exist
    /// only with `CONFIG_DEBUG_VM`): the count is corrupted, and the
    /// checker reports the underflow or the mismatch at the step where it
    /// happens, not a refusal.
    pub fn expect_release<S: Scheme + ?Sized>(
        &self,
        scheme: &S,
        kind: RefKind,
        refs: i64,
    ) -> Option<Expect> {
        let _ = scheme;
        let held = match kind {
            RefKind::Get => self.held.plain,
            RefKind::Pin => self.held.pins,
        };
        (held >= refs).then_some(Expect::Succeed)
    }

    /// The state after a successful grab.
    pub fn after_grab(&self, kind: RefKind, refs: i64) -> Held {
        match kind {
            RefKind::Get => Held {
                plain: self.held.plain + refs,
                ..self.held
            },
            RefKind::Pin => Held {
                pins: self.held.pins + refs,
                ..self.held
            },
        }
    }

    /// Applies a successful grab.
    pub fn grab(&mut self, kind: RefKind, refs: i64) {
        self.held = self.after_grab(kind, refs);
    }

    /// Applies a successful release; records the free if it dropped the
    /// last reference.
    pub fn release(&mut self, kind: RefKind, refs: i64) {
        match kind {
            RefKind::Get => self.held.plain -= refs,
            RefKind::Pin => self.held.pins -= refs,
        }
        if self.held == Held::default() {
            self.freed += 1;
        }
    }
}

/// The refcount a state encodes, computed without wrapping: what the counter
/// would hold if it were wide enough.
pub fn exact_refcount<S: Scheme + ?Sized>(scheme: &S, shape: PageShape, held: Held) -> i64 {
    // The encoding is linear: read its coefficients off the scheme. The sum
    // saturates: anything past i64 is far past any 32-bit counter anyway.
    let base = i64::from(scheme.counts_for(shape, Held::default()).refcount);
    let per_plain = i64::from(
        scheme
            .counts_for(shape, Held { plain: 1, pins: 0 })
            .refcount,
    ) - base;
    let per_pin = i64::from(
        scheme
            .counts_for(shape, Held { plain: 0, pins: 1 })
            .refcount,
    ) - base;
    base.saturating_add(per_plain.saturating_mul(held.plain))
        .saturating_add(per_pin.saturating_mul(held.pins))
}

/// The ghost of a whole memory: one [`GhostPage`] per head, and the pin
/// statistics the spec expects.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ghost {
    /// Each head page, by pfn.
    pub pages: GhostPages,
    /// Pins acquired (`nr_foll_pin_acquired`), counting `refs`.
    pub pins_acquired: i64,
    /// Pins released (`nr_foll_pin_released`).
    pub pins_released: i64,
}

impl Ghost {
    /// The ghost of `start`: each head holds what the start says, and the
    /// pins it holds count as acquired (as a check sets the vmstat
    /// counters).
    pub fn at(start: &Start) -> Ghost {
        let layout = start.layout();
        let pages = layout
            .heads()
            .into_iter()
            .zip(layout.orders())
            .zip(start.held())
            .map(|((pfn, &order), &held)| (pfn, GhostPage::new(PageShape { order }, held)))
            .collect();
        Ghost {
            pages,
            pins_acquired: i64::from(start.pins()),
            pins_released: 0,
        }
    }

    /// The head of frame `pfn` (the head of the page that covers it), if
    /// a page of this ghost covers it.
    pub fn head_of(&self, pfn: usize) -> Option<usize> {
        let (head, page) = self.pages.at_or_below(pfn)?;
        (pfn - head < 1usize << page.shape.order).then_some(head)
    }

    /// How many frames the pages cover, from frame 0.
    pub fn frames(&self) -> usize {
        self.pages
            .last()
            .map_or(0, |(head, page)| head + (1usize << page.shape.order))
    }

    /// Live pins over every page.
    pub fn live_pins(&self) -> i64 {
        self.pages.values().map(|page| page.held.pins).sum()
    }
}
