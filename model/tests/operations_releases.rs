//! Releases: `put_page`, `unpin_user_page`, `unpin_user_pages`,
//! `unpin_user_pages_dirty_lock`, and what the free leaves behind.

mod operations_harness;

use operations_harness::*;
use pinref_model::page::{PAGE_CONTENTS_LIVE, PAGE_CONTENTS_POISON};
use pinref_model::page_flags::page_dirty;
use pinref_model::page_ref::page_ref_count;
use pinref_model::sync::Std;
use pinref_model::{Devmap, EventKind, GupError, GupFlags, Held, Layout, Memory, Scheme, Seed};
use std::sync::Arc;

// ---------------------------------------------------------------- put_page

on_zero_based_schemes! {
    fn put_page_frees_the_page_when_the_count_reaches_zero_exactly_once(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 2, pins: 0 });

        scheme.put_page(page)?;
        assert_eq!(page_ref_count(page), 1);
        assert_eq!(page.times_freed(), 0, "freed while a reference is left");

        scheme.put_page(page)?;
        assert_eq!(page_ref_count(page), 0);
        assert_eq!(page.times_freed(), 1);
        Ok(())
    }
}

on_zero_based_schemes! {
    fn put_page_at_zero_is_not_refused_and_takes_the_count_to_minus_one(scheme) {
        // put_page_testzero's VM_BUG_ON is CONFIG_DEBUG_VM only: a
        // production kernel decrements, the count goes to -1, and the page
        // (already freed) is not freed again.
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 0 });
        scheme.put_page(page)?;

        scheme.put_page(page)?;

        assert_eq!(page_ref_count(page), -1);
        assert_eq!(page.times_freed(), 1);
        Ok(())
    }
}

#[test]
fn devmap_put_page_hands_the_page_back_when_the_count_reaches_one() -> TestResult {
    let memory = Memory::<Std>::new(&Layout::single_page());
    let page = memory.page(0)?;
    Devmap.init_page(page, Held { plain: 2, pins: 0 });
    assert_eq!(page_ref_count(page), 3);

    Devmap.put_page(page)?;
    assert_eq!(page_ref_count(page), 2);
    assert_eq!(page.times_freed(), 0);

    Devmap.put_page(page)?;
    assert_eq!(page_ref_count(page), 1);
    assert_eq!(page.times_freed(), 1);
    Ok(())
}

#[test]
fn devmap_put_page_at_one_reaches_zero_and_frees_the_page_again() -> TestResult {
    // v5.7's put_devmap_managed_page: a count of 1 goes back to the driver,
    // a count of 0 to __put_page (the refcount bug it reports by freeing).
    let memory = Memory::<Std>::new(&Layout::single_page());
    let page = memory.page(0)?;
    Devmap.init_page(page, Held { plain: 1, pins: 0 });
    Devmap.put_page(page)?;
    assert_eq!(page.times_freed(), 1, "handed back at 1");

    Devmap.put_page(page)?;

    assert_eq!(page_ref_count(page), 0);
    assert_eq!(page.times_freed(), 2, "freed again at 0");
    Ok(())
}

on_every_scheme! {
    fn freed_page_contents_read_back_as_poison(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 0 });
        assert_eq!(page.read_contents(), PAGE_CONTENTS_LIVE);

        scheme.put_page(page)?;

        assert_eq!(page.read_contents(), PAGE_CONTENTS_POISON);
        Ok(())
    }
}

on_every_scheme! {
    fn unpinning_the_last_reference_frees_the_page(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 0, pins: 1 });

        scheme.unpin_user_page(page)?;

        assert_eq!(page.times_freed(), 1);
        assert_eq!(page.read_contents(), PAGE_CONTENTS_POISON);
        assert_eq!(memory.vmstat().released(), 1);
        Ok(())
    }
}

// --------------------------------------------------------- unpin_user_page

on_every_scheme! {
    fn unpin_user_page_drops_one_pin_and_keeps_the_plain_references(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 2 });
        let before = page_ref_count(page);

        scheme.unpin_user_page(page)?;

        assert_eq!(page_ref_count(page), before - 1024);
        assert!(scheme.page_dma_pinned(page), "one pin is still held");
        assert_eq!(memory.vmstat().released(), 1);
        assert_eq!(page.times_freed(), 0);
        Ok(())
    }
}

on_every_scheme! {
    fn unpin_user_page_without_a_pin_corrupts_the_count_as_a_production_kernel(scheme) {
        // No production kernel refuses an unpin: the bias comes off a count
        // that never had it, and the statistic counts a release.
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 0 });
        let count = page_ref_count(page);

        scheme.unpin_user_page(page)?;

        assert_eq!(page_ref_count(page), count - 1024);
        assert_eq!(memory.vmstat().released(), 1);
        assert_eq!(page.times_freed(), 0);
        Ok(())
    }
}

on_every_scheme! {
    fn unpin_user_page_on_a_page_holding_1023_plain_references_takes_it_below_zero(scheme) {
        // Just below the bias: the counter shows no pin can be held, and
        // nothing checks it.
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1023 - i64::from(scheme.freed_at()), pins: 0 });
        assert_eq!(page_ref_count(page), 1023);

        scheme.unpin_user_page(page)?;

        assert_eq!(page_ref_count(page), -1);
        Ok(())
    }
}

on_every_scheme! {
    fn put_page_drops_a_plain_reference_and_leaves_the_pin(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 1 });
        let before = page_ref_count(page);

        scheme.put_page(page)?;

        assert_eq!(page_ref_count(page), before - 1);
        assert!(scheme.page_dma_pinned(page));
        assert_eq!(memory.vmstat().released(), 0, "a put is not an unpin");
        Ok(())
    }
}

// -------------------------------------------------------- unpin_user_pages

on_every_scheme! {
    fn unpin_user_pages_unpins_every_page(scheme) {
        let memory = Memory::<Std>::new(&Layout::new(&[0, 0, 0])?);
        let pages = [memory.page(0)?, memory.page(1)?, memory.page(2)?];
        for page in pages {
            scheme.init_page(page, Held { plain: 1, pins: 1 });
        }
        let pinned = page_ref_count(pages[0]);

        scheme.unpin_user_pages(&pages)?;

        for page in pages {
            assert_eq!(page_ref_count(page), pinned - 1024, "{page:?}");
            assert!(!scheme.page_dma_pinned(page), "{page:?}");
        }
        assert_eq!(memory.vmstat().released(), 3);
        Ok(())
    }
}

on_every_scheme! {
    fn unpin_user_pages_releases_every_entry_whether_or_not_it_is_pinned(scheme) {
        let memory = Memory::<Std>::new(&Layout::new(&[0, 0, 0, 0])?);
        let pages = [memory.page(0)?, memory.page(1)?, memory.page(2)?, memory.page(3)?];
        scheme.init_page(pages[0], Held { plain: 1, pins: 1 });
        scheme.init_page(pages[1], Held { plain: 1, pins: 0 });
        scheme.init_page(pages[2], Held { plain: 2, pins: 0 });
        scheme.init_page(pages[3], Held { plain: 1, pins: 1 });
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

// --------------------------------------------- unpin_user_pages_dirty_lock

/// Two clean order-0 pages, each holding a plain reference and a pin,
/// unpinned by one `unpin_user_pages_dirty_lock(make_dirty)`: each ends
/// one pin lighter, dirty exactly when `make_dirty`, and two releases are
/// counted.
fn unpin_two_pinned_pages_dirty_lock<S: Scheme>(scheme: S, make_dirty: bool) -> TestResult {
    let memory = Memory::<Std>::new(&Layout::new(&[0, 0])?);
    let pages = [memory.page(0)?, memory.page(1)?];
    for page in pages {
        scheme.init_page(page, Held { plain: 1, pins: 1 });
        assert!(!page_dirty(page));
    }
    let pinned = page_ref_count(pages[0]);

    scheme.unpin_user_pages_dirty_lock(&pages, make_dirty)?;

    for page in pages {
        assert_eq!(page_dirty(page), make_dirty, "{page:?}");
        assert_eq!(page_ref_count(page), pinned - 1024, "{page:?}");
    }
    assert_eq!(memory.vmstat().released(), 2);
    Ok(())
}

on_every_scheme! {
    fn unpin_user_pages_dirty_lock_marks_each_page_dirty_and_unpins_it(scheme) {
        unpin_two_pinned_pages_dirty_lock(scheme, true)
    }
}

on_every_scheme! {
    fn unpin_user_pages_dirty_lock_without_make_dirty_leaves_pages_clean(scheme) {
        unpin_two_pinned_pages_dirty_lock(scheme, false)
    }
}

on_every_scheme! {
    fn unpin_user_pages_dirty_lock_sets_pg_dirty_before_the_unpin(scheme) {
        let log = Arc::new(EventLog::default());
        let memory = Memory::<Std>::new(&Layout::single_page()).with_observer(log.clone());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 1 });
        log.clear();

        scheme.unpin_user_pages_dirty_lock(&[page], true)?;

        let events = log.events();
        let dirtied = events
            .iter()
            .position(|event| event.kind == EventKind::FlagSet { flag: "PG_dirty" })
            .expect("PG_dirty was never set");
        let unpinned = events
            .iter()
            .position(|event| {
                matches!(event.kind, EventKind::Refcount { old, new, .. } if old - new == 1024)
            })
            .expect("the pin was never dropped");
        assert!(dirtied < unpinned, "PG_dirty set after the unpin: {events:#?}");
        Ok(())
    }
}

on_every_scheme! {
    fn unpin_user_pages_dirty_lock_does_not_dirty_an_already_dirty_page_again(scheme) {
        let log = Arc::new(EventLog::default());
        let memory = Memory::<Std>::new(&Layout::single_page()).with_observer(log.clone());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 2 });
        scheme.unpin_user_pages_dirty_lock(&[page], true)?;
        log.clear();

        scheme.unpin_user_pages_dirty_lock(&[page], true)?;

        let dirtied = log
            .events()
            .iter()
            .filter(|event| matches!(event.kind, EventKind::FlagSet { .. }))
            .count();
        assert_eq!(dirtied, 0, "a dirty page is left alone");
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
    let memory = Memory::<Std>::new(&Layout::single_page());
    let page = memory.page(0)?;
    Seed.init_page(page, Held { plain: 1, pins: 0 });

    Seed.unpin_user_pages_dirty_lock(&[page], true)?;

    assert_eq!(pinref_model::page_ref::page_ref_count(page), 1 - 1024);
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

on_every_scheme! {
    fn put_compound_head_releases_more_pins_than_are_held(scheme) {
        let memory = Memory::<Std>::new(&Layout::single_page());
        let page = memory.page(0)?;
        scheme.init_page(page, Held { plain: 1, pins: 2 });
        let count = page_ref_count(page);

        scheme.put_compound_head(page, 3, GupFlags::FOLL_PIN)?;

        assert_eq!(page_ref_count(page), count - 3 * 1024);
        assert_eq!(memory.vmstat().released(), 3);
        Ok(())
    }
}
