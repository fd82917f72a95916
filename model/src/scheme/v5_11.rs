//! Linux v5.11 to v5.13: the release counted before it drops the
//! reference, and fork made safe for pinned pages.

use super::bias::{BiasRules, BiasScheme, Unpin};
use super::history::{FORK_PIN_BARRIER, FORK_SHARES_PINNED, STAT_AFTER_RELEASE, fixed};
use super::{KnownBug, MmCode, V5_7};

/// v5.11: v5.7, plus
///
/// - "mm/gup: combine put_compound_head() and unpin_user_page()"
///   (`4509b42c3896`, Jason Gunthorpe): `unpin_user_page` is
///   `put_compound_head(page, 1, FOLL_PIN)`, which counts the release
///   before dropping the reference;
/// - fork copies a page that may be DMA-pinned ("mm: Do early cow for
///   pinned pages during fork() for ptes", `70e806e4e645`, v5.9), and
///   gup_fast gives its pins back when fork ran under it ("mm/gup: prevent
///   gup_fast from racing with COW during fork", `57efa1fe5957`, v5.11).
///
/// Known to have, besides what it keeps of v5.7: on compound pages of order
/// 2 and up the pin count's relaxed add is not ordered before gup_fast's
/// re-read of the sequence count (`fork-gup-fast-pin-barrier`, fixed by
/// v6.1's barrier).
///
/// Versions: v5.11 to v5.13 (and 5.10.y, which took the combine patch in
/// Dec 2020); closed by v5.14's split fix ([`crate::V5_14`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct V5_11;

impl BiasScheme for V5_11 {
    /// The bias rules this scheme follows, for schemes built on it.
    const RULES: BiasRules = BiasRules {
        unpin: Unpin::PutCompoundHead,
        mm: MmCode {
            fork_copies_pinned: true,
            gup_fast_checks_fork: true,
            ..MmCode::V5_7
        },
        ..V5_7::RULES
    };
    const NAME: &'static str = "v5_11";
    const DESCRIPTION: &'static str =
        "Linux v5.11-v5.13: unpin counts before the release; fork copies pinned pages";

    fn known_bugs(&self) -> Vec<KnownBug> {
        let mut bugs = fixed(V5_7.known_bugs(), &[STAT_AFTER_RELEASE, FORK_SHARES_PINNED]);
        // With fork now reading the pin, the exact pin count's relaxed add
        // after the grab (order > 1) can be missed by it.
        bugs.push(KnownBug {
            scenarios: &["fork_vs_gup_fast_order2"],
            ..FORK_PIN_BARRIER
        });
        bugs
    }
}
