//! Device (`ZONE_DEVICE`, devmap-managed) pages under v5.7: "1-based".

use super::bias::{BiasRules, forward_to_bias_rules};
use super::{Claims, Scheme};

/// v5.7's rules on devmap-managed device pages (`put_devmap_managed_page`,
/// `__unpin_devmap_managed_user_page`): an idle page holds 1, the pgmap's
/// own reference, and is handed back to its driver
/// (`free_devmap_managed_page`) when its count drops to 1, not 0. Releases
/// therefore use `page_ref_sub_return` and test for 1. The speculative grab
/// refuses a page at 1, as it refuses a normal page at 0 (the kernel keeps
/// freed device pages out of reach through the pgmap reference instead).
#[derive(Debug, Clone, Copy, Default)]
pub struct Devmap;

const RULES: BiasRules = BiasRules {
    signed_predicate: false,
    exact_pincount_from_order: Some(2),
    devmap: true,
    recheck_head: false,
};

impl Devmap {
    /// The bias rules this scheme follows, for schemes built on it.
    pub const RULES: BiasRules = RULES;
}

impl Scheme for Devmap {
    fn name(&self) -> &'static str {
        "devmap"
    }
    fn description(&self) -> &'static str {
        "v5.7 device pages: 1-based, handed back to the driver at 1"
    }
    fn claims(&self) -> Claims {
        Claims::KERNEL
    }
    forward_to_bias_rules!(RULES);
}
