//! `page_dma_pinned` / `page_maybe_dma_pinned` on pages that take the bias,
//! the signed and unsigned comparisons, and the carry of plain references
//! into the pin bits.

mod operations_harness;

use operations_harness::*;
use pinref_model::page_ref::page_ref_count;
use pinref_model::{Devmap, Folio, GupFlags, Held, Scheme, Seed, V5_7};

on_every_scheme! {
    fn page_dma_pinned_reads_the_count_against_the_bias(scheme) {
        // (the head's count, and by hand whether both predicates read it
        // pinned): pinned from exactly the bias up.
        let cases = [
            ("page_dma_pinned_is_true_at_exactly_the_bias", (1024, true)),
            ("page_dma_pinned_is_false_one_below_the_bias", (1023, false)),
            // One plain reference (devmap: on top of the pgmap's).
            ("page_dma_pinned_is_false_for_an_idle_page", (1 + scheme.freed_at(), false)),
        ];

        each_case(cases, |(count, pinned)| {
            let memory = one_page_at(count);
            let page = memory.page(0)?;

            assert_eq!(scheme.page_dma_pinned(page), pinned, "page_dma_pinned");
            assert_eq!(scheme.page_maybe_dma_pinned(page), pinned, "page_maybe_dma_pinned");
            Ok(())
        })
    }
}

on_every_scheme! {
    fn page_dma_pinned_is_true_while_one_pin_is_held(scheme) {
        assert_round_trip(
            &scheme,
            |page| scheme.try_grab_page(page, GupFlags::FOLL_PIN),
            |page| scheme.unpin_user_page(page),
            1024,
            1,
        )
    }
}

on_every_scheme! {
    fn page_maybe_dma_pinned_compares_unsigned_so_a_count_past_the_sign_bit_reads_pinned(scheme) {
        // 2^21 pins of the bias, and one plain reference counting devmap's
        // pgmap reference: 2^31 + 1.
        let memory = one_page(&scheme, Held { plain: 1 - i64::from(scheme.freed_at()), pins: 1 << 21 });
        let page = memory.page(0)?;
        assert_eq!(page_ref_count(page), i32::MIN + 1);

        assert!(scheme.page_maybe_dma_pinned(page));
        assert!(scheme.claims().pinned_after_overflow);
        Ok(())
    }
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

// ------------------------------------------------------------------ carry

on_every_scheme! {
    fn a_pin_then_its_unpin_returns_a_count_to_exactly_where_it_was(scheme) {
        // (the count set outright, by hand the count while pinned, and
        // whether the count reads pinned once unpinned: from the bias up it
        // does, with no pin held).
        let cases = [
            (
                "a_pin_that_crosses_the_sign_bit_unpins_back_to_the_exact_count",
                (i32::MAX - 1000, i32::MIN + 23, true),
            ),
            ("carry_1023_plain_references_then_pin_then_unpin_returns_to_1023", (1023, 2047, false)),
            ("carry_2047_plain_references_then_pin_then_unpin_returns_to_2047", (2047, 3071, true)),
        ];

        each_case(cases, |(count, while_pinned, pinned_after)| {
            let memory = one_page_at(count);
            let page = memory.page(0)?;
            let before = Snapshot::of(page);

            scheme.try_grab_page(page, GupFlags::FOLL_PIN)?;
            assert_eq!(page_ref_count(page), while_pinned);
            assert!(scheme.page_dma_pinned(page), "pinned");
            scheme.unpin_user_page(page)?;

            assert_eq!(Snapshot::of(page), before.moved(0, 1, 1));
            assert_eq!(scheme.page_dma_pinned(page), pinned_after, "unpinned");
            Ok(())
        })
    }
}

on_every_scheme! {
    fn carry_1024_plain_references_read_as_a_false_positive_with_no_pin(scheme) {
        // P2: allowed, and only from here up.
        let memory = one_page(&scheme, Held { plain: 1023 - i64::from(scheme.freed_at()), pins: 0 });
        let page = memory.page(0)?;

        scheme.get_page(page)?;

        assert_eq!(page_ref_count(page), 1024);
        assert!(scheme.page_dma_pinned(page));
        Ok(())
    }
}

on_every_scheme! {
    fn carry_plain_references_added_while_pinned_come_back_off_exactly(scheme) {
        let memory = one_page_at(1000);
        let page = memory.page(0)?;

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
