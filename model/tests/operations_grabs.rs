//! Grabs on a page found by its caller: `get_page`, `try_get_page`,
//! `try_grab_page` and `try_grab_folio`, on every built-in scheme.

mod operations_harness;

use operations_harness::*;
use pinref_model::page_ref::{page_ref_count, pincount_read, set_page_count};
use pinref_model::sync::Std;
use pinref_model::{Devmap, GupError, GupFlags, Held, Layout, MAX_REFS, Memory, Scheme};

// ---------------------------------------------------------------- get_page

on_every_scheme! {
    fn get_page_adds_one_plain_reference(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 0 });
        let before = page_ref_count(page);

        scheme.get_page(page)?;

        assert_eq!(page_ref_count(page), before + 1);
        assert_eq!(memory.vmstat().acquired(), 0, "a plain reference is not a pin");
        Ok(())
    }
}

on_every_scheme! {
    fn get_page_refuses_nothing_as_a_production_kernel(scheme) {
        // `page_ref_zero_or_close_to_overflow` is a VM_BUG_ON: compiled only
        // with CONFIG_DEBUG_VM, where it crashes rather than refuses. A
        // production kernel increments whatever the count; the checker
        // reports the revival or the wrap it causes.
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;

        for count in [0, -1, -64, -127] {
            set_page_count(page, count);

            scheme.get_page(page)?;

            assert_eq!(page_ref_count(page), count + 1);
        }
        Ok(())
    }
}

on_every_scheme! {
    fn get_page_accepts_a_count_just_outside_the_close_to_overflow_window(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        set_page_count(page, -128);

        scheme.get_page(page)?;

        assert_eq!(page_ref_count(page), -127);
        Ok(())
    }
}

// ------------------------------------------------------------ try_get_page

on_every_scheme! {
    fn try_get_page_adds_one_plain_reference(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        // One plain reference above the page's free value (devmap: 1).
        set_page_count(page, 1 + scheme.freed_at());

        scheme.try_get_page(page)?;

        assert_eq!(page_ref_count(page), 2 + scheme.freed_at());
        assert_eq!(memory.vmstat().acquired(), 0);
        Ok(())
    }
}

on_every_scheme! {
    fn try_get_page_refuses_a_count_that_is_not_positive(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;

        for count in [0, -1, -128, i32::MIN] {
            set_page_count(page, count);
            let before = Snapshot::of(page);

            let result = scheme.try_get_page(page);

            assert_eq!(result, Err(GupError::RefcountNotPositive { pfn: 0, count }));
            assert_eq!(Snapshot::of(page), before);
        }
        Ok(())
    }
}

// ----------------------------------------------------------- try_grab_page

on_every_scheme! {
    fn try_grab_page_with_foll_get_adds_one(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 0 });
        let before = page_ref_count(page);

        scheme.try_grab_page(page, GupFlags::FOLL_GET)?;

        assert_eq!(page_ref_count(page), before + 1);
        assert_eq!(memory.vmstat().acquired(), 0);
        assert!(!scheme.page_dma_pinned(page));
        Ok(())
    }
}

on_every_scheme! {
    fn try_grab_page_with_foll_pin_adds_the_bias_on_an_order_0_page(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 0 });
        let before = page_ref_count(page);

        scheme.try_grab_page(page, GupFlags::FOLL_PIN)?;

        assert_eq!(page_ref_count(page), before + 1024);
        assert_eq!(pincount_read(page), 0, "an order-0 page keeps no exact pin count");
        assert_eq!(memory.vmstat().acquired(), 1);
        assert!(scheme.page_dma_pinned(page));
        Ok(())
    }
}

on_every_scheme! {
    fn try_grab_page_ignores_flags_that_do_not_choose_a_kind(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 0 });
        let before = page_ref_count(page);
        let flags = GupFlags::FOLL_PIN | GupFlags::FOLL_WRITE | GupFlags::FOLL_LONGTERM;

        scheme.try_grab_page(page, flags)?;

        assert_eq!(page_ref_count(page), before + 1024);
        Ok(())
    }
}

on_every_scheme! {
    fn try_grab_page_refuses_foll_get_and_foll_pin_together(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 0 });
        let before = Snapshot::of(page);

        let result = scheme.try_grab_page(page, GupFlags::FOLL_GET | GupFlags::FOLL_PIN);

        assert_eq!(result, Err(GupError::FollGetAndPin));
        assert_eq!(Snapshot::of(page), before);
        Ok(())
    }
}

on_every_scheme! {
    fn try_grab_page_refuses_neither_foll_get_nor_foll_pin(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 0 });
        let before = Snapshot::of(page);

        let result = scheme.try_grab_page(page, GupFlags::FOLL_WRITE);

        assert_eq!(result, Err(GupError::NoReferenceRequested));
        assert_eq!(Snapshot::of(page), before);
        Ok(())
    }
}

on_every_scheme! {
    fn try_grab_page_pin_refuses_a_count_that_is_not_positive(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;

        for count in [0, -1, i32::MIN] {
            set_page_count(page, count);
            let before = Snapshot::of(page);

            let result = scheme.try_grab_page(page, GupFlags::FOLL_PIN);

            // The seed's pin is gup_fast's grab: a negative count is
            // refused by its sign check, a count of 0 by its add unless 0.
            let expected = if scheme.name() == "seed" && count == 0 {
                GupError::SpeculativeGrabOnFreedPage { pfn: 0 }
            } else {
                GupError::RefcountNotPositive { pfn: 0, count }
            };
            assert_eq!(result, Err(expected));
            assert_eq!(Snapshot::of(page), before);
        }
        Ok(())
    }
}

on_every_scheme! {
    fn try_grab_page_pin_may_carry_the_count_past_the_sign_bit_then_refuses(scheme) {
        // The kernel's guard is `count <= 0`, checked before the add: the
        // last pin that fits below the sign bit is allowed to cross it (no
        // built-in scheme claims to refuse before overflow), and the next
        // grab sees a negative count and is refused.
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        set_page_count(page, i32::MAX - 1023);

        scheme.try_grab_page(page, GupFlags::FOLL_PIN)?;
        assert_eq!(page_ref_count(page), i32::MIN);
        assert!(!scheme.claims().refuses_before_overflow);

        let result = scheme.try_grab_page(page, GupFlags::FOLL_PIN);
        assert_eq!(result, Err(GupError::RefcountNotPositive { pfn: 0, count: i32::MIN }));
        assert_eq!(page_ref_count(page), i32::MIN);
        Ok(())
    }
}

// ---------------------------------------------------------- try_grab_folio

on_every_scheme! {
    fn try_grab_folio_takes_refs_plain_references_in_one_grab(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 0 });
        let before = page_ref_count(page);

        scheme.try_grab_folio(page, 3, GupFlags::FOLL_GET)?;

        assert_eq!(page_ref_count(page), before + 3);
        assert_eq!(memory.vmstat().acquired(), 0);
        Ok(())
    }
}

on_every_scheme! {
    fn try_grab_folio_pins_refs_times_the_bias_on_an_order_0_page(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 0 });
        let before = page_ref_count(page);

        scheme.try_grab_folio(page, 3, GupFlags::FOLL_PIN)?;

        assert_eq!(page_ref_count(page), before + 3 * 1024);
        assert_eq!(memory.vmstat().acquired(), 3);
        Ok(())
    }
}

on_every_scheme! {
    fn try_grab_folio_accepts_max_refs(scheme) {
        // MAX_REFS pins of an order-0 page: 2,097,151 * 1024 fits below the
        // sign bit with one plain reference (and devmap's base) on top.
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 0 });
        let before = page_ref_count(page);

        scheme.try_grab_folio(page, MAX_REFS, GupFlags::FOLL_PIN)?;

        assert_eq!(page_ref_count(page), before + 2_097_151 * 1024);
        assert_eq!(memory.vmstat().acquired(), 2_097_151);
        Ok(())
    }
}

on_every_scheme! {
    fn try_grab_folio_refuses_refs_outside_one_to_max_refs(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 0 });
        let before = Snapshot::of(page);

        for refs in [0, -1, i32::MIN, MAX_REFS + 1, i32::MAX] {
            for flags in [GupFlags::FOLL_GET, GupFlags::FOLL_PIN] {
                let result = scheme.try_grab_folio(page, refs, flags);

                assert_eq!(result, Err(GupError::InvalidRefs { refs }), "{flags:?}");
                assert_eq!(Snapshot::of(page), before);
            }
        }
        Ok(())
    }
}

on_every_scheme! {
    fn try_grab_folio_refuses_foll_get_and_foll_pin_together(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 0 });
        let before = Snapshot::of(page);

        let result = scheme.try_grab_folio(page, 2, GupFlags::FOLL_GET | GupFlags::FOLL_PIN);

        assert_eq!(result, Err(GupError::FollGetAndPin));
        assert_eq!(Snapshot::of(page), before);
        Ok(())
    }
}

on_every_scheme! {
    fn try_grab_folio_and_put_compound_head_with_the_same_refs_return_the_count(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 0 });
        let before = page_ref_count(page);

        scheme.try_grab_folio(page, 5, GupFlags::FOLL_PIN)?;
        scheme.put_compound_head(page, 5, GupFlags::FOLL_PIN)?;

        assert_eq!(page_ref_count(page), before);
        assert_eq!(memory.vmstat().acquired(), 5);
        assert_eq!(memory.vmstat().released(), 5);
        assert_eq!(page.times_freed(), 0);
        Ok(())
    }
}

/// A devmap page whose count dropped to 1 has been handed back to its
/// driver: the ghost spec (`GhostPage::expect_grab`) says every grab on it
/// must be refused, and the speculative grab does refuse it; the slow-path
/// grab must not revive it either.
#[test]
fn devmap_try_grab_page_refuses_a_page_handed_back_to_its_driver() -> TestResult {
    let memory = Memory::<Std>::new(&Layout::single_page());
    let page = memory.page(0)?;
    Devmap.init_page(page, Held { plain: 1, pins: 0 });
    Devmap.put_page(page)?;
    assert_eq!(page.times_freed(), 1);
    let before = Snapshot::of(page);

    let get = Devmap.try_grab_page(page, GupFlags::FOLL_GET);
    let pin = Devmap.try_grab_page(page, GupFlags::FOLL_PIN);
    let try_get = Devmap.try_get_page(page);

    assert!(get.is_err(), "FOLL_GET grab revived a freed devmap page");
    assert!(pin.is_err(), "FOLL_PIN grab revived a freed devmap page");
    assert!(try_get.is_err(), "try_get_page revived a freed devmap page");
    assert_eq!(Snapshot::of(page), before);
    Ok(())
}
