//! Which reads a step takes with it: the explorer's one reduction.
//!
//! A step is one scheduling action of one thread and the code after it up
//! to its next scheduling point. A **read** (an atomic load, a cell read)
//! of a variable that no thread writes while another thread is running
//! needs no scheduling point of its own: while two threads run, the
//! variable holds one value, so the read returns it wherever it is placed
//! among the other threads' actions, and moving it next to the thread's
//! previous action changes no other thread's view, no value and no verdict
//! (its events are judged on the value read and on the page's free, and a
//! free writes the page's contents). The explorer therefore performs such
//! a read within the step before it (it *merges* it), which removes the
//! states where the thread stands just before the read, and every
//! interleaving of them (Lipton's reduction, for an action that commutes
//! with every action of every other thread).
//!
//! Which variables qualify is not known before the search: the search
//! starts by allowing every variable ([`MergeRule::every`]), and every step
//! reports the variables it read merged while another thread ran and
//! those it wrote while another thread ran ([`MergeLog`]). A variable in
//! both makes the search invalid: it starts again with the variable barred
//! ([`MergeRule::without`]). The rule does not change within a search, so
//! that a path it found is followed again under the same rule. This catches every mistake: take the
//! shortest execution (of the program without merging) whose last action
//! is the first write of a merged variable while another thread runs;
//! before that write the merged reads commute with everything, so they can
//! be moved next to their thread's previous action, which makes a prefix of
//! it an execution of the merging search, and the write is found there.
//!
//! A write never merges, nor does a thread's first action, a join or a
//! yield: those are the scheduling points that remain. Every execution
//! the merging search follows is a real execution of the program, so a
//! violation it finds is real; a pass rests on the argument above.

use std::collections::BTreeSet;
use std::sync::Arc;

/// Which variables a step may read without a scheduling point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeRule {
    merges: bool,
    barred: Arc<BTreeSet<u32>>,
}

impl MergeRule {
    /// Every variable until one is found written while two threads run.
    pub fn every() -> Self {
        MergeRule {
            merges: true,
            barred: Arc::default(),
        }
    }

    /// No merging at all: one scheduling point before every access (the
    /// reference a merging search is checked against, and how a replay
    /// file's path, one entry per action, is followed).
    pub fn none() -> Self {
        MergeRule {
            merges: false,
            barred: Arc::default(),
        }
    }

    /// The same rule with `vars` barred too.
    pub fn without(&self, vars: impl IntoIterator<Item = u32>) -> Self {
        let mut barred = BTreeSet::clone(&self.barred);
        barred.extend(vars);
        MergeRule {
            merges: self.merges,
            barred: Arc::new(barred),
        }
    }

    /// Whether a read of `var` may be merged.
    pub fn allows(&self, var: u32) -> bool {
        self.merges && !self.barred.contains(&var)
    }

    /// The variables barred, in order.
    pub fn barred(&self) -> impl Iterator<Item = u32> + '_ {
        self.barred.iter().copied()
    }
}

impl Default for MergeRule {
    /// [`MergeRule::every`].
    fn default() -> Self {
        MergeRule::every()
    }
}

/// What one step reports for [`MergeRule`]'s check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeLog {
    /// The variables the step read merged.
    pub merged: Vec<u32>,
    /// The variables the step wrote while another thread had not returned.
    pub written_concurrently: Vec<u32>,
}

impl MergeLog {
    pub(super) fn note(list: &mut Vec<u32>, var: u32) {
        if !list.contains(&var) {
            list.push(var);
        }
    }
}
