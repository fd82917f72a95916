//! `no-pin-barrier`: v6.5 without the `smp_mb__after_atomic()` after the
//! speculative pin.

use pinref_model::V6_5;
use pinref_model::scheme::bias::{BiasRules, BiasScheme};

/// v6.5 whose speculative grab does not order its pin before gup_fast's
/// re-read of the page table.
///
/// - **Wrong**: the grab adds `refs` (fully ordered), re-checks the folio,
///   then adds the pin's accounting (`_pincount`, or the rest of the bias)
///   with a relaxed add and no barrier after it. A sharer that clears the
///   entry and, after its own `smp_mb()`, reads the page unpinned can be
///   missed by gup_fast's re-read, which still sees the old entry: both
///   go on, and a pinned page is shared.
/// - **History**: exactly v5.14–v6.0; "mm: fix PageAnonExclusive clearing
///   racing with concurrent RCU GUP-fast" (v6.1) added the barrier, paired
///   with the sharer's.
/// - **Caught by**: P10 (speculation is safe): `anon_exclusive_vs_gup_fast`.
pub struct NoPinBarrier;

impl BiasScheme for NoPinBarrier {
    const RULES: BiasRules = BiasRules {
        barrier_after_pin: false,
        ..V6_5::RULES
    };
    const NAME: &'static str = "no-pin-barrier";
    const DESCRIPTION: &'static str =
        "v6_5, but no smp_mb__after_atomic between the pin and the PTE re-check";
}
