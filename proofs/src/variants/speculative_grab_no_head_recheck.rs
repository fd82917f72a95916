//! `speculative-grab-no-head-recheck`: the folio scheme without the re-check
//! of the head after gup_fast's speculative grab.

use super::{FOLIO_RULES, delegate};
use pinref_model::scheme::bias::BiasRules;
use pinref_model::sync::Platform;
use pinref_model::{Folio, GupError, GupFlags, PageRef, Scheme};

/// Folio rules, but the speculative grab trusts the head it looked up
/// before grabbing.
const NO_RECHECK: BiasRules = BiasRules {
    recheck_head: false,
    ..FOLIO_RULES
};

/// Folios without the 2021 re-check of the head.
///
/// - **Wrong**: `try_grab_compound_head` looks the head up, grabs it, and
///   returns it without checking that the page still belongs to it. If the
///   compound page is split between the look-up and the grab, the reference
///   lands on the old head, which is now an order-0 page of its own, while
///   the caller goes on to use (and later unpin) the subpage it asked for.
/// - **History**: the race of gup_fast with `split_huge_page`, fixed in
///   2021 by re-checking, after the grab, that the page's head is still the
///   one grabbed, and releasing and retrying if not (`try_get_compound_head`,
///   later `try_get_folio`).
/// - **Caught by**: P1: the `split_vs_gup_fast` scenario under loom, when
///   the split lands between the look-up and the grab: the subpage returned
///   as pinned does not read as pinned.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpeculativeGrabNoHeadRecheck;

impl Scheme for SpeculativeGrabNoHeadRecheck {
    fn name(&self) -> &'static str {
        "speculative-grab-no-head-recheck"
    }
    fn description(&self) -> &'static str {
        "folio, but gup_fast's grab does not re-check the head after grabbing"
    }
    fn claims(&self) -> pinref_model::Claims {
        Folio.claims()
    }
    delegate!(Folio; counts_for, get_page, try_get_page, put_page, try_grab_folio,
        put_compound_head, page_maybe_dma_pinned);

    fn try_grab_compound_head<'m, P: Platform>(
        &self,
        page: PageRef<'m, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<PageRef<'m, P>, GupError> {
        NO_RECHECK.try_grab_compound_head(page, refs, flags)
    }
}
