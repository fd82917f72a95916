//! Folios (v5.19 on): `folio->_pincount` for every large folio, the bias for
//! order-0 pages.

use super::V5_7;
use super::bias::{BiasRules, BiasScheme};

/// The folio scheme (`try_grab_folio`, `gup_put_folio`,
/// `folio_maybe_dma_pinned`): a pin on a large folio (order ≥ 1) adds `refs`
/// to the refcount and to `_pincount`; on an order-0 folio it adds
/// `refs * GUP_PIN_COUNTING_BIAS`. Unsigned predicate; a grab on a count
/// `<= 0` is refused (`-ENOMEM`). The speculative grab re-checks the head
/// after grabbing (the 2021 split fix). Its rules are v5.7's with the pin
/// count from order 1 and the re-check.
#[derive(Debug, Clone, Copy, Default)]
pub struct Folio;

impl BiasScheme for Folio {
    /// The bias rules this scheme follows, for schemes built on it.
    const RULES: BiasRules = BiasRules {
        exact_pincount_from_order: Some(1),
        recheck_head: true,
        ..V5_7::RULES
    };
    const NAME: &'static str = "folio";
    const DESCRIPTION: &'static str =
        "folios (v5.19+): _pincount for large folios, bias for order-0";
}
