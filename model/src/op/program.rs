//! A program: a starting state ([`Start`]: a layout, and what each page
//! already holds) and the [`Op`]s run from it.

use super::Op;
use crate::memory::Layout;
use crate::scheme::Held;
use std::fmt;

/// The largest plain or pin count a start may hold per page: far beyond
/// anything a 32-bit counter can encode (so every edge is reachable), and
/// small enough that the ghost's exact 64-bit arithmetic cannot overflow.
pub const MAX_START_HELD: i64 = 1 << 40;

/// The starting state of a program: a memory layout and, per (compound)
/// page in layout order, the references its head already holds.
///
/// A check encodes each [`Held`] with [`crate::Scheme::init_page`] and
/// sets the vmstat counters to the pins already held
/// (`nr_foll_pin_acquired` = those pins, `nr_foll_pin_released` = 0), so
/// that P9 holds from the start.
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

    /// Total pins held at the start (it fits an `i32`: [`Start::new`]
    /// checks it).
    pub fn pins(&self) -> i32 {
        let pins: i64 = self.held.iter().map(|h| h.pins).sum();
        i32::try_from(pins).unwrap_or(i32::MAX)
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
