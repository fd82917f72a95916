//! Device (`ZONE_DEVICE`, devmap-managed) pages, v5.7 to v5.17: "1-based".

use super::V5_7;
use super::bias::{BiasRules, BiasScheme};

/// v5.7's rules on devmap-managed device pages (`put_devmap_managed_page`,
/// `__unpin_devmap_managed_user_page`): an idle page holds 1, the pgmap's
/// own reference, and is handed back to its driver
/// (`free_devmap_managed_page`) when its count drops to 1, not 0. Releases
/// therefore use `page_ref_sub_return` and test for 1, and the unpin counts
/// its statistic before it hands the page back (the device branch of v5.7's
/// `unpin_user_page` never had the statistic-after-release bug).
///
/// The speculative grab refuses a page at 1, as it refuses a normal page
/// at 0. The kernel refuses only at 0 and keeps a handed-back device page
/// out of reach through its mapping and the pgmap reference; the model has
/// no pgmap, so a scenario need not unmap a device page to keep it free.
///
/// Versions: v5.7 to v5.17 for every devmap-managed page
/// (`MEMORY_DEVICE_PRIVATE` and `MEMORY_DEVICE_FS_DAX`); v5.18's "mm:
/// remove the extra ZONE_DEVICE struct page refcount" made device-private
/// pages 0-based, and FS_DAX pages stayed 1-based (waking waiters at 1)
/// until "fs/dax: properly refcount fs dax pages" (about v6.15).
#[derive(Debug, Clone, Copy, Default)]
pub struct Devmap;

impl BiasScheme for Devmap {
    /// The bias rules this scheme follows, for schemes built on it.
    const RULES: BiasRules = BiasRules {
        devmap: true,
        ..V5_7::RULES
    };
    const NAME: &'static str = "devmap";
    const DESCRIPTION: &'static str =
        "v5.7-v5.17 device pages: 1-based, handed back to the driver at 1";
}
