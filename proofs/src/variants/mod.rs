//! The flawed-variant catalogue: "the checker has teeth".
//!
//! Each variant is a refcount scheme one deliberate mistake away from a
//! kernel-faithful one, written exactly
//! as a user would write one, through the public doors alone, and stating
//! only its difference, as a kernel patch does:
//!
//! - a [`pinref_model::scheme::bias::BiasScheme`] with its base's rules and
//!   the one kernel step it gets wrong (a guard, a statistic, the refcount
//!   drop, the predicate), when the mistake is inside a primitive;
//! - a [`pinref_model::Patch`] on its base with the one operation it gets
//!   wrong (an error-path hook, the batch unpin, a whole primitive), when
//!   the mistake is a whole operation or in the generic GUP code.
//!
//! Each variant is built on the newest version whose rules it needs
//! ([`V6_5`], which has no known bug, or [`Devmap`] for device pages), so
//! that no known bug of an older version stands between the variant and
//! the property its own mistake breaks.
//!
//! Each impl states its base first (the rules or the scheme it follows),
//! then the one step or operation it gets wrong, then its name. Each
//! file's doc comment says what is wrong, which piece of kernel
//! history the mistake echoes, and which property should catch it;
//! [`catalogue`] lists them with the same facts for reports, and
//! `tests/variants.rs` checks that every one of them is caught by that
//! property (loom first, then the model-based proptest engine).

pub mod batch_leaks_on_error;
pub mod devmap_frees_at_zero;
pub mod dirty_after_unpin;
pub mod dirty_tail_not_head;
pub mod foll_get_and_pin_accepted;
pub mod grab_without_guard;
pub mod gup_fast_ignores_fork;
pub mod no_overflow_guard;
pub mod no_pin_barrier;
pub mod pincount_order_mismatch;
pub mod predicate_off_by_one;
pub mod put_load_store;
pub mod put_relaxed_final_decrement;
pub mod put_sub_then_read;
pub mod recheck_put_page;
pub mod signed_predicate;
pub mod speculative_add_without_unless_zero;
pub mod speculative_grab_no_head_recheck;
pub mod stat_after_release;
pub mod stats_refs_vs_pages;
pub mod unpin_bias_on_exact_pincount;
pub mod unpin_subtracts_one;
pub mod unpin_tail_not_head;
pub mod zero_page_unpin_counted;

use crate::properties::Property;
use crate::schemes::SchemeEntry;
use pinref_model::Scheme;

#[cfg(doc)]
use pinref_model::{Devmap, V6_5};

/// One flawed variant: its catalogue entry (name, claims, the loom engine
/// instantiated for it) and what is wrong with it.
#[derive(Clone)]
pub struct Variant {
    /// The scheme, type-erased as every checked scheme is.
    pub entry: SchemeEntry,
    /// The mistake, in one sentence.
    pub flaw: &'static str,
    /// The piece of kernel history it echoes.
    pub history: &'static str,
    /// The property that should catch it.
    pub expected_property: Property,
}

impl Variant {
    /// The variant `scheme`.
    pub fn new<S: Scheme>(
        scheme: S,
        expected_property: Property,
        flaw: &'static str,
        history: &'static str,
    ) -> Variant {
        Variant {
            entry: SchemeEntry::new(scheme),
            flaw,
            history,
            expected_property,
        }
    }

    /// The variant's stable name ([`Scheme::name`]).
    pub fn name(&self) -> &'static str {
        self.entry.name
    }
}

/// Every flawed variant, each with the property that should catch it.
pub fn catalogue() -> Vec<Variant> {
    use Property::*;
    vec![
        Variant::new(
            unpin_subtracts_one::UnpinSubtractsOne,
            P2,
            "unpin subtracts 1 per pin instead of GUP_PIN_COUNTING_BIAS",
            "the put/unpin mismatch the FOLL_PIN series (2019-2020) was written to prevent",
        ),
        Variant::new(
            unpin_bias_on_exact_pincount::UnpinBiasOnExactPincount,
            P3,
            "unpin subtracts refs * GUP_PIN_COUNTING_BIAS from a compound page whose pins \
             added only refs (counted exactly in hpage_pinned_refcount)",
            "v5.7's put_compound_head scales refs by the bias only when \
             !hpage_pincount_available(page)",
        ),
        Variant::new(
            recheck_put_page::RecheckPutPage,
            P10,
            "gup_fast's failed page-table re-check releases a pin with put_page (drops 1, \
             leaks 1023)",
            "gup_fast's failure path must release what the grab took \
             (put_compound_head(head, refs, flags) by the Jan 2020 relaunch of the series)",
        ),
        Variant::new(
            put_load_store::PutLoadStore,
            P5,
            "put_page and unpin release with a separate load and store instead of one atomic \
             read-modify-write",
            "the classic lost update the atomic_t helpers exist to prevent",
        ),
        Variant::new(
            grab_without_guard::GrabWithoutGuard,
            P10,
            "try_grab_folio refuses `count < 0` instead of `count <= 0`: a grab on a freed \
             (or frozen) page revives it",
            "the <= 0 guards of try_get_page / try_grab_page (CVE-2019-11487 fix, 2019) and \
             try_grab_folio",
        ),
        Variant::new(
            speculative_grab_no_head_recheck::SpeculativeGrabNoHeadRecheck,
            P1,
            "gup_fast's speculative grab does not re-check, after grabbing, that the page \
             still belongs to the head it grabbed",
            "the gup_fast vs split_huge_page race, fixed in 2021 by re-checking the head",
        ),
        Variant::new(
            speculative_add_without_unless_zero::SpeculativeAddWithoutUnlessZero,
            P10,
            "gup_fast's speculative grab checks the count, then adds with page_ref_add, \
             instead of page_ref_add_unless(.., 0)",
            "page_cache_get_speculative / try_get_compound_head: add unless zero, atomically",
        ),
        Variant::new(
            no_overflow_guard::NoOverflowGuard,
            P6,
            "grabs refuse only a free page (count == 0), not a count wrapped past the sign bit",
            "CVE-2019-11487: a refcount wrapped with ~4 billion references and the page was \
             freed while in use",
        ),
        Variant::new(
            predicate_off_by_one::PredicateOffByOne,
            P1,
            "page_maybe_dma_pinned compares `> GUP_PIN_COUNTING_BIAS` instead of `>=`",
            "page_dma_pinned / page_maybe_dma_pinned (v5.7): pinned iff count >= 1024",
        ),
        Variant::new(
            batch_leaks_on_error::BatchLeaksOnError,
            P5,
            "a batch that must hold nothing (a failed pin_user_pages*, gup_fast after a fork) \
             gives back all but the last page it pinned",
            "v5.11's gup_fast gives back every pin (unpin_user_pages(pages, nr_pinned)) when \
             mm->write_protect_seq moved",
        ),
        Variant::new(
            foll_get_and_pin_accepted::FollGetAndPinAccepted,
            P7,
            "FOLL_GET | FOLL_PIN is accepted and taken as a pin instead of refused",
            "the WARN_ON_ONCE((flags & (FOLL_PIN | FOLL_GET)) == (FOLL_PIN | FOLL_GET)) of \
             try_grab_page (v5.7)",
        ),
        Variant::new(
            unpin_tail_not_head::UnpinTailNotHead,
            P7,
            "unpin_user_pages releases the page it is given, a tail included, instead of its \
             compound head",
            "every page_ref helper acts on compound_head(page); unpin_user_pages_dirty_lock \
             and unpin_user_pages have taken the head since v5.7",
        ),
        Variant::new(
            stats_refs_vs_pages::StatsRefsVsPages,
            P9,
            "nr_foll_pin_acquired counts 1 per grab call while nr_foll_pin_released counts 1 \
             per page",
            "NR_FOLL_PIN_ACQUIRED / NR_FOLL_PIN_RELEASED (v5.7) and their later refs-based \
             accounting for batched folio grabs",
        ),
        Variant::new(
            dirty_after_unpin::DirtyAfterUnpin,
            P8,
            "unpin_user_pages_dirty_lock unpins first and marks the page dirty after",
            "set_page_dirty_lock before the unpin in unpin_user_pages_dirty_lock (v5.7): the \
             dirty mark must be visible before the pin is dropped",
        ),
        Variant::new(
            devmap_frees_at_zero::DevmapFreesAtZero,
            P4,
            "device pages are released with the order-0 sub-and-test, which hands them back \
             at 0, never at 1",
            "v5.7's put_devmap_managed_page and __unpin_devmap_managed_user_page: 1-based \
             device pages",
        ),
        Variant::new(
            put_sub_then_read::PutSubThenRead,
            P4,
            "the last release subtracts (relaxed, no value) and then reads the count to \
             decide the free",
            "the atomic_dec(); if (!atomic_read()) anti-pattern that the kernel's \
             *_and_test helpers replace",
        ),
        Variant::new(
            put_relaxed_final_decrement::PutRelaxedFinalDecrement,
            P4,
            "the release's decrement is relaxed (page_ref_sub_and_test_ordered(.., Relaxed)) \
             where the kernel's is fully ordered",
            "value-returning atomic_t RMWs are fully ordered; refcount_t's dec_and_test \
             gained ACQUIRE ordering on success in v5.1 because the freeing side needs it",
        ),
        Variant::new(
            stat_after_release::StatAfterRelease,
            P4,
            "unpin counts nr_foll_pin_released after the release that may free the page",
            "mod_node_page_state(page_pgdat(page), ..) reads the page: later kernels count \
             the release before dropping the reference",
        ),
        Variant::new(
            signed_predicate::SignedPredicate,
            P1,
            "page_maybe_dma_pinned compares signed, yet the scheme claims pins past the sign \
             bit still read as pinned",
            "no kernel compared signed (the seed's 1UL << 10 bias makes C compare unsigned); \
             the natural mistake of a port",
        ),
        Variant::new(
            pincount_order_mismatch::PincountOrderMismatch,
            P1,
            "v6.5 (folios), but the slow-path grab keeps v5.7-v5.17's order > 1 rule for the \
             exact pin count while the predicate and release use the folio rule (order >= 1)",
            "hpage_pinned_refcount (v5.7, order > 1) became folio->_pincount (every large \
             folio)",
        ),
        Variant::new(
            gup_fast_ignores_fork::GupFastIgnoresFork,
            P1,
            "gup_fast with FOLL_PIN does not watch mm->write_protect_seq, so fork can share a \
             page it pins",
            "\"mm/gup: prevent gup_fast from racing with COW during fork\" (v5.11)",
        ),
        Variant::new(
            no_pin_barrier::NoPinBarrier,
            P10,
            "no smp_mb__after_atomic between the speculative pin and gup_fast's page-table \
             re-check",
            "v5.14-v6.0; \"mm: fix PageAnonExclusive clearing racing with concurrent RCU \
             GUP-fast\" (v6.1)",
        ),
        Variant::new(
            zero_page_unpin_counted::ZeroPageUnpinCounted,
            P3,
            "the grabs skip the zero page but gup_put_folio releases a pin of it",
            "\"mm: Don't pin ZERO_PAGE in pin_user_pages()\" (v6.5) tests is_zero_folio on \
             both sides",
        ),
        Variant::new(
            dirty_tail_not_head::DirtyTailNotHead,
            P8,
            "unpin_user_pages_dirty_lock dirties the tail it is given, where writeback reads \
             the head's flags",
            "the batch unpins walk heads (v5.13+) and folio_mark_dirty takes the folio (v5.18)",
        ),
    ]
}
