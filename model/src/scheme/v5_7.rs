//! Linux v5.7 (the merged FOLL_PIN series): unsigned
//! `page_maybe_dma_pinned`, and an exact pin count for compound pages of
//! order > 1.

use super::Seed;
use super::bias::{BiasRules, BiasScheme};

/// The v5.7 scheme: order-0 and order-1 pages take the bias per pin;
/// compound pages of order > 1 (`hpage_pincount_available`) add 1 to the
/// refcount and 1 to `hpage_pinned_refcount` per pin, and the predicate reads
/// that count. `page_maybe_dma_pinned()` compares **unsigned**, so an
/// overflowed count still reads as pinned. Grabs use the racy `<= 0` guard.
/// Its rules are the seed's with those two changes.
#[derive(Debug, Clone, Copy, Default)]
pub struct V5_7;

impl BiasScheme for V5_7 {
    /// The bias rules this scheme follows, for schemes built on it.
    const RULES: BiasRules = BiasRules {
        signed_predicate: false,
        exact_pincount_from_order: Some(2),
        ..Seed::RULES
    };
    const NAME: &'static str = "v5_7";
    const DESCRIPTION: &'static str =
        "Linux v5.7: unsigned predicate, hpage_pinned_refcount for order > 1";
}
