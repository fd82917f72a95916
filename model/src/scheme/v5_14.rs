//! Linux v5.14 to v5.17: gup_fast re-checks the head after grabbing.

use super::bias::{BiasRules, BiasScheme, SpeculativeGrab};
use super::history::{FORK_PIN_BARRIER, SPLIT_RACE, fixed};
use super::{KnownBug, V5_11};

/// v5.14: v5.11, plus "mm/gup: fix try_grab_compound_head() race with
/// split_huge_page()" (`c24d37322548`, Jann Horn): the speculative grab
/// adds `refs` unless zero, re-checks that the page still belongs to that
/// head (if not: `put_page_refs` and fail), and only then decides on the
/// stable head: `hpage_pincount_add(refs)` for order > 1, else
/// `page_ref_add(refs * (GUP_PIN_COUNTING_BIAS - 1))`, a relaxed add with
/// no barrier before the caller's page-table re-check (v6.1 adds one).
///
/// Versions: v5.14 to v5.17 (backported to 5.12.17 and others); closed by
/// the folio conversion of v5.18 ([`crate::Folio`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct V5_14;

impl BiasScheme for V5_14 {
    /// The bias rules this scheme follows, for schemes built on it.
    const RULES: BiasRules = BiasRules {
        speculative_grab: SpeculativeGrab::RecheckThenDecide,
        ..V5_11::RULES
    };
    const NAME: &'static str = "v5_14";
    const DESCRIPTION: &'static str =
        "Linux v5.14-v5.17: gup_fast grabs refs, re-checks the head, then adds the pin";

    fn known_bugs(&self) -> Vec<KnownBug> {
        // The pin's accounting now follows the grab on every page: the
        // missing barrier shows on every shape.
        let mut bugs = fixed(V5_11.known_bugs(), &[SPLIT_RACE, FORK_PIN_BARRIER]);
        bugs.push(FORK_PIN_BARRIER);
        bugs
    }
}
