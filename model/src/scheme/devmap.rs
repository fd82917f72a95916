//! Device (`ZONE_DEVICE`, devmap-managed) pages under v5.7: "1-based".

use super::V5_7;
use super::bias::{BiasRules, BiasScheme};

/// v5.7's rules on devmap-managed device pages (`put_devmap_managed_page`,
/// `__unpin_devmap_managed_user_page`): an idle page holds 1, the pgmap's
/// own reference, and is handed back to its driver
/// (`free_devmap_managed_page`) when its count drops to 1, not 0. Releases
/// therefore use `page_ref_sub_return` and test for 1. The speculative grab
/// refuses a page at 1, as it refuses a normal page at 0 (the kernel keeps
/// freed device pages out of reach through the pgmap reference instead).
/// Its rules are v5.7's, 1-based.
#[derive(Debug, Clone, Copy, Default)]
pub struct Devmap;

impl BiasScheme for Devmap {
    /// The bias rules this scheme follows, for schemes built on it.
    const RULES: BiasRules = BiasRules {
        devmap: true,
        ..V5_7::RULES
    };
    const NAME: &'static str = "devmap";
    const DESCRIPTION: &'static str = "v5.7 device pages: 1-based, handed back to the driver at 1";
}
