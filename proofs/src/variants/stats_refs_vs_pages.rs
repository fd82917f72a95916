//! `stats-refs-vs-pages`: pins acquired are counted per grab call, pins
//! released per page.

use pinref_model::scheme::bias::{BiasRules, BiasScheme, Refs};
use pinref_model::{V6_5, sync::Platform};

/// v6.5 whose grabs add 1 to `nr_foll_pin_acquired` per call, whatever
/// their `refs`.
///
/// - **Wrong**: the statistic step of a grab takes `refs` pins but counts
///   one; the unpins count one per page (`refs` in all). On order-0 pages,
///   one pin per call, the two agree; a batch grab of `refs > 1` (the
///   subpages of a compound page) leaves `acquired - released` short of
///   the live pins.
/// - **History**: `NR_FOLL_PIN_ACQUIRED` / `NR_FOLL_PIN_RELEASED` (v5.7,
///   later `nr_foll_pin_acquired` / `nr_foll_pin_released`): when grabs
///   became batched (`refs` per compound page or folio), both sides had to
///   count `refs`.
/// - **Caught by**: P9 (stats balance): the `batches` scenario pins both
///   subpages of an order-1 page in one grab and unpins them one by one.
pub struct StatsRefsVsPages;

impl BiasScheme for StatsRefsVsPages {
    const RULES: BiasRules = V6_5::RULES;
    fn grab_stat<P: Platform>(&self, grab: &Refs<'_, P>) {
        // The flaw: one per call, where `refs` pins were taken.
        V6_5.grab_stat(&Refs { refs: 1, ..*grab });
    }
    const NAME: &'static str = "stats-refs-vs-pages";
    const DESCRIPTION: &'static str =
        "v6_5, but a batch grab counts one acquired pin per call, not per page";
}
