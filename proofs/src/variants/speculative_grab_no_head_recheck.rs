//! `speculative-grab-no-head-recheck`: the folio scheme without the re-check
//! of the head after gup_fast's speculative grab.

use pinref_model::scheme::bias::{BiasRules, BiasScheme, Refs};
use pinref_model::{GupError, V6_5, sync::Platform};

/// v6.5 without the 2021 re-check of the head.
///
/// - **Wrong**: the speculative grab looks the head up, grabs it, and
///   returns it without checking that the page still belongs to it. If the
///   compound page is split between the look-up and the grab, the reference
///   lands on the old head, which is now an order-0 page of its own, while
///   the caller goes on to use (and later unpin) the subpage it asked for.
///   The scheme keeps the folio rules, and so its claim to survive a split.
/// - **History**: the race of gup_fast with `split_huge_page`, fixed in
///   2021 by re-checking, after the grab, that the page's head is still the
///   one grabbed, and releasing and retrying if not (`try_get_compound_head`,
///   later `try_get_folio`).
/// - **Caught by**: P1: the `split_vs_gup_fast` scenario under loom, when
///   the split lands between the look-up and the grab: the subpage returned
///   as pinned does not read as pinned.
pub struct SpeculativeGrabNoHeadRecheck;

impl BiasScheme for SpeculativeGrabNoHeadRecheck {
    const RULES: BiasRules = V6_5::RULES;
    fn recheck_head<P: Platform>(&self, _: &Refs<'_, P>) -> Result<(), GupError> {
        // The flaw: the head looked up before the grab is trusted after it.
        Ok(())
    }
    const NAME: &'static str = "speculative-grab-no-head-recheck";
    const DESCRIPTION: &'static str =
        "v6_5, but gup_fast's grab does not re-check the head after grabbing";
}
