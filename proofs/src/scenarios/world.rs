//! The harness a scenario is written against: a [`World`] (the memory, the
//! scheme, the monitor) and the [`Actor`]s that run its threads (see
//! [`super::actor`]).
//!
//! A failed check records the finding and stops the execution (the engine
//! catches the stop and reports it).

use super::actor::Actor;
use crate::properties::Property;
use crate::properties::checks;
use crate::properties::monitor::{Monitor, StopExecution};
use pinref_model::ghost::GhostPage;
use pinref_model::page_ref::{page_ref_count, pincount_read};
use pinref_model::sync::{JoinHandle, Platform};
use pinref_model::{Counts, Held, Layout, Memory, PageRef, PageShape, Scheme};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// What a mapped page holds and nothing else: one plain reference, its
/// page-table entry's (`pin_user_pages` and gup_fast find a page through
/// its entry; most scenarios start from, or return to, this).
pub const MAPPED: Held = Held { plain: 1, pins: 0 };

/// One execution's world: shared by its threads.
pub struct World<P: Platform, S: Scheme> {
    /// The pages.
    pub mem: Memory<P>,
    /// The scheme under check.
    pub scheme: S,
    /// The monitor attached to `mem`.
    pub monitor: Monitor,
    /// The ghost's view for the log: what each head holds, as the actors'
    /// completed operations say (a std lock, invisible to the engines).
    pub(crate) ghost: Mutex<BTreeMap<usize, Held>>,
}

impl<P: Platform, S: Scheme> World<P, S> {
    /// A world of `layout` pages, every head starting at `held` (the page
    /// table's reference included), with the pin statistics to match.
    ///
    /// The set-up (the scheme's [`Scheme::init_page`], the statistics) is
    /// done before the monitor is attached: it is not an access, and the
    /// monitor starts watching from the state it leaves.
    pub fn new(scheme: S, layout: &Layout, held: &[Held], monitor: Monitor) -> Arc<Self> {
        let mem = Memory::new(layout);
        let mut pins = 0;
        for (&head, &held) in layout.heads().iter().zip(held) {
            match mem.page(head) {
                Ok(page) => scheme.init_page(page, held),
                Err(error) => panic!("scenario bug: {error}"),
            }
            pins += held.pins;
        }
        mem.vmstat().set(pins as i32, 0);
        let world = World {
            mem: mem.with_observer(Arc::new(monitor.clone())),
            scheme,
            monitor,
            ghost: Mutex::new(
                layout
                    .heads()
                    .into_iter()
                    .zip(held.iter().copied())
                    .collect(),
            ),
        };
        world
            .monitor
            .note(0, format!("start: {}", describe_start(layout, held)));
        Arc::new(world)
    }

    /// The page `pfn` (scenarios use fixed, valid pfns).
    pub fn page(&self, pfn: usize) -> PageRef<'_, P> {
        match self.mem.page(pfn) {
            Ok(page) => page,
            Err(error) => panic!("scenario bug: {error}"),
        }
    }

    /// Spawns a named thread that runs `body` as an [`Actor`].
    pub fn spawn<T, F>(self: &Arc<Self>, name: &'static str, body: F) -> P::JoinHandle<T>
    where
        F: FnOnce(&Actor<'_, P, S>) -> T + Send + 'static,
        T: Send + 'static,
    {
        let world = Arc::clone(self);
        P::spawn(move || {
            let actor = Actor::new(&world, name);
            body(&actor)
        })
    }

    /// The race of two named threads: spawns `a`, then `b`, joins them in
    /// the same order and returns what each returned.
    pub fn race<A, B, FA, FB>(
        self: &Arc<Self>,
        (name_a, a): (&'static str, FA),
        (name_b, b): (&'static str, FB),
    ) -> (A, B)
    where
        FA: FnOnce(&Actor<'_, P, S>) -> A + Send + 'static,
        FB: FnOnce(&Actor<'_, P, S>) -> B + Send + 'static,
        A: Send + 'static,
        B: Send + 'static,
    {
        let thread_a = self.spawn(name_a, a);
        let thread_b = self.spawn(name_b, b);
        let a = thread_a.join();
        (a, thread_b.join())
    }

    /// Applies a completed operation to the ghost's view and describes the
    /// head's state after it: what it holds, and the counters that encode.
    pub(crate) fn ghost_after(&self, pfn: usize, plain: i64, pins: i64) -> String {
        // Every engine access (a splittable page's head and order are
        // atomics) comes before the lock: an engine may switch threads at
        // any access, and a thread must not be switched out holding a real
        // lock.
        let head = self.page(pfn).compound_head();
        let shape = PageShape::of(head);
        let mut ghost = self.ghost.lock().unwrap_or_else(|p| p.into_inner());
        let held = ghost.entry(head.pfn()).or_default();
        held.plain += plain;
        held.pins += pins;
        let counts = self.scheme.counts_for(shape, *held);
        format!(
            "ghost: page {} plain {} pins {} (refcount {}{})",
            head.pfn(),
            held.plain,
            held.pins,
            counts.refcount,
            if counts.pincount != 0 {
                format!(", pincount {}", counts.pincount)
            } else {
                String::new()
            }
        )
    }

    /// The main thread as an actor (for setup and quiescent checks).
    pub fn main_actor(&self) -> Actor<'_, P, S> {
        Actor::new(self, "main")
    }

    /// The head's counters, read at a quiescent point (no event: reads).
    fn counts(&self, head: usize) -> Counts {
        let page = self.page(head);
        Counts {
            refcount: page_ref_count(page),
            pincount: pincount_read(page),
        }
    }

    /// The quiescent-point checks, after every thread has been joined: each
    /// head's counters encode exactly `held` (P5), it was freed exactly when
    /// `held` is empty (P4), and acquired - released equals the live pins
    /// (P9).
    pub fn check_quiescent(&self, heads: &[(usize, Held)]) {
        let mut live_pins = 0;
        for &(head, held) in heads {
            let page = self.page(head);
            let ghost = GhostPage::new(PageShape::of(page), held);
            let expected = ghost.counts(&self.scheme);
            let freed = u32::from(held == Held::default());
            if let Some(message) = checks::p4_freed_exactly_once(head, page.times_freed(), freed) {
                self.fail(Property::P4, message);
            }
            if freed == 0 {
                let actual = self.counts(head);
                if let Some(message) = checks::p5_exact_recovery(head, actual, expected) {
                    self.fail(Property::P5, message);
                }
            }
            live_pins += held.pins;
        }
        let stat = self.mem.vmstat();
        if let Some(message) = checks::p9_stats_balance(stat.acquired(), stat.released(), live_pins)
        {
            self.fail(Property::P9, message);
        }
    }

    /// Records a finding and stops the execution.
    pub fn fail(&self, property: Property, message: String) -> ! {
        let finding = self.monitor.report(property, message, false);
        std::panic::panic_any(StopExecution(finding))
    }

    /// Records a violation the scheme's claims expect; the execution goes
    /// on (the engine reports it as `expected_violation`).
    pub fn expect_violation(&self, property: Property, message: String) {
        let already = self
            .monitor
            .findings()
            .iter()
            .any(|f| f.expected && f.violation.property == property);
        if !already {
            self.monitor.report(property, message, true);
        }
    }
}

fn describe_start(layout: &Layout, held: &[Held]) -> String {
    layout
        .heads()
        .iter()
        .zip(layout.orders())
        .zip(held)
        .map(|((head, order), held)| {
            format!(
                "page {head} (order {order}) plain {} pins {}",
                held.plain, held.pins
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}
