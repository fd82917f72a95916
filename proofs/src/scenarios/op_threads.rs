//! Threads of GUP operations, as a scenario: a start, and for each thread
//! a list of [`Op`]s it runs in order, as a correct kernel caller would.
//!
//! The start's references are dealt out first: each thread holds, of each
//! page, one plain reference and one pin, in thread order, while the start
//! has them to give; the rest belong to callers outside the scenario and
//! stay held. So two threads may race to drop a page's last references
//! (a start of two plain references, say), and the page is freed. A thread
//! releases only what it holds (dealt or taken since). It calls
//! `get_page`, and the grabs the kernel makes under the page-table lock
//! (`try_get_page`, `try_grab_page`, `try_grab_folio`, the slow
//! `pin_user_pages`, which rely on the mapping's reference to keep the
//! page alive), only on pages on which it, or a caller outside, holds a
//! reference; gup_fast's speculative grabs go anywhere. Operations that
//! break these rules are skipped, so that any list of operations is a valid
//! thread. The concurrent fuzz target draws one of these from its input
//! ([`crate::fuzzing::concurrent`]) and runs it on shuttle under a schedule
//! the same input chooses; any engine can run one (loom, to replay a
//! fuzzer's finding under every interleaving).
//!
//! What is checked:
//! - at every access, the monitor (P3, P4, P5 on tails, P6, P7, P10);
//! - in each thread: a release of a reference the thread holds is accepted
//!   (P7); `page_dma_pinned` of a page it holds a pin on answers true (P1;
//!   an expected violation where the count may have crossed the sign bit and
//!   the scheme does not claim P1 there);
//! - after every thread is joined: each head encodes what the outside and
//!   the threads still hold (P5), it was freed exactly once if that is
//!   nothing and never otherwise (P4), and the pin statistics balance (P9).
//!
//! It does not judge refusals of grabs (whether one may be refused depends
//! on counts that other threads are changing): the sequential target does,
//! against the ghost.

use super::world::World;
use super::{Scenario, ScenarioInfo};
use crate::properties::Property::{self, *};
use crate::properties::checks;
use crate::properties::monitor::Monitor;
use pinref_model::ghost::{Ghost, exact_refcount};
use pinref_model::op::{self, Op, OpResult, Start};
use pinref_model::sync::{JoinHandle, Platform};
use pinref_model::{Held, MAX_REFS, RefKind, Scheme};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// The threads' names, in spawn order: at most this many threads.
pub const THREAD_NAMES: [&str; 4] = ["T1", "T2", "T3", "T4"];

/// Threads of operations from a start: see the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpThreads {
    start: Start,
    threads: Vec<Vec<Op>>,
}

/// Why an [`OpThreads`] was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpThreadsError {
    /// Between 1 and [`THREAD_NAMES`]`.len()` threads are needed.
    Threads {
        /// Threads given.
        given: usize,
    },
    /// Every page must start with a reference (its mapping's, at least): a
    /// page that starts free has no free to count.
    EmptyPage {
        /// The page's index in the layout.
        page: usize,
    },
}

impl fmt::Display for OpThreadsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            OpThreadsError::Threads { given } => write!(
                f,
                "{given} threads given: between 1 and {} are needed",
                THREAD_NAMES.len()
            ),
            OpThreadsError::EmptyPage { page } => write!(
                f,
                "page {page} starts with no reference: every page must hold one"
            ),
        }
    }
}

impl std::error::Error for OpThreadsError {}

impl OpThreads {
    /// The threads `threads` from `start`.
    pub fn new(start: Start, threads: Vec<Vec<Op>>) -> Result<OpThreads, OpThreadsError> {
        if threads.is_empty() || threads.len() > THREAD_NAMES.len() {
            return Err(OpThreadsError::Threads {
                given: threads.len(),
            });
        }
        if let Some(page) = start.held().iter().position(|h| *h == Held::default()) {
            return Err(OpThreadsError::EmptyPage { page });
        }
        Ok(OpThreads { start, threads })
    }

    /// The start.
    pub fn start(&self) -> &Start {
        &self.start
    }

    /// Each thread's operations.
    pub fn threads(&self) -> &[Vec<Op>] {
        &self.threads
    }
}

impl fmt::Display for OpThreads {
    /// The start, then each thread's operations, one per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let layout = self.start.layout();
        for ((head, order), held) in layout
            .heads()
            .iter()
            .zip(layout.orders())
            .zip(self.start.held())
        {
            writeln!(
                f,
                "page {head} (order {order}): plain {} pins {}",
                held.plain, held.pins
            )?;
        }
        for (name, ops) in THREAD_NAMES.iter().zip(&self.threads) {
            let ops: Vec<String> = ops.iter().map(Op::to_string).collect();
            writeln!(f, "{name}: {}", ops.join("; "))?;
        }
        Ok(())
    }
}

impl Scenario for OpThreads {
    fn info(&self) -> ScenarioInfo {
        ScenarioInfo {
            name: "op_threads",
            summary: "threads of GUP operations (drawn by a fuzzer), each a correct caller",
            properties: &[P1, P3, P4, P5, P6, P7, P9, P10],
            threads: self.threads.len(),
            default_bound: Some(2),
        }
    }

    fn run<P: Platform, S: Scheme>(&self, scheme: S, monitor: Monitor) {
        let plan = Arc::new(Plan::new(&scheme, &self.start, &self.threads));
        let world = World::<P, S>::new(scheme, self.start.layout(), self.start.held(), monitor);
        let handles: Vec<_> = self
            .threads
            .iter()
            .zip(&plan.dealt)
            .zip(THREAD_NAMES)
            .map(|((ops, dealt), name)| {
                let (ops, plan, shared) = (ops.clone(), Arc::clone(&plan), Arc::clone(&world));
                let dealt = dealt.clone();
                world.spawn(name, move |_| run_thread(&shared, &plan, &ops, dealt))
            })
            .collect();
        let mut held = plan.outside.clone();
        for handle in handles {
            for (head, taken) in handle.join() {
                let total = held.entry(head).or_default();
                total.plain += taken.plain;
                total.pins += taken.pins;
            }
        }
        let heads: Vec<(usize, Held)> = held.into_iter().collect();
        world.check_quiescent(&heads);
    }
}

/// What every thread needs to know of the start, worked out once.
struct Plan {
    /// The head of each frame.
    ghost: Ghost,
    /// What callers outside the scenario hold of each head (never
    /// released).
    outside: BTreeMap<usize, Held>,
    /// What each thread holds of each head at the start.
    dealt: Vec<BTreeMap<usize, Held>>,
    /// Heads whose count some interleaving may carry past the sign bit:
    /// the start's exact count plus every grab of every thread, each taken
    /// at its largest, passes `i32::MAX`.
    may_cross: BTreeMap<usize, bool>,
    /// The scheme claims P1 past the sign bit.
    pinned_after_overflow: bool,
}

impl Plan {
    fn new<S: Scheme>(scheme: &S, start: &Start, threads: &[Vec<Op>]) -> Plan {
        let ghost = Ghost::at(start);
        let grabs = threads.iter().flatten().filter(|op| is_grab(op)).count();
        // Every grab may touch every page (a batch walks several), by at
        // most a pin of MAX_REFS.
        let largest = Held {
            plain: 0,
            pins: i64::from(MAX_REFS),
        };
        let may_cross = ghost
            .pages
            .iter()
            .map(|(head, page)| {
                let base = exact_refcount(scheme, page.shape, Held::default());
                let most = exact_refcount(scheme, page.shape, page.held)
                    + (exact_refcount(scheme, page.shape, largest) - base) * grabs as i64;
                (head, most > i64::from(i32::MAX))
            })
            .collect();
        let mut outside: BTreeMap<usize, Held> =
            ghost.pages.iter().map(|(h, page)| (h, page.held)).collect();
        let mut dealt = vec![BTreeMap::new(); threads.len()];
        for (&head, rest) in outside.iter_mut() {
            for hand in dealt.iter_mut() {
                let one = Held {
                    plain: rest.plain.min(1),
                    pins: rest.pins.min(1),
                };
                rest.plain -= one.plain;
                rest.pins -= one.pins;
                if one != Held::default() {
                    hand.insert(head, one);
                }
            }
        }
        Plan {
            outside,
            dealt,
            ghost,
            may_cross,
            pinned_after_overflow: scheme.claims().pinned_after_overflow,
        }
    }

    /// Whether a correct caller holding `ledger` may issue `op`: a release
    /// only of what it holds; `get_page` and a grab under the page-table
    /// lock only on pages on which it or the outside holds a reference. An
    /// operation naming a frame that does not exist is always issued (it
    /// must be refused).
    fn allows(&self, ledger: &BTreeMap<usize, Held>, op: &Op) -> bool {
        let held = |head: usize| ledger.get(&head).copied().unwrap_or_default();
        let referenced = |pfn: usize| {
            self.ghost.head_of(pfn).is_none_or(|h| {
                held(h) != Held::default() || self.outside.get(&h) != Some(&Held::default())
            })
        };
        match op {
            Op::PutPage { page } => self.ghost.head_of(*page).is_none_or(|h| held(h).plain > 0),
            Op::UnpinUserPage { page } => {
                self.ghost.head_of(*page).is_none_or(|h| held(h).pins > 0)
            }
            Op::UnpinUserPages { pages } | Op::UnpinUserPagesDirtyLock { pages, .. } => {
                let Some(heads) = self.heads_of(pages) else {
                    return true;
                };
                let mut wanted: BTreeMap<usize, i64> = BTreeMap::new();
                for head in heads {
                    *wanted.entry(head).or_default() += 1;
                }
                wanted.into_iter().all(|(head, n)| held(head).pins >= n)
            }
            Op::GetPage { page }
            | Op::TryGetPage { page }
            | Op::TryGrabPage { page, .. }
            | Op::TryGrabFolio { page, .. } => referenced(*page),
            Op::PinUserPages { start, nr, .. } => {
                let walk = op::walk_len(*start, *nr, self.ghost.frames());
                (*start..start.saturating_add(walk)).all(referenced)
            }
            _ => true,
        }
    }

    /// The head of every frame of `pages`, or `None` if one names no page.
    fn heads_of(&self, pages: &[usize]) -> Option<Vec<usize>> {
        pages.iter().map(|&pfn| self.ghost.head_of(pfn)).collect()
    }

    /// Whether `op` releases only references of real pages (a release of
    /// held references that must then be accepted).
    fn is_valid_release(&self, op: &Op) -> bool {
        match op {
            Op::PutPage { page } | Op::UnpinUserPage { page } => {
                self.ghost.head_of(*page).is_some()
            }
            Op::UnpinUserPages { pages } | Op::UnpinUserPagesDirtyLock { pages, .. } => {
                self.heads_of(pages).is_some()
            }
            _ => false,
        }
    }
}

fn is_grab(op: &Op) -> bool {
    matches!(
        op,
        Op::GetPage { .. }
            | Op::TryGetPage { .. }
            | Op::TryGrabPage { .. }
            | Op::TryGrabFolio { .. }
            | Op::GupFastPte { .. }
            | Op::PinUserPages { .. }
            | Op::PinUserPagesFast { .. }
    )
}

/// One thread: holding `ledger` (what it was dealt), its operations in
/// order, each checked; returns what it still holds, by head.
fn run_thread<P: Platform, S: Scheme>(
    world: &World<P, S>,
    plan: &Plan,
    ops: &[Op],
    mut ledger: BTreeMap<usize, Held>,
) -> BTreeMap<usize, Held> {
    for op in ops {
        if !plan.allows(&ledger, op) {
            continue;
        }
        let result = run_logged(world, op);
        if plan.is_valid_release(op)
            && let OpResult::Refused(error) = &result
        {
            world.fail(
                Property::P7,
                format!("{op}, a release of references this thread holds, was refused: {error}"),
            );
        }
        if let (Op::PageDmaPinned { page }, OpResult::Answered(answer)) = (op, &result)
            && let Some(head) = plan.ghost.head_of(*page)
            && ledger.get(&head).is_some_and(|held| held.pins > 0)
            && let Some(message) = checks::p1_no_false_negative(*page, *answer)
        {
            // Past the sign bit a signed predicate misses pins; once the
            // count has wrapped all the way round 2^32 (as the monitor saw
            // this execution do) every predicate does.
            let crossed = plan.may_cross.get(&head) == Some(&true) && !plan.pinned_after_overflow;
            if crossed || world.monitor.wrapped_around(head) {
                world.expect_violation(Property::P1, message);
            } else {
                world.fail(Property::P1, message);
            }
        }
        for change in result.ref_changes(op) {
            let Some(head) = plan.ghost.head_of(change.pfn) else {
                continue;
            };
            let held = ledger.entry(head).or_default();
            match change.kind {
                RefKind::Get => held.plain += change.refs,
                RefKind::Pin => held.pins += change.refs,
            }
        }
    }
    ledger
}

/// Runs `op` through [`op::apply`] and logs it on the calling thread with
/// its result and its effect on the ghost's view, as an actor's operations
/// are logged.
fn run_logged<P: Platform, S: Scheme>(world: &World<P, S>, op: &Op) -> OpResult {
    let result = op::apply(&world.scheme, &world.mem, op);
    let views: Vec<String> = result
        .ref_changes(op)
        .into_iter()
        .filter(|change| world.mem.page(change.pfn).is_ok())
        .map(|change| match change.kind {
            RefKind::Get => world.ghost_after(change.pfn, change.refs, 0),
            RefKind::Pin => world.ghost_after(change.pfn, 0, change.refs),
        })
        .collect();
    let view = if views.is_empty() {
        String::new()
    } else {
        format!("   [{}]", views.join("; "))
    };
    world
        .monitor
        .note(P::thread_index(), format!("{op} -> {result}{view}"));
    result
}
