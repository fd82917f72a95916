//! `grab-without-guard`: the slow-path grab (`try_grab_folio`) guards
//! against a wrapped count but not against a count of 0.

use pinref_model::scheme::bias::{BiasRules, BiasScheme, Refs};
use pinref_model::{GupError, V6_5, sync::Platform};

/// v6.5 whose slow-path grab lets a count of 0 through.
///
/// - **Wrong**: the guard of `try_grab_folio` (`try_grab_page`, the
///   `pin_user_pages` slow path, and `try_get_page`, which is that grab
///   with `FOLL_GET`) is the speculative grab's sign check, `count < 0`,
///   instead of `count <= 0`: a wrapped count is still refused, but a grab
///   on a page whose count is 0 (freed, or frozen by `page_ref_freeze` for
///   migration or a split while still mapped) adds to it and brings it
///   back to life.
/// - **History**: the `<= 0` guards of `try_get_page` / `try_grab_page`
///   (CVE-2019-11487, 2019) and `try_grab_folio`'s `folio_ref_count(folio)
///   <= 0` refusal (`-ENOMEM`): one comparison covers both the free and
///   the wrapped count. gup_fast may check only the sign, because its add
///   is "unless zero"; the slow path's add is not.
/// - **Caught by**: the monitor, at the grab that brings a count of 0 back
///   up (reported as P10, a revival). No loom scenario grabs a free page
///   through the slow path (the `batches` scenario's free page is unmapped
///   first), so the proptest engine catches it, from a page that holds
///   nothing.
pub struct GrabWithoutGuard;

impl BiasScheme for GrabWithoutGuard {
    const RULES: BiasRules = V6_5::RULES;
    fn grab_guard<P: Platform>(&self, grab: &Refs<'_, P>) -> Result<(), GupError> {
        // The flaw: gup_fast's `< 0`, so a count of 0 passes.
        V6_5.speculative_guard(grab)
    }
    const NAME: &'static str = "grab-without-guard";
    const DESCRIPTION: &'static str = "v6_5, but try_grab_folio refuses count < 0, not count <= 0";
}
