//! Linux v5.7 to v5.10, the FOLL_PIN series as merged ("mm/gup: track
//! FOLL_PIN pages", `3faa52c03f44`; "mm/gup:
//! page->hpage_pinned_refcount: exact pin counts for huge pages",
//! `47e29d32afba`; "mm/gup: /proc/vmstat: pin_user_pages (FOLL_PIN)
//! reporting", `1970dc6f5226`), bugs included.

use super::KnownBug;
use super::Seed;
use super::bias::{BiasRules, BiasScheme, SlowGrab};

/// v5.7 as merged: the seed, plus
///
/// - an exact pin count (`hpage_pinned_refcount`) for compound pages of
///   order > 1, where a pin adds `refs` to the refcount and to that count,
///   and the predicate reads it;
/// - the slow path's own grab (`try_grab_page`): refuse a count `<= 0`,
///   the pin count, then the refcount.
///
/// Kept from the seed: the fast path decides bias or pin count on the head
/// it looked up *before* grabbing and never re-checks it (the split race);
/// `unpin_user_page` counts the release after dropping the reference (the
/// statistic touches a page that may be freed); fork shares pinned pages
/// and gup_fast does not notice fork; zero-page pins are counted.
///
/// Versions: v5.7 (`3faa52c03f44` and its series) to v5.10; closed by
/// v5.11's "mm/gup: combine put_compound_head() and unpin_user_page()"
/// ([`crate::V5_11`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct V5_7;

impl BiasScheme for V5_7 {
    /// The bias rules this scheme follows, for schemes built on it.
    const RULES: BiasRules = BiasRules {
        exact_pincount_from_order: Some(2),
        slow_grab: SlowGrab::PincountFirst,
        ..Seed::RULES
    };
    const NAME: &'static str = "v5_7";
    const DESCRIPTION: &'static str =
        "Linux v5.7-v5.10: hpage_pinned_refcount for order > 1, bugs included";

    fn known_bugs(&self) -> Vec<KnownBug> {
        Seed.known_bugs()
    }
}
