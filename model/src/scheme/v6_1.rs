//! Linux v6.1 to v6.4: the pin ordered before gup_fast's page-table
//! re-check.

use super::bias::{BiasRules, BiasScheme};
use super::history::{ANON_EXCLUSIVE_BARRIER, FORK_PIN_BARRIER, fixed};
use super::{Folio, KnownBug, MmCode};

/// v6.1: folios, plus "mm: fix PageAnonExclusive clearing racing with
/// concurrent RCU GUP-fast" (`088b8aa537c2`, David Hildenbrand):
/// `smp_mb__after_atomic()` after the pin's `_pincount` or bias add in
/// `try_grab_folio`, before the caller re-reads the page table, paired with
/// an `smp_mb()` in `page_try_share_anon_rmap` between clearing the entry
/// and reading `page_maybe_dma_pinned`. (The issue dated the barrier v6.0;
/// it came with the 6.1-rc1 MM pull.)
///
/// Versions: v6.1 to v6.4; closed by v6.5's zero-page change
/// ([`crate::V6_5`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct V6_1;

impl BiasScheme for V6_1 {
    /// The bias rules this scheme follows, for schemes built on it.
    const RULES: BiasRules = BiasRules {
        barrier_after_pin: true,
        mm: MmCode {
            share_anon_barrier: true,
            ..Folio::RULES.mm
        },
        ..Folio::RULES
    };
    const NAME: &'static str = "v6_1";
    const DESCRIPTION: &'static str =
        "Linux v6.1-v6.4: smp_mb__after_atomic orders the pin before the PTE re-check";

    fn known_bugs(&self) -> Vec<KnownBug> {
        fixed(
            Folio.known_bugs(),
            &[ANON_EXCLUSIVE_BARRIER, FORK_PIN_BARRIER],
        )
    }
}
