//! `batch-leaks-on-error`: `pin_user_pages`' error path releases one entry
//! too few.

use pinref_model::sync::Platform;
use pinref_model::{PageRef, Scheme, V5_7};

/// v5.7 whose clean-up after a failed batch releases all but the last page
/// it had pinned.
///
/// - **Wrong**: the generic GUP code is v5.7's, but the hook it calls to
///   give back a failed batch ([`Scheme::unpin_on_failure`]) unpins
///   `pinned[..len - 1]`: one reference (a whole pin on an order-0 page, one
///   of the `refs` of a compound grab) stays behind, never released.
/// - **History**: an error path in the slow GUP grab leaked one reference
///   when several were requested (a 2024 fix).
/// - **Caught by**: P5 (exact recovery): the `batches` scenario's
///   `pin_user_pages` over an unmapped second page fails, and the first
///   page's count keeps the leaked pin.
pub struct BatchLeaksOnError;

impl pinref_model::Patch for BatchLeaksOnError {
    type Base = V5_7;
    fn base(&self) -> &V5_7 {
        &V5_7
    }
    fn unpin_on_failure<P: Platform>(&self, pages: &[PageRef<'_, P>]) {
        // The flaw: one entry short of everything pinned so far.
        let _ = Scheme::unpin_user_pages(self, &pages[..pages.len().saturating_sub(1)]);
    }
    fn name(&self) -> &'static str {
        "batch-leaks-on-error"
    }
    fn description(&self) -> &'static str {
        "v5_7, but a failed pin_user_pages releases one entry too few"
    }
}
