//! The sequential model-based checker: runs a program of GUP operations on
//! the concrete model of a [`Scheme`] and, beside it, on the ghost spec
//! ([`pinref_model::ghost`]), and reports the first property the scheme
//! breaks.
//!
//! It is engine-independent: proptest drives it today
//! ([`crate::engines::proptest`]), cargo-fuzz can drive it with the same
//! [`Op`] language, and a test can drive it by hand. One operation at a time,
//! on one thread: it sees every arithmetic, encoding and refusal bug, and
//! none of the ordering bugs (those are loom's and shuttle's job).
//!
//! # How one operation is judged
//!
//! 1. **Before**: the checker asks the ghost what the spec allows
//!    ([`GhostPage::expect_grab`], [`GhostPage::expect_release`]): the
//!    operation must succeed, must be refused, may do either (a grab that
//!    crosses the sign bit, for a scheme that does not claim to refuse it),
//!    or is a *caller bug* a correct kernel caller never makes (see
//!    [`SequentialChecker::precondition`]). Batch operations are judged page
//!    by page, in the order the kernel's generic code walks them.
//! 2. **Run**: the operation runs on the concrete model through the public
//!    [`Scheme`] trait only. The checker reads the counters afterwards
//!    through the model's read helpers, and writes nothing.
//! 3. **After**: the concrete result must be one the spec allowed, with the
//!    right typed error, and at this quiescent point:
//!    - P5: every head's counters equal [`Scheme::counts_for`] of the ghost,
//!      tail pages hold nothing, and a refusal changed no count at all
//!      (refcount, pin count, `PG_dirty`, vmstat, frees);
//!    - P9: `nr_foll_pin_acquired - nr_foll_pin_released` equals the live
//!      pins, counting those the start held; each counter moved exactly by
//!      what the ghost took and gave back;
//!    - P4: each head was freed as often as the ghost says, at most once,
//!      and only by a release that left its count at [`Scheme::freed_at`];
//!    - P3: no release took the ghost's plain references or pins below
//!      zero;
//!    - P1 / P2 on every [`Op::PageDmaPinned`];
//!    - P6 / P10: a grab the spec says must be refused was refused.
//!
//! A violation of a property the scheme does not claim ([`Scheme::claims`])
//! is *expected*: it is returned in [`Step::expected`] and the program goes
//! on; every other violation ends the program with a [`Violation`] whose
//! counterexample is the program so far.

use std::collections::BTreeMap;
use std::fmt;

use pinref_model::ghost::{Expect, Ghost, GhostPage};
use pinref_model::page_ref::{page_ref_count, pincount_read};
use pinref_model::scheme::check_refs;
use pinref_model::sync::Std;
use pinref_model::{GupError, GupFlags, Held, Layout, Memory, PageRef, PageShape, RefKind, Scheme};

use crate::properties::monitor::{Monitor, StopExecution};
use crate::properties::{Property, Violation};
use std::sync::Arc;

/// One operation of a program, as plain data: pages by frame number (`pfn`,
/// a tail page acts on its head), user addresses by virtual page index
/// (address `i` maps frame `i`), flags as raw `FOLL_*` bits so that garbage
/// is representable.
///
/// Any value is allowed: an index that names no page gives
/// [`GupError::NoSuchPage`] or [`GupError::NotMapped`], garbage flags and
/// refs give their typed errors, never a panic.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Op {
    /// `get_page(pfn_to_page(page))`.
    GetPage {
        /// The frame.
        page: usize,
    },
    /// `try_get_page(pfn_to_page(page))`.
    TryGetPage {
        /// The frame.
        page: usize,
    },
    /// `put_page(pfn_to_page(page))`.
    PutPage {
        /// The frame.
        page: usize,
    },
    /// `try_grab_page(pfn_to_page(page), flags)`.
    TryGrabPage {
        /// The frame.
        page: usize,
        /// Raw `FOLL_*` bits.
        flags: u32,
    },
    /// `try_grab_folio(pfn_to_page(page), refs, flags)`.
    TryGrabFolio {
        /// The frame.
        page: usize,
        /// References to take; only `1..=MAX_REFS` is valid.
        refs: i32,
        /// Raw `FOLL_*` bits.
        flags: u32,
    },
    /// One gup_fast step (`gup_pte_range`) at a user address.
    GupFastPte {
        /// The virtual page index.
        addr: usize,
        /// Raw `FOLL_*` bits.
        flags: u32,
    },
    /// `pin_user_pages(start, nr, flags)`: the slow path.
    PinUserPages {
        /// The first virtual page index.
        start: usize,
        /// How many pages.
        nr: usize,
        /// Raw `FOLL_*` bits (`FOLL_GET` is refused, `FOLL_PIN` implied).
        flags: u32,
    },
    /// `pin_user_pages_fast(start, nr, flags)`.
    PinUserPagesFast {
        /// The first virtual page index.
        start: usize,
        /// How many pages.
        nr: usize,
        /// Raw `FOLL_*` bits (`FOLL_GET` is refused, `FOLL_PIN` implied).
        flags: u32,
    },
    /// `unpin_user_page(pfn_to_page(page))`.
    UnpinUserPage {
        /// The frame.
        page: usize,
    },
    /// `unpin_user_pages(pages)`.
    UnpinUserPages {
        /// The frames, one entry per pinned (sub)page.
        pages: Vec<usize>,
    },
    /// `unpin_user_pages_dirty_lock(pages, make_dirty)`.
    UnpinUserPagesDirtyLock {
        /// The frames, one entry per pinned (sub)page.
        pages: Vec<usize>,
        /// Mark each page dirty before unpinning it.
        make_dirty: bool,
    },
    /// `page_dma_pinned(pfn_to_page(page))` (the seed's name for
    /// `page_maybe_dma_pinned`).
    PageDmaPinned {
        /// The frame.
        page: usize,
    },
}

/// A frame list as the kernel would print it.
struct Frames<'a>(&'a [usize]);

impl fmt::Display for Frames<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, pfn) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{pfn}")?;
        }
        f.write_str("]")
    }
}

impl fmt::Display for Op {
    /// The kernel call the operation stands for, e.g.
    /// `pin_user_pages(start 0, nr 2, FOLL_WRITE)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flags = |bits: u32| GupFlags::from_bits(bits);
        match self {
            Op::GetPage { page } => write!(f, "get_page(pfn {page})"),
            Op::TryGetPage { page } => write!(f, "try_get_page(pfn {page})"),
            Op::PutPage { page } => write!(f, "put_page(pfn {page})"),
            Op::TryGrabPage { page, flags: bits } => {
                write!(f, "try_grab_page(pfn {page}, {:?})", flags(*bits))
            }
            Op::TryGrabFolio {
                page,
                refs,
                flags: bits,
            } => write!(
                f,
                "try_grab_folio(pfn {page}, refs {refs}, {:?})",
                flags(*bits)
            ),
            Op::GupFastPte { addr, flags: bits } => {
                write!(f, "gup_fast_pte(addr {addr}, {:?})", flags(*bits))
            }
            Op::PinUserPages {
                start,
                nr,
                flags: bits,
            } => write!(
                f,
                "pin_user_pages(start {start}, nr {nr}, {:?})",
                flags(*bits)
            ),
            Op::PinUserPagesFast {
                start,
                nr,
                flags: bits,
            } => write!(
                f,
                "pin_user_pages_fast(start {start}, nr {nr}, {:?})",
                flags(*bits)
            ),
            Op::UnpinUserPage { page } => write!(f, "unpin_user_page(pfn {page})"),
            Op::UnpinUserPages { pages } => write!(f, "unpin_user_pages({})", Frames(pages)),
            Op::UnpinUserPagesDirtyLock { pages, make_dirty } => write!(
                f,
                "unpin_user_pages_dirty_lock({}, make_dirty {make_dirty})",
                Frames(pages)
            ),
            Op::PageDmaPinned { page } => write!(f, "page_dma_pinned(pfn {page})"),
        }
    }
}

/// The largest plain or pin count a start may hold per page: far beyond
/// anything a 32-bit counter can encode (so every edge is reachable), and
/// small enough that the ghost's exact 64-bit arithmetic cannot overflow.
pub const MAX_START_HELD: i64 = 1 << 40;

/// The starting state of a program: a memory layout and, per (compound)
/// page in layout order, the references its head already holds.
///
/// The checker encodes each [`Held`] with [`Scheme::init_page`] and sets
/// the vmstat counters to the pins already held (`nr_foll_pin_acquired` =
/// those pins, `nr_foll_pin_released` = 0), so that P9 holds from the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    layout: Layout,
    held: Vec<Held>,
}

/// Why a [`Start`] was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartError {
    /// One [`Held`] per (compound) page is needed.
    HeldPerPage {
        /// Pages in the layout.
        pages: usize,
        /// `Held` values given.
        held: usize,
    },
    /// A count below zero, or above [`MAX_START_HELD`].
    OutOfRange {
        /// The page's index in the layout.
        page: usize,
        /// Its `Held`.
        held: Held,
    },
    /// The pins held in total do not fit `nr_foll_pin_acquired` (an `i32`).
    TooManyPins {
        /// The total.
        pins: i64,
    },
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            StartError::HeldPerPage { pages, held } => write!(
                f,
                "the layout has {pages} (compound) pages but {held} starting counts were given"
            ),
            StartError::OutOfRange { page, held } => write!(
                f,
                "page {page}: plain {} / pins {} is outside 0..={MAX_START_HELD}",
                held.plain, held.pins
            ),
            StartError::TooManyPins { pins } => {
                write!(f, "{pins} pins in total do not fit nr_foll_pin_acquired")
            }
        }
    }
}

impl std::error::Error for StartError {}

impl Start {
    /// A start of `layout` whose (compound) pages hold `held`, in layout
    /// order.
    pub fn new(layout: Layout, held: Vec<Held>) -> Result<Start, StartError> {
        let pages = layout.orders().len();
        if held.len() != pages {
            return Err(StartError::HeldPerPage {
                pages,
                held: held.len(),
            });
        }
        let in_range = |count: i64| (0..=MAX_START_HELD).contains(&count);
        if let Some((page, &bad)) = held
            .iter()
            .enumerate()
            .find(|(_, h)| !in_range(h.plain) || !in_range(h.pins))
        {
            return Err(StartError::OutOfRange { page, held: bad });
        }
        let pins: i64 = held.iter().map(|h| h.pins).sum();
        if i32::try_from(pins).is_err() {
            return Err(StartError::TooManyPins { pins });
        }
        Ok(Start { layout, held })
    }

    /// One order-0 page holding `held`.
    pub fn single(held: Held) -> Start {
        Start {
            layout: Layout::single_page(),
            held: vec![held],
        }
    }

    /// The memory layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// What each (compound) page holds, in layout order.
    pub fn held(&self) -> &[Held] {
        &self.held
    }

    /// Total pins held at the start.
    fn pins(&self) -> i64 {
        self.held.iter().map(|h| h.pins).sum()
    }
}

/// A whole program: a start and the operations to run from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// The starting state.
    pub start: Start,
    /// The operations, in order.
    pub ops: Vec<Op>,
}

impl Program {
    /// The program as Rust source that rebuilds it (for a regression test).
    pub fn to_rust(&self) -> String {
        let mut out = String::new();
        out.push_str("Program {\n    start: Start::new(\n");
        out.push_str(&format!(
            "        Layout::new(&{:?})?,\n        vec![\n",
            self.start.layout.orders()
        ));
        for held in &self.start.held {
            out.push_str(&format!(
                "            Held {{ plain: {}, pins: {} }},\n",
                held.plain, held.pins
            ));
        }
        out.push_str("        ],\n    )?,\n    ops: vec![\n");
        for op in &self.ops {
            out.push_str(&format!("        Op::{op:?},\n"));
        }
        out.push_str("    ],\n}");
        out
    }
}

/// What an operation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOutcome {
    /// It succeeded.
    Done,
    /// It was refused (or, for a batch, at least one page was).
    Refused(GupError),
    /// `page_dma_pinned` answered.
    Answered(bool),
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

/// A violation of a property the scheme does not claim
/// ([`Scheme::claims`]): reported and counted, not a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// The property.
    pub property: Property,
    /// What was seen.
    pub message: String,
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

/// The counters of one frame, read at a quiescent point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FrameState {
    refcount: i32,
    pincount: i32,
    dirty: bool,
    freed: i32,
}

/// Every concrete count of the memory, read at a quiescent point.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot {
    frames: Vec<FrameState>,
    acquired: i32,
    released: i32,
}

/// How a grab finds its page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GrabMode {
    /// `get_page`: the caller already holds a reference; the kernel only
    /// catches a count in `[-127, 0]` (`VM_BUG_ON`), so on a count already
    /// past the sign bit it may succeed or refuse.
    GetPage,
    /// Under the page-table lock (`try_get_page`, `try_grab_page`,
    /// `try_grab_folio`, the `pin_user_pages` slow path). In the kernel the
    /// mapping holds a reference; the model maps every frame, free or not,
    /// so a page at its free value must be refused by the `<=` guard.
    Locked,
    /// gup_fast: no lock; the page may be on its way to being freed.
    Speculative,
}

/// What the spec allows of one grab or release.
#[derive(Debug, Clone)]
struct Verdict {
    expect: Expect,
    /// A call a correct caller never makes (only a refusal is fine): the
    /// property its acceptance breaks and why.
    caller_bug: Option<(Property, String)>,
    /// The property broken if it is accepted against `Refuse`, and why.
    if_accepted: (Property, String),
    /// The property broken if it is refused against `Succeed`, and why.
    if_refused: (Property, String),
}

/// The errors a refusal may carry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ErrorSpec {
    /// Exactly this error.
    Exactly(GupError),
    /// Any of these (the order in which a scheme checks two bad inputs is
    /// its own).
    AnyOf(Vec<GupError>),
    /// A grab refused on the counts of head `pfn`.
    GrabRefused { pfn: usize },
    /// A release of `kind` refused on the counts of head `pfn`.
    ReleaseRefused { kind: RefKind, pfn: usize },
}

impl ErrorSpec {
    fn matches(&self, error: &GupError) -> bool {
        match self {
            ErrorSpec::Exactly(expected) => expected == error,
            ErrorSpec::AnyOf(expected) => expected.contains(error),
            ErrorSpec::GrabRefused { pfn } => matches!(
                *error,
                GupError::RefcountNotPositive { pfn: p, .. }
                    | GupError::WouldOverflow { pfn: p, .. }
                    | GupError::SpeculativeGrabOnFreedPage { pfn: p }
                    | GupError::GetPageOnFreeOrOverflowed { pfn: p, .. }
                    if p == *pfn
            ),
            ErrorSpec::ReleaseRefused {
                kind: RefKind::Get,
                pfn,
            } => *error == GupError::PutAtZero { pfn: *pfn },
            ErrorSpec::ReleaseRefused {
                kind: RefKind::Pin,
                pfn,
            } => matches!(*error, GupError::UnpinWithoutPin { pfn: p, .. } if p == *pfn),
        }
    }
}

impl fmt::Display for ErrorSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorSpec::Exactly(error) => write!(f, "{error:?}"),
            ErrorSpec::AnyOf(errors) => {
                for (i, error) in errors.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" or ")?;
                    }
                    write!(f, "{error:?}")?;
                }
                Ok(())
            }
            ErrorSpec::GrabRefused { pfn } => write!(
                f,
                "a grab refusal on head {pfn} (RefcountNotPositive, WouldOverflow, \
                 SpeculativeGrabOnFreedPage or GetPageOnFreeOrOverflowed)"
            ),
            ErrorSpec::ReleaseRefused {
                kind: RefKind::Get,
                pfn,
            } => write!(f, "PutAtZero on head {pfn}"),
            ErrorSpec::ReleaseRefused {
                kind: RefKind::Pin,
                pfn,
            } => write!(f, "UnpinWithoutPin on head {pfn}"),
        }
    }
}

/// One way an operation may turn out.
#[derive(Debug, Clone)]
struct Branch {
    /// Success, or the refusal (with the errors it may carry).
    result: Result<(), ErrorSpec>,
    /// The ghost afterwards.
    ghost: Ghost,
    /// The operation changes nothing on this branch (a plain refusal): a
    /// changed count is reported as the refusal's fault.
    pure_refusal: bool,
    /// Expected violations this branch stands for.
    expected: Vec<Expected>,
    /// Heads whose `PG_dirty` may end either way (a dirtying unpin that is
    /// refused after the kernel's order has dirtied the page).
    dirty_may_change: Vec<usize>,
    /// The property broken, and why, if the run contradicts this branch and
    /// no other branch fits.
    if_contradicted: (Property, String),
}

/// Everything the spec allows of one operation.
#[derive(Debug, Clone)]
struct Plan {
    branches: Vec<Branch>,
    /// Set when a correct caller never issues the operation.
    caller_bug: Option<(Property, String)>,
    /// The property a refusal that changed a count breaks.
    refusal_property: Property,
}

impl Plan {
    /// A plan with one branch: refused with `error`, nothing changes.
    fn refused(ghost: &Ghost, spec: ErrorSpec, property: Property, why: String) -> Plan {
        Plan {
            branches: vec![Branch::refusal(ghost, spec, (property, why))],
            caller_bug: None,
            refusal_property: property,
        }
    }
}

impl Branch {
    fn refusal(ghost: &Ghost, spec: ErrorSpec, if_accepted: (Property, String)) -> Branch {
        Branch {
            result: Err(spec),
            ghost: ghost.clone(),
            pure_refusal: true,
            expected: Vec::new(),
            dirty_may_change: Vec::new(),
            if_contradicted: if_accepted,
        }
    }
}

/// One line of the counterexample.
#[derive(Debug, Clone)]
struct TraceEntry {
    op: Op,
    outcome: StepOutcome,
    /// Per head: pfn, counts before, counts after, what the ghost holds after.
    heads: Vec<(usize, FrameState, FrameState, Held)>,
    note: Option<String>,
}

/// The sequential checker: a concrete [`Memory`] run by scheme `S`, and
/// the ghost spec beside it.
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
    trace: Vec<TraceEntry>,
}

impl<'s, S: Scheme + ?Sized> SequentialChecker<'s, S> {
    /// A checker for `scheme`, starting from `start`: every head is set with
    /// [`Scheme::init_page`], the vmstat counters to the pins held.
    pub fn new(scheme: &'s S, start: &Start) -> Self {
        let memory = Memory::<Std>::new(&start.layout);
        let heads = start.layout.heads();
        let mut ghost = Ghost::default();
        for ((&pfn, &order), &held) in heads.iter().zip(start.layout.orders()).zip(&start.held) {
            if let Ok(page) = memory.page(pfn) {
                scheme.init_page(page, held);
            }
            ghost
                .pages
                .insert(pfn, GhostPage::new(PageShape { order }, held));
        }
        // `Start::new` keeps the total in i32 range.
        let pins = i32::try_from(start.pins()).unwrap_or(i32::MAX);
        memory.vmstat().set(pins, 0);
        ghost.pins_acquired = i64::from(pins);
        // Watched from the first operation on, not during the set-up.
        let monitor = Monitor::without_log(Monitor::config_for(scheme));
        let memory = memory.with_observer(Arc::new(monitor));
        SequentialChecker {
            scheme,
            memory,
            ghost,
            start: start.clone(),
            heads,
            trace: Vec::new(),
        }
    }

    /// The ghost spec's current state.
    pub fn ghost(&self) -> &Ghost {
        &self.ghost
    }

    /// The concrete memory (read it with the model's read helpers).
    pub fn memory(&self) -> &Memory<Std> {
        &self.memory
    }

    /// Whether a correct kernel caller may issue `op` now. False for:
    ///
    /// - a release the counters cannot tell is not held
    ///   ([`GhostPage::expect_release`] is `None`: `put_page` on a page held
    ///   only by pins, `unpin_user_page` on a biased page held by ≥ 1024
    ///   plain references and no pin). If run anyway and accepted, it is a
    ///   P7 violation ("mismatched release").
    /// - `get_page` on a page that holds no reference: its caller must
    ///   already hold one (the kernel's guard is a `VM_BUG_ON`, not a
    ///   refusal, and a devmap page is free at 1, where it does not fire).
    ///   If run anyway and accepted, it is a P4 violation (a freed page
    ///   touched).
    /// - `unpin_user_pages_dirty_lock(.., true)` with an entry on a page that
    ///   holds no reference: the kernel's order dirties the page before the
    ///   unpin is refused, so a freed page would be touched (P4). On a page
    ///   that is referenced but not pinned, the refusal is fine and
    ///   `PG_dirty` may end either way (the model's documented behaviour).
    ///
    /// Engines generate only operations for which this holds (and skip the
    /// others), so that every violation they report is the scheme's.
    pub fn precondition(&self, op: &Op) -> bool {
        self.plan(op).caller_bug.is_none()
    }

    /// Runs `op` on the concrete model and judges it against the ghost.
    ///
    /// Returns what happened, with any expected violations, or the first
    /// unexpected violation (its `replay` is left for the caller to fill).
    pub fn apply(&mut self, op: &Op) -> Result<Step, Violation> {
        let plan = self.plan(op);
        let before = self.snapshot();
        // The monitor stops the operation at the first access that breaks a
        // property; the rest of the judgement needs the operation to finish.
        let run = super::exploring(|| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.run(op)))
        });
        let result = match run {
            Ok(result) => result,
            Err(payload) => {
                let after = self.snapshot();
                let outcome = StepOutcome::Done;
                self.record(op, outcome, &before, &after, None);
                let (property, message) = match payload.downcast_ref::<StopExecution>() {
                    Some(StopExecution(finding)) => (
                        finding.violation.property,
                        finding.violation.message.clone(),
                    ),
                    None => std::panic::resume_unwind(payload),
                };
                return Err(self.violation(property, format!("{op}: {message}")));
            }
        };
        let after = self.snapshot();
        let outcome = match result {
            Ok(Some(answer)) => StepOutcome::Answered(answer),
            Ok(None) => StepOutcome::Done,
            Err(error) => StepOutcome::Refused(error),
        };
        // The branch the run took, then the counts it left; on a violation,
        // the counterexample's last line shows the spec's state for the
        // branch it was judged against (or the state before, if none fit).
        let judged = self
            .choose(&plan, &result, &before, &after)
            .map_err(|error| (error, None))
            .and_then(|branch| {
                let ghost = self
                    .check_counts(&plan, branch, &before, &after)
                    .map_err(|error| (error, Some(branch.ghost.clone())))?;
                Ok((branch, ghost))
            });
        let (branch, ghost) = match judged {
            Ok(judged) => judged,
            Err(((property, message), spec)) => {
                let (property, message) = match &plan.caller_bug {
                    Some((bug_property, why)) => {
                        (*bug_property, format!("{why}; it was run: {message}"))
                    }
                    None => (property, message),
                };
                self.record(op, outcome, &before, &after, spec.as_ref());
                return Err(self.violation(property, format!("{op}: {message}")));
            }
        };
        let mut step = Step {
            outcome,
            expected: branch.expected.clone(),
            false_positive: false,
        };
        if let (Op::PageDmaPinned { page }, StepOutcome::Answered(answer)) = (op, outcome) {
            let verdict = self.judge_answer(&ghost, *page, answer);
            match verdict {
                Ok(Some(expected)) => step.expected.push(expected),
                Ok(None) => {}
                Err((property, message)) => {
                    self.record(op, outcome, &before, &after, Some(&ghost));
                    return Err(self.violation(property, format!("{op}: {message}")));
                }
            }
            step.false_positive = answer
                && self
                    .head_of(*page)
                    .and_then(|head| ghost.pages.get(&head))
                    .is_some_and(|g| !g.truly_pinned());
        }
        self.ghost = ghost;
        self.record(op, outcome, &before, &after, None);
        if !step.expected.is_empty()
            && let Some(last) = self.trace.last_mut()
        {
            let notes: Vec<String> = step
                .expected
                .iter()
                .map(|e| format!("expected {}: {}", e.property.id(), e.message))
                .collect();
            last.note = Some(notes.join("; "));
        }
        Ok(step)
    }

    /// The program so far, one line per operation: the operation, its
    /// result, each head's refcount (and pin count where the scheme keeps
    /// one) before → after, and what the ghost holds after.
    pub fn counterexample(&self) -> String {
        let mut out = format!(
            "scheme {} ({}), start: layout {:?}\n",
            self.scheme.name(),
            self.scheme.description(),
            self.start.layout.orders()
        );
        for (&pfn, (&held, &order)) in self
            .heads
            .iter()
            .zip(self.start.held.iter().zip(self.start.layout.orders()))
        {
            let counts = self.scheme.counts_for(PageShape { order }, held);
            out.push_str(&format!(
                "  head pfn {pfn} (order {order}): plain {}, pins {} → refcount {}",
                held.plain, held.pins, counts.refcount
            ));
            if counts.pincount != 0 {
                out.push_str(&format!(", pincount {}", counts.pincount));
            }
            out.push('\n');
        }
        for (i, entry) in self.trace.iter().enumerate() {
            out.push_str(&format!("{:>3}. {} → {}", i + 1, entry.op, entry.outcome));
            for (pfn, before, after, held) in &entry.heads {
                out.push_str(&format!(
                    " | pfn {pfn}: {} → {}",
                    before.refcount, after.refcount
                ));
                if before.pincount != 0 || after.pincount != 0 {
                    out.push_str(&format!(
                        ", pincount {} → {}",
                        before.pincount, after.pincount
                    ));
                }
                out.push_str(&format!(
                    " [spec: plain {}, pins {}]",
                    held.plain, held.pins
                ));
            }
            if let Some(note) = &entry.note {
                out.push_str(&format!("  ({note})"));
            }
            out.push('\n');
        }
        out
    }

    /// `expected` as a full [`Violation`] record, with the program so far.
    pub fn expected_violation(&self, expected: &Expected) -> Violation {
        Violation {
            property: expected.property,
            message: format!(
                "(expected: {} does not claim it) {}",
                self.scheme.name(),
                expected.message
            ),
            counterexample: self.counterexample(),
            replay: String::new(),
        }
    }

    fn violation(&self, property: Property, message: String) -> Violation {
        Violation {
            property,
            message,
            counterexample: self.counterexample(),
            replay: String::new(),
        }
    }

    fn record(
        &mut self,
        op: &Op,
        outcome: StepOutcome,
        before: &Snapshot,
        after: &Snapshot,
        ghost: Option<&Ghost>,
    ) {
        let ghost = ghost.unwrap_or(&self.ghost);
        let heads = self
            .heads
            .iter()
            .map(|&pfn| {
                let held = ghost.pages.get(&pfn).map(|g| g.held).unwrap_or_default();
                (pfn, before.frames[pfn], after.frames[pfn], held)
            })
            .collect();
        self.trace.push(TraceEntry {
            op: op.clone(),
            outcome,
            heads,
            note: None,
        });
    }

    /// Reads every count, through the model's read helpers.
    fn snapshot(&self) -> Snapshot {
        let frames = (0..self.memory.frames())
            .filter_map(|pfn| self.memory.page(pfn).ok())
            .map(|page| FrameState {
                refcount: page_ref_count(page),
                pincount: pincount_read(page),
                dirty: page.peek().dirty(),
                freed: page.times_freed(),
            })
            .collect();
        Snapshot {
            frames,
            acquired: self.memory.vmstat().acquired(),
            released: self.memory.vmstat().released(),
        }
    }

    /// The head pfn of frame `pfn`, if there is such a frame.
    fn head_of(&self, pfn: usize) -> Option<usize> {
        self.memory
            .page(pfn)
            .ok()
            .map(|page| page.compound_head().pfn())
    }

    /// How many addresses of `start..start + nr` a batch walk can reach:
    /// it stops at the first unmapped address, so asking for more changes
    /// nothing but the size of the caller's buffer. The checker passes this
    /// many to the scheme, which keeps a garbage `nr` from sizing a huge
    /// allocation (the model's walk reserves `nr` entries up front).
    fn walk_len(&self, start: usize, nr: usize) -> usize {
        if nr == 0 {
            return 0;
        }
        nr.min(self.memory.frames().saturating_sub(start).saturating_add(1))
    }

    // ----------------------------------------------------------------
    // Running an operation: the Scheme trait only.
    // ----------------------------------------------------------------

    /// Runs `op` through the [`Scheme`] trait. `Ok(Some(answer))` for
    /// `page_dma_pinned`. A frame that does not exist cannot be named by
    /// the caller (`pfn_to_page` fails), so the scheme is not called.
    fn run(&self, op: &Op) -> Result<Option<bool>, GupError> {
        let scheme = self.scheme;
        let mem = &self.memory;
        let page = |pfn: usize| mem.page(pfn);
        let pages = |pfns: &[usize]| -> Result<Vec<PageRef<'_, Std>>, GupError> {
            pfns.iter().map(|&pfn| mem.page(pfn)).collect()
        };
        let flags = GupFlags::from_bits;
        match op {
            Op::GetPage { page: pfn } => scheme.get_page(page(*pfn)?).map(|()| None),
            Op::TryGetPage { page: pfn } => scheme.try_get_page(page(*pfn)?).map(|()| None),
            Op::PutPage { page: pfn } => scheme.put_page(page(*pfn)?).map(|()| None),
            Op::TryGrabPage {
                page: pfn,
                flags: f,
            } => scheme.try_grab_page(page(*pfn)?, flags(*f)).map(|()| None),
            Op::TryGrabFolio {
                page: pfn,
                refs,
                flags: f,
            } => scheme
                .try_grab_folio(page(*pfn)?, *refs, flags(*f))
                .map(|()| None),
            Op::GupFastPte { addr, flags: f } => {
                scheme.gup_fast_pte(mem, *addr, flags(*f)).map(|_| None)
            }
            Op::PinUserPages {
                start,
                nr,
                flags: f,
            } => scheme
                .pin_user_pages(mem, *start, self.walk_len(*start, *nr), flags(*f))
                .map(|_| None),
            Op::PinUserPagesFast {
                start,
                nr,
                flags: f,
            } => scheme
                .pin_user_pages_fast(mem, *start, self.walk_len(*start, *nr), flags(*f))
                .map(|_| None),
            Op::UnpinUserPage { page: pfn } => scheme.unpin_user_page(page(*pfn)?).map(|()| None),
            Op::UnpinUserPages { pages: pfns } => {
                scheme.unpin_user_pages(&pages(pfns)?).map(|()| None)
            }
            Op::UnpinUserPagesDirtyLock {
                pages: pfns,
                make_dirty,
            } => scheme
                .unpin_user_pages_dirty_lock(&pages(pfns)?, *make_dirty)
                .map(|()| None),
            Op::PageDmaPinned { page: pfn } => Ok(Some(scheme.page_dma_pinned(page(*pfn)?))),
        }
    }

    // ----------------------------------------------------------------
    // What the spec allows: plans.
    // ----------------------------------------------------------------

    fn plan(&self, op: &Op) -> Plan {
        let ghost = &self.ghost;
        let no_such_page = |pfn: usize| {
            Plan::refused(
                ghost,
                ErrorSpec::Exactly(GupError::NoSuchPage { pfn }),
                Property::P5,
                format!("pfn {pfn} names no page and must give NoSuchPage"),
            )
        };
        match op {
            Op::GetPage { page } => match self.head_of(*page) {
                Some(head) => self.plan_grab(head, RefKind::Get, 1, GrabMode::GetPage),
                None => no_such_page(*page),
            },
            Op::TryGetPage { page } => match self.head_of(*page) {
                Some(head) => self.plan_grab(head, RefKind::Get, 1, GrabMode::Locked),
                None => no_such_page(*page),
            },
            Op::TryGrabPage { page, flags } => match self.head_of(*page) {
                None => no_such_page(*page),
                Some(head) => match GupFlags::from_bits(*flags).ref_kind() {
                    Ok(kind) => self.plan_grab(head, kind, 1, GrabMode::Locked),
                    Err(error) => Plan::refused(
                        ghost,
                        ErrorSpec::Exactly(error),
                        Property::P7,
                        format!(
                            "flags {:?} name no single kind of reference",
                            GupFlags::from_bits(*flags)
                        ),
                    ),
                },
            },
            Op::TryGrabFolio { page, refs, flags } => match self.head_of(*page) {
                None => no_such_page(*page),
                Some(head) => {
                    let kind = GupFlags::from_bits(*flags).ref_kind();
                    let refs_ok = check_refs(*refs);
                    match (kind, refs_ok) {
                        (Ok(kind), Ok(())) => {
                            self.plan_grab(head, kind, i64::from(*refs), GrabMode::Locked)
                        }
                        (Err(kind_error), Ok(())) => Plan::refused(
                            ghost,
                            ErrorSpec::Exactly(kind_error),
                            Property::P7,
                            "the flags name no single kind of reference".to_owned(),
                        ),
                        (Ok(_), Err(refs_error)) => Plan::refused(
                            ghost,
                            ErrorSpec::Exactly(refs_error),
                            Property::P6,
                            format!("refs {refs} is outside 1..=MAX_REFS"),
                        ),
                        (Err(kind_error), Err(refs_error)) => Plan::refused(
                            ghost,
                            ErrorSpec::AnyOf(vec![kind_error, refs_error]),
                            Property::P7,
                            format!("bad flags and refs {refs}"),
                        ),
                    }
                }
            },
            Op::GupFastPte { addr, flags } => {
                let kind = GupFlags::from_bits(*flags).ref_kind();
                match (self.head_of(*addr), kind) {
                    (Some(head), Ok(kind)) => self.plan_grab(head, kind, 1, GrabMode::Speculative),
                    (Some(_), Err(kind_error)) => Plan::refused(
                        ghost,
                        ErrorSpec::Exactly(kind_error),
                        Property::P7,
                        "the flags name no single kind of reference".to_owned(),
                    ),
                    (None, Ok(_)) => Plan::refused(
                        ghost,
                        ErrorSpec::Exactly(GupError::NotMapped { addr: *addr }),
                        Property::P10,
                        format!("address {addr} maps nothing and must give NotMapped"),
                    ),
                    (None, Err(kind_error)) => Plan::refused(
                        ghost,
                        ErrorSpec::AnyOf(vec![GupError::NotMapped { addr: *addr }, kind_error]),
                        Property::P10,
                        format!("address {addr} maps nothing and the flags are bad"),
                    ),
                }
            }
            Op::PinUserPages { start, nr, flags } => {
                self.plan_pin_batch(*start, *nr, *flags, GrabMode::Locked)
            }
            Op::PinUserPagesFast { start, nr, flags } => {
                self.plan_pin_batch(*start, *nr, *flags, GrabMode::Speculative)
            }
            Op::PutPage { page } => match self.head_of(*page) {
                Some(head) => self.plan_release(head, RefKind::Get),
                None => no_such_page(*page),
            },
            Op::UnpinUserPage { page } => match self.head_of(*page) {
                Some(head) => self.plan_release(head, RefKind::Pin),
                None => no_such_page(*page),
            },
            Op::UnpinUserPages { pages } => self.plan_unpin_batch(pages, None),
            Op::UnpinUserPagesDirtyLock { pages, make_dirty } => {
                self.plan_unpin_batch(pages, Some(*make_dirty))
            }
            Op::PageDmaPinned { page } => match self.head_of(*page) {
                Some(_) => Plan {
                    branches: vec![Branch {
                        result: Ok(()),
                        ghost: ghost.clone(),
                        pure_refusal: false,
                        expected: Vec::new(),
                        dirty_may_change: Vec::new(),
                        if_contradicted: (Property::P5, "a read must not fail".to_owned()),
                    }],
                    caller_bug: None,
                    refusal_property: Property::P5,
                },
                None => no_such_page(*page),
            },
        }
    }

    /// The ghost page of head `pfn`. Every head has one (`new` inserts
    /// them all); a default stands in for the impossible miss.
    fn ghost_page(ghost: &Ghost, pfn: usize) -> GhostPage {
        ghost
            .pages
            .get(&pfn)
            .copied()
            .unwrap_or_else(|| GhostPage::new(PageShape { order: 0 }, Held::default()))
    }

    /// What the spec allows of one grab of `refs` of `kind` on `page`:
    /// [`GhostPage::expect_grab`], except that `get_page` on a page that
    /// holds nothing is a caller bug, and on a count already past the sign
    /// bit may go either way (its guard only covers `[-127, 0]`).
    fn judge_grab(&self, page: &GhostPage, kind: RefKind, refs: i64, mode: GrabMode) -> Verdict {
        let scheme = self.scheme;
        let count = page.refcount(scheme);
        if mode == GrabMode::GetPage && page.held == Held::default() {
            let why = "get_page on a page that holds no reference (the caller must already \
                       hold one)"
                .to_owned();
            return Verdict {
                expect: Expect::Refuse,
                caller_bug: Some((Property::P4, why.clone())),
                if_accepted: (Property::P4, format!("{why} was accepted")),
                if_refused: (Property::P6, String::new()),
            };
        }
        let mut expect = page.expect_grab(scheme, kind, refs);
        if mode == GrabMode::GetPage && expect == Expect::Refuse && page.wrapped(scheme) {
            expect = Expect::Either;
        }
        // Why accepting it would be wrong, should the spec refuse it.
        let if_accepted = if page.is_free(scheme) {
            let (property, how) = match mode {
                GrabMode::Speculative => (Property::P10, "a speculative grab"),
                _ => (Property::P4, "a grab"),
            };
            let why = format!(
                "{how} was accepted on a page whose count is at its free value: it revived a \
                 freed page"
            );
            (property, why)
        } else if count <= scheme.freed_at().max(0) {
            let why = format!(
                "a grab was accepted on a count that has wrapped past the sign bit (refcount \
                 {count})"
            );
            (Property::P6, why)
        } else {
            let why = format!(
                "a grab of {refs} {} carried the count past the sign bit (refcount {count}), \
                 though the scheme claims refuses_before_overflow",
                kind_name(kind)
            );
            (Property::P6, why)
        };
        let if_refused = (
            Property::P6,
            "a grab the spec says must succeed (a positive count it cannot wrap) was refused"
                .to_owned(),
        );
        Verdict {
            expect,
            caller_bug: None,
            if_accepted,
            if_refused,
        }
    }

    /// What the spec allows of one release of 1 of `kind` on `page`.
    fn judge_release(&self, page: &GhostPage, kind: RefKind) -> Verdict {
        let if_refused = (
            Property::P7,
            format!(
                "a matched release was refused (the page holds plain {}, pins {})",
                page.held.plain, page.held.pins
            ),
        );
        match page.expect_release(self.scheme, kind, 1) {
            Some(Expect::Succeed) => Verdict {
                expect: Expect::Succeed,
                caller_bug: None,
                if_accepted: (Property::P3, String::new()),
                if_refused,
            },
            Some(_) => Verdict {
                expect: Expect::Refuse,
                caller_bug: None,
                if_accepted: (
                    Property::P3,
                    format!(
                        "a release of a {} that is not held was accepted (the page holds \
                         plain {}, pins {}): the count went below what is held",
                        kind_name(kind),
                        page.held.plain,
                        page.held.pins
                    ),
                ),
                if_refused,
            },
            None => {
                let why = format!(
                    "mismatched release: a {} that is not held (the page holds plain {}, \
                     pins {}), which the counters cannot tell",
                    kind_name(kind),
                    page.held.plain,
                    page.held.pins
                );
                Verdict {
                    expect: Expect::Refuse,
                    caller_bug: Some((Property::P7, why.clone())),
                    if_accepted: (Property::P7, format!("{why}, was absorbed")),
                    if_refused,
                }
            }
        }
    }

    /// A single grab on `head`.
    fn plan_grab(&self, head: usize, kind: RefKind, refs: i64, mode: GrabMode) -> Plan {
        let page = Self::ghost_page(&self.ghost, head);
        let verdict = self.judge_grab(&page, kind, refs, mode);
        let refusal_property = if mode == GrabMode::Speculative {
            Property::P10
        } else {
            Property::P6
        };
        let refusal = Branch::refusal(
            &self.ghost,
            ErrorSpec::GrabRefused { pfn: head },
            verdict.if_accepted.clone(),
        );
        let success = || {
            let mut ghost = self.ghost.clone();
            let expected = self.grab(&mut ghost, head, kind, refs);
            Branch {
                result: Ok(()),
                ghost,
                pure_refusal: false,
                expected,
                dirty_may_change: Vec::new(),
                if_contradicted: verdict.if_refused.clone(),
            }
        };
        let branches = match verdict.expect {
            Expect::Succeed => vec![success()],
            Expect::Refuse => vec![refusal],
            Expect::Either => vec![success(), refusal],
        };
        Plan {
            branches,
            caller_bug: verdict.caller_bug,
            refusal_property,
        }
    }

    /// Applies a successful grab to `ghost`; returns the expected P6
    /// violation if it carried the count past the sign bit.
    fn grab(&self, ghost: &mut Ghost, head: usize, kind: RefKind, refs: i64) -> Vec<Expected> {
        let mut expected = Vec::new();
        if let Some(page) = ghost.pages.get_mut(&head) {
            let wrapped_before = page.wrapped(self.scheme);
            page.grab(kind, refs);
            if !wrapped_before && page.wrapped(self.scheme) {
                expected.push(Expected {
                    property: Property::P6,
                    message: format!(
                        "a grab of {refs} {} carried head {head}'s refcount past the sign bit \
                         (now {})",
                        kind_name(kind),
                        page.refcount(self.scheme)
                    ),
                });
            }
        }
        if kind == RefKind::Pin {
            ghost.pins_acquired += refs;
        }
        expected
    }

    /// Applies a successful release to `ghost`.
    fn release(ghost: &mut Ghost, head: usize, kind: RefKind, refs: i64) {
        if let Some(page) = ghost.pages.get_mut(&head) {
            page.release(kind, refs);
        }
        if kind == RefKind::Pin {
            ghost.pins_released += refs;
        }
    }

    /// A single release (`put_page`, `unpin_user_page`) on `head`.
    fn plan_release(&self, head: usize, kind: RefKind) -> Plan {
        let page = Self::ghost_page(&self.ghost, head);
        let verdict = self.judge_release(&page, kind);
        let branch = match verdict.expect {
            Expect::Succeed => {
                let mut ghost = self.ghost.clone();
                Self::release(&mut ghost, head, kind, 1);
                Branch {
                    result: Ok(()),
                    ghost,
                    pure_refusal: false,
                    expected: Vec::new(),
                    dirty_may_change: Vec::new(),
                    if_contradicted: verdict.if_refused,
                }
            }
            _ => Branch::refusal(
                &self.ghost,
                ErrorSpec::ReleaseRefused { kind, pfn: head },
                verdict.if_accepted,
            ),
        };
        Plan {
            branches: vec![branch],
            caller_bug: verdict.caller_bug,
            refusal_property: Property::P7,
        }
    }

    /// `pin_user_pages` (`Locked`: one grab of `refs` per run of subpages of
    /// one compound page, as [`pinref_model::gup::pin_user_pages`] and the
    /// kernel's hugetlb / folio slow paths take them) or
    /// `pin_user_pages_fast` (`Speculative`: one grab per address). If a
    /// grab fails, what was pinned is released: the held counts end as they
    /// started, and the vmstat counters have each moved by the pins taken
    /// and given back.
    fn plan_pin_batch(&self, start: usize, nr: usize, bits: u32, mode: GrabMode) -> Plan {
        let flags = GupFlags::from_bits(bits);
        let refusal_property = if mode == GrabMode::Speculative {
            Property::P10
        } else {
            Property::P6
        };
        if flags.contains(GupFlags::FOLL_GET) {
            return Plan::refused(
                &self.ghost,
                ErrorSpec::Exactly(GupError::FollGetAndPin),
                Property::P7,
                "FOLL_GET in the flags of pin_user_pages* must be refused (-EINVAL)".to_owned(),
            );
        }
        let frames = self.memory.frames();
        let len = self.walk_len(start, nr);
        let mut branches = Vec::new();
        let mut caller_bug = None;
        let mut ghost = self.ghost.clone();
        let mut expected = Vec::new();
        let mut taken = 0i64;
        // The failure branch after `taken` pins were taken and given back.
        let failed =
            |taken: i64, expected: &[Expected], spec: ErrorSpec, why: (Property, String)| {
                let mut ghost = self.ghost.clone();
                ghost.pins_acquired += taken;
                ghost.pins_released += taken;
                Branch {
                    result: Err(spec),
                    ghost,
                    pure_refusal: taken == 0,
                    expected: expected.to_vec(),
                    dirty_may_change: Vec::new(),
                    if_contradicted: why,
                }
            };
        let mut offset = 0usize;
        while offset < len {
            let Some(addr) = start.checked_add(offset) else {
                break;
            };
            let head = match self.head_of(addr) {
                Some(head) if addr < frames => head,
                _ => {
                    branches.push(failed(
                        taken,
                        &expected,
                        ErrorSpec::Exactly(GupError::NotMapped { addr }),
                        (
                            Property::P5,
                            format!("address {addr} maps nothing and must give NotMapped"),
                        ),
                    ));
                    return Plan {
                        branches,
                        caller_bug,
                        refusal_property,
                    };
                }
            };
            let mut run = 1usize;
            if mode == GrabMode::Locked {
                while offset + run < len
                    && start
                        .checked_add(offset + run)
                        .and_then(|next| self.head_of(next))
                        == Some(head)
                {
                    run += 1;
                }
            }
            let refs = i64::try_from(run).unwrap_or(i64::MAX);
            let page = Self::ghost_page(&ghost, head);
            let verdict = self.judge_grab(&page, RefKind::Pin, refs, mode);
            if caller_bug.is_none() {
                caller_bug = verdict.caller_bug.clone();
            }
            let spec = ErrorSpec::GrabRefused { pfn: head };
            match verdict.expect {
                Expect::Succeed => {}
                Expect::Refuse => {
                    branches.push(failed(taken, &expected, spec, verdict.if_accepted));
                    return Plan {
                        branches,
                        caller_bug,
                        refusal_property,
                    };
                }
                Expect::Either => {
                    branches.push(failed(taken, &expected, spec, verdict.if_accepted));
                }
            }
            expected.extend(self.grab(&mut ghost, head, RefKind::Pin, refs));
            taken += refs;
            offset += run;
        }
        branches.push(Branch {
            result: Ok(()),
            ghost,
            pure_refusal: false,
            expected,
            dirty_may_change: Vec::new(),
            if_contradicted: (
                Property::P6,
                "every page of the range can be pinned, yet the call failed".to_owned(),
            ),
        });
        Plan {
            branches,
            caller_bug,
            refusal_property,
        }
    }

    /// `unpin_user_pages` / `unpin_user_pages_dirty_lock`: one
    /// `unpin_user_page` per entry, in order; a refused entry does not stop
    /// the others, and the first refusal is returned. With `make_dirty`,
    /// each entry's head is marked dirty before its unpin.
    fn plan_unpin_batch(&self, pfns: &[usize], make_dirty: Option<bool>) -> Plan {
        let mut heads = Vec::with_capacity(pfns.len());
        for &pfn in pfns {
            match self.head_of(pfn) {
                Some(head) => heads.push(head),
                None => {
                    return Plan::refused(
                        &self.ghost,
                        ErrorSpec::Exactly(GupError::NoSuchPage { pfn }),
                        Property::P5,
                        format!("pfn {pfn} names no page and must give NoSuchPage"),
                    );
                }
            }
        }
        let make_dirty = make_dirty.unwrap_or(false);
        let mut ghost = self.ghost.clone();
        let mut first_refusal: Option<(ErrorSpec, (Property, String))> = None;
        let mut caller_bug = None;
        let mut refused_dirty = Vec::new();
        for &head in &heads {
            let page = Self::ghost_page(&ghost, head);
            let verdict = self.judge_release(&page, RefKind::Pin);
            if caller_bug.is_none() {
                caller_bug = verdict.caller_bug.clone();
            }
            if verdict.expect == Expect::Succeed {
                if make_dirty && let Some(page) = ghost.pages.get_mut(&head) {
                    page.dirty = true;
                }
                Self::release(&mut ghost, head, RefKind::Pin, 1);
            } else {
                if make_dirty {
                    refused_dirty.push(head);
                    if caller_bug.is_none() && page.held == Held::default() {
                        caller_bug = Some((
                            Property::P4,
                            "unpin_user_pages_dirty_lock(.., make_dirty) of a page that holds \
                             no reference: the kernel's order dirties it before the unpin is \
                             refused, so a freed page is touched"
                                .to_owned(),
                        ));
                    }
                }
                if first_refusal.is_none() {
                    first_refusal = Some((
                        ErrorSpec::ReleaseRefused {
                            kind: RefKind::Pin,
                            pfn: head,
                        },
                        verdict.if_accepted,
                    ));
                }
            }
        }
        let dirty_may_change = refused_dirty
            .into_iter()
            .filter(|head| ghost.pages.get(head).is_some_and(|page| !page.dirty))
            .collect();
        let nothing_released = ghost.pages == self.ghost.pages;
        let branch = match first_refusal {
            None => Branch {
                result: Ok(()),
                ghost,
                pure_refusal: false,
                expected: Vec::new(),
                dirty_may_change,
                if_contradicted: (
                    Property::P7,
                    "every entry holds the pin it releases, yet the call failed".to_owned(),
                ),
            },
            Some((spec, why)) => Branch {
                result: Err(spec),
                ghost,
                pure_refusal: nothing_released && !make_dirty,
                expected: Vec::new(),
                dirty_may_change,
                if_contradicted: why,
            },
        };
        Plan {
            branches: vec![branch],
            caller_bug,
            refusal_property: Property::P7,
        }
    }

    // ----------------------------------------------------------------
    // Judging the run.
    // ----------------------------------------------------------------

    /// The branch the concrete run took, or why none fits.
    fn choose<'p>(
        &self,
        plan: &'p Plan,
        result: &Result<Option<bool>, GupError>,
        before: &Snapshot,
        after: &Snapshot,
    ) -> Result<&'p Branch, (Property, String)> {
        match result {
            Ok(_) => plan
                .branches
                .iter()
                .find(|b| b.result.is_ok())
                .ok_or_else(|| {
                    let branch = plan.branches.first();
                    let (property, why) = branch
                        .map(|b| b.if_contradicted.clone())
                        .unwrap_or((plan.refusal_property, String::new()));
                    let must = match branch.map(|b| &b.result) {
                        Some(Err(spec)) => format!(" (it must be refused with {spec})"),
                        _ => String::new(),
                    };
                    (property, format!("accepted{must}: {why}"))
                }),
            Err(error) => {
                let fitting: Vec<&Branch> = plan
                    .branches
                    .iter()
                    .filter(|b| matches!(&b.result, Err(spec) if spec.matches(error)))
                    .collect();
                // Of several failures (a batch that may fail at more than one
                // page), the one whose vmstat churn the run shows.
                let churn = i64::from(after.acquired.wrapping_sub(before.acquired));
                let by_churn = fitting
                    .iter()
                    .copied()
                    .find(|b| b.ghost.pins_acquired - self.ghost.pins_acquired == churn);
                if let Some(branch) = by_churn.or_else(|| fitting.first().copied()) {
                    return Ok(branch);
                }
                let wrong = plan.branches.iter().find_map(|b| match &b.result {
                    Err(spec) => Some((spec, b.if_contradicted.0)),
                    Ok(()) => None,
                });
                match wrong {
                    Some((spec, property)) => Err((
                        property,
                        format!("refused with {error:?}, but the spec expects {spec}"),
                    )),
                    None => {
                        let (property, why) = plan
                            .branches
                            .first()
                            .map(|b| b.if_contradicted.clone())
                            .unwrap_or((plan.refusal_property, String::new()));
                        Err((property, format!("refused with {error:?}: {why}")))
                    }
                }
            }
        }
    }

    /// Checks the concrete counts after the run against `branch`'s ghost;
    /// returns the ghost to adopt (with any `PG_dirty` the branch left
    /// open).
    fn check_counts(
        &self,
        plan: &Plan,
        branch: &Branch,
        before: &Snapshot,
        after: &Snapshot,
    ) -> Result<Ghost, (Property, String)> {
        let scheme = self.scheme;
        let mut ghost = branch.ghost.clone();
        let refused = |what: String| {
            (
                plan.refusal_property,
                format!("a refused operation changed a count: {what}"),
            )
        };
        // P5: every head encodes the ghost; tails hold nothing.
        for (pfn, (was, now)) in before.frames.iter().zip(&after.frames).enumerate() {
            let Some(page) = ghost.pages.get(&pfn) else {
                if now.refcount != 0 || now.pincount != 0 || now.freed != 0 || now.dirty {
                    return Err((
                        Property::P5,
                        format!(
                            "tail pfn {pfn} was touched (refcount {}, pincount {}, freed {}, \
                             dirty {}): every operation must act on the head",
                            now.refcount, now.pincount, now.freed, now.dirty
                        ),
                    ));
                }
                continue;
            };
            let counts = page.counts(scheme);
            if (now.refcount, now.pincount) != (counts.refcount, counts.pincount) {
                let what = format!(
                    "head pfn {pfn}: refcount {} → {}, pincount {} → {}; the spec's plain {}, \
                     pins {} encode refcount {}, pincount {}",
                    was.refcount,
                    now.refcount,
                    was.pincount,
                    now.pincount,
                    page.held.plain,
                    page.held.pins,
                    counts.refcount,
                    counts.pincount
                );
                return Err(if branch.pure_refusal {
                    refused(what)
                } else {
                    (Property::P5, what)
                });
            }
            // P3: what the ghost holds never goes below zero.
            if page.held.plain < 0 || page.held.pins < 0 {
                return Err((
                    Property::P3,
                    format!(
                        "head pfn {pfn} would hold plain {}, pins {}",
                        page.held.plain, page.held.pins
                    ),
                ));
            }
            // P4: freed exactly as often as the spec says, at most once, at
            // the free value.
            if i64::from(now.freed) != i64::from(page.freed) || now.freed > 1 {
                return Err((
                    Property::P4,
                    format!(
                        "head pfn {pfn} has been freed {} times; the spec says {}",
                        now.freed, page.freed
                    ),
                ));
            }
            if now.freed != was.freed && now.refcount != scheme.freed_at() {
                return Err((
                    Property::P4,
                    format!(
                        "head pfn {pfn} was freed with refcount {}, not at its free value {}",
                        now.refcount,
                        scheme.freed_at()
                    ),
                ));
            }
        }
        // PG_dirty: as the spec says, except where the branch leaves it
        // open; never set on a page that holds nothing.
        for (&pfn, page) in ghost.pages.iter_mut() {
            let (was, now) = (before.frames[pfn].dirty, after.frames[pfn].dirty);
            if branch.dirty_may_change.contains(&pfn) {
                if now != was && page.held == Held::default() {
                    return Err((
                        Property::P4,
                        format!("PG_dirty was set on head pfn {pfn}, which holds no reference"),
                    ));
                }
                page.dirty = now;
            } else if now != page.dirty {
                let what = format!(
                    "head pfn {pfn}: PG_dirty {was} → {now}; the spec says {}",
                    page.dirty
                );
                return Err(if branch.pure_refusal {
                    refused(what)
                } else {
                    (Property::P8, what)
                });
            }
        }
        // P9: acquired - released == live pins; each counter exactly where
        // the spec's takes and releases put it.
        let live = i64::from(after.acquired.wrapping_sub(after.released));
        if live != ghost.live_pins() {
            return Err((
                Property::P9,
                format!(
                    "nr_foll_pin_acquired {} - nr_foll_pin_released {} = {live}, but {} pins \
                     are held",
                    after.acquired,
                    after.released,
                    ghost.live_pins()
                ),
            ));
        }
        let exact = |counter: i32, spec: i64| i64::from(counter) == spec;
        if !exact(after.acquired, ghost.pins_acquired)
            || !exact(after.released, ghost.pins_released)
        {
            let what = format!(
                "nr_foll_pin_acquired {} → {}, nr_foll_pin_released {} → {}; the spec says {} \
                 and {}",
                before.acquired,
                after.acquired,
                before.released,
                after.released,
                ghost.pins_acquired,
                ghost.pins_released
            );
            return Err(if branch.pure_refusal {
                refused(what)
            } else {
                (Property::P9, what)
            });
        }
        Ok(ghost)
    }

    /// P1 / P2 for `page_dma_pinned(pfn)` answering `answer`: an unexpected
    /// violation, an expected one (P1 past the sign bit, for a scheme that
    /// does not claim `pinned_after_overflow`), or none.
    fn judge_answer(
        &self,
        ghost: &Ghost,
        pfn: usize,
        answer: bool,
    ) -> Result<Option<Expected>, (Property, String)> {
        let Some(page) = self.head_of(pfn).and_then(|head| ghost.pages.get(&head)) else {
            return Ok(None);
        };
        let scheme = self.scheme;
        if page.truly_pinned() && !answer {
            let message = format!(
                "page_dma_pinned answered false while {} pins are held (plain {}, refcount {})",
                page.held.pins,
                page.held.plain,
                page.refcount(scheme)
            );
            if page.wrapped(scheme) && !scheme.claims().pinned_after_overflow {
                return Ok(Some(Expected {
                    property: Property::P1,
                    message: format!("{message}, past the sign bit"),
                }));
            }
            return Err((Property::P1, message));
        }
        if !page.truly_pinned() && answer && !page.false_positive_allowed(scheme) {
            return Err((
                Property::P2,
                format!(
                    "page_dma_pinned answered true with no pin held and only {} plain \
                     references (refcount {})",
                    page.held.plain,
                    page.refcount(scheme)
                ),
            ));
        }
        Ok(None)
    }
}

fn kind_name(kind: RefKind) -> &'static str {
    match kind {
        RefKind::Get => "plain reference",
        RefKind::Pin => "pin",
    }
}

/// What running a whole [`Program`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgramRun {
    /// Operations run.
    pub executed: usize,
    /// Operations skipped because a correct caller would not issue them
    /// ([`SequentialChecker::precondition`]).
    pub skipped: usize,
    /// Operations refused.
    pub refused: usize,
    /// P2 false positives seen (allowed ones: plain references ≥ the bias).
    pub false_positives: usize,
    /// Expected violations, by property: how many, and the first one with
    /// its counterexample.
    pub expected: BTreeMap<Property, (usize, Violation)>,
    /// The operations that ran, in order (the program without the skipped
    /// ones).
    pub ran: Vec<Op>,
}

/// Why a [`Program`] failed: the violation, and the operations that ran up
/// to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramFailure {
    /// The violation.
    pub violation: Violation,
    /// The operations that ran, the failing one last.
    pub ran: Vec<Op>,
}

/// Runs `program` on `scheme`: each operation whose precondition holds is
/// applied, the others are skipped (so any subsequence of a program is
/// itself a valid program, which is what lets an engine shrink it).
pub fn run_program<S: Scheme + ?Sized>(
    scheme: &S,
    program: &Program,
) -> Result<ProgramRun, ProgramFailure> {
    let mut checker = SequentialChecker::new(scheme, &program.start);
    let mut run = ProgramRun::default();
    for op in &program.ops {
        if !checker.precondition(op) {
            run.skipped += 1;
            continue;
        }
        run.ran.push(op.clone());
        let step = match checker.apply(op) {
            Ok(step) => step,
            Err(violation) => {
                return Err(ProgramFailure {
                    violation,
                    ran: run.ran,
                });
            }
        };
        run.executed += 1;
        run.refused += usize::from(step.is_refused());
        run.false_positives += usize::from(step.false_positive);
        for expected in &step.expected {
            run.expected
                .entry(expected.property)
                .and_modify(|(count, _)| *count += 1)
                .or_insert_with(|| (1, checker.expected_violation(expected)));
        }
    }
    Ok(run)
}

/// Makes a failing `program` smaller while it still fails with the same
/// property: a last pass after an engine's own shrinking. Returns the
/// smallest program found and its failure; a program that does not fail is
/// returned as it is, with `None`.
///
/// Two moves, repeated until neither helps:
///
/// - **delete** one operation (proptest deletes each element once, before
///   it simplifies the others, so an operation that only became redundant
///   later survives its shrinking);
/// - **rebase**: start from the state the program reached after its first
///   `k` operations, and keep only the rest. The state is fully described
///   by what the ghost holds per head, since P5 held at that quiescent
///   point (the counters were exactly [`Scheme::counts_for`] of it); what
///   it does not carry (earlier frees, `PG_dirty`, the vmstat history) can
///   only make the failure disappear, and then the move is not taken. This
///   is what shrinks a start and its operations together (fewer starting
///   pins *and* fewer unpins), which proptest cannot.
pub fn minimize<S: Scheme + ?Sized>(
    scheme: &S,
    program: &Program,
) -> (Program, Option<ProgramFailure>) {
    let Err(failure) = run_program(scheme, program) else {
        return (program.clone(), None);
    };
    let property = failure.violation.property;
    let still_fails = |candidate: &Program| match run_program(scheme, candidate) {
        Err(smaller) if smaller.violation.property == property => Some(smaller),
        _ => None,
    };
    let mut best = Program {
        start: program.start.clone(),
        ops: failure.ran.clone(),
    };
    let mut failure = failure;
    loop {
        let mut changed = false;
        // Delete single operations, to a fixed point.
        let mut index = 0;
        while index < best.ops.len() {
            let mut candidate = best.clone();
            candidate.ops.remove(index);
            if let Some(smaller) = still_fails(&candidate) {
                best.ops = smaller.ran.clone();
                failure = smaller;
                changed = true;
                index = 0;
            } else {
                index += 1;
            }
        }
        // Rebase as late as possible (the failing operation is the last).
        for k in (1..best.ops.len()).rev() {
            let Some(start) = state_after(scheme, &best.start, &best.ops[..k]) else {
                continue;
            };
            let candidate = Program {
                start,
                ops: best.ops[k..].to_vec(),
            };
            if let Some(smaller) = still_fails(&candidate) {
                best = Program {
                    start: candidate.start,
                    ops: smaller.ran.clone(),
                };
                failure = smaller;
                changed = true;
                break;
            }
        }
        if !changed {
            return (best, Some(failure));
        }
    }
}

/// The start that stands for the state `ops` reach from `start` (what the
/// ghost holds per head), if they all run without a violation.
fn state_after<S: Scheme + ?Sized>(scheme: &S, start: &Start, ops: &[Op]) -> Option<Start> {
    let mut checker = SequentialChecker::new(scheme, start);
    for op in ops {
        checker.apply(op).ok()?;
    }
    let held = checker
        .heads
        .iter()
        .map(|head| checker.ghost.pages.get(head).map(|page| page.held))
        .collect::<Option<Vec<Held>>>()?;
    Start::new(start.layout.clone(), held).ok()
}
