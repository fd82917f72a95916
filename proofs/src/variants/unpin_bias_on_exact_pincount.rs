//! `unpin-bias-on-exact-pincount`: unpin subtracts the bias from a compound
//! page that counts its pins exactly.

use pinref_model::scheme::bias::{BiasRules, BiasScheme, Refs};
use pinref_model::scheme::bias_delta;
use pinref_model::{V6_5, sync::Platform};

/// v6.5 whose release scales `refs` by the bias on every page.
///
/// - **Wrong**: on a page with an exact pin count (a large folio; a
///   compound page of order > 1 in v5.7), a pin adds `refs` to
///   the refcount and `refs` to `hpage_pinned_refcount`; this unpin takes
///   `refs` from the pin count, as it should, but drops `refs *
///   GUP_PIN_COUNTING_BIAS` from the refcount, as for an order-0 page. The
///   refcount drops 1023 below what the pin added: below zero on a page
///   with few references, or a free while others still hold it.
/// - **History**: v5.7's `put_compound_head` scales `refs *=
///   GUP_PIN_COUNTING_BIAS` only in the `else` of
///   `hpage_pincount_available(page)`; the kernel's `VM_BUG_ON_PAGE(
///   page_ref_count(page) < refs)` that would notice is compiled out
///   without `CONFIG_DEBUG_VM`. Scaling unconditionally is this variant.
/// - **Caught by**: P3 (no underflow): the `compound` scenario's unpin of
///   an order-2 page takes its count from 2 to -1022.
pub struct UnpinBiasOnExactPincount;

impl BiasScheme for UnpinBiasOnExactPincount {
    const RULES: BiasRules = V6_5::RULES;
    fn release_refcount<P: Platform>(&self, release: &Refs<'_, P>) {
        // The flaw: the bias, whether or not the pin added it.
        let delta = bias_delta(release.kind, release.refs);
        V6_5.release_refcount(&Refs { delta, ..*release });
    }
    const NAME: &'static str = "unpin-bias-on-exact-pincount";
    const DESCRIPTION: &'static str =
        "v6_5, but unpin subtracts the bias even where pins are counted exactly";
}
