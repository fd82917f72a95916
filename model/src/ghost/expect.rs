//! What the spec allows of each [`Op`]: [`Ghost::expect`] answers with
//! every way the operation may turn out ([`Allowed`]: success, or a
//! refusal with the errors it may carry, and what each does to the ghost),
//! whether a correct caller may issue it at all, and which property a run
//! that contradicts the answer breaks.
//!
//! Single grabs and releases are judged by [`GhostPage::expect_grab`] and
//! [`GhostPage::expect_release`]; batches are walked page by page in the
//! order the kernel's generic code ([`crate::gup`]) walks them:
//!
//! - `pin_user_pages` takes one grab of `refs` per run of subpages of one
//!   compound page (as the hugetlb and folio slow paths do); where a grab
//!   fails it stops and returns the pages pinned before it, an error only
//!   if that is none (`__get_user_pages`: "return i ? i : ret");
//! - `pin_user_pages_fast` takes one grab per address (gup_fast); where one
//!   fails, the slow path takes over at that address as `pin_user_pages`
//!   does, and the call returns what both pinned, an error only if that is
//!   none (`internal_get_user_pages_fast`, later `gup_fast_fallback`);
//! - a grab that may go either way (a count on the edge of a guard) is
//!   followed both ways, so a batch may have several allowed ends: each
//!   pinned a different number of pages, which is how a run is matched to
//!   one (see the sequential judge);
//! - `unpin_user_pages*` unpin each entry in order; a refused entry does
//!   not stop the others, and the first refusal is returned; the dirtying
//!   unpin marks each head dirty before its unpin.

use super::answer::{Allowed, Change, Effect, Expectation};
use super::fault::{Expected, Fault, Reason, Refusal, kind_name};
use super::{Expect, Ghost, GhostPage};
use crate::error::GupError;
use crate::flags::{GupFlags, RefKind};
use crate::op::Op;
use crate::property::Property;
use crate::scheme::{Held, PageShape, Scheme, check_refs};

impl Ghost {
    /// What the spec allows of `op` on `scheme` from this state: see the
    /// module docs.
    pub fn expect<S: Scheme + ?Sized>(&self, scheme: &S, op: &Op) -> Expectation {
        Spec {
            ghost: self,
            scheme,
        }
        .expect(op)
    }
}

/// How a grab finds its page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum GrabMode {
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

/// What the spec says of one grab or release, with the fault of each
/// outcome it rules out.
pub(super) enum Judgement {
    Succeed {
        if_refused: Fault,
    },
    Refuse {
        if_accepted: Fault,
    },
    Either {
        if_accepted: Fault,
        if_refused: Fault,
    },
}

/// A [`Judgement`], and whether the call is a caller's bug.
pub(super) struct Judged {
    pub(super) judgement: Judgement,
    pub(super) caller_bug: Option<Fault>,
}

/// The ghost and the scheme it judges.
pub(super) struct Spec<'g, S: ?Sized> {
    pub(super) ghost: &'g Ghost,
    pub(super) scheme: &'g S,
}

/// Refused with `refusal`, nothing changed, or `property` breaks.
pub(super) fn refused(refusal: Refusal, property: Property, reason: Reason) -> Expectation {
    Expectation {
        allowed: vec![Allowed::refusal(refusal, Fault::new(property, reason))],
        caller_bug: None,
        refusal_property: property,
    }
}

pub(super) fn no_such_page(pfn: usize) -> Expectation {
    refused(
        Refusal::Exactly(GupError::NoSuchPage { pfn }),
        Property::P5,
        Reason::NoSuchPage { pfn },
    )
}

impl<S: Scheme + ?Sized> Spec<'_, S> {
    /// The ghost page of `head`. Every head has one (the ghost of a start
    /// holds them all); a default stands in for the impossible miss.
    pub(super) fn page(&self, head: usize) -> GhostPage {
        self.ghost
            .pages
            .get(&head)
            .copied()
            .unwrap_or_else(|| GhostPage::new(PageShape { order: 0 }, Held::default()))
    }

    fn expect(&self, op: &Op) -> Expectation {
        let head_of = |pfn: usize| self.ghost.head_of(pfn);
        let kind_of = |bits: u32| GupFlags::from_bits(bits).ref_kind();
        match *op {
            Op::GetPage { page } => match head_of(page) {
                Some(head) => self.grab(head, RefKind::Get, 1, GrabMode::GetPage),
                None => no_such_page(page),
            },
            Op::TryGetPage { page } => match head_of(page) {
                Some(head) => self.grab(head, RefKind::Get, 1, GrabMode::Locked),
                None => no_such_page(page),
            },
            Op::TryGrabPage { page, flags } => match (head_of(page), kind_of(flags)) {
                (None, _) => no_such_page(page),
                (Some(head), Ok(kind)) => self.grab(head, kind, 1, GrabMode::Locked),
                (Some(_), Err(error)) => refused(
                    Refusal::Exactly(error),
                    Property::P7,
                    Reason::NoSingleKind { flags },
                ),
            },
            Op::TryGrabFolio { page, refs, flags } => {
                let Some(head) = head_of(page) else {
                    return no_such_page(page);
                };
                match (kind_of(flags), check_refs(refs)) {
                    (Ok(kind), Ok(())) => self.grab(head, kind, i64::from(refs), GrabMode::Locked),
                    (Err(error), Ok(())) => refused(
                        Refusal::Exactly(error),
                        Property::P7,
                        Reason::NoSingleKind { flags },
                    ),
                    (Ok(_), Err(error)) => refused(
                        Refusal::Exactly(error),
                        Property::P6,
                        Reason::RefsOutOfRange { refs },
                    ),
                    (Err(kind_error), Err(refs_error)) => refused(
                        Refusal::EitherOf(kind_error, refs_error),
                        Property::P7,
                        Reason::BadFlagsAndRefs { refs },
                    ),
                }
            }
            Op::GupFastPte { addr, flags } => {
                let not_mapped = GupError::NotMapped { addr };
                match (head_of(addr), kind_of(flags)) {
                    (Some(head), Ok(kind)) => self.grab(head, kind, 1, GrabMode::Speculative),
                    (Some(_), Err(error)) => refused(
                        Refusal::Exactly(error),
                        Property::P7,
                        Reason::NoSingleKind { flags },
                    ),
                    (None, Ok(_)) => refused(
                        Refusal::Exactly(not_mapped),
                        Property::P10,
                        Reason::NotMapped { addr },
                    ),
                    (None, Err(error)) => refused(
                        Refusal::EitherOf(not_mapped, error),
                        Property::P10,
                        Reason::NotMappedBadFlags { addr },
                    ),
                }
            }
            Op::PinUserPages { start, nr, flags } => {
                self.pin_batch(start, nr, flags, GrabMode::Locked)
            }
            Op::PinUserPagesFast { start, nr, flags } => {
                self.pin_batch(start, nr, flags, GrabMode::Speculative)
            }
            Op::PutPage { page } => match head_of(page) {
                Some(head) => self.release(head, RefKind::Get),
                None => no_such_page(page),
            },
            Op::UnpinUserPage { page } => match head_of(page) {
                Some(head) => self.release(head, RefKind::Pin),
                None => no_such_page(page),
            },
            Op::UnpinUserPages { ref pages } => self.unpin_batch(pages, false),
            Op::UnpinUserPagesDirtyLock {
                ref pages,
                make_dirty,
            } => self.unpin_batch(pages, make_dirty),
            Op::PageDmaPinned { page } => match head_of(page) {
                Some(_) => Expectation {
                    allowed: vec![Allowed {
                        result: Ok(()),
                        effect: Effect::default(),
                        pure_refusal: false,
                        expected: Vec::new(),
                        dirty_may_change: Vec::new(),
                        if_contradicted: Fault::new(Property::P5, Reason::ReadFailed),
                    }],
                    caller_bug: None,
                    refusal_property: Property::P5,
                },
                None => no_such_page(page),
            },
        }
    }

    /// What the spec allows of one grab of `refs` of `kind` on `page`:
    /// [`GhostPage::expect_grab`], except that `get_page` on a page that
    /// holds nothing is a caller bug, and on a count already past the sign
    /// bit may go either way (its guard only covers `[-127, 0]`).
    pub(super) fn judge_grab(
        &self,
        page: &GhostPage,
        kind: RefKind,
        refs: i64,
        mode: GrabMode,
    ) -> Judged {
        let scheme = self.scheme;
        if mode == GrabMode::GetPage && page.held == Held::default() {
            return Judged {
                judgement: Judgement::Refuse {
                    if_accepted: Fault::new(Property::P4, Reason::GetPageOnNothingAccepted),
                },
                caller_bug: Some(Fault::new(Property::P4, Reason::GetPageOnNothing)),
            };
        }
        let mut expect = page.expect_grab(scheme, kind, refs);
        if mode == GrabMode::GetPage && expect == Expect::Refuse && page.wrapped(scheme) {
            expect = Expect::Either;
        }
        // Why accepting it would be wrong, should the spec refuse it.
        let if_accepted = || {
            let count = page.refcount(scheme);
            if page.is_free(scheme) {
                let speculative = mode == GrabMode::Speculative;
                let property = if speculative {
                    Property::P10
                } else {
                    Property::P4
                };
                Fault::new(property, Reason::Revived { speculative })
            } else if count <= scheme.freed_at().max(0) {
                Fault::new(Property::P6, Reason::GrabOnWrapped { count })
            } else {
                Fault::new(Property::P6, Reason::GrabPastSignBit { refs, kind, count })
            }
        };
        let if_refused = Fault::new(Property::P6, Reason::GrabRefused);
        let judgement = match expect {
            Expect::Succeed => Judgement::Succeed { if_refused },
            Expect::Refuse => Judgement::Refuse {
                if_accepted: if_accepted(),
            },
            Expect::Either => Judgement::Either {
                if_accepted: if_accepted(),
                if_refused,
            },
        };
        Judged {
            judgement,
            caller_bug: None,
        }
    }

    /// What the spec allows of one release of 1 of `kind` on `page`.
    pub(super) fn judge_release(&self, page: &GhostPage, kind: RefKind) -> Judged {
        let held = page.held;
        // A release of what is not held is never a refusal the spec asks
        // for (no production kernel refuses one; see
        // `GhostPage::expect_release`): it is a caller's bug, which a check
        // does not issue, and which is reported if it runs. A scheme of
        // its own may still refuse it.
        match page.expect_release(self.scheme, kind, 1) {
            Some(_) => Judged {
                judgement: Judgement::Succeed {
                    if_refused: Fault::new(Property::P7, Reason::MatchedReleaseRefused { held }),
                },
                caller_bug: None,
            },
            None => Judged {
                judgement: Judgement::Refuse {
                    if_accepted: Fault::new(
                        Property::P7,
                        Reason::MismatchedReleaseAbsorbed { kind, held },
                    ),
                },
                caller_bug: Some(Fault::new(
                    Property::P7,
                    Reason::MismatchedRelease { kind, held },
                )),
            },
        }
    }

    /// A successful grab of `refs` of `kind` on `page` (head `head`):
    /// the change, and the expected P6 if it carried the count past the
    /// sign bit (for a scheme that does not claim to refuse it).
    pub(super) fn grab_change(
        &self,
        page: &mut GhostPage,
        head: usize,
        kind: RefKind,
        refs: i64,
    ) -> (Change, Option<Expected>) {
        let wrapped_before = page.wrapped(self.scheme);
        page.grab(kind, refs);
        let expected = (!wrapped_before && page.wrapped(self.scheme)).then(|| Expected {
            property: Property::P6,
            message: format!(
                "a grab of {refs} {} carried head {head}'s refcount past the sign bit (now {})",
                kind_name(kind),
                page.refcount(self.scheme)
            ),
        });
        (Change::Grab { head, kind, refs }, expected)
    }

    /// A single grab on `head`.
    fn grab(&self, head: usize, kind: RefKind, refs: i64, mode: GrabMode) -> Expectation {
        let page = self.page(head);
        let judged = self.judge_grab(&page, kind, refs, mode);
        let refusal =
            |if_accepted| Allowed::refusal(Refusal::GrabRefused { pfn: head }, if_accepted);
        let success = |if_refused| {
            let mut after = page;
            let (change, expected) = self.grab_change(&mut after, head, kind, refs);
            Allowed {
                result: Ok(()),
                effect: Effect {
                    changes: vec![change],
                },
                pure_refusal: false,
                expected: expected.into_iter().collect(),
                dirty_may_change: Vec::new(),
                if_contradicted: if_refused,
            }
        };
        let allowed = match judged.judgement {
            Judgement::Succeed { if_refused } => vec![success(if_refused)],
            Judgement::Refuse { if_accepted } => vec![refusal(if_accepted)],
            Judgement::Either {
                if_accepted,
                if_refused,
            } => vec![success(if_refused), refusal(if_accepted)],
        };
        Expectation {
            allowed,
            caller_bug: judged.caller_bug,
            refusal_property: if mode == GrabMode::Speculative {
                Property::P10
            } else {
                Property::P6
            },
        }
    }

    /// A single release (`put_page`, `unpin_user_page`) on `head`.
    fn release(&self, head: usize, kind: RefKind) -> Expectation {
        let page = self.page(head);
        let judged = self.judge_release(&page, kind);
        let allowed = match judged.judgement {
            Judgement::Succeed { if_refused } => Allowed {
                result: Ok(()),
                effect: Effect {
                    changes: vec![Change::Release {
                        head,
                        kind,
                        refs: 1,
                    }],
                },
                pure_refusal: false,
                expected: Vec::new(),
                dirty_may_change: Vec::new(),
                if_contradicted: if_refused,
            },
            Judgement::Refuse { if_accepted } | Judgement::Either { if_accepted, .. } => {
                Allowed::refusal(Refusal::ReleaseRefused { kind, pfn: head }, if_accepted)
            }
        };
        Expectation {
            allowed: vec![allowed],
            caller_bug: judged.caller_bug,
            refusal_property: Property::P7,
        }
    }
}
