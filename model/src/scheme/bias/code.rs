//! The kernel functions of a bias scheme, each its steps in the kernel's
//! order, run over any [`BiasScheme`]'s steps; and the one implementation
//! that makes every `BiasScheme` a [`Scheme`] through them.

use super::{BiasScheme, Refs};
use crate::error::GupError;
use crate::flags::{GupFlags, RefKind};
use crate::page::PageRef;
use crate::page_ref::page_ref_inc;
use crate::scheme::{Claims, Counts, Held, KnownBug, PageShape, Patch, check_refs};
use crate::sync::Platform;

#[cfg(doc)]
use crate::scheme::Scheme;

/// `get_page()`: [`BiasScheme::get_page_guard`] on the head, then
/// `page_ref_inc`, relaxed: the caller already holds a reference, so the
/// page cannot be freed under it and the increment has nothing to order
/// (as `Arc::clone`).
pub fn get_page<S: BiasScheme + ?Sized, P: Platform>(
    scheme: &S,
    page: PageRef<'_, P>,
) -> Result<(), GupError> {
    let head = page.compound_head();
    scheme.get_page_guard(head)?;
    page_ref_inc(head);
    Ok(())
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

/// `try_grab_page()` (v5.7) / `try_grab_folio()` (v6): the guard, the
/// exact pin count, the refcount, the statistic
/// ([`BiasScheme::grab_guard`], [`BiasScheme::grab_pincount`],
/// [`BiasScheme::grab_refcount`], [`BiasScheme::grab_stat`]).
pub fn try_grab_folio<S: BiasScheme + ?Sized, P: Platform>(
    scheme: &S,
    page: PageRef<'_, P>,
    refs: i32,
    flags: GupFlags,
) -> Result<(), GupError> {
    let grab = refs_of(scheme, page, refs, flags)?;
    scheme.grab_guard(&grab)?;
    scheme.grab_pincount(&grab);
    scheme.grab_refcount(&grab);
    scheme.grab_stat(&grab);
    Ok(())
}

/// `try_grab_compound_head()` (v5.7) / `try_grab_folio_fast()` (v6):
/// gup_fast's speculative grab: the sign guard, the add unless the page is
/// free, the head re-check, then the exact pin count and the statistic
/// ([`BiasScheme::speculative_guard`], [`BiasScheme::speculative_add`],
/// [`BiasScheme::recheck_head`], [`BiasScheme::grab_pincount`],
/// [`BiasScheme::grab_stat`]). Returns the head it grabbed.
pub fn try_grab_compound_head<'m, S: BiasScheme + ?Sized, P: Platform>(
    scheme: &S,
    page: PageRef<'m, P>,
    refs: i32,
    flags: GupFlags,
) -> Result<PageRef<'m, P>, GupError> {
    let grab = refs_of(scheme, page, refs, flags)?;
    scheme.speculative_guard(&grab)?;
    scheme.speculative_add(&grab)?;
    scheme.recheck_head(&grab)?;
    scheme.grab_pincount(&grab);
    scheme.grab_stat(&grab);
    Ok(grab.head)
}

/// `put_compound_head()` (v5.7) / `gup_put_folio()` (v6): releases `refs`
/// of the kind `flags` names from the head of `page`: [`release`].
pub fn put_compound_head<S: BiasScheme + ?Sized, P: Platform>(
    scheme: &S,
    page: PageRef<'_, P>,
    refs: i32,
    flags: GupFlags,
) -> Result<(), GupError> {
    let kind = scheme.ref_kind(flags)?;
    check_refs(refs)?;
    release(scheme, page.compound_head(), kind, refs)
}

/// The release proper, on `head` (`refs` already checked): the checks, the
/// statistic, the exact pin count, the refcount drop with the free
/// ([`BiasScheme::release_checks`], [`BiasScheme::release_stat`],
/// [`BiasScheme::release_pincount`], [`BiasScheme::release_refcount`]).
/// Nothing may touch the page after the drop that may free it, so the drop
/// comes last.
pub fn release<S: BiasScheme + ?Sized, P: Platform>(
    scheme: &S,
    head: PageRef<'_, P>,
    kind: RefKind,
    refs: i32,
) -> Result<(), GupError> {
    let release = S::RULES.refs(head, head, kind, refs);
    scheme.release_checks(&release)?;
    scheme.release_stat(&release);
    scheme.release_pincount(&release);
    scheme.release_refcount(&release);
    Ok(())
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

/// Every [`BiasScheme`] is a [`Scheme`]: a [`Patch`] whose primitives are
/// the kernel functions above over its own steps (the generic GUP code then
/// runs over those primitives, as for any patch). It is its own base: every
/// method a patch would inherit from its base is given here.
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
    fn counts_for(&self, shape: PageShape, held: Held) -> Counts {
        T::RULES.counts_for(shape, held)
    }
    fn freed_at(&self) -> i32 {
        T::RULES.freed_at()
    }
    fn get_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        get_page(self, page)
    }
    fn try_get_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        try_grab_folio(self, page, 1, GupFlags::FOLL_GET)
    }
    fn put_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        put_compound_head(self, page, 1, GupFlags::FOLL_GET)
    }
    fn try_grab_folio<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        try_grab_folio(self, page, refs, flags)
    }
    fn try_grab_compound_head<'m, P: Platform>(
        &self,
        page: PageRef<'m, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<PageRef<'m, P>, GupError> {
        try_grab_compound_head(self, page, refs, flags)
    }
    fn put_compound_head<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        put_compound_head(self, page, refs, flags)
    }
    fn page_maybe_dma_pinned<P: Platform>(&self, page: PageRef<'_, P>) -> bool {
        page_maybe_dma_pinned(self, page)
    }
}
