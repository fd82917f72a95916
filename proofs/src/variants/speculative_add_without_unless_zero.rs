//! `speculative-add-without-unless-zero`: gup_fast's speculative grab
//! checks the count, then adds, in two steps.

use pinref_model::scheme::bias::{BiasRules, BiasScheme, Refs};
use pinref_model::{GupError, V6_5, sync::Platform};

/// v6.5 whose speculative add is written like the slow-path grab: the
/// `<= 0` guard, then `page_ref_add`.
///
/// - **Wrong**: the add of `try_grab_compound_head` is the slow path's
///   guard and add, two steps, instead of `page_ref_add_unless(.., 0)`,
///   which checks and adds in one atomic step. gup_fast holds no lock and
///   no reference: between the check and the add the last reference can be
///   dropped and the page freed, and the add then revives it. Sequentially
///   the check is right, so only an interleaving shows the bug.
/// - **History**: the lockless grab of gup_fast (and of the page cache,
///   `page_cache_get_speculative`) has always been "add unless zero";
///   `try_get_compound_head` in v5.7, `try_grab_folio_fast` later.
/// - **Caught by**: P10 (a speculative grab revived a page whose count
///   reached 0): `gup_fast_vs_unmap` under loom, when the unmapper's put
///   frees the page between the check and the add.
pub struct SpeculativeAddWithoutUnlessZero;

impl BiasScheme for SpeculativeAddWithoutUnlessZero {
    const RULES: BiasRules = V6_5::RULES;
    fn speculative_add<P: Platform>(&self, grab: &Refs<'_, P>) -> Result<(), GupError> {
        // The flaw: the count may drop to 0 between the check and the add.
        V6_5.grab_guard(grab)?;
        V6_5.grab_refcount(grab);
        Ok(())
    }
    const NAME: &'static str = "speculative-add-without-unless-zero";
    const DESCRIPTION: &'static str =
        "v6_5, but gup_fast checks the count and then adds (page_ref_add)";
}
