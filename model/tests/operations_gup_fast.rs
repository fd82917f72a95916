//! gup_fast: the speculative grab (`try_grab_compound_head`), one step of
//! the walk (`gup_fast_pte`) with its page-table re-check, and
//! `pin_user_pages_fast`.

mod operations_harness;

use operations_harness::*;
use pinref_model::page_ref::{page_ref_count, pincount_read};
use pinref_model::sync::Std;
use pinref_model::{
    Event, EventKind, GupError, GupFlags, Layout, Memory, Observer, PageRef, Scheme,
};
use std::sync::{Arc, OnceLock};

// ------------------------------------------------- try_grab_compound_head

on_every_scheme! {
    fn a_speculative_grab_adds_what_it_takes_to_an_order_0_page(scheme) {
        // (refcount added, pins acquired) on a page holding one plain
        // reference, by hand: a pin is the bias, 1024; a get of 3 is 3.
        type Grab<'s> = &'s dyn Fn(PageRef<'_, Std>) -> Result<(), GupError>;
        let cases: [(&str, (Grab, i32, i32)); 2] = [
            (
                "speculative_pin_adds_the_bias_and_returns_the_head",
                (
                    &|page| {
                        let head = scheme.try_grab_compound_head(page, 1, GupFlags::FOLL_PIN)?;
                        assert_eq!(head, page);
                        Ok(())
                    },
                    1024,
                    1,
                ),
            ),
            (
                "speculative_get_adds_refs",
                (
                    &|page| scheme.try_grab_compound_head(page, 3, GupFlags::FOLL_GET).map(drop),
                    3,
                    0,
                ),
            ),
        ];

        each_case(cases, |(grab, refcount, pins)| assert_grab_adds(&scheme, grab, refcount, pins))
    }
}

on_every_scheme! {
    fn speculative_grab_on_a_tail_returns_and_moves_the_head(scheme) {
        let memory = in_use(&scheme, &[0, 2])?;
        let head = memory.page(1)?;
        let tail = memory.page(3)?;
        let before = page_ref_count(head);

        let grabbed = scheme.try_grab_compound_head(tail, 1, GupFlags::FOLL_GET)?;

        assert_eq!(grabbed, head);
        assert_eq!(page_ref_count(head), before + 1);
        assert_eq!(page_ref_count(tail), 0);
        Ok(())
    }
}

on_every_scheme! {
    fn speculative_grab_never_revives_a_freed_page(scheme) {
        let cases = [GupFlags::FOLL_GET, GupFlags::FOLL_PIN].map(|flags| (format!("{flags:?}"), flags));

        each_case(cases, |flags| {
            let memory = one_freed_page(&scheme)?;
            assert_eq!(page_ref_count(memory.page(0)?), scheme.freed_at());
            assert_refused_on(
                &memory,
                |_, page| scheme.try_grab_compound_head(page, 1, flags).err(),
                GupError::SpeculativeGrabOnFreedPage { pfn: 0 },
            )
        })
    }
}

on_every_scheme! {
    fn speculative_grab_refuses_a_negative_count(scheme) {
        assert_refused_on(
            &one_page_at(-1),
            |_, page| scheme.try_grab_compound_head(page, 1, GupFlags::FOLL_PIN).err(),
            GupError::RefcountNotPositive { pfn: 0, count: -1 },
        )
    }
}

on_every_scheme! {
    fn gup_fast_refuses_what_it_cannot_grab_and_changes_nothing(scheme) {
        // On a page (pfn 0, at address 0) holding one plain reference.
        let both = GupFlags::FOLL_GET | GupFlags::FOLL_PIN;
        type Call<'s> = &'s dyn Fn(&Memory<Std>, PageRef<'_, Std>) -> Option<GupError>;
        let cases: [(&str, (Call, GupError)); 5] = [
            (
                "speculative_grab_refuses_foll_get_and_foll_pin_together",
                (
                    &|_, page| scheme.try_grab_compound_head(page, 1, both).err(),
                    GupError::FollGetAndPin,
                ),
            ),
            (
                "speculative_grab_refuses_neither_foll_get_nor_foll_pin",
                (
                    &|_, page| scheme.try_grab_compound_head(page, 1, GupFlags::NONE).err(),
                    GupError::NoReferenceRequested,
                ),
            ),
            (
                "speculative_grab_refuses_zero_refs",
                (
                    &|_, page| scheme.try_grab_compound_head(page, 0, GupFlags::FOLL_PIN).err(),
                    GupError::InvalidRefs { refs: 0 },
                ),
            ),
            (
                "gup_fast_pte_on_an_address_outside_the_page_table_is_not_mapped",
                (
                    &|memory, _| scheme.gup_fast_pte(memory, 1, GupFlags::FOLL_PIN).err(),
                    GupError::NotMapped { addr: 1 },
                ),
            ),
            (
                "pin_user_pages_fast_refuses_foll_get",
                (
                    &|memory, _| scheme.pin_user_pages_fast(memory, 0, 1, GupFlags::FOLL_GET).err(),
                    GupError::FollGetAndPin,
                ),
            ),
        ];

        each_case(cases, |(call, expected)| {
            assert_refused(&scheme, ONE_PLAIN, |memory, page| call(memory, page), expected)
        })
    }
}

on_every_scheme! {
    fn a_grab_and_its_matching_release_return_the_count(scheme) {
        // (grab, release, and by hand the refcount added and the pins
        // acquired by the grab) on a page holding one plain reference; the
        // release takes exactly that back.
        type Step<'s> = &'s dyn Fn(PageRef<'_, Std>) -> Result<(), GupError>;
        type Case<'s> = (Step<'s>, Step<'s>, i32, i32);
        let cases: [(&str, Case); 3] = [
            (
                // What gup_fast_pte does when the entry changed under it:
                // release exactly what the speculative grab took, with the
                // matching release.
                "failed_recheck_release_with_the_same_refs_and_flags_returns_the_count",
                (
                    &|page| scheme.try_grab_compound_head(page, 2, GupFlags::FOLL_PIN).map(drop),
                    &|page| scheme.put_compound_head(page, 2, GupFlags::FOLL_PIN),
                    2 * 1024,
                    2,
                ),
            ),
            (
                "gup_fast_pte_pin_round_trip_returns_the_count",
                (
                    &|page| {
                        let pinned = scheme.gup_fast_pte(page.memory(), 0, GupFlags::FOLL_PIN)?;
                        assert_eq!(pinned, page);
                        Ok(())
                    },
                    &|page| scheme.unpin_user_page(page),
                    1024,
                    1,
                ),
            ),
            (
                "gup_fast_pte_get_round_trip_returns_the_count",
                (
                    &|page| scheme.gup_fast_pte(page.memory(), 0, GupFlags::FOLL_GET).map(drop),
                    &|page| scheme.put_page(page),
                    1,
                    0,
                ),
            ),
        ];

        each_case(cases, |(grab, release, refcount, pins)| {
            assert_round_trip(&scheme, grab, release, refcount, pins)
        })
    }
}

// ------------------------------------------------------------ gup_fast_pte

on_every_scheme! {
    fn gup_fast_pte_returns_the_tail_it_was_asked_for_and_grabs_the_head(scheme) {
        let memory = in_use(&scheme, &[2])?;
        let head = memory.page(0)?;

        let page = scheme.gup_fast_pte(&memory, 2, GupFlags::FOLL_PIN)?;

        assert_eq!(page.pfn(), 2);
        assert!(scheme.page_dma_pinned(head));
        assert_eq!(page_ref_count(page), 0, "the tail's own count stays 0");
        Ok(())
    }
}

on_every_scheme! {
    fn gup_fast_pte_on_a_zapped_address_is_not_mapped_and_grabs_nothing(scheme) {
        assert_refused(
            &scheme,
            ONE_PLAIN,
            |memory, page| {
                assert_eq!(memory.zap_pte(0).ok()?, Some(page));
                scheme.gup_fast_pte(memory, 0, GupFlags::FOLL_PIN).err()
            },
            GupError::NotMapped { addr: 0 },
        )
    }
}

/// An observer that unmaps one address right after gup_fast's grab
/// succeeds, as an unmapper on another CPU could: the sequential way to
/// drive `gup_fast_pte` into its re-check failure.
struct ZapAfterGrab {
    memory: OnceLock<&'static Memory<Std>>,
    addr: usize,
}

impl Observer for ZapAfterGrab {
    fn event(&self, event: &Event) {
        let grabbed = matches!(
            event.kind,
            EventKind::Refcount {
                helper: "page_ref_add_unless",
                ..
            }
        );
        if let (true, Some(memory)) = (grabbed, self.memory.get()) {
            memory
                .zap_pte(self.addr)
                .expect("the address is in the page table");
        }
    }
}

on_every_scheme! {
    fn gup_fast_pte_releases_what_it_took_when_the_entry_changed_under_it(scheme) {
        let zapper = Arc::new(ZapAfterGrab { memory: OnceLock::new(), addr: 0 });
        let memory: &'static Memory<Std> =
            Box::leak(Box::new(Memory::new(&Layout::single_page()).with_observer(zapper.clone())));
        let page = memory.page(0)?;
        scheme.init_page(page, ONE_PLAIN);
        let before = page_ref_count(page);
        let _ = zapper.memory.set(memory);

        let result = scheme.gup_fast_pte(memory, 0, GupFlags::FOLL_PIN);

        assert_eq!(result, Err(GupError::PteChanged { addr: 0 }));
        assert_eq!(page_ref_count(page), before, "released exactly what was taken");
        assert_eq!(memory.vmstat().acquired(), 1);
        assert_eq!(memory.vmstat().released(), 1);
        assert_eq!(page.times_freed(), 0, "the mapping's reference is still held");
        Ok(())
    }
}

// ----------------------------------------------------- pin_user_pages_fast
// (Failing midway: with the slow path's failures, in operations_batches.rs.)

on_every_scheme! {
    fn pin_user_pages_fast_pins_an_order_0_page_and_each_subpage_of_a_compound_page(scheme) {
        let memory = in_use(&scheme, &[0, 2])?;
        let small = memory.page(0)?;
        let head = memory.page(1)?;
        let (small_before, head_before) = (page_ref_count(small), page_ref_count(head));
        let (per_pin, pincount_per_pin) = one_pin_moves(scheme.name(), 2);

        let pinned = scheme.pin_user_pages_fast(&memory, 0, 5, GupFlags::FOLL_WRITE)?;

        assert_eq!(pfns(&pinned), [0, 1, 2, 3, 4]);
        assert_eq!(page_ref_count(small), small_before + 1024);
        assert_eq!(page_ref_count(head), head_before + 4 * per_pin, "one grab per subpage");
        assert_eq!(pincount_read(head), 4 * pincount_per_pin);
        assert!(scheme.page_dma_pinned(small));
        assert!(scheme.page_dma_pinned(head));
        assert_eq!(memory.vmstat().acquired(), 5);

        scheme.unpin_user_pages(&pinned)?;
        assert!(!scheme.page_dma_pinned(small));
        assert!(!scheme.page_dma_pinned(head));
        assert_eq!(memory.vmstat().released(), 5);
        Ok(())
    }
}

on_every_scheme! {
    fn pin_user_pages_fast_over_an_unmapped_hole_returns_the_pages_before_the_hole(scheme) {
        let memory = in_use(&scheme, &[0, 0, 0])?;
        memory.zap_pte(1)?;

        let pinned = scheme.pin_user_pages_fast(&memory, 0, 3, GupFlags::NONE)?;

        assert_eq!(pfns(&pinned), [0]);
        assert_eq!(memory.vmstat().acquired(), 1);
        Ok(())
    }
}

on_every_scheme! {
    fn pin_user_pages_fast_hands_what_gup_fast_could_not_pin_to_the_slow_path(scheme) {
        // A read-only mapping stops gup_fast for FOLL_WRITE; the slow path
        // (which in the kernel would fault and break COW) takes the rest.
        let memory = in_use(&scheme, &[0, 0])?;
        memory.pte_wrprotect(1)?;

        let pinned = scheme.pin_user_pages_fast(&memory, 0, 2, GupFlags::FOLL_WRITE)?;

        assert_eq!(pfns(&pinned), [0, 1]);
        assert_eq!(memory.vmstat().acquired(), 2);
        Ok(())
    }
}
