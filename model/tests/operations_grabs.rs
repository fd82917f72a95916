//! Grabs on a page found by its caller: `get_page`, `try_get_page`,
//! `try_grab_page` and `try_grab_folio`, on every built-in scheme.

mod operations_harness;

use operations_harness::*;
use pinref_model::page_ref::page_ref_count;
use pinref_model::sync::Std;
use pinref_model::{Devmap, GupError, GupFlags, MAX_REFS, PageRef, Scheme};

// ---------------------------------------------------------------- get_page

on_every_scheme! {
    fn get_page_refuses_nothing_as_a_production_kernel(scheme) {
        // `page_ref_zero_or_close_to_overflow` is a VM_BUG_ON: compiled only
        // with CONFIG_DEBUG_VM, where it crashes rather than refuses. A
        // production kernel increments whatever the count; the checker
        // reports the revival or the wrap it causes. (-127 to 0 is the
        // window the debug check covers.)
        let window = [0, -1, -64, -127].map(|count| (format!("count {count}"), count));
        let outside = [("get_page_accepts_a_count_just_outside_the_close_to_overflow_window".into(), -128)];

        each_case(window.into_iter().chain(outside), |count| {
            let memory = one_page_at(count);
            let page = memory.page(0)?;

            scheme.get_page(page)?;

            assert_eq!(page_ref_count(page), count + 1);
            Ok(())
        })
    }
}

// ------------------------------------------------------------ try_get_page

on_every_scheme! {
    fn try_get_page_adds_one_plain_reference(scheme) {
        // One plain reference above the page's free value (devmap: 1).
        let memory = one_page_at(1 + scheme.freed_at());
        let page = memory.page(0)?;

        scheme.try_get_page(page)?;

        assert_eq!(page_ref_count(page), 2 + scheme.freed_at());
        assert_eq!(memory.vmstat().acquired(), 0);
        Ok(())
    }
}

on_every_scheme! {
    fn try_get_page_refuses_a_count_that_is_not_positive(scheme) {
        each_case([0, -1, -128, i32::MIN].map(|count| (format!("count {count}"), count)), |count| {
            assert_refused_on(
                &one_page_at(count),
                |_, page| scheme.try_get_page(page).err(),
                GupError::RefcountNotPositive { pfn: 0, count },
            )
        })
    }
}

// ------------------------------------------------ what a grab adds, by hand

on_every_scheme! {
    fn a_grab_adds_what_it_takes_to_an_order_0_page(scheme) {
        // (refcount added, pins acquired) on a page holding one plain
        // reference: a plain reference is 1, a pin the bias, 1024. MAX_REFS
        // pins, 2,097,151 * 1024, fit below the sign bit with that plain
        // reference (and devmap's base) on top.
        type Grab<'s> = &'s dyn Fn(PageRef<'_, Std>) -> Result<(), GupError>;
        let pin_write_longterm =
            GupFlags::FOLL_PIN | GupFlags::FOLL_WRITE | GupFlags::FOLL_LONGTERM;
        let cases: [(&str, (Grab, i32, i32)); 7] = [
            ("get_page_adds_one_plain_reference", (&|page| scheme.get_page(page), 1, 0)),
            (
                "try_grab_page_with_foll_get_adds_one",
                (&|page| scheme.try_grab_page(page, GupFlags::FOLL_GET), 1, 0),
            ),
            (
                "try_grab_page_with_foll_pin_adds_the_bias_on_an_order_0_page",
                (&|page| scheme.try_grab_page(page, GupFlags::FOLL_PIN), 1024, 1),
            ),
            (
                "try_grab_page_ignores_flags_that_do_not_choose_a_kind",
                (&|page| scheme.try_grab_page(page, pin_write_longterm), 1024, 1),
            ),
            (
                "try_grab_folio_takes_refs_plain_references_in_one_grab",
                (&|page| scheme.try_grab_folio(page, 3, GupFlags::FOLL_GET), 3, 0),
            ),
            (
                "try_grab_folio_pins_refs_times_the_bias_on_an_order_0_page",
                (&|page| scheme.try_grab_folio(page, 3, GupFlags::FOLL_PIN), 3 * 1024, 3),
            ),
            (
                "try_grab_folio_accepts_max_refs",
                (
                    &|page| scheme.try_grab_folio(page, MAX_REFS, GupFlags::FOLL_PIN),
                    2_097_151 * 1024,
                    2_097_151,
                ),
            ),
        ];

        each_case(cases, |(grab, refcount, pins)| assert_grab_adds(&scheme, grab, refcount, pins))
    }
}

on_every_scheme! {
    fn a_grab_refuses_flags_that_do_not_choose_one_kind_of_reference(scheme) {
        let both = GupFlags::FOLL_GET | GupFlags::FOLL_PIN;
        type Grab<'s> = &'s dyn Fn(PageRef<'_, Std>) -> Option<GupError>;
        let cases: [(&str, (Grab, GupError)); 3] = [
            (
                "try_grab_page_refuses_foll_get_and_foll_pin_together",
                (&|page| scheme.try_grab_page(page, both).err(), GupError::FollGetAndPin),
            ),
            (
                "try_grab_page_refuses_neither_foll_get_nor_foll_pin",
                (
                    &|page| scheme.try_grab_page(page, GupFlags::FOLL_WRITE).err(),
                    GupError::NoReferenceRequested,
                ),
            ),
            (
                "try_grab_folio_refuses_foll_get_and_foll_pin_together",
                (&|page| scheme.try_grab_folio(page, 2, both).err(), GupError::FollGetAndPin),
            ),
        ];

        each_case(cases, |(grab, expected)| {
            assert_refused(&scheme, ONE_PLAIN, |_, page| grab(page), expected)
        })
    }
}

// ----------------------------------------------------------- try_grab_page

on_every_scheme! {
    fn try_grab_page_pin_refuses_a_count_that_is_not_positive(scheme) {
        each_case([0, -1, i32::MIN].map(|count| (format!("count {count}"), count)), |count| {
            // The seed's pin is gup_fast's grab: a negative count is
            // refused by its sign check, a count of 0 by its add unless 0.
            let expected = if scheme.name() == "seed" && count == 0 {
                GupError::SpeculativeGrabOnFreedPage { pfn: 0 }
            } else {
                GupError::RefcountNotPositive { pfn: 0, count }
            };
            assert_refused_on(
                &one_page_at(count),
                |_, page| scheme.try_grab_page(page, GupFlags::FOLL_PIN).err(),
                expected,
            )
        })
    }
}

on_every_scheme! {
    fn try_grab_page_pin_may_carry_the_count_past_the_sign_bit_then_refuses(scheme) {
        // The kernel's guard is `count <= 0`, checked before the add: the
        // last pin that fits below the sign bit is allowed to cross it (no
        // built-in scheme claims to refuse before overflow), and the next
        // grab sees a negative count and is refused.
        let memory = one_page_at(i32::MAX - 1023);
        let page = memory.page(0)?;

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
    fn try_grab_folio_refuses_refs_outside_one_to_max_refs(scheme) {
        let cases = [0, -1, i32::MIN, MAX_REFS + 1, i32::MAX].into_iter().flat_map(|refs| {
            [GupFlags::FOLL_GET, GupFlags::FOLL_PIN]
                .map(|flags| (format!("refs {refs}, {flags:?}"), (refs, flags)))
        });

        each_case(cases, |(refs, flags)| {
            assert_refused(
                &scheme,
                ONE_PLAIN,
                |_, page| scheme.try_grab_folio(page, refs, flags).err(),
                GupError::InvalidRefs { refs },
            )
        })
    }
}

on_every_scheme! {
    fn try_grab_folio_and_put_compound_head_with_the_same_refs_return_the_count(scheme) {
        assert_round_trip(
            &scheme,
            |page| scheme.try_grab_folio(page, 5, GupFlags::FOLL_PIN),
            |page| scheme.put_compound_head(page, 5, GupFlags::FOLL_PIN),
            5 * 1024,
            5,
        )
    }
}

/// A devmap page whose count dropped to 1 has been handed back to its
/// driver: the ghost spec (`GhostPage::expect_grab`) says every grab on it
/// must be refused, and the speculative grab does refuse it; the slow-path
/// grab must not revive it either.
#[test]
fn devmap_try_grab_page_refuses_a_page_handed_back_to_its_driver() -> TestResult {
    let memory = one_freed_page(&Devmap)?;
    let page = memory.page(0)?;
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
