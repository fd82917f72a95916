//! The batches, walked page by page in the order the kernel's generic
//! code ([`crate::gup`]) walks them: `pin_user_pages*` and
//! `unpin_user_pages*` (see [`super::expect`]).

use super::answer::{Allowed, Change, Effect, Expectation};
use super::expect::{GrabMode, Judgement, Spec, no_such_page, refused};
use super::fault::{Expected, Fault, Reason, Refusal};
use super::{Ghost, GhostPage};
use crate::error::GupError;
use crate::flags::{GupFlags, RefKind};
use crate::op::walk_len;
use crate::property::Property;
use crate::scheme::{Held, PageShape, Scheme};

/// The pages a batch has changed so far, over the ghost it started from.
#[derive(Clone)]
struct Overlay<'g> {
    ghost: &'g Ghost,
    touched: Vec<(usize, GhostPage)>,
}

impl<'g> Overlay<'g> {
    fn new(ghost: &'g Ghost) -> Self {
        Overlay {
            ghost,
            touched: Vec::new(),
        }
    }

    fn find(&self, head: usize) -> Option<GhostPage> {
        self.touched
            .iter()
            .find(|(pfn, _)| *pfn == head)
            .map(|(_, page)| *page)
            .or_else(|| self.ghost.pages.get(&head).copied())
    }

    /// Every head has a page (the ghost of a start holds them all); a
    /// default stands in for the impossible miss.
    fn get(&self, head: usize) -> GhostPage {
        self.find(head)
            .unwrap_or_else(|| GhostPage::new(PageShape { order: 0 }, Held::default()))
    }

    fn set(&mut self, head: usize, page: GhostPage) {
        match self.touched.iter_mut().find(|(pfn, _)| *pfn == head) {
            Some(entry) => entry.1 = page,
            None => self.touched.push((head, page)),
        }
    }
}

/// Where a batch's walk has got to: the pages pinned so far (as changes
/// over the ghost) and the address it is at.
#[derive(Clone)]
struct Progress<'g> {
    /// Addresses walked (and pinned) from the start of the range.
    offset: usize,
    pages: Overlay<'g>,
    changes: Vec<Change>,
    expected: Vec<Expected>,
}

/// What the walk has found so far: every way the batch may end.
struct Ends {
    allowed: Vec<Allowed>,
    caller_bug: Option<Fault>,
}

impl Ends {
    /// The batch stops at `at` on a page refused with `refusal` (`why`: if
    /// the run took it anyway). It returns what it pinned, as the kernel's
    /// `pin_user_pages*` do ("return i ? i : ret"), and fails only if that
    /// is nothing.
    fn stop(&mut self, at: Progress<'_>, refusal: Refusal, why: Fault) {
        if at.offset == 0 {
            self.allowed.push(Allowed::refusal(refusal, why));
            return;
        }
        let pinned = at.offset;
        self.allowed.push(at.returned(Fault::new(
            Property::P5,
            Reason::PartialBatchRefused { pinned },
        )));
    }
}

impl Progress<'_> {
    /// The batch returns the pages walked so far (`why`: if it fails
    /// instead).
    fn returned(self, why: Fault) -> Allowed {
        Allowed {
            result: Ok(()),
            effect: Effect {
                changes: self.changes,
            },
            pure_refusal: false,
            expected: self.expected,
            dirty_may_change: Vec::new(),
            if_contradicted: why,
        }
    }
}

impl<S: Scheme + ?Sized> Spec<'_, S> {
    /// `pin_user_pages` (`Locked`) or `pin_user_pages_fast`
    /// (`Speculative`): see the module docs.
    pub(super) fn pin_batch(
        &self,
        start: usize,
        nr: usize,
        bits: u32,
        mode: GrabMode,
    ) -> Expectation {
        if GupFlags::from_bits(bits).contains(GupFlags::FOLL_GET) {
            return refused(
                Refusal::Exactly(GupError::FollGetAndPin),
                Property::P7,
                Reason::FollGetInPin,
            );
        }
        let refusal_property = if mode == GrabMode::Speculative {
            Property::P10
        } else {
            Property::P6
        };
        let len = walk_len(start, nr, self.ghost.frames());
        let mut ends = Ends {
            allowed: Vec::new(),
            caller_bug: None,
        };
        let at = Progress {
            offset: 0,
            pages: Overlay::new(self.ghost),
            changes: Vec::new(),
            expected: Vec::new(),
        };
        self.walk_batch(start, len, mode, at, &mut ends);
        Expectation {
            allowed: ends.allowed,
            caller_bug: ends.caller_bug,
            refusal_property,
        }
    }

    /// Walks `start..start + len` from `at` in `mode`, adding to `ends`
    /// each way the batch may end. gup_fast (`Speculative`) grabs one
    /// address at a time; where it stops, the slow path (`Locked`) takes
    /// over at the same address and grabs each run of subpages of one
    /// head at once (`refs` = the run). Where a grab may go either way,
    /// both are followed.
    fn walk_batch<'g>(
        &'g self,
        start: usize,
        len: usize,
        mode: GrabMode,
        mut at: Progress<'g>,
        ends: &mut Ends,
    ) {
        let frames = self.ghost.frames();
        while at.offset < len {
            let Some(addr) = start.checked_add(at.offset) else {
                break;
            };
            let head = match self.ghost.head_of(addr) {
                Some(head) if addr < frames => head,
                // Nothing mapped: gup_fast stops, and so does the slow path.
                _ => {
                    let why = Fault::new(Property::P5, Reason::NotMapped { addr });
                    ends.stop(at, Refusal::Exactly(GupError::NotMapped { addr }), why);
                    return;
                }
            };
            let mut run = 1usize;
            if mode == GrabMode::Locked {
                while at.offset + run < len
                    && start
                        .checked_add(at.offset + run)
                        .and_then(|next| self.ghost.head_of(next))
                        == Some(head)
                {
                    run += 1;
                }
            }
            let refs = i64::try_from(run).unwrap_or(i64::MAX);
            let mut page = at.pages.get(head);
            let judged = self.judge_grab(&page, RefKind::Pin, refs, mode);
            ends.caller_bug = ends.caller_bug.or(judged.caller_bug);
            let refusal = Refusal::GrabRefused { pfn: head };
            // Where gup_fast stops, the slow path goes on from the same
            // address; where the slow path stops, the batch ends.
            let stop = |here: Progress<'g>, if_accepted: Fault, ends: &mut Ends| {
                if mode == GrabMode::Speculative {
                    self.walk_batch(start, len, GrabMode::Locked, here, ends);
                } else {
                    ends.stop(here, refusal, if_accepted);
                }
            };
            match judged.judgement {
                Judgement::Succeed { .. } => {}
                Judgement::Refuse { if_accepted } => return stop(at, if_accepted, ends),
                // Either way: the refusal is followed on a copy.
                Judgement::Either { if_accepted, .. } => stop(at.clone(), if_accepted, ends),
            }
            let (change, wrapped) = self.grab_change(&mut page, head, RefKind::Pin, refs);
            at.pages.set(head, page);
            at.changes.push(change);
            at.expected.extend(wrapped);
            at.offset += run;
        }
        ends.allowed
            .push(at.returned(Fault::new(Property::P6, Reason::RangeFailed)));
    }

    /// `unpin_user_pages` / `unpin_user_pages_dirty_lock`: see the module
    /// docs.
    pub(super) fn unpin_batch(&self, pfns: &[usize], make_dirty: bool) -> Expectation {
        let mut heads = Vec::with_capacity(pfns.len());
        for &pfn in pfns {
            match self.ghost.head_of(pfn) {
                Some(head) => heads.push(head),
                None => return no_such_page(pfn),
            }
        }
        let mut pages = Overlay::new(self.ghost);
        let mut changes = Vec::new();
        let mut first_refusal: Option<(Refusal, Fault)> = None;
        let mut caller_bug = None;
        let mut refused_dirty = Vec::new();
        for &head in &heads {
            let mut page = pages.get(head);
            let judged = self.judge_release(&page, RefKind::Pin);
            // The dirtying unpin of a page that holds nothing touches a
            // freed page before its release: that caller's bug is P4.
            let dirties_free_page = make_dirty
                && page.held == Held::default()
                && !matches!(judged.judgement, Judgement::Succeed { .. });
            caller_bug = caller_bug.or(if dirties_free_page {
                Some(Fault::new(Property::P4, Reason::DirtyUnpinOfFreePage))
            } else {
                judged.caller_bug
            });
            match judged.judgement {
                Judgement::Succeed { .. } => {
                    if make_dirty {
                        page.dirty = true;
                        changes.push(Change::MarkDirty { head });
                    }
                    page.release(RefKind::Pin, 1);
                    changes.push(Change::Release {
                        head,
                        kind: RefKind::Pin,
                        refs: 1,
                    });
                    pages.set(head, page);
                }
                Judgement::Refuse { if_accepted } | Judgement::Either { if_accepted, .. } => {
                    if make_dirty {
                        refused_dirty.push(head);
                    }
                    first_refusal.get_or_insert((
                        Refusal::ReleaseRefused {
                            kind: RefKind::Pin,
                            pfn: head,
                        },
                        if_accepted,
                    ));
                }
            }
        }
        let dirty_may_change = refused_dirty
            .into_iter()
            .filter(|&head| pages.find(head).is_some_and(|page| !page.dirty))
            .collect();
        let released = changes
            .iter()
            .any(|change| matches!(change, Change::Release { .. }));
        let (result, pure_refusal, if_contradicted) = match first_refusal {
            None => (Ok(()), false, Fault::new(Property::P7, Reason::UnpinFailed)),
            Some((refusal, why)) => (Err(refusal), !released && !make_dirty, why),
        };
        Expectation {
            allowed: vec![Allowed {
                result,
                effect: Effect { changes },
                pure_refusal,
                expected: Vec::new(),
                dirty_may_change,
                if_contradicted,
            }],
            caller_bug,
            refusal_property: Property::P7,
        }
    }
}
