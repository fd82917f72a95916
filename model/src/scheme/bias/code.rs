//! The kernel functions of a bias scheme, each its steps in the order of
//! the kernel version the scheme's [`BiasRules`](super::BiasRules) name,
//! run over any [`BiasScheme`]'s steps; and the one implementation that
//! makes every `BiasScheme` a [`Scheme`] through them.

use super::{BiasScheme, Refs, SlowGrab, SpeculativeGrab, Unpin};
use crate::error::GupError;
use crate::flags::{GupFlags, RefKind};
use crate::page::PageRef;
use crate::page_ref::page_ref_inc;
use crate::scheme::operations::scheme_operations;
use crate::scheme::{Claims, Counts, Held, KnownBug, MmCode, PageShape, Patch, check_refs};
use crate::sync::Platform;

#[cfg(doc)]
use crate::scheme::Scheme;

/// `get_page()`: [`BiasScheme::get_page_guard`] on the head (none in a
/// production kernel), then `page_ref_inc`, relaxed: the caller already
/// holds a reference, so the page cannot be freed under it and the
/// increment has nothing to order (as `Arc::clone`).
pub fn get_page<S: BiasScheme + ?Sized, P: Platform>(
    scheme: &S,
    page: PageRef<'_, P>,
) -> Result<(), GupError> {
    let head = page.compound_head();
    scheme.get_page_guard(head)?;
    page_ref_inc(head);
    Ok(())
}

/// `try_get_page()`: [`try_grab_folio`] of one plain reference (v5.7's
/// `try_get_page` is `try_grab_page(page, FOLL_GET)`'s body: the same
/// guard, then the increment).
pub fn try_get_page<S: BiasScheme + ?Sized, P: Platform>(
    scheme: &S,
    page: PageRef<'_, P>,
) -> Result<(), GupError> {
    try_grab_folio(scheme, page, 1, GupFlags::FOLL_GET)
}

/// `put_page()`: [`put_compound_head`] of one plain reference.
pub fn put_page<S: BiasScheme + ?Sized, P: Platform>(
    scheme: &S,
    page: PageRef<'_, P>,
) -> Result<(), GupError> {
    put_compound_head(scheme, page, 1, GupFlags::FOLL_GET)
}

/// The checks every grab and release starts with: the kind `flags` asks for
/// ([`BiasScheme::ref_kind`]), `refs` in range, then the [`Refs`] on the
/// head of `page`.
fn refs_of<'m, S: BiasScheme + ?Sized, P: Platform>(
    scheme: &S,
    page: PageRef<'m, P>,
    refs: i32,
    flags: GupFlags,
) -> Result<Refs<'m, P>, GupError> {
    let kind = scheme.ref_kind(flags)?;
    check_refs(refs)?;
    Ok(S::RULES.refs(page, page.compound_head(), kind, refs))
}

/// `try_grab_page()` (the slow path; `try_grab_folio` with `refs`), as
/// [`BiasRules::slow_grab`](super::BiasRules::slow_grab) says:
///
/// - the seed: a pin is gup_fast's speculative grab
///   ([`BiasScheme::speculative_guard`], [`BiasScheme::speculative_add`]),
///   then the statistic; `FOLL_GET` is `try_get_page` (v5.7's order);
/// - v5.7: [`BiasScheme::grab_guard`], [`BiasScheme::grab_pincount`],
///   [`BiasScheme::grab_refcount`], [`BiasScheme::grab_stat`];
/// - v5.18 on: the guard, the refcount, the pin count, the statistic.
///
/// From v6.5 a pin of the zero page changes nothing
/// ([`BiasScheme::grab_skips_zero_page`]).
pub fn try_grab_folio<S: BiasScheme + ?Sized, P: Platform>(
    scheme: &S,
    page: PageRef<'_, P>,
    refs: i32,
    flags: GupFlags,
) -> Result<(), GupError> {
    let grab = refs_of(scheme, page, refs, flags)?;
    if scheme.grab_skips_zero_page(grab.kind, grab.head) {
        return Ok(());
    }
    match (S::RULES.slow_grab, grab.kind) {
        (SlowGrab::Speculative, RefKind::Pin) => {
            scheme.speculative_guard(&grab)?;
            scheme.speculative_add(&grab)?;
            scheme.grab_pincount(&grab);
        }
        (SlowGrab::Speculative | SlowGrab::PincountFirst, _) => {
            scheme.grab_guard(&grab)?;
            scheme.grab_pincount(&grab);
            scheme.grab_refcount(&grab);
        }
        (SlowGrab::RefcountFirst, _) => {
            scheme.grab_guard(&grab)?;
            scheme.grab_refcount(&grab);
            scheme.grab_pincount(&grab);
        }
    }
    scheme.grab_stat(&grab);
    Ok(())
}

/// gup_fast's speculative grab (`try_grab_compound_head`, v5.7–v5.17;
/// `try_grab_folio`, v5.18 on), as
/// [`BiasRules::speculative_grab`](super::BiasRules::speculative_grab) says.
/// Returns the head it grabbed.
///
/// - Decide first (the seed, v5.7–v5.13): the accounting is read off the
///   head looked up before the grab; [`BiasScheme::speculative_guard`],
///   [`BiasScheme::speculative_add`] of the whole delta,
///   [`BiasScheme::grab_pincount`], [`BiasScheme::grab_stat`]. No re-check:
///   a split between the look-up and the add puts the reference on a page
///   that is no longer the head (the 2021 race).
/// - Re-check, then decide (v5.14 on): the guard and the add of `refs`
///   plain references ([`super::BiasRules::plain_refs`]),
///   [`BiasScheme::recheck_head`] (on a change: fail, or from v5.18 retry
///   on the new head), then on the stable head [`BiasScheme::speculative_pin`]
///   (the exact pin count, or the rest of the bias),
///   [`BiasScheme::pin_barrier`] (v6.1) and the statistic.
///
/// From v6.5 a pin of the zero page changes nothing.
pub fn try_grab_compound_head<'m, S: BiasScheme + ?Sized, P: Platform>(
    scheme: &S,
    page: PageRef<'m, P>,
    refs: i32,
    flags: GupFlags,
) -> Result<PageRef<'m, P>, GupError> {
    let kind = scheme.ref_kind(flags)?;
    check_refs(refs)?;
    if scheme.grab_skips_zero_page(kind, page) {
        return Ok(page.compound_head());
    }
    let retry = match S::RULES.speculative_grab {
        SpeculativeGrab::DecideFirst => {
            let grab = S::RULES.refs(page, page.compound_head(), kind, refs);
            scheme.speculative_guard(&grab)?;
            scheme.speculative_add(&grab)?;
            scheme.grab_pincount(&grab);
            scheme.grab_stat(&grab);
            return Ok(grab.head);
        }
        SpeculativeGrab::RecheckThenDecide => false,
        SpeculativeGrab::RetryThenDecide => true,
    };
    let head = loop {
        let head = page.compound_head();
        let first = S::RULES.plain_refs(page, head, refs);
        scheme.speculative_guard(&first)?;
        scheme.speculative_add(&first)?;
        match scheme.recheck_head(&first) {
            Ok(()) => break head,
            Err(GupError::CompoundHeadChanged { .. }) if retry => continue,
            Err(error) => return Err(error),
        }
    };
    let grab = S::RULES.refs(page, head, kind, refs);
    scheme.speculative_pin(&grab);
    scheme.pin_barrier(&grab);
    scheme.grab_stat(&grab);
    Ok(head)
}

/// `put_compound_head()` (v5.7–v5.17) / `gup_put_folio()` (v5.18 on):
/// releases `refs` of the kind `flags` names from the head of `page`:
/// [`release`]. From v6.5 the unpin of the zero page returns first, before
/// the statistic ([`BiasScheme::release_skips_zero_page`]).
pub fn put_compound_head<S: BiasScheme + ?Sized, P: Platform>(
    scheme: &S,
    page: PageRef<'_, P>,
    refs: i32,
    flags: GupFlags,
) -> Result<(), GupError> {
    let kind = scheme.ref_kind(flags)?;
    check_refs(refs)?;
    let head = page.compound_head();
    if scheme.release_skips_zero_page(kind, head) {
        return Ok(());
    }
    release(scheme, head, kind, refs)
}

/// The release proper, on `head` (`refs` already checked): the statistic,
/// the exact pin count, the refcount drop with the free
/// ([`BiasScheme::release_stat`], [`BiasScheme::release_pincount`],
/// [`BiasScheme::release_refcount`]). Nothing checks that the references
/// are held (no production kernel does: see
/// [`BiasScheme::release_refcount`]). Nothing may touch the page after the
/// drop that may free it, so the drop comes last.
pub fn release<S: BiasScheme + ?Sized, P: Platform>(
    scheme: &S,
    head: PageRef<'_, P>,
    kind: RefKind,
    refs: i32,
) -> Result<(), GupError> {
    let release = S::RULES.refs(head, head, kind, refs);
    scheme.release_stat(&release);
    scheme.release_pincount(&release);
    scheme.release_refcount(&release);
    Ok(())
}

/// `unpin_user_page()`, as [`BiasRules::unpin`](super::BiasRules::unpin)
/// says:
///
/// - the seed's `put_user_page` and v5.7–v5.10: the exact pin count (from
///   order 2) or the bias, the refcount drop and the free, and only then the
///   statistic ([`BiasScheme::release_pincount`],
///   [`BiasScheme::release_refcount`], [`BiasScheme::release_stat`]): the
///   statistic reads `page_pgdat(page)` of a page the drop may have freed;
/// - v5.11 on: `put_compound_head(page, 1, FOLL_PIN)` ([`put_compound_head`]).
///
/// A devmap page takes v5.7's `__unpin_devmap_managed_user_page` branch,
/// which counts before it hands the page back ([`release`]).
pub fn unpin_user_page<S: BiasScheme + ?Sized, P: Platform>(
    scheme: &S,
    page: PageRef<'_, P>,
) -> Result<(), GupError> {
    let head = page.compound_head();
    if S::RULES.devmap {
        return release(scheme, head, RefKind::Pin, 1);
    }
    match S::RULES.unpin {
        Unpin::StatAfterRelease => {
            let release = S::RULES.refs(head, head, RefKind::Pin, 1);
            scheme.release_pincount(&release);
            scheme.release_refcount(&release);
            scheme.release_stat(&release);
            Ok(())
        }
        Unpin::PutCompoundHead => put_compound_head(scheme, page, 1, GupFlags::FOLL_PIN),
    }
}

/// `page_maybe_dma_pinned()` / `folio_maybe_dma_pinned()`: on the head,
/// [`BiasScheme::pinned_by_pincount`] where the head keeps an exact pin
/// count, else [`BiasScheme::pinned_by_bias`].
pub fn page_maybe_dma_pinned<S: BiasScheme + ?Sized, P: Platform>(
    scheme: &S,
    page: PageRef<'_, P>,
) -> bool {
    let head = page.compound_head();
    if S::RULES.uses_pincount(PageShape::of(head)) {
        scheme.pinned_by_pincount(head)
    } else {
        scheme.pinned_by_bias(head)
    }
}

/// Writes the primitives of every [`BiasScheme`]'s [`Patch`] impl from the
/// operation list: each is the kernel function of the same name above,
/// over the scheme's own steps. The other groups are written by hand
/// below, or are the generic code.
macro_rules! primitives_from_code {
    (primitives $(
        $(#[$doc:meta])*
        fn $name:ident<$($lt:lifetime,)? P: Platform>
            (&$self:ident $(, $arg:ident: $ty:ty)*) -> $ret:ty;
    )*) => {$(
        fn $name<$($lt,)? P: Platform>(&$self $(, $arg: $ty)*) -> $ret {
            $name($self $(, $arg)*)
        }
    )*};
    ($other_group:ident $($by_hand_or_generic:tt)*) => {};
}

/// Every [`BiasScheme`] is a [`Scheme`]: a [`Patch`] whose primitives are
/// the kernel functions above over its own steps (the generic GUP code then
/// runs over those primitives, as for any patch, except `unpin_user_page`,
/// which is a kernel function of its own before v5.11). It is its own base:
/// every method a patch would inherit from its base is given here.
impl<T: BiasScheme> Patch for T {
    type Base = T;
    fn base(&self) -> &T {
        self
    }
    fn name(&self) -> &'static str {
        T::NAME
    }
    fn description(&self) -> &'static str {
        T::DESCRIPTION
    }
    fn claims(&self) -> Claims {
        BiasScheme::claims(self)
    }
    fn known_bugs(&self) -> Vec<KnownBug> {
        BiasScheme::known_bugs(self)
    }
    fn mm(&self) -> MmCode {
        T::RULES.mm
    }
    fn counts_for(&self, shape: PageShape, held: Held) -> Counts {
        T::RULES.counts_for(shape, held)
    }
    fn freed_at(&self) -> i32 {
        T::RULES.freed_at()
    }
    scheme_operations!(primitives_from_code);
    fn unpin_user_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        unpin_user_page(self, page)
    }
}
