//! `foll-get-and-pin-accepted`: a grab or release asked for with both
//! `FOLL_GET` and `FOLL_PIN` is taken as a pin.

use super::delegate;
use pinref_model::sync::Platform;
use pinref_model::{Claims, GupError, GupFlags, PageRef, Scheme, V5_7};

/// v5.7 whose grabs and releases resolve `FOLL_GET | FOLL_PIN` to a pin
/// instead of refusing it.
///
/// - **Wrong**: `try_grab_folio`, `try_grab_compound_head` and
///   `put_compound_head` drop `FOLL_GET` when `FOLL_PIN` is also set, so
///   the contradictory request succeeds as a pin. The caller that asked
///   for both will release one of the two kinds, and whichever it picks
///   the release may not match what was taken.
/// - **History**: `try_grab_page` (v5.7) and `__get_user_pages_locked`
///   refuse the pair (`WARN_ON_ONCE`, `-EINVAL`): FOLL_GET and FOLL_PIN
///   are mutually exclusive by design of the FOLL_PIN series.
/// - **Caught by**: P7 (matched release: a mismatch is detected and
///   reported, not silently absorbed). No loom scenario asks for both
///   flags (`pin_user_pages*` refuse `FOLL_GET` before any grab), so the
///   proptest engine catches it with a `try_grab_page(.., FOLL_GET |
///   FOLL_PIN)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct FollGetAndPinAccepted;

/// The flaw: `FOLL_GET | FOLL_PIN` becomes `FOLL_PIN`.
fn pin_wins(flags: GupFlags) -> GupFlags {
    if flags.contains(GupFlags::FOLL_PIN) {
        GupFlags::from_bits(flags.bits() & !GupFlags::FOLL_GET.bits())
    } else {
        flags
    }
}

impl Scheme for FollGetAndPinAccepted {
    fn name(&self) -> &'static str {
        "foll-get-and-pin-accepted"
    }
    fn description(&self) -> &'static str {
        "v5_7, but FOLL_GET | FOLL_PIN is taken as a pin"
    }
    fn claims(&self) -> Claims {
        V5_7.claims()
    }
    delegate!(V5_7; counts_for, get_page, try_get_page, put_page, page_maybe_dma_pinned);

    fn try_grab_folio<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        V5_7.try_grab_folio(page, refs, pin_wins(flags))
    }

    fn try_grab_compound_head<'m, P: Platform>(
        &self,
        page: PageRef<'m, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<PageRef<'m, P>, GupError> {
        V5_7.try_grab_compound_head(page, refs, pin_wins(flags))
    }

    fn put_compound_head<P: Platform>(
        &self,
        page: PageRef<'_, P>,
        refs: i32,
        flags: GupFlags,
    ) -> Result<(), GupError> {
        V5_7.put_compound_head(page, refs, pin_wins(flags))
    }
}
