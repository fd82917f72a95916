//! Folios (v5.19 on): `folio->_pincount` for every large folio, the bias for
//! order-0 pages.

use super::bias::{BiasRules, forward_to_bias_rules};
use super::{Claims, Scheme};

/// The folio scheme (`try_grab_folio`, `gup_put_folio`,
/// `folio_maybe_dma_pinned`): a pin on a large folio (order ≥ 1) adds `refs`
/// to the refcount and to `_pincount`; on an order-0 folio it adds
/// `refs * GUP_PIN_COUNTING_BIAS`. Unsigned predicate; a grab on a count
/// `<= 0` is refused (`-ENOMEM`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Folio;

const RULES: BiasRules = BiasRules {
    signed_predicate: false,
    exact_pincount_from_order: Some(1),
    devmap: false,
    recheck_head: true,
};

impl Folio {
    /// The bias rules this scheme follows, for schemes built on it.
    pub const RULES: BiasRules = RULES;
}

impl Scheme for Folio {
    fn name(&self) -> &'static str {
        "folio"
    }
    fn description(&self) -> &'static str {
        "folios (v5.19+): _pincount for large folios, bias for order-0"
    }
    fn claims(&self) -> Claims {
        Claims {
            survives_split: true,
            ..Claims::KERNEL
        }
    }
    forward_to_bias_rules!(RULES);
}
