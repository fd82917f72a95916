//! The seed series (2019, "mm/gup: track dma-pinned pages: FOLL_PIN"): the
//! bias on every page, and a **signed** `page_dma_pinned`.

use super::bias::{BiasRules, BiasScheme};

/// The seed series' scheme: every pin adds `GUP_PIN_COUNTING_BIAS` to the
/// head's refcount, compound pages included; `page_dma_pinned()` compares
/// the count **signed** against the bias, so a count that pins carried past
/// the sign bit reads as unpinned (P1 fails past overflow: expected, not
/// claimed). Grabs use the `<= 0` guard of `try_get_page`. Every step is the
/// kernel's under [`Seed::RULES`] ([`BiasScheme`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Seed;

impl BiasScheme for Seed {
    /// The bias rules this scheme follows, for schemes built on it.
    const RULES: BiasRules = BiasRules {
        signed_predicate: true,
        exact_pincount_from_order: None,
        devmap: false,
        recheck_head: false,
    };
    const NAME: &'static str = "seed";
    const DESCRIPTION: &'static str =
        "seed series (2019): bias on every page, signed page_dma_pinned";
}
