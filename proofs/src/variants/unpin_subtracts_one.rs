//! `unpin-subtracts-one`: v6.5, except that unpinning a page that counts
//! pins with the bias subtracts `refs` instead of
//! `refs * GUP_PIN_COUNTING_BIAS`.

use pinref_model::scheme::bias::{BiasRules, BiasScheme, Refs};
use pinref_model::{V6_5, sync::Platform};

/// v6.5 whose unpin drops 1 per pin where the pin added 1024: a release
/// that does not match its acquire (the put/unpin mismatch).
///
/// - **Wrong**: the refcount drop of an unpin on a biased page (of order
///   0 or 1) subtracts `refs`, as `put_page` would, instead of
///   `refs * GUP_PIN_COUNTING_BIAS`. Every unpin leaves 1023 behind. (For a plain reference, and on
///   a page that counts pins exactly, the delta *is* `refs`.)
/// - **History**: the FOLL_PIN series (2019-2020) split `put_page` and
///   `put_user_page`/`unpin_user_page` precisely because a pinned page
///   released with the plain release leaks the bias; this is that mismatch
///   inside the unpin itself.
/// - **Caught by**: P2 first (the leftover 1023 per pin, on top of the
///   plain reference, reads as a pin once the pin is gone), then P5 (exact
///   recovery: the count does not return to where it started) and P4 (a
///   page whose last reference was a pin is never freed).
pub struct UnpinSubtractsOne;

impl BiasScheme for UnpinSubtractsOne {
    const RULES: BiasRules = V6_5::RULES;
    fn release_refcount<P: Platform>(&self, release: &Refs<'_, P>) {
        // The flaw: `refs`, where the pin added `refs * GUP_PIN_COUNTING_BIAS`.
        V6_5.release_refcount(&Refs {
            delta: release.refs,
            ..*release
        });
    }
    const NAME: &'static str = "unpin-subtracts-one";
    const DESCRIPTION: &'static str = "v6_5, but unpin drops 1 per pin instead of the bias";
}
