//! The seed: v7 of John Hubbard's FOLL_PIN series ("mm/gup: track FOLL_PIN
//! pages", 20 Nov 2019), on which the seed's rename patch applies. Never
//! merged as such; v5.7 merged a later revision.

use super::bias::{BiasRules, BiasScheme, SlowGrab, SpeculativeGrab, Unpin};
use super::history::{FORK_SHARES_PINNED, SPLIT_RACE, STAT_AFTER_RELEASE, ZERO_PAGE_OVERFLOW};
use super::{KnownBug, MmCode};

/// The seed series' scheme (v7, Nov 2019).
///
/// - Every pin adds `GUP_PIN_COUNTING_BIAS` (`1UL << 10`) to the head's
///   refcount, compound pages included: no exact pin count.
/// - `page_dma_pinned()` compares the `int` count with the unsigned long
///   bias, so C compares **unsigned**: a count that pins carried past the
///   sign bit still reads as pinned (correcting an earlier claim that the
///   seed compared signed; no revision did).
/// - A pin, fast or slow, is one speculative add of `refs * 1024`
///   (`try_pin_compound_head` → `try_get_compound_head`): refused when the
///   count is negative (WARN) or zero (add unless zero); no other guard.
/// - `put_user_page` (renamed `unpin_user_page` by the seed's patch) counts
///   the release after the `page_ref_sub_and_test` that may free the page.
/// - The generic code is that of its base (no early COW of pinned pages on
///   fork, no fork check in gup_fast, no head re-check).
///
/// Versions: the series' revisions v3 (11 Nov 2019) to v12 (Dec 2019); the
/// merged form is v5.7 ([`crate::V5_7`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Seed;

impl BiasScheme for Seed {
    /// The bias rules this scheme follows, for schemes built on it.
    const RULES: BiasRules = BiasRules {
        signed_predicate: false,
        exact_pincount_from_order: None,
        devmap: false,
        slow_grab: SlowGrab::Speculative,
        speculative_grab: SpeculativeGrab::DecideFirst,
        barrier_after_pin: false,
        unpin: Unpin::StatAfterRelease,
        pins_zero_page: true,
        mm: MmCode::V5_7,
    };
    const NAME: &'static str = "seed";
    const DESCRIPTION: &'static str =
        "FOLL_PIN series v7 (Nov 2019): bias on every page, unsigned page_dma_pinned";

    fn known_bugs(&self) -> Vec<KnownBug> {
        vec![
            STAT_AFTER_RELEASE,
            FORK_SHARES_PINNED,
            SPLIT_RACE,
            ZERO_PAGE_OVERFLOW,
        ]
    }
}
