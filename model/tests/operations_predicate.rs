//! `page_dma_pinned` / `page_maybe_dma_pinned` on pages that take the bias,
//! the signed and unsigned comparisons, and the carry of plain references
//! into the pin bits.

mod operations_harness;

use operations_harness::*;
use pinref_model::page_ref::{page_ref_count, set_page_count};
use pinref_model::sync::Std;
use pinref_model::{Devmap, Folio, GupFlags, Held, Layout, Memory, Scheme, Seed, V5_7};

on_every_scheme! {
    fn page_dma_pinned_is_true_at_exactly_the_bias(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        set_page_count(page, 1024);

        assert!(scheme.page_dma_pinned(page));
        assert!(scheme.page_maybe_dma_pinned(page));
        Ok(())
    }
}

on_every_scheme! {
    fn page_dma_pinned_is_false_one_below_the_bias(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        set_page_count(page, 1023);

        assert!(!scheme.page_dma_pinned(page));
        assert!(!scheme.page_maybe_dma_pinned(page));
        Ok(())
    }
}

on_every_scheme! {
    fn page_dma_pinned_is_false_for_an_idle_page(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 0 });

        assert!(!scheme.page_dma_pinned(page));
        Ok(())
    }
}

on_every_scheme! {
    fn page_dma_pinned_is_true_while_one_pin_is_held(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 0 });

        scheme.try_grab_page(page, GupFlags::FOLL_PIN)?;
        assert!(scheme.page_dma_pinned(page));

        scheme.unpin_user_page(page)?;
        assert!(!scheme.page_dma_pinned(page));
        Ok(())
    }
}

on_schemes! {
    [seed: Seed, v5_7: V5_7, folio: Folio]
    fn page_maybe_dma_pinned_compares_unsigned_so_a_count_past_the_sign_bit_reads_pinned(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 1 << 21 });
        assert_eq!(page_ref_count(page), i32::MIN + 1);

        assert!(scheme.page_maybe_dma_pinned(page));
        assert!(scheme.claims().pinned_after_overflow);
        Ok(())
    }
}

#[test]
fn devmap_page_maybe_dma_pinned_compares_unsigned_so_a_count_past_the_sign_bit_reads_pinned()
-> TestResult {
    let memory = Memory::<Std>::new(&Layout::single_page());
    let page = memory.page(0)?;
    Devmap.init_page(
        page,
        Held {
            plain: 0,
            pins: 1 << 21,
        },
    );
    assert_eq!(page_ref_count(page), i32::MIN + 1);

    assert!(Devmap.page_maybe_dma_pinned(page));
    Ok(())
}

#[test]
fn every_version_claims_pinned_after_overflow() {
    // The seed's bias is `1UL << 10`, so C compares the int count unsigned;
    // later revisions cast to `unsigned int`. No version compared signed.
    for claims in [
        Seed.claims(),
        V5_7.claims(),
        Folio.claims(),
        Devmap.claims(),
    ] {
        assert!(claims.pinned_after_overflow);
    }
}

on_every_scheme! {
    fn a_pin_that_crosses_the_sign_bit_unpins_back_to_the_exact_count(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        set_page_count(page, i32::MAX - 1000);

        scheme.try_grab_page(page, GupFlags::FOLL_PIN)?;
        assert_eq!(page_ref_count(page), i32::MIN + 23);
        scheme.unpin_user_page(page)?;

        assert_eq!(page_ref_count(page), i32::MAX - 1000);
        assert_eq!(page.times_freed(), 0);
        Ok(())
    }
}

// ------------------------------------------------------------------ carry

on_every_scheme! {
    fn carry_1023_plain_references_then_pin_then_unpin_returns_to_1023(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        set_page_count(page, 1023);

        scheme.try_grab_page(page, GupFlags::FOLL_PIN)?;
        assert_eq!(page_ref_count(page), 2047);
        assert!(scheme.page_dma_pinned(page));

        scheme.unpin_user_page(page)?;
        assert_eq!(page_ref_count(page), 1023);
        assert!(!scheme.page_dma_pinned(page));
        Ok(())
    }
}

on_every_scheme! {
    fn carry_2047_plain_references_then_pin_then_unpin_returns_to_2047(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        set_page_count(page, 2047);

        scheme.try_grab_page(page, GupFlags::FOLL_PIN)?;
        assert_eq!(page_ref_count(page), 3071);

        scheme.unpin_user_page(page)?;
        assert_eq!(page_ref_count(page), 2047);
        assert_eq!(memory.vmstat().acquired(), 1);
        assert_eq!(memory.vmstat().released(), 1);
        Ok(())
    }
}

on_every_scheme! {
    fn carry_1024_plain_references_read_as_a_false_positive_with_no_pin(scheme) {
        // P2: allowed, and only from here up.
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1023 - i64::from(scheme.freed_at()), pins: 0 });

        scheme.get_page(page)?;

        assert_eq!(page_ref_count(page), 1024);
        assert!(scheme.page_dma_pinned(page));
        Ok(())
    }
}

on_every_scheme! {
    fn carry_plain_references_added_while_pinned_come_back_off_exactly(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        set_page_count(page, 1000);

        scheme.try_grab_page(page, GupFlags::FOLL_PIN)?;
        for _ in 0..100 {
            scheme.get_page(page)?;
        }
        assert_eq!(page_ref_count(page), 1000 + 1024 + 100);
        scheme.unpin_user_page(page)?;
        for _ in 0..100 {
            scheme.put_page(page)?;
        }

        assert_eq!(page_ref_count(page), 1000);
        Ok(())
    }
}
