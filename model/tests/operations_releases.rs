//! Releases: `put_page`, `unpin_user_page`, `unpin_user_pages`,
//! `unpin_user_pages_dirty_lock`, and what the free leaves behind.

mod operations_harness;

use operations_harness::*;
use pinref_model::page_flags::page_dirty;
use pinref_model::page_ref::page_ref_count;
use pinref_model::sync::Std;
use pinref_model::{EventKind, GupError, GupFlags, Held, PageRef, Scheme, Seed};

// ------------------------------------------------ a release, by hand

on_every_scheme! {
    fn a_release_on_an_order_0_page_takes_what_it_releases(scheme) {
        // (what the page holds, the release, and by hand what it takes:
        // refcount, pins counted released, frees, pinned afterwards). A
        // plain reference is 1, a pin the bias, 1024; no production kernel
        // refuses an unpin, so an unpin without a pin takes the bias off a
        // count that never had it, and the wrapped count reads pinned.
        type Release<'s> = &'s dyn Fn(PageRef<'_, Std>) -> Result<(), GupError>;
        let unpin: Release = &|page| scheme.unpin_user_page(page);
        let put: Release = &|page| scheme.put_page(page);
        let three_pins: Release = &|page| scheme.put_compound_head(page, 3, GupFlags::FOLL_PIN);
        let takes = |refcount, pins, frees, pinned_after| Takes { refcount, pins, frees, pinned_after };
        let cases: [(&str, (Held, Release, Takes)); 6] = [
            (
                "freed_page_contents_read_back_as_poison",
                (ONE_PLAIN, put, takes(1, 0, 1, false)),
            ),
            (
                "unpinning_the_last_reference_frees_the_page",
                (Held { plain: 0, pins: 1 }, unpin, takes(1024, 1, 1, false)),
            ),
            (
                "unpin_user_page_drops_one_pin_and_keeps_the_plain_references",
                (Held { plain: 1, pins: 2 }, unpin, takes(1024, 1, 0, true)),
            ),
            (
                "unpin_user_page_without_a_pin_corrupts_the_count_as_a_production_kernel",
                (ONE_PLAIN, unpin, takes(1024, 1, 0, true)),
            ),
            (
                "put_page_drops_a_plain_reference_and_leaves_the_pin",
                (Held { plain: 1, pins: 1 }, put, takes(1, 0, 0, true)),
            ),
            (
                "put_compound_head_releases_more_pins_than_are_held",
                (Held { plain: 1, pins: 2 }, three_pins, takes(3 * 1024, 3, 0, true)),
            ),
        ];

        each_case(cases, |(held, release, takes)| {
            assert_release_takes(&scheme, held, release, takes)
        })
    }
}

on_every_scheme! {
    fn put_page_frees_the_page_when_the_count_reaches_its_free_value_exactly_once(scheme) {
        // Freed at 0; a devmap page is handed back to its driver at 1.
        let memory = one_page(&scheme, Held { plain: 2, pins: 0 });
        let page = memory.page(0)?;
        let freed_at = scheme.freed_at();
        assert_eq!(page_ref_count(page), freed_at + 2);

        scheme.put_page(page)?;
        assert_eq!(page_ref_count(page), freed_at + 1);
        assert_eq!(page.times_freed(), 0, "freed while a reference is left");

        scheme.put_page(page)?;
        assert_eq!(page_ref_count(page), freed_at);
        assert_eq!(page.times_freed(), 1);
        Ok(())
    }
}

on_zero_based_schemes! {
    fn put_page_at_zero_is_not_refused_and_takes_the_count_to_minus_one(scheme) {
        // put_page_testzero's VM_BUG_ON is CONFIG_DEBUG_VM only: a
        // production kernel decrements, the count goes to -1, and the page
        // (already freed) is not freed again. (A devmap page at 1 goes to
        // 0 and is freed again: operations_devmap.rs.)
        let memory = one_freed_page(&scheme)?;
        let page = memory.page(0)?;

        scheme.put_page(page)?;

        assert_eq!(page_ref_count(page), -1);
        assert_eq!(page.times_freed(), 1);
        Ok(())
    }
}

on_every_scheme! {
    fn unpin_user_page_on_a_page_holding_1023_plain_references_takes_it_below_zero(scheme) {
        // Just below the bias: the counter shows no pin can be held, and
        // nothing checks it.
        let memory = one_page(&scheme, Held { plain: 1023 - i64::from(scheme.freed_at()), pins: 0 });
        let page = memory.page(0)?;
        assert_eq!(page_ref_count(page), 1023);

        scheme.unpin_user_page(page)?;

        assert_eq!(page_ref_count(page), -1);
        Ok(())
    }
}

// ------------------------------------ unpin_user_pages{,_dirty_lock}

on_every_scheme! {
    fn unpin_user_pages_and_its_dirty_lock_form_unpin_every_page(scheme) {
        // Three clean order-0 pages, each holding a plain reference and a
        // pin, unpinned by one call: each ends one pin lighter and unpinned,
        // dirty exactly when the call dirties, and three releases are
        // counted.
        type Unpin<'s> = &'s dyn Fn(&[PageRef<'_, Std>]) -> Result<(), GupError>;
        let cases: [(&str, (Unpin, bool)); 3] = [
            ("unpin_user_pages_unpins_every_page", (&|pages| scheme.unpin_user_pages(pages), false)),
            (
                "unpin_user_pages_dirty_lock_marks_each_page_dirty_and_unpins_it",
                (&|pages| scheme.unpin_user_pages_dirty_lock(pages, true), true),
            ),
            (
                "unpin_user_pages_dirty_lock_without_make_dirty_leaves_pages_clean",
                (&|pages| scheme.unpin_user_pages_dirty_lock(pages, false), false),
            ),
        ];

        each_case(cases, |(unpin, dirtied)| {
            let memory = holding(&scheme, &[0, 0, 0], Held { plain: 1, pins: 1 })?;
            let pages = [memory.page(0)?, memory.page(1)?, memory.page(2)?];
            assert!(!pages.into_iter().any(page_dirty), "set up clean");
            let pinned = page_ref_count(pages[0]);

            unpin(&pages)?;

            for page in pages {
                assert_eq!(page_ref_count(page), pinned - 1024, "{page:?}");
                assert!(!scheme.page_dma_pinned(page), "{page:?}");
                assert_eq!(page_dirty(page), dirtied, "{page:?}");
            }
            assert_eq!(memory.vmstat().released(), 3);
            Ok(())
        })
    }
}

on_every_scheme! {
    fn unpin_user_pages_releases_every_entry_whether_or_not_it_is_pinned(scheme) {
        let memory = holding(&scheme, &[0, 0, 0, 0], Held { plain: 1, pins: 1 })?;
        let pages = [memory.page(0)?, memory.page(1)?, memory.page(2)?, memory.page(3)?];
        scheme.init_page(pages[1], ONE_PLAIN);
        scheme.init_page(pages[2], Held { plain: 2, pins: 0 });
        let plain_1 = page_ref_count(pages[1]);
        let plain_2 = page_ref_count(pages[2]);

        scheme.unpin_user_pages(&pages)?;

        assert_eq!(page_ref_count(pages[0]), plain_1, "page 0 was unpinned");
        assert_eq!(page_ref_count(pages[1]), plain_1 - 1024, "page 1 was corrupted");
        assert_eq!(page_ref_count(pages[2]), plain_2 - 1024, "page 2 was corrupted");
        assert_eq!(page_ref_count(pages[3]), plain_1, "page 3 was unpinned");
        assert_eq!(memory.vmstat().released(), 4);
        Ok(())
    }
}

on_every_scheme! {
    fn unpin_user_pages_dirty_lock_sets_pg_dirty_before_the_unpin_and_not_again_once_dirty(scheme) {
        let (memory, log) = observed_holding(&scheme, &[0], Held { plain: 1, pins: 2 })?;
        let page = memory.page(0)?;

        scheme.unpin_user_pages_dirty_lock(&[page], true)?;

        let first = log.kinds();
        let dirtied = first
            .iter()
            .position(|kind| *kind == EventKind::FlagSet { flag: "PG_dirty" })
            .expect("PG_dirty was never set");
        let unpinned = first
            .iter()
            .position(|kind| matches!(kind, EventKind::Refcount { old, new, .. } if old - new == 1024))
            .expect("the pin was never dropped");
        assert!(dirtied < unpinned, "PG_dirty set after the unpin: {first:#?}");
        log.clear();

        scheme.unpin_user_pages_dirty_lock(&[page], true)?;

        let flags_set = log.kinds().into_iter().filter(|kind| matches!(kind, EventKind::FlagSet { .. }));
        assert_eq!(flags_set.count(), 0, "a dirty page is left alone");
        assert!(page_dirty(page));
        Ok(())
    }
}

/// `unpin_user_pages_dirty_lock` dirties before it unpins, as the kernel
/// does, and nothing refuses the unpin of a page that holds no pin: the
/// page ends dirty and its count corrupted.
#[test]
fn unpin_user_pages_dirty_lock_on_a_page_without_a_pin_dirties_it_and_corrupts_the_count()
-> TestResult {
    let memory = one_page(&Seed, ONE_PLAIN);
    let page = memory.page(0)?;

    Seed.unpin_user_pages_dirty_lock(&[page], true)?;

    assert_eq!(page_ref_count(page), 1 - 1024);
    assert_eq!(memory.vmstat().released(), 1);
    assert!(page_dirty(page));
    Ok(())
}

// ---------------------------------------------------- matched release (P7)

on_every_scheme! {
    fn put_compound_head_refuses_foll_get_and_foll_pin_together(scheme) {
        let both = GupFlags::FOLL_GET | GupFlags::FOLL_PIN;

        assert_refused(
            &scheme,
            Held { plain: 1, pins: 1 },
            |_, page| scheme.put_compound_head(page, 1, both).err(),
            GupError::FollGetAndPin,
        )
    }
}
