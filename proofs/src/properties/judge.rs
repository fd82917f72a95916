//! The per-access judgement the [`super::monitor`] makes: what it knows of
//! each page frame beyond what one event says (which pages are heads, which
//! counts are frozen, how often each page was freed, each thread's last
//! count), and the property each access breaks, if any.
//!
//! Every access the model reports is judged here, writes and reads alike:
//! the counts (by any helper, `set_page_count` included), the flags and the
//! page lock, the statistics, the contents, the page table. The starting
//! state comes from [`Observer::attached`](pinref_model::Observer), after
//! the set-up, so that no set-up write is ever mistaken for an access.

use crate::properties::Property;
use pinref_model::page::PAGE_CONTENTS_POISON;
use pinref_model::{Event, EventKind, PageState};
use std::collections::BTreeMap;

/// What the judge needs to know of the scheme under check.
#[derive(Debug, Clone, Copy)]
pub struct MonitorConfig {
    /// The refcount at which a page is freed (0; devmap 1).
    pub freed_at: i32,
    /// Whether the scheme claims to refuse a grab before it crosses the sign
    /// bit (P6 in full).
    pub refuses_before_overflow: bool,
}

/// What the judge knows of one page frame, beyond what each event says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Watched {
    /// Its compound head, as the layout or the last split set it: a count
    /// moving on a page whose head is another page has missed the head.
    pub head: usize,
    /// Its count is frozen at 0 and only `page_ref_unfreeze` may give it
    /// one back: a tail (never counted), a tail a split has just turned
    /// into a head, or a page frozen by `page_ref_freeze`.
    pub frozen: bool,
    /// How many times it was freed.
    pub freed: u32,
    /// A grab carried its count all the way round 2^32 (from negative
    /// back to zero or above): the count no longer holds its references,
    /// so what it breaks after that is the overflow's doing.
    pub wrapped_around: bool,
}

impl Watched {
    /// A frame nobody described: its own head, not frozen, never freed.
    fn unseen(pfn: usize) -> Watched {
        Watched {
            head: pfn,
            frozen: false,
            freed: 0,
            wrapped_around: false,
        }
    }
}

/// A property an access broke: which, why, and whether the scheme's claims
/// expect it.
pub(crate) struct Broken {
    pub property: Property,
    pub message: String,
    pub expected: bool,
}

fn broken(property: Property, message: String) -> Option<Broken> {
    Some(Broken {
        property,
        message,
        expected: false,
    })
}

/// The judge's state: everything a later verdict can depend on.
pub(crate) struct Judge {
    pub config: MonitorConfig,
    /// By pfn.
    pub pages: BTreeMap<usize, Watched>,
    /// `(thread, pfn)`: the refcount the thread's last update left.
    pub last_refcount: BTreeMap<(usize, usize), i32>,
}

impl Judge {
    pub fn new(config: MonitorConfig) -> Self {
        Judge {
            config,
            pages: BTreeMap::new(),
            last_refcount: BTreeMap::new(),
        }
    }

    /// Where the watch starts: each frame's state after the set-up.
    pub fn attached(&mut self, pages: &[PageState]) {
        for page in pages {
            self.pages.insert(
                page.pfn,
                Watched {
                    head: page.head,
                    frozen: page.is_tail(),
                    freed: u32::try_from(page.times_freed).unwrap_or(0),
                    wrapped_around: false,
                },
            );
        }
    }

    fn page(&mut self, pfn: usize) -> &mut Watched {
        self.pages
            .entry(pfn)
            .or_insert_with(|| Watched::unseen(pfn))
    }

    /// Judges one access: the property it breaks, if any. On a page whose
    /// count has wrapped all the way round 2^32, every later violation is
    /// the overflow's consequence: expected, unless the scheme claims to
    /// refuse before the overflow (P6), whose violation came first.
    pub fn judge(&mut self, event: &Event) -> Option<Broken> {
        let mut broken = self.judge_access(event)?;
        let head = self.page(event.pfn).head;
        let wrapped = self.page(event.pfn).wrapped_around || self.page(head).wrapped_around;
        if wrapped && !broken.expected && !self.config.refuses_before_overflow {
            broken.expected = true;
            broken.message.push_str(
                " (after its count wrapped all the way round 2^32, where it no longer holds \
                 the references)",
            );
        }
        Some(broken)
    }

    /// [`Judge::judge`] before the wrap-around rule.
    fn judge_access(&mut self, event: &Event) -> Option<Broken> {
        let pfn = event.pfn;
        match &event.kind {
            // Reading a count is allowed on any page, freed or not: struct
            // page stays valid, and a speculative grab must read a freed
            // page's count to refuse it.
            EventKind::Read { .. } => None,
            // The model's page table holds no reference of its own (a
            // mapping's reference is counted in what a page holds), so no
            // entry, read or cleared, breaks a property by itself; the
            // grab and release around it are judged.
            EventKind::PteRead { .. } | EventKind::PteCleared { .. } => None,
            EventKind::Refcount { helper, old, new } => {
                self.refcount(event.thread, pfn, helper, *old, *new)
            }
            EventKind::Pincount { helper, old, new } => self.pincount(pfn, helper, *old, *new),
            EventKind::Freed { by } => self.freed(event.thread, pfn, by),
            EventKind::CompoundHead { head, .. } => {
                let page = self.page(pfn);
                if page.freed > 0 {
                    return touched_after_free(pfn, &event.kind);
                }
                // A tail turned into a head keeps its frozen count until
                // the split unfreezes it.
                page.head = *head;
                None
            }
            EventKind::ContentsRead { value } => {
                if self.page(pfn).freed > 0 || *value == PAGE_CONTENTS_POISON {
                    return broken(
                        Property::P4,
                        format!("page {pfn}'s contents read after the free"),
                    );
                }
                None
            }
            // A flag set or tested, the lock taken or released, a
            // statistic attributed to the page: each reads or writes the
            // page, which must not happen after its free.
            EventKind::FlagSet { .. }
            | EventKind::FlagRead { .. }
            | EventKind::Lock { .. }
            | EventKind::Stat { .. } => {
                if self.page(pfn).freed > 0 {
                    return touched_after_free(pfn, &event.kind);
                }
                None
            }
        }
    }

    fn freed(&mut self, thread: usize, pfn: usize, by: &str) -> Option<Broken> {
        let last = self.last_refcount.get(&(thread, pfn)).copied();
        let page = self.page(pfn);
        page.freed += 1;
        if page.freed > 1 {
            return broken(
                Property::P4,
                format!("page {pfn} freed a second time ({by})"),
            );
        }
        if last != Some(self.config.freed_at) {
            return broken(
                Property::P4,
                format!(
                    "page {pfn} freed by {by} although this thread's last update left its count \
                     at {last:?}, not {}",
                    self.config.freed_at
                ),
            );
        }
        None
    }

    /// A write of `_refcount`, by any helper: a grab, a release, a freeze
    /// or unfreeze, or an outright `set_page_count`.
    fn refcount(
        &mut self,
        thread: usize,
        pfn: usize,
        helper: &str,
        old: i32,
        new: i32,
    ) -> Option<Broken> {
        let freed_at = self.config.freed_at;
        let delta = new.wrapping_sub(old);
        let page = *self.page(pfn);
        if page.head != pfn {
            return on_tail(pfn, page.head, "count", helper, old, new);
        }
        // The split's (or a migration's) unfreeze gives a frozen count its
        // value back: not a grab.
        if helper == "page_ref_unfreeze" && page.frozen && old == 0 {
            self.page(pfn).frozen = false;
            self.last_refcount.insert((thread, pfn), new);
            return None;
        }
        if page.freed > 0 {
            // A grab that brings a freed page's count up from its free
            // value revives it: P10 (speculation), before the general P4.
            if delta > 0 && old == freed_at {
                return broken(
                    Property::P10,
                    format!("{helper} revived freed page {pfn}: {old} -> {new}"),
                );
            }
            return broken(
                Property::P4,
                format!("page {pfn} touched after it was freed: {helper} refcount {old} -> {new}"),
            );
        }
        self.last_refcount.insert((thread, pfn), new);
        if helper == "page_ref_freeze" {
            // Frozen at 0 by a compare-and-exchange from an exact count:
            // not a release; nothing may grab it until it is unfrozen.
            self.page(pfn).frozen = true;
            return None;
        }
        if page.frozen && delta > 0 {
            return broken(
                Property::P10,
                format!("{helper} took page {pfn}'s frozen count from {old} to {new}"),
            );
        }
        if delta < 0 && (old.wrapping_sub(freed_at) as u32) < delta.unsigned_abs() {
            return broken(
                Property::P3,
                format!(
                    "{helper} took page {pfn}'s count from {old} to {new}: below its free value"
                ),
            );
        }
        if delta > 0 && old == freed_at {
            return broken(
                Property::P10,
                format!("{helper} revived page {pfn}: {old} -> {new} from its free value"),
            );
        }
        if delta > 0 && old < 0 && new >= 0 {
            self.page(pfn).wrapped_around = true;
            return Some(Broken {
                property: Property::P6,
                message: format!(
                    "{helper} carried page {pfn}'s count all the way round 2^32: {old} -> {new}"
                ),
                expected: !self.config.refuses_before_overflow,
            });
        }
        if delta > 0 && old > 0 && new <= 0 {
            return Some(Broken {
                property: Property::P6,
                message: format!(
                    "{helper} carried page {pfn}'s count past the sign bit: {old} -> {new}"
                ),
                expected: !self.config.refuses_before_overflow,
            });
        }
        None
    }

    /// A write of the exact pin count, by any helper.
    fn pincount(&mut self, pfn: usize, helper: &str, old: i32, new: i32) -> Option<Broken> {
        let page = *self.page(pfn);
        if page.head != pfn {
            return on_tail(pfn, page.head, "pin count", helper, old, new);
        }
        if page.freed > 0 {
            return broken(
                Property::P4,
                format!("page {pfn} touched after it was freed: {helper} pincount {old} -> {new}"),
            );
        }
        if new < 0 && old >= 0 {
            return broken(
                Property::P3,
                format!("{helper} took page {pfn}'s pin count from {old} to {new}"),
            );
        }
        None
    }
}

/// A count of a tail page moved. Every operation acts on the head
/// (`compound_head`), and a tail's counts are never read, so what moved
/// there is counted nowhere: a reference taken on the tail is missing from
/// the head's count, which no longer encodes what the page holds (P5); a
/// release from the tail did not act on the head (P7, matched release).
/// Neither is a revival: a tail was never freed.
fn on_tail(
    pfn: usize,
    head: usize,
    what: &str,
    helper: &str,
    old: i32,
    new: i32,
) -> Option<Broken> {
    match new.wrapping_sub(old) {
        0 => None,
        delta if delta > 0 => broken(
            Property::P5,
            format!(
                "{helper} took a reference on tail page {pfn} ({what} {old} -> {new}): the \
                 head, page {head}, does not count it"
            ),
        ),
        _ => broken(
            Property::P7,
            format!(
                "{helper} released from tail page {pfn} ({what} {old} -> {new}) instead of \
                 its head, page {head}"
            ),
        ),
    }
}

fn touched_after_free(pfn: usize, kind: &EventKind) -> Option<Broken> {
    broken(
        Property::P4,
        format!(
            "page {pfn} touched after it was freed: {}",
            super::monitor::describe(kind)
        ),
    )
}
