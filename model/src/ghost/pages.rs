//! The ghost's pages, by head pfn: one slot per frame from frame 0, holding
//! the [`GhostPage`] of each head and nothing for a tail or an uncovered
//! frame. A memory has a few dozen frames at most, so a lookup is an index
//! and `Ghost::head_of` a walk back over at most one compound page's
//! tails, where an ordered map paid a tree search for each (the sequential
//! checker asks several per operation and per frame, and a fuzz target's
//! coverage instrumentation pays for every comparison of that search).
//! It reads as the ordered map it replaces: heads in ascending pfn order.

use super::GhostPage;
use std::fmt;
use std::ops::Index;

/// See the module docs.
#[derive(Clone, Default, Eq)]
pub struct GhostPages {
    /// `slots[pfn]`: the page whose head is `pfn`, if one is. Never ends in
    /// an empty slot, so that equal maps have equal slots.
    slots: Vec<Option<GhostPage>>,
}

impl GhostPages {
    /// No pages.
    pub fn new() -> Self {
        GhostPages::default()
    }

    /// The page whose head is `pfn`.
    #[inline]
    pub fn get(&self, pfn: &usize) -> Option<&GhostPage> {
        self.slots.get(*pfn).and_then(Option::as_ref)
    }

    /// The page whose head is `pfn`, to change.
    #[inline]
    pub fn get_mut(&mut self, pfn: &usize) -> Option<&mut GhostPage> {
        self.slots.get_mut(*pfn).and_then(Option::as_mut)
    }

    /// Makes `pfn` a head holding `page`; the page it held before, if any.
    /// The slots grow to `pfn`: it is a frame of a memory's layout (a few
    /// dozen at most), as a [`crate::op::Start`] lays them out.
    pub fn insert(&mut self, pfn: usize, page: GhostPage) -> Option<GhostPage> {
        if self.slots.len() <= pfn {
            self.slots.resize(pfn + 1, None);
        }
        self.slots[pfn].replace(page)
    }

    /// Each head and its page, by ascending pfn.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (usize, &GhostPage)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(pfn, slot)| Some((pfn, slot.as_ref()?)))
    }

    /// Each head and its page, to change, by ascending pfn.
    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = (usize, &mut GhostPage)> {
        self.slots
            .iter_mut()
            .enumerate()
            .filter_map(|(pfn, slot)| Some((pfn, slot.as_mut()?)))
    }

    /// Each page, by ascending head pfn.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &GhostPage> {
        self.slots.iter().flatten()
    }

    /// The highest head and its page.
    pub fn last(&self) -> Option<(usize, &GhostPage)> {
        let page = self.slots.last()?.as_ref()?;
        Some((self.slots.len() - 1, page))
    }

    /// The head at or below `pfn` nearest to it, and its page (what the
    /// ordered map's `range(..=pfn).next_back()` answered).
    #[inline]
    pub fn at_or_below(&self, pfn: usize) -> Option<(usize, &GhostPage)> {
        let top = pfn.min(self.slots.len().checked_sub(1)?);
        self.slots[..=top]
            .iter()
            .rev()
            .enumerate()
            .find_map(|(back, slot)| Some((top - back, slot.as_ref()?)))
    }
}

impl PartialEq for GhostPages {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Index<&usize> for GhostPages {
    type Output = GhostPage;

    /// The page whose head is `pfn`; panics if `pfn` is not a head (as the
    /// ordered map's index did).
    fn index(&self, pfn: &usize) -> &GhostPage {
        self.get(pfn)
            .unwrap_or_else(|| panic!("pfn {pfn} is not a head of the ghost"))
    }
}

impl FromIterator<(usize, GhostPage)> for GhostPages {
    fn from_iter<I: IntoIterator<Item = (usize, GhostPage)>>(heads: I) -> Self {
        let mut pages = GhostPages::new();
        for (pfn, page) in heads {
            pages.insert(pfn, page);
        }
        pages
    }
}

impl fmt::Debug for GhostPages {
    /// As the ordered map printed it: `{pfn: page, ...}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}
