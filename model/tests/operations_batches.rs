//! `pin_user_pages`, the slow path: one grab per (compound) page, one entry
//! per address, and, when it fails, the pages pinned before the failure
//! (also for `pin_user_pages_fast`, whose rest the slow path takes).

mod operations_harness;

use operations_harness::*;
use pinref_model::page_ref::{page_ref_count, pincount_read};
use pinref_model::sync::Std;
use pinref_model::{EventKind, GupError, GupFlags, Memory, PageRef, Scheme};

on_every_scheme! {
    fn pin_user_pages_returns_one_entry_per_mapped_address_in_range(scheme) {
        // On an order-0 page (pfn 0) and an order-2 page (pfns 1 to 4), each
        // holding one plain reference: (start, nr_pages) and, by hand, the
        // frames pinned, of which how many on the order-0 page and how many
        // on the compound one. Each entry is one pin, counted acquired.
        let cases = [
            ("pin_user_pages_returns_one_entry_per_address", (0, 5, vec![0, 1, 2, 3, 4], 1, 4)),
            (
                "pin_user_pages_starting_inside_a_compound_page_grabs_only_the_subpages_in_range",
                (1, 2, vec![1, 2], 0, 2),
            ),
            ("pin_user_pages_of_no_pages_pins_nothing", (0, 0, vec![], 0, 0)),
            (
                "pin_user_pages_past_the_end_of_the_page_table_pins_what_is_mapped",
                (3, 4, vec![3, 4], 0, 2),
            ),
        ];
        let (per_pin, pincount_per_pin) = one_pin_moves(scheme.name(), 2);

        each_case(cases, |(start, nr, expected, small_pins, compound_pins)| {
            let memory = in_use(&scheme, &[0, 2])?;
            let (small, head) = (memory.page(0)?, memory.page(1)?);
            let before = [small, head].map(PageCounts::of);

            let pinned = scheme.pin_user_pages(&memory, start, nr, GupFlags::FOLL_WRITE)?;

            assert_eq!(pfns(&pinned), expected);
            let small_after = PageCounts { refcount: before[0].refcount + small_pins * 1024, ..before[0] };
            let head_after = PageCounts {
                refcount: before[1].refcount + compound_pins * per_pin,
                pincount: before[1].pincount + compound_pins * pincount_per_pin,
                ..before[1]
            };
            assert_eq!([small, head].map(PageCounts::of), [small_after, head_after]);
            assert_eq!(scheme.page_dma_pinned(small), small_pins > 0, "order-0 page pinned");
            assert_eq!(scheme.page_dma_pinned(head), compound_pins > 0, "compound page pinned");
            assert_eq!(memory.vmstat().acquired(), small_pins + compound_pins);
            assert_eq!(memory.vmstat().released(), 0);
            Ok(())
        })
    }
}

on_every_scheme! {
    fn pin_user_pages_grabs_a_compound_page_once_with_refs_equal_to_its_subpages(scheme) {
        let (memory, log) = observed_holding(&scheme, &[0, 2], ONE_PLAIN)?;
        let small = memory.page(0)?;
        let head = memory.page(1)?;
        let (small_before, head_before) = (page_ref_count(small), page_ref_count(head));
        let (per_pin, pincount_per_pin) = one_pin_moves(scheme.name(), 2);

        scheme.pin_user_pages(&memory, 0, 5, GupFlags::NONE)?;

        let head_updates: Vec<(i32, i32)> = log
            .events()
            .iter()
            .filter(|event| event.pfn == 1)
            .filter_map(|event| match event.kind {
                EventKind::Refcount { old, new, .. } => Some((old, new)),
                _ => None,
            })
            .collect();
        assert_eq!(head_updates, [(head_before, head_before + 4 * per_pin)], "one grab of 4");
        assert_eq!(page_ref_count(small), small_before + 1024);
        assert_eq!(page_ref_count(head), head_before + 4 * per_pin);
        assert_eq!(pincount_read(head), 4 * pincount_per_pin);
        assert_eq!(memory.vmstat().acquired(), 5, "+refs on each pin");
        Ok(())
    }
}

on_every_scheme! {
    fn pin_user_pages_then_unpin_user_pages_returns_every_count(scheme) {
        let memory = in_use(&scheme, &[0, 2, 1])?;
        let heads = [memory.page(0)?, memory.page(1)?, memory.page(5)?];
        let before = heads.map(Snapshot::of);

        let pinned = scheme.pin_user_pages(&memory, 0, 7, GupFlags::NONE)?;
        assert_eq!(pinned.len(), 7);
        for head in heads {
            assert!(scheme.page_dma_pinned(head), "{head:?}");
        }
        scheme.unpin_user_pages(&pinned)?;

        for (head, before) in heads.iter().zip(before) {
            assert_eq!(page_ref_count(*head), before.refcount, "{head:?}");
            assert_eq!(pincount_read(*head), before.pincount, "{head:?}");
            assert!(!scheme.page_dma_pinned(*head), "{head:?}");
        }
        assert_eq!(memory.vmstat().acquired(), 7);
        assert_eq!(memory.vmstat().released(), 7, "+1 per unpinned page");
        Ok(())
    }
}

on_every_scheme! {
    fn pin_user_pages_refuses_what_it_cannot_pin_and_changes_nothing(scheme) {
        // On a page (pfn 0, at address 0) holding one plain reference: the
        // error is the call's result only when nothing was pinned before it.
        let cases = [
            ("pin_user_pages_refuses_foll_get", (0, GupFlags::FOLL_GET, GupError::FollGetAndPin)),
            (
                "pin_user_pages_refuses_foll_get_and_foll_pin_together",
                (0, GupFlags::FOLL_GET | GupFlags::FOLL_PIN, GupError::FollGetAndPin),
            ),
            (
                "pin_user_pages_failing_at_the_first_page_is_the_error",
                (1, GupFlags::NONE, GupError::NotMapped { addr: 1 }),
            ),
        ];

        each_case(cases, |(start, flags, expected)| {
            assert_refused(
                &scheme,
                ONE_PLAIN,
                |memory, _| scheme.pin_user_pages(memory, start, 1, flags).err(),
                expected,
            )
        })
    }
}

on_every_scheme! {
    fn a_batch_failing_on_a_freed_page_returns_the_pages_pinned_before_it(scheme) {
        // (the pages, the batch over all of them, the frames it returns) on
        // pages in use but the last, which is freed (devmap: handed back).
        type Batch<'s> =
            &'s dyn for<'m> Fn(&'m Memory<Std>) -> Result<Vec<PageRef<'m, Std>>, GupError>;
        type Case<'s> = (&'s [u32], Batch<'s>, &'s [usize]);
        let cases: [(&str, Case); 2] = [
            (
                // "return i ? i : ret": the slow path stops at the page it
                // cannot pin and returns what it pinned; the caller must
                // unpin them.
                "pin_user_pages_failing_on_a_freed_page_returns_the_pages_pinned_before_it",
                (
                    &[0, 2, 0],
                    &|memory| scheme.pin_user_pages(memory, 0, 6, GupFlags::NONE),
                    &[0, 1, 2, 3, 4],
                ),
            ),
            (
                // gup_fast stops at the freed page; the slow path, handed
                // the rest, refuses it too; what gup_fast pinned is
                // returned.
                "pin_user_pages_fast_failing_midway_returns_the_pages_pinned_before_it",
                (
                    &[0, 0, 0],
                    &|memory| scheme.pin_user_pages_fast(memory, 0, 3, GupFlags::NONE),
                    &[0, 1],
                ),
            ),
        ];

        each_case(cases, |(orders, batch, pinned)| {
            assert_batch_stops_at_a_freed_page(&scheme, orders, batch, pinned)
        })
    }
}

on_every_scheme! {
    fn pin_user_pages_failing_on_an_unmapped_address_returns_the_pages_pinned_before_it(scheme) {
        let memory = in_use(&scheme, &[0, 2])?;
        memory.zap_pte(3)?;

        let pinned = scheme.pin_user_pages(&memory, 0, 5, GupFlags::NONE)?;

        assert_eq!(pfns(&pinned), [0, 1, 2], "page 0, then subpages 1 and 2 in one grab");
        assert_eq!(memory.vmstat().acquired(), 3);
        assert_eq!(memory.vmstat().released(), 0);
        Ok(())
    }
}
