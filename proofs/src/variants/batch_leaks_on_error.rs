//! `batch-leaks-on-error`: gup_fast's give-back after a fork releases one
//! entry too few.

use pinref_model::sync::Platform;
use pinref_model::{PageRef, Scheme, V6_5};

/// v6.5 whose give-back of a batch that must hold nothing releases one pin
/// too few.
///
/// - **Wrong**: the generic GUP code is v6.5's, but the hook it calls to
///   give back everything a batch pinned when it must hold nothing
///   ([`Scheme::unpin_on_failure`]: gup_fast when `mm->write_protect_seq`
///   moved under it) unpins `pinned[..len - 1]`: one pin stays behind,
///   never released, and the caller, told that nothing was pinned, cannot
///   release it. (A batch that merely stops at a page it cannot pin gives
///   nothing back: it returns what it pinned, as the kernel's do.)
/// - **History**: "mm/gup: prevent gup_fast from racing with COW during
///   fork" (v5.11) makes gup_fast unpin its `nr_pinned` pages and return 0
///   when fork ran. Any off-by-one on such a give-back leaks a pin for
///   good.
/// - **Caught by**: P5 (exact recovery): `fork_vs_gup_fast` when fork runs
///   between gup_fast's two reads of the sequence count leaves a page with
///   a pin nobody holds (loom, shuttle, the explorer); the sequential
///   program space has no fork, so proptest and the fuzzers cannot show it.
pub struct BatchLeaksOnError;

impl pinref_model::Patch for BatchLeaksOnError {
    pinref_model::patch_of!(
        V6_5,
        "batch-leaks-on-error",
        "v6_5, but a batch's give-back releases one pin too few"
    );

    fn unpin_on_failure<P: Platform>(&self, pages: &[PageRef<'_, P>]) {
        // The flaw: one entry short of everything pinned so far.
        let _ = Scheme::unpin_user_pages(self, &pages[..pages.len().saturating_sub(1)]);
    }
}
