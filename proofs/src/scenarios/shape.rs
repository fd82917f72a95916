//! [`Shape`]: the page shape a scenario runs on. The schemes treat pages
//! differently by compound order (the seed: every page biased; v5.7–v5.17:
//! an exact pin count from order 2; folios: from order 1), and a grab of a
//! compound page takes `refs` = its subpages in one go, so a scenario that
//! races grabs and releases runs on each shape as its own catalogue entry
//! (`pin_vs_unpin`, `pin_vs_unpin_order1`, `pin_vs_unpin_order2`).

use pinref_model::{Held, Layout, PageShape, Scheme, SchemeObject};

/// A page of compound order 0, 1 or 2 (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shape {
    /// `compound_order()` of the page.
    pub order: u32,
}

impl Shape {
    /// An order-0 page.
    pub const SMALL: Shape = Shape { order: 0 };
    /// Every shape a scenario runs on: order 0, 1 and 2.
    pub const ALL: [Shape; 3] = [Shape { order: 0 }, Shape { order: 1 }, Shape { order: 2 }];

    /// The layout of one page of this shape (head pfn 0).
    pub fn layout(self) -> Layout {
        Layout::new(&[self.order]).unwrap_or_else(|error| panic!("scenario bug: {error}"))
    }

    /// How many subpages (and user addresses) the page has: `refs` of a
    /// grab of all of it.
    pub fn subpages(self) -> usize {
        1 << self.order
    }

    /// The pfns of its subpages, head first.
    pub fn pfns(self) -> Vec<usize> {
        (0..self.subpages()).collect()
    }

    /// The last subpage (the head of an order-0 page).
    pub fn last(self) -> usize {
        self.subpages() - 1
    }

    /// What the page holds mapped (its entry's plain reference) and
    /// pinned once in full: one pin per subpage, as a grab of all of it
    /// (`refs` = its subpages) leaves it.
    pub fn mapped_and_pinned(self) -> Held {
        Held {
            plain: 1,
            pins: self.subpages() as i64,
        }
    }

    /// The entry's name for this shape, from the names of the three.
    pub fn name(self, names: [&'static str; 3]) -> &'static str {
        names[(self.order as usize).min(2)]
    }

    /// Whether `scheme` treats this shape differently from every smaller
    /// one, so that running it there shows something the smaller shapes do
    /// not: orders 0 and 1 always (a compound page is reached through its
    /// head and grabbed `refs` at a time), order 2 only where the scheme's
    /// encoding of a pin differs from order 1's (v5.7–v5.17's exact pin
    /// count from order 2; the seed biases both, folios count both
    /// exactly).
    pub fn distinct_for(self, scheme: &SchemeObject) -> bool {
        if self.order < 2 {
            return true;
        }
        let pin = Held { plain: 0, pins: 1 };
        let at = |order| scheme.counts_for(PageShape { order }, pin);
        at(self.order) != at(self.order - 1)
    }
}
