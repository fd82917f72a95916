//! `foll-get-and-pin-accepted`: a grab or release asked for with both
//! `FOLL_GET` and `FOLL_PIN` is taken as a pin.

use pinref_model::scheme::bias::{BiasRules, BiasScheme};
use pinref_model::{GupError, GupFlags, RefKind, V6_5};

/// v6.5 whose grabs and releases resolve `FOLL_GET | FOLL_PIN` to a pin
/// instead of refusing it.
///
/// - **Wrong**: the first step of every grab and release (which kind of
///   reference `flags` asks for) lets `FOLL_PIN` win over `FOLL_GET`, so
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
pub struct FollGetAndPinAccepted;

impl BiasScheme for FollGetAndPinAccepted {
    const RULES: BiasRules = V6_5::RULES;
    fn ref_kind(&self, flags: GupFlags) -> Result<RefKind, GupError> {
        // The flaw: `FOLL_PIN` wins, where the pair must be refused.
        if flags.contains(GupFlags::FOLL_PIN) {
            return Ok(RefKind::Pin);
        }
        flags.ref_kind()
    }
    const NAME: &'static str = "foll-get-and-pin-accepted";
    const DESCRIPTION: &'static str = "v6_5, but FOLL_GET | FOLL_PIN is taken as a pin";
}
