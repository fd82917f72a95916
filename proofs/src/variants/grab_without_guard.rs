//! `grab-without-guard`: the slow-path grab (`try_grab_folio`) guards
//! against a wrapped count but not against a count of 0.

use super::{V5_7_RULES, delegate};
use pinref_model::page_ref::page_ref_count;
use pinref_model::scheme::check_refs;
use pinref_model::sync::Platform;
use pinref_model::{Claims, GupError, GupFlags, PageRef, Scheme, V5_7};

/// v5.7 whose `try_grab_folio` lets a count of 0 through.
///
/// - **Wrong**: `try_grab_folio` (`try_grab_page`, the `pin_user_pages`
///   slow path) refuses `count < 0` instead of `count <= 0`: a wrapped
///   count is still refused, but a grab on a page whose count is 0 (freed,
///   or frozen by `page_ref_freeze` for migration or a split while still
///   mapped) adds to it and brings it back to life. `try_get_page` keeps
///   its own guard.
/// - **History**: the `<= 0` guards of `try_get_page` / `try_grab_page`
///   (CVE-2019-11487, 2019) and `try_grab_folio`'s `folio_ref_count(folio)
///   <= 0` refusal (`-ENOMEM`): one comparison covers both the free and
///   the wrapped count.
/// - **Caught by**: the monitor, at the grab that brings a count of 0 back
///   up (reported as P10, a revival; P4 in the spirit of the spec, as the
///   page is touched after its free). No loom scenario grabs a free page
///   through the slow path (the `batches` scenario's free page is unmapped
///   first), so the proptest engine catches it, from a page that holds
///   nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct GrabWithoutGuard;

impl Scheme for GrabWithoutGuard {
    fn name(&self) -> &'static str {
        "grab-without-guard"
    }
    fn description(&self) -> &'static str {
        "v5_7, but try_grab_folio refuses count < 0, not count <= 0"
    }
    fn claims(&self) -> Claims {
        V5_7.claims()
    }
    delegate!(V5_7; counts_for, get_page, try_get_page, put_page, try_grab_compound_head,
        put_compound_head, page_maybe_dma_pinned);

    fn try_grab_folio<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        let kind = flags.ref_kind()?;
        check_refs(refs)?;
        let head = page.compound_head();
        let count = page_ref_count(head);
        // The flaw: `< 0`, so a count of 0 passes.
        if count < 0 {
            return Err(GupError::RefcountNotPositive {
                pfn: head.pfn(),
                count,
            });
        }
        V5_7_RULES.add_grabbed(head, kind, refs);
        Ok(())
    }
}
