//! `put-sub-then-read`: the release subtracts, then reads the count back to
//! decide whether it was the last.

use super::{V5_7_RULES, delegate};
use pinref_model::free::free_page;
use pinref_model::page_ref::{page_ref_count, page_ref_sub};
use pinref_model::sync::Platform;
use pinref_model::{Claims, GupError, GupFlags, PageRef, Scheme, V5_7};

/// v5.7 whose release is `page_ref_sub` followed by `page_ref_count() ==
/// 0`, where one fully ordered `page_ref_sub_and_test` is needed.
///
/// - **Wrong**: `put_compound_head` (and so `put_page` and every unpin)
///   subtracts with the relaxed, value-less `page_ref_sub`, then reads the
///   count and frees if it reads 0. Two racing last releases can both read
///   0 and both free the page; and nothing orders the other holders' uses
///   of the page before the free (no fence, no value-returning RMW), so a
///   use can race the free's poisoning write. The model has no public
///   relaxed `sub_and_test`, so this is the nearest a user can get to "the
///   final put with a relaxed decrement", and it carries the same bug.
/// - **History**: the `atomic_dec(); if (!atomic_read())` anti-pattern that
///   `atomic_dec_and_test` / `page_ref_sub_and_test` (fully ordered, one
///   step) replace; `Arc::drop`'s Release decrement and Acquire fence are
///   the same argument in Rust.
/// - **Caught by**: P4 (freed exactly once, by a fully ordered decrement,
///   nothing touching the page after): the `last_reference` scenario,
///   either as a double free or as loom's causality check on the page
///   contents.
#[derive(Debug, Clone, Copy, Default)]
pub struct PutSubThenRead;

impl Scheme for PutSubThenRead {
    fn name(&self) -> &'static str {
        "put-sub-then-read"
    }
    fn description(&self) -> &'static str {
        "v5_7, but a release subtracts (relaxed) and then reads the count for zero"
    }
    fn claims(&self) -> Claims {
        V5_7.claims()
    }
    delegate!(V5_7; counts_for, get_page, try_get_page, try_grab_folio,
        try_grab_compound_head, page_maybe_dma_pinned);

    fn put_page<P: Platform>(&self, page: PageRef<'_, P>) -> Result<(), GupError> {
        self.put_compound_head(page, 1, GupFlags::FOLL_GET)
    }

    fn put_compound_head<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        let release = V5_7_RULES.begin_release(page, refs, flags)?;
        // The flaw: subtract, then look; another release may have come in
        // between, and nothing orders this thread's free after the others'
        // uses.
        page_ref_sub(release.head, release.delta);
        if page_ref_count(release.head) == 0 {
            free_page(release.head);
        }
        Ok(())
    }
}
