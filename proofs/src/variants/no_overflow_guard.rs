//! `no-overflow-guard`: every grab refuses a free page (count 0) but none
//! refuses a count that has wrapped past the sign bit.

use pinref_model::page_ref::page_ref_count;
use pinref_model::scheme::bias::{BiasRules, BiasScheme, Refs};
use pinref_model::{GupError, V6_5, sync::Platform};

/// v6.5 without any guard against wrapped counts: a grab is refused only
/// when the count is exactly 0.
///
/// - **Wrong**: the slow-path grab's guard (and so `try_get_page`'s)
///   refuses `count == 0`
///   instead of `count <= 0`, and the speculative grab has no sign guard
///   before its add unless 0. A count that references or pins have carried
///   past the sign bit keeps accepting grabs, so it can wrap on through
///   zero, where a put frees a page that is still referenced.
/// - **History**: CVE-2019-11487: with about 4 billion references
///   outstanding (FUSE pipes), a page's refcount wrapped and the page was
///   freed while in use; fixed by `try_get_page` and the `<= 0` guards.
/// - **Caught by**: P6 (overflow safety: a grab on a wrapped count must be
///   refused): the loom `wrapped_count` scenario, whose second pinner,
///   once the first has carried the count past the sign bit, has its grabs
///   go through; and the proptest engine, from its sign-bit and
///   pin-headroom starts.
pub struct NoOverflowGuard;

impl BiasScheme for NoOverflowGuard {
    const RULES: BiasRules = V6_5::RULES;
    fn grab_guard<P: Platform>(&self, grab: &Refs<'_, P>) -> Result<(), GupError> {
        // The flaw: `== 0`, where `<= 0` also refuses a wrapped count.
        match page_ref_count(grab.head) {
            0 => Err(GupError::RefcountNotPositive {
                pfn: grab.head.pfn(),
                count: 0,
            }),
            _ => Ok(()),
        }
    }
    fn speculative_guard<P: Platform>(&self, _: &Refs<'_, P>) -> Result<(), GupError> {
        // The flaw: a negative count goes on to the add unless 0.
        Ok(())
    }
    const NAME: &'static str = "no-overflow-guard";
    const DESCRIPTION: &'static str =
        "v6_5, but grabs refuse only a count of exactly 0, not a wrapped one";
}
